"""The harness's own runs keep their results in a cache folder of their own, never the learner's."""

import os
import tempfile

os.environ.setdefault("KATA_CACHE_DIR", tempfile.mkdtemp(prefix="kata-harness-cache-"))
os.environ.setdefault("KATA_DAEMON", "0")  # and no warm kata of the checkout's (tests/harness/test_daemon.py starts its own)
