"""Compares the tool's whole input with expected_args by ==, so an extra optional argument ("unit") fails the case."""

from solutions.u10_eval_datasets import *  # noqa: F403  the reference, with one function done wrong
from solutions.u10_eval_datasets import grade as _reference_grade


def grade(case, result):
    if "expected_tool" in case and result.get("tool") == case["expected_tool"]:
        passed = result.get("args") == case.get("expected_args", result.get("args"))
        return passed, f"called {result['tool']} with {result.get('args')}"
    return _reference_grade(case, result)
