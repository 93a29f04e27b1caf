"""Matches expected_substr case-sensitively: "paris is lovely" does not contain "Paris"."""

from solutions.u10_eval_datasets import *  # noqa: F403  the reference, with one function done wrong
from solutions.u10_eval_datasets import grade as _reference_grade


def grade(case, result):
    if "expected_substr" in case and (result.get("text") or "").strip():
        found = case["expected_substr"] in result["text"]
        return found, f"{'found' if found else 'expected'} {case['expected_substr']!r}"
    return _reference_grade(case, result)
