"""The verdict capture (kata/commands/outcomes.py): the file reads back as written, and a changed verdict is named.

The comparison itself runs in test_soundness.py, on the soundness rounds' own results; these checks run nothing.
"""

from __future__ import annotations

import pytest

from kata.commands import outcomes
from kata.units import ROOT, UNITS

pytestmark = pytest.mark.harness

TABLE = {
    "solutions/u01_vocabulary": {"test_a[x-1]": "passed", "test_b": "passed", "test_c": "passed"},
    "stubs/u01_vocabulary": {"test_a[x-1]": "stub", "test_b": "missing", "test_c": "timeout"},
    "mistakes/u01_vocabulary/case_sensitive": {"test_a[x-1]": "passed", "test_b": "failed", "test_c": "skipped"},
    "alternatives/u01_vocabulary/regex": {"test_a[x-1]": "passed", "test_b": "crashed"},  # test_c never ran
}


def test_the_file_reads_back_as_written(tmp_path):
    path = tmp_path / "outcomes.json"
    outcomes.write(path, TABLE)
    assert outcomes.read(path) == TABLE
    assert '"mistakes/u01_vocabulary/case_sensitive": "PFS"' in path.read_text()  # one line a target


def test_a_changed_verdict_is_named_with_its_target_and_test():
    now = {name: dict(tests) for name, tests in TABLE.items() if not name.startswith("alternatives/")}
    now["mistakes/u01_vocabulary/case_sensitive"]["test_c"] = "passed"
    now["stubs/u01_vocabulary"]["test_d"] = "stub"
    now["mistakes/u01_vocabulary/new_one"] = {"test_a[x-1]": "failed"}
    changed = outcomes.differences(TABLE, now, [u for u in UNITS if u.slug == "u01_vocabulary"])
    assert changed == [
        "alternatives/u01_vocabulary/regex: captured, but no longer run (a mistake or alternative removed?)",
        "mistakes/u01_vocabulary/case_sensitive :: test_c: skipped → passed",
        "mistakes/u01_vocabulary/new_one: run, but not in the capture (a new mistake or alternative?)",
        "stubs/u01_vocabulary :: test_d: absent → stub",
    ]
    assert outcomes.differences(TABLE, now, [u for u in UNITS if u.slug == "u04_embeddings"]) == []


def test_a_verdict_with_no_letter_is_refused(tmp_path):
    with pytest.raises(ValueError, match="LETTERS"):
        outcomes.write(tmp_path / "x.json", {"stubs/u01_vocabulary": {"test_a": "exploded"}})


def test_the_capture_covers_every_target_of_the_soundness_rounds():
    """Every playable unit's solutions and stub, and every catalogued mistake and alternative, has a line."""
    captured = set(outcomes.read(outcomes.CAPTURE))
    expected = set()
    for unit in (u for u in UNITS if u.ready):
        expected |= {f"solutions/{unit.slug}", f"stubs/{unit.slug}"}
        expected |= {f"mistakes/{unit.slug}/{p.stem}" for p in outcomes.catalogue(unit)}
        expected |= {f"alternatives/{unit.slug}/{p.stem}" for p in outcomes.alternatives(unit)}
    missing, extra = sorted(expected - captured), sorted(captured - expected)
    units = sorted({name.split("/")[1].split("_")[0] for name in missing + extra})
    assert not missing and not extra, (
        f"{outcomes.CAPTURE.relative_to(ROOT)} lacks {missing} and has no longer-run {extra}. If that is on purpose: "
        f"`uv run kata outcomes --write {outcomes.CAPTURE.relative_to(ROOT)} {' '.join(units)}`")
