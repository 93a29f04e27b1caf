"""Computes the total as "cases minus graded failures", so a case the API errored on counts as a pass."""

from solutions.u10_eval_datasets import *  # noqa: F403  the reference, with one function done wrong


def report(rows):
    lines = [f"{'PASS' if row['passed'] else 'FAIL'}  {row['id']}  {row['reason']}" for row in rows]
    failed = sum(1 for row in rows if row["result"] is not None and not row["passed"])
    return "\n".join(lines + [f"{len(rows) - failed} / {len(rows)} passed"])
