"""The repository's data (models, corpus, evals) is found wherever the graded tree sits."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from kata.corpus import ASSISTANT_EVAL, CORPUS
from kata.models import STUDENT_DIR
from kata.units import ROOT

pytestmark = pytest.mark.harness


def test_the_kata_names_its_data():
    assert (STUDENT_DIR / "embeddings.npy").is_file() and ASSISTANT_EVAL.is_file() and CORPUS.is_dir()


def test_a_copy_of_the_solutions_elsewhere_passes_u10_and_u11(tmp_path):
    copy = tmp_path / "graded" / "exercises"
    copy.mkdir(parents=True)
    for path in [*(ROOT / "solutions").glob("*.py"), ROOT / "solutions" / "u10_my_eval.jsonl"]:
        shutil.copy(path, copy / path.name)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--impl", str(copy),
                           "tests/test_u10_eval_datasets.py", "tests/test_u11_distillation_and_quantization.py"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0 and " passed" in out and "failed" not in out, out
