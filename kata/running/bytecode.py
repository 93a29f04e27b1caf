"""The environment byte-compiled once, where Python is told never to write bytecode itself.

Many container images set PYTHONDONTWRITEBYTECODE=1, and `uv run` does not compile at install by
default: then every `kata` command compiles some 4,500 modules of the SDKs from source again (7.6 s
of CPU for one `kata check`). uv's own `compile-bytecode` setting fixes that, but makes every `uv run`
walk the whole environment again (1-1.5 s a command here). So the first `kata` command starts one
background `compileall` of site-packages (written whatever the variable says), and later commands
find the bytecode; a change of the installed packages compiles again.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

COMPILE = ("import compileall, pathlib, sys\n"
           "ok = compileall.compile_dir(sys.argv[1], quiet=2, workers=0)\n"
           "pathlib.Path(sys.argv[2]).write_text(sys.argv[3])\n")


def _installed(site: Path) -> str:
    """What is installed, by name and version (the dist-info folders): a change means compile again."""
    return hashlib.sha256("\n".join(sorted(p.name for p in site.glob("*.dist-info"))).encode()).hexdigest()[:16]


def ensure() -> None:
    """Start compiling the environment in the background, once per set of installed packages."""
    if not sys.flags.dont_write_bytecode:  # Python writes a .pyc as it imports: nothing to do
        return
    site = Path(sysconfig.get_paths()["purelib"])
    marker = Path(sys.prefix) / ".kata-bytecode"
    try:
        installed = _installed(site)
        said = marker.read_text() if marker.exists() else ""
        if said == installed or (said == "compiling" and time.time() - marker.stat().st_mtime < 600):
            return  # compiled, or being compiled by another command (a compile that died is retried)
        if not os.access(site, os.W_OK):
            return
        marker.write_text("compiling")  # one compile at a time, even when two commands start together
    except OSError:
        return
    subprocess.Popen([sys.executable, "-c", COMPILE, str(site), str(marker), installed],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True)


def compile_kata(folder: Path) -> None:
    """The kata's own modules byte-compiled too, where Python is told not to write bytecode: every command's
    process imports some twenty of them (the CLI, the board, the daemon's client), ~15 ms of compiling each
    time. Called by the warm daemon, which starts again whenever they change. Python checks each .pyc against
    its source's size and time, so an edited module is compiled from source again, never run stale."""
    if not sys.flags.dont_write_bytecode or not os.access(folder, os.W_OK):
        return
    import compileall

    compileall.compile_dir(folder, quiet=2, workers=1)
