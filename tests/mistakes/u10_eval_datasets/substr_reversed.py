"""Checks the reply inside the expected value (text in expected_substr), so an empty reply "contains" anything."""

from solutions.u10_eval_datasets import *  # noqa: F403  the reference, with one function done wrong
from solutions.u10_eval_datasets import grade as _reference_grade


def grade(case, result):
    if "expected_substr" in case:
        text = result.get("text") or ""
        found = text.lower() in case["expected_substr"].lower()
        return found, f"{'found' if found else 'expected'} {case['expected_substr']!r} in {text!r}"
    return _reference_grade(case, result)
