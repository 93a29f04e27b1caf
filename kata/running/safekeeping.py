"""Nothing a learner writes is lost: files that learner code deletes while its tests run are put back.

The runner takes a snapshot of the target tree before a run (the learner's files are small) and,
after it, restores any file the run deleted, saying so. A file the run *changed* is left as it is: the
learner may have saved it while the tests ran, and their save wins.
"""

from __future__ import annotations

from pathlib import Path

from kata.learner.impl import display_path

LARGEST = 2_000_000  # bytes: bigger files in a tree are not the learner's code


def snapshot(tree: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in tree.glob("*")
            if path.is_file() and path.stat().st_size <= LARGEST}


def restore(before: dict[Path, bytes]) -> list[str]:
    """Put back the files of `before` that are gone; one sentence for each."""
    notes = []
    for path, content in before.items():
        if not path.exists():
            path.write_bytes(content)
            notes.append(f"Your code deleted {display_path(path)} while the tests ran; the kata put it back as it was "
                         f"when the run began. (Code under test should not touch the files of exercises/.)")
    return notes
