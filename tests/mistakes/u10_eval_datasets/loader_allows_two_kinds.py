"""Checks that a case has some expectation, not exactly one, and lets duplicate ids through."""

import json
from pathlib import Path

from solutions.u10_eval_datasets import *  # noqa: F403  the reference, with one function done wrong


def load_eval(path):
    cases = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except ValueError as error:
            raise ValueError(f"{path}:{number}: not valid JSON ({error})") from None
        if not isinstance(case, dict) or not case.get("id") or not case.get("input"):
            raise ValueError(f"{path}:{number}: needs an object with 'id' and 'input'")
        if not any(k in case for k in KINDS):  # noqa: F405
            raise ValueError(f"{path}:{number}: no expected_* key")
        cases.append(case)
    return cases
