"""Feedback that teaches (issue 19): the cause before its echoes, a timeout's call chain, tests never run.

Each scenario is a copy of solutions/ with one learner's mistake written in, run through the same
runner and worker as `kata check`; what is checked is what the learner reads.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import time
from pathlib import Path

import pytest

from kata.commands import board, cli
from kata.running import runner
from kata import stubs
from kata.judge import report
from kata.judge.child import raised_in_of
from kata.judge.report import NOT_RUN, UnitResult
from kata.units import ROOT, UNITS, find

pytestmark = pytest.mark.harness

READY = [u for u in UNITS if u.ready]
LIMIT = 6.0  # seconds a test, for the run that loops on purpose (short; long enough that a loaded machine is never the cause)


def solutions_with(tmp_path: Path, unit, old: str, new: str, *more: tuple[str, str]) -> Path:
    """A copy of solutions/ where `old` in `unit`'s file reads `new` (and each further (old, new) pair too)."""
    tree = tmp_path / "exercises"
    shutil.copytree(ROOT / "solutions", tree, ignore=shutil.ignore_patterns("__pycache__"))
    path = tree / f"{unit.slug}.py"
    text = path.read_text()
    for was, now in ((old, new), *more):
        assert was in text, f"{unit.solution} no longer holds {was!r}: update this scenario"
        text = text.replace(was, now)
    path.write_text(text)
    return tree


def u04_with_cosine_a_stub() -> str:
    """U04's reference with `cosine` put back to a stub (the reference's own kept as `_cosine`, which it calls)."""
    return (ROOT / find(4).solution).read_text().replace("def cosine(", "def _cosine(").replace(
        "\ndef _cosine(", "\ndef cosine(a, b):\n    raise NotImplementedError('U04 · cosine() is not written yet')"
        "\n\n\ndef _cosine(", 1)


def results_by_name(unit, tree: Path) -> tuple[UnitResult, dict]:
    """The unit run on `tree`, and its tests by name (parameters left out: the first of each)."""
    result = runner.run([unit], str(tree), use_cache=False, time_limit=60).results[unit.slug]
    by_name = {}
    for test in result.tests:
        by_name.setdefault(test.name.split("[")[0], test)
    return result, by_name


def _public_calls(source: str, code: str) -> dict[str, set[str]]:
    """{function: the public functions it calls, through private helpers, and the earlier units' it imports}."""
    tree = ast.parse(source)
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    imported = {a.asname or a.name: f"U{n.module[1:3]}.{a.name}" for n in tree.body
                if isinstance(n, ast.ImportFrom) and n.level == 1 for a in n.names}

    def direct(name):
        return {x.id for x in ast.walk(functions[name]) if isinstance(x, ast.Name) and isinstance(x.ctx, ast.Load)
                and x.id != name and (x.id in functions or x.id in imported)}

    table = {}
    for name in functions:
        if name.startswith("_"):
            continue
        found, todo, seen = set(), list(direct(name)), set()
        while todo:
            callee = todo.pop()
            if callee in seen:
                continue
            seen.add(callee)
            if callee in imported:
                found.add(imported[callee])
            elif callee.startswith("_"):
                todo += direct(callee)
            elif callee[:1].islower():  # a function (constants imported from an earlier unit are not calls)
                found.add(f"{code}.{callee}")
        table[f"{code}.{name}"] = {f for f in found if not f.split(".")[1].isupper()}
    return table


@pytest.mark.parametrize("unit", [u for u in UNITS if u.ready], ids=lambda u: u.slug)
def test_the_calls_in_kata_units_are_those_of_the_solution(unit):
    """What units.py says a function calls is what solutions/ calls, so an echo is judged on the truth."""
    actual = {k: v for k, v in _public_calls((ROOT / unit.solution).read_text(), unit.code).items() if v}
    stated = {k: set(v) for k, v in unit.callees().items() if not k.endswith(".show")}
    assert stated == actual, (f"{unit.code}'s `calls` in kata/units.py differs from {unit.solution}: stated {stated}, "
                              f"the solution's {actual}. Write one line per function that calls others, e.g. "
                              f"\"train_adapter: init_adapter lora_gradients forward\" (an earlier unit's as U10.grade).")


def test_a_loss_averaged_over_rows_shows_the_gradient_first_and_the_echoes_say_so(tmp_path):
    u09 = find(9)
    tree = solutions_with(tmp_path, u09, "G = 2 * E / E.size", "G = 2 * E / len(E)")
    result = runner.run([u09], str(tree), use_cache=False).results[u09.slug]
    cause = result.first_failure
    assert cause.name == "test_the_gradients_agree_with_finite_differences", cause.name
    echoes = [t for t in result.tests if result.echo_of(t)]
    assert {t.name for t in echoes} >= {"test_losses_k_is_the_loss_after_k_steps", "test_training_the_adapter_makes_the_loss_fall"}
    assert all(result.echo_of(t)[0] is cause for t in echoes)
    listed = "\n".join(board.unit_lines(result, verbose=True))
    assert "test_losses_k_is_the_loss_after_k_steps  (may fail only because `lora_gradients` does: fix that first)" in listed
    assert "the cause to fix first" in listed
    diverged = next(t for t in echoes if t.name == "test_losses_k_is_the_loss_after_k_steps").message
    assert "diverge" in diverged and not re.search(r"nan.*expected.*nan", diverged, re.S), diverged


def test_an_endless_loop_names_the_learner_call_chain_and_the_rest_is_not_run(tmp_path):
    """A timeout names the learner's call chain, outermost first, and shows what the call printed before it was
    stopped (the learner's process is ended, so its print travels with the answer to the watchdog)."""
    u03 = find(3)
    tree = solutions_with(tmp_path, u03, '    sentences = [split_sentences(text) for _, text in chunks]\n',
                          '    print("cutting the context down")\n    while True:\n        count_tokens(LONG)\n')
    with open(tree / f"{u03.slug}.py", "a") as file:  # made once: each turn of the loop is all count_tokens's, so the
        file.write('\nLONG = "words " * 20000\n')  # strike lands there, not in cut_context between two calls
    result = runner.run([u03], str(tree), use_cache=False, time_limit=LIMIT).results[u03.slug]
    assert result.status == "timed out"
    stopped = next(t for t in result.tests if t.state == "timeout")
    chain = re.search(r"`cut_context` \(\S+u03_tokens_and_attention\.py:(\d+)\) → `count_tokens` \(\S+:(\d+)\)",
                      stopped.message)
    assert chain, f"the timeout should name cut_context, then count_tokens, with lines: {stopped.name}: {stopped.message}"
    never = [t for t in result.tests if t.state == NOT_RUN]
    assert never, "the tests after a timeout were never run: they should say so"
    listed = board.unit_lines(result, verbose=True)
    assert all(any(line.strip().startswith("·") and t.name in line and "(not run)" in line for line in listed)
               for t in never)
    assert not any("✘" in line and t.name in line for line in listed for t in never)
    shown = board.unit_lines(result)  # what `kata next 3` prints: the tests not run are listed there too, the first few
    listed_here = never[:board.NOT_RUN_SHOWN] if len(never) > board.NOT_RUN_SHOWN + 1 else never
    assert all(any(line.strip().startswith("·") and t.name in line and "(not run)" in line for line in shown)
               for t in listed_here), "\n".join(shown)
    assert len(listed_here) == len(never) or f"… and {len(never) - len(listed_here)} more" in "\n".join(shown)
    assert "| cutting the context down" in "\n".join(shown), "what the call printed before it was stopped is shown"
    # count_tokens was called again and again, cut_context ran all along: the loop is there, and the edit line says so
    assert "The loop is in `cut_context`" in stopped.message, stopped.message
    assert "u03_tokens_and_attention.py (`cut_context`, where the loop is)" in "\n".join(shown), "\n".join(shown)


def test_a_loop_in_an_earlier_units_function_stops_only_the_tests_that_reach_it(tmp_path):
    """U04's cosine loops, run through U06 (answer → retrieve → top_k → cosine): once a test ran out of time in it,
    the tests that reach cosine are not run, and those that never do (ask_claude, parse_citations) still run and
    pass; the line under U06's failure sends the learner to U04, as the edit line does (a blind learner saw 20
    tests not run, ask_claude's among them, and `kata next 5` under a line that said `kata next 4`)."""
    u04, u06 = find(4), find(6)
    tree = solutions_with(tmp_path, u04, "    if len(a) != len(b):\n        # zip()",
                          "    while len(a) > 0:\n        pass\n    if len(a) != len(b):\n        # zip()")
    result = runner.run([u06], str(tree), use_cache=False, time_limit=LIMIT).results[u06.slug]
    stopped = [t for t in result.tests if t.state == "timeout"]
    assert stopped and "The loop is in `cosine`" in stopped[0].message, [t.message for t in stopped]
    by_state = {}
    for test in result.tests:
        by_state.setdefault(test.state, set()).add(test.name.split("[")[0])
    assert {"test_ask_claude_returns_the_text_of_every_text_block",
            "test_parse_citations_reads_every_style"} <= by_state.get("passed", set()), by_state
    assert "test_retrieve_returns_the_closest_entries_best_first" in by_state.get(NOT_RUN, set()) | {
        t.name.split("[")[0] for t in stopped}, by_state
    unfinished = runner.unfinished_uses(u06, str(tree), extra=())
    assert min(unfinished) == "U04" and unfinished["U04"][1] == ["cosine via top_k"], unfinished


def _saved(path: Path, text: str, at: float) -> None:
    path.write_text(text, encoding="utf-8")
    os.utime(path, (at, at))


def test_kata_next_follows_the_unfinished_unit_edited_last(tmp_path):
    tree = tmp_path / "exercises"
    shutil.copytree(ROOT / "exercises", tree, ignore=shutil.ignore_patterns("__pycache__"))
    for unit in READY:
        (tree / f"{unit.slug}.py").write_text(stubs.stub_for(unit), encoding="utf-8")
    u08, u09, u12 = find(8), find(9), find(12)
    started = "\n# started: a learner's first line\n"
    now = time.time()
    _saved(tree / f"{u12.slug}.py", stubs.stub_for(u12) + started, now - 30)
    _saved(tree / f"{u09.slug}.py", stubs.stub_for(u09) + started, now - 20)
    _saved(tree / f"{u08.slug}.py", (ROOT / u08.solution).read_text(), now - 10)  # saved last, but done
    pending, _, earlier = runner.unit_to_work_on(str(tree))
    assert pending.unit == u09, f"the unfinished unit saved last is U09, not {pending.unit.code}"
    assert earlier == READY[0], "U01, untouched, is the first earlier unit left unfinished"
    os.utime(tree / f"{u12.slug}.py", (now, now))
    assert runner.unit_to_work_on(str(tree))[0].unit == u12
    os.utime(tree / f"{u09.slug}.py", (now, now))
    assert runner.unit_to_work_on(str(tree))[0].unit == u09, "saved at the same time: course order breaks the tie"


def test_kata_next_n_shows_the_unit_chosen(capsys):
    unit = READY[-1]
    cli.main(["next", str(unit.number)])
    assert f"{unit.code} · {unit.title}" in capsys.readouterr().out


def test_kata_next_n_names_the_earlier_units_it_uses_left_unfinished(capsys):
    """`kata next 6` on the stubs: U06 uses U04's embed and U05's top_k, both unfinished; a line says so and
    which to open first (a blind learner on U06 was never told, though the docs promised a line)."""
    cli.main(["next", "6"])
    said = capsys.readouterr().out
    assert "(U06 uses U04's embed, cosine via top_k (not started); U05's top_k (not started)" in said and "kata next 4` shows" in said, said


def test_an_earlier_unit_whose_used_function_passes_its_own_tests_is_not_named(tmp_path):
    """U06 uses U04's embed: with embed written and U04's cosine a stub, U04 is unfinished, but not what holds U06
    back; the line after U06's failure names U05's top_k (a stub), and U04's cosine only as what top_k calls (a blind
    learner was sent to an earlier unit on every run although the function used there passed; another, with a loop
    in cosine, was sent to U05 on the line below one that rightly said U04)."""
    u04, u06 = find(4), find(6)
    tree = tmp_path / "exercises"
    shutil.copytree(ROOT / "exercises", tree, ignore=shutil.ignore_patterns("__pycache__"))
    (tree / f"{u04.slug}.py").write_text(u04_with_cosine_a_stub())
    unfinished = runner.unfinished_uses(u06, str(tree))
    assert list(unfinished) == ["U04", "U05"] and unfinished["U05"][1] == ["top_k"], unfinished
    assert unfinished["U04"][1] == ["cosine via top_k"], unfinished  # embed, which passes, is not named


def test_restore_asks_then_brings_the_backup_back_and_keeps_the_current_file(tmp_path, monkeypatch, capsys):
    unit = READY[0]
    tree = tmp_path / "exercises"
    tree.mkdir()
    monkeypatch.setattr(cli, "ROOT", tmp_path)
    monkeypatch.setattr(cli, "STATE_DIR", tmp_path / ".kata")
    path = tree / f"{unit.slug}.py"
    path.write_text("# my first try\n")
    first = cli.reset_unit(unit, tree, tmp_path / ".kata" / "backups")
    path.write_text("# my second try\n")
    second = cli.reset_unit(unit, tree, tmp_path / ".kata" / "backups")
    path.write_text("# my third try, not backed up yet\n")

    assert cli.main(["restore", str(unit.number), "--list"]) == 0
    listed = capsys.readouterr().out
    assert listed.index(second.name) < listed.index(first.name), "newest first"

    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert cli.main(["restore", str(unit.number)]) == 1
    assert path.read_text() == "# my third try, not backed up yet\n", "answering no changes nothing"
    asked = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "y")
    assert cli.main(["restore", str(unit.number), "--pick", "2"]) == 0
    assert asked and "backed up first" in asked[0]
    assert path.read_text() == "# my first try\n"
    kept = [p.read_text() for p in cli.backups_of(unit, tmp_path / ".kata" / "backups")]
    assert sorted(kept) == ["# my first try\n", "# my second try\n", "# my third try, not backed up yet\n"], (
        "every version is still somewhere: the backups stay, the file replaced became one")


def test_restore_without_a_terminal_asks_for_yes(tmp_path, monkeypatch):
    unit = READY[0]
    monkeypatch.setattr(cli, "ROOT", tmp_path)
    monkeypatch.setattr(cli, "STATE_DIR", tmp_path / ".kata")
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / f"{unit.slug}.py").write_text("# mine\n")
    cli.reset_unit(unit, tmp_path / "exercises", tmp_path / ".kata" / "backups")
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(SystemExit, match="--yes"):
        cli.main(["restore", str(unit.number)])


def test_the_board_says_what_a_unit_uses_from_earlier_units(capsys):
    u11 = find(11)
    assert u11.uses["U10"] == ("read_reply", "grade", "load_eval")
    results = {u.slug: UnitResult(u, [report.TestResult(f"t::{u.slug}", u.slug, "verify", "stub")]) for u in READY}
    lines = board.board_lines(results)
    row = next(i for i, line in enumerate(lines) if f"{u11.code}  {u11.title}" in line)
    assert "uses" in lines[row + 1] and "U10's read_reply, grade, load_eval (not started)" in lines[row + 1]


def test_a_stub_reached_in_an_earlier_unit_sends_the_learner_to_that_file_and_function():
    u10, u11 = find(10), find(11)
    stub = report.TestResult(f"tests/{u11.test_file}::test_x", u11.slug, "verify", "stub", "",
                      f"{u10.code} · load_eval() is not written yet: write it here, then run `kata next 10`\n"
                      f"  (the stub is at {u10.exercise}:89)", calls=["U11.three_model_table"])
    text = "\n".join(board.unit_lines(UnitResult(u11, [stub])))
    assert f"Edit {u10.exercise}: {u11.code} uses {u10.code}'s `load_eval`" in text
    assert f"Edit {u11.exercise}" not in text


def test_kata_show_names_an_earlier_units_stub_and_goes_on(tmp_path, capsys):
    u10 = find(10)
    tree = tmp_path / "exercises"
    shutil.copytree(ROOT / "solutions", tree, ignore=shutil.ignore_patterns("__pycache__"))
    (tree / f"{u10.slug}.py").write_text(stubs.stub_for(u10))
    assert cli.main(["show", "11", "--impl", str(tree)]) == 0
    out = capsys.readouterr().out
    assert "U11 uses U10's `" in out and f"({u10.exercise}" in out.replace(str(tree), "exercises"), out
    assert "quantization lab" in out, "the part that needs no U10 still runs"


def test_a_unit_turning_green_says_what_the_learners_own_results_mean(tmp_path):
    u01, u02, u04 = find(1), find(2), find(4)
    tree = tmp_path / "exercises"
    shutil.copytree(ROOT / "solutions", tree, ignore=shutil.ignore_patterns("__pycache__"))
    (tree / f"{u01.slug}.py").write_text(stubs.stub_for(u01))
    with open(tree / f"{u02.slug}.py", "a") as file:  # the learner's own sheet: one Inference row more than the reference's
        file.write("\n\n_reference_sheet = my_stack\n\n\ndef my_stack():\n"
                   "    return [*_reference_sheet(), Row('Summarise the weekly status notes', INFERENCE)]\n")
    runner.lessons_with("kata.commands.lessons:compute")  # as the commands do (kata/commands/cli.py): the runner never names a command
    results = runner.run([u01, u02, u04], str(tree), use_cache=False).results
    assert results[u02.slug].status == results[u04.slug].status == "done"
    reference_rows = sum(r.column == "inference" for r in runner_free_sheet())
    assert f"{reference_rows + 1} Inference rows" in "\n".join(results[u02.slug].lesson), results[u02.slug].lesson
    cosines = "\n".join(results[u04.slug].lesson)
    assert "cos(cats, kittens) = 0." in cosines and "0.6" in cosines and "0.4" in cosines
    assert 3 <= len(results[u04.slug].lesson) <= 5
    assert not results[u01.slug].lesson, "a unit that is not done has no lesson"
    shown = "\n".join(board.unit_lines(results[u04.slug]))
    assert "What your own results say:" in shown and "cos(cats, cars)" in shown
    assert report.UnitResult.from_dict(results[u04.slug].to_dict()).lesson == results[u04.slug].lesson, "cached with the result"


def test_a_lone_units_lesson_runs_beside_its_tests_and_is_kept_only_when_green(tmp_path, monkeypatch):
    """`kata check N`: the unit's lesson is computed in a second child while its tests run (kata/running/worker.py's
    _lessons_beside), the same lines as a lesson computed after them; a unit that is not green has none, and
    the lessons child still running when its tests end is stopped, not waited for."""
    from kata.commands import lessons
    from kata.learner import sandbox
    from kata.running import worker

    if sandbox.refusal(ROOT):
        pytest.skip("the lesson follows the tests here (no sandbox): test_a_unit_turning_green_... covers it")
    monkeypatch.setattr(worker, "_a_core_idles", lambda: True)  # whatever the machine's load now
    monkeypatch.setattr(worker, "SHARDS", 1)  # the tests in one child: with a core to spare they would be spread
    u04 = find(4)
    runner.lessons_with("kata.commands.lessons:compute")
    tree = tmp_path / "exercises"
    shutil.copytree(ROOT / "solutions", tree, ignore=shutil.ignore_patterns("__pycache__"))
    beside = runner.run([u04], str(tree), use_cache=False).results[u04.slug]
    with monkeypatch.context() as m:
        m.setattr(worker, "_lessons_beside", lambda *_: None)
        after = runner.run([u04], str(tree), use_cache=False).results[u04.slug]
    assert beside.status == after.status == "done"
    assert beside.lesson == after.lesson and "cos(cats, kittens) = 0." in "\n".join(beside.lesson), (beside.lesson, after.lesson)
    with open(tree / f"{u04.slug}.py", "a") as file:  # every cosine 0.5: U04 fails
        file.write("\n\ndef cosine(a, b):\n    return 0.5\n")
    monkeypatch.setitem(lessons.LESSONS, u04.slug, lambda u: (time.sleep(60), ["never shown"])[1])  # the child forks it
    stopped = []
    kill = worker._kill
    monkeypatch.setattr(worker, "_kill", lambda child: (stopped.append(child.job.lessons_only), kill(child)))
    failing = runner.run([u04], str(tree), use_cache=False).results[u04.slug]
    assert failing.status == "in progress" and not failing.lesson
    assert stopped == [True], "the lessons child of a unit that is not green is stopped when its tests end"


def test_a_lone_units_tests_spread_over_two_children_give_the_same_results_in_the_same_order(tmp_path, monkeypatch):
    """`kata check N` with a core to spare: the unit's tests run in two children at once (kata/running/worker.py's
    _shards), property tests spread between them, and their results come back as one child's would: the same tests,
    the same verdicts and messages, in the tests' order (the first failure is the first), the lesson kept when green."""
    from kata.running import worker

    monkeypatch.setattr(worker, "_a_core_idles", lambda: True)  # whatever the machine's load now
    runner.lessons_with("kata.commands.lessons:compute")
    u01 = find(1)
    tree = tmp_path / "exercises"
    shutil.copytree(ROOT / "solutions", tree, ignore=shutil.ignore_patterns("__pycache__"))
    started, start = [], worker._start
    monkeypatch.setattr(worker, "_start", lambda job, *a, **k: (started.append(job), start(job, *a, **k))[1])

    def both_ways():
        results = {}
        for shards in (2, 1):
            started.clear()
            monkeypatch.setattr(worker, "SHARDS", shards)
            result = runner.run([u01], str(tree), use_cache=False).results[u01.slug]
            results[shards] = result, [job for job in started if not job.lessons_only]
        (spread, children), (alone, child) = results[2], results[1]
        assert len(children) == 2 and len(child) == 1, (children, child)
        assert [(t.nodeid, t.state, t.message) for t in spread.tests] == [(t.nodeid, t.state, t.message) for t in alone.tests]
        return spread, alone

    spread, alone = both_ways()
    assert spread.status == alone.status == "done" and spread.lesson == alone.lesson and spread.lesson
    with open(tree / f"{u01.slug}.py", "a") as file:  # acronyms found whatever their case: some tests of each kind fail
        file.write("\n\n_named = mechanisms_named\n\ndef mechanisms_named(text):\n    return _named(text.upper())\n")
    spread, alone = both_ways()
    assert spread.status == alone.status == "in progress" and not spread.lesson
    assert spread.first_failure.nodeid == alone.first_failure.nodeid


def test_the_shards_share_the_weight_and_the_last_starts_with_its_lessons():
    """kata/judge/plugin.py's _shard: every test in exactly one shard, the property tests spread so the shards weigh
    about the same; with "+W" the last shard, which computes the lesson after its tests, starts W heavy."""
    from kata.judge.plugin import PROPERTY_WEIGHT, _shard

    def test(property_test):
        def run():
            pass
        if property_test:
            run.hypothesis = object()
        return type("Item", (), {"obj": run})()

    items = [test(i % 3 == 0) for i in range(30)]

    def weight(tests):
        return sum(PROPERTY_WEIGHT if hasattr(t.obj, "hypothesis") else 1 for t in tests)

    for handicap in (0, 130):
        spec = f"+{handicap}" if handicap else ""
        first, last = _shard(items, f"0/2{spec}")[0], _shard(items, f"1/2{spec}")[0]
        assert sorted(map(id, first + last)) == sorted(map(id, items)) and not {*map(id, first)} & {*map(id, last)}
        assert abs(weight(first) - (weight(last) + handicap)) <= PROPERTY_WEIGHT, (weight(first), weight(last))
    assert weight(_shard(items, "1/2+130")[0]) < weight(_shard(items, "1/2")[0])


def runner_free_sheet():
    from solutions import u02_training_vs_inference as reference

    return reference.my_stack()


@pytest.mark.parametrize("unit", READY, ids=lambda u: u.slug)
def test_every_unit_has_a_lesson(unit):
    from kata.commands import lessons

    assert unit.slug in lessons.LESSONS, f"{unit.code} has no lesson in kata/commands/lessons.py: write 3 to 5 lines from the learner's results"


def test_a_failure_that_echoes_an_earlier_units_function_says_so(tmp_path):
    u10, u11 = find(10), find(11)
    tree = tmp_path / "exercises"
    shutil.copytree(ROOT / "solutions", tree, ignore=shutil.ignore_patterns("__pycache__"))
    with open(tree / f"{u10.slug}.py", "a") as file:  # U10's grade gets every verdict backwards; U11 is right
        file.write("\n\n_right_grade = grade\n\n\ndef grade(case, result):\n"
                   "    passed, reason = _right_grade(case, result)\n    return not passed, reason\n")
    result = runner.run([u11], str(tree), use_cache=False).results[u11.slug]
    assert result.status == "in progress"
    cause = runner.cause_in_earlier_unit(result, str(tree))
    assert "fails because U10's `grade` does" in cause and "kata next 10" in cause, cause
    shown = "\n".join(board.unit_lines(result, cause=cause))
    assert "fails because U10's `grade` does" in shown
    assert f"Edit {u10.exercise}: U11 uses U10's `grade`" in shown and f"Edit {u11.exercise}" not in shown, shown
    # a second bug of U11's own may be what the block shows (a blind learner read a U11 hint under "edit U10")
    assert f"if this failure stays, it is your U11 code's, in {u11.exercise}" in shown, shown


@pytest.mark.parametrize("unit", [u for u in READY if any(r.about for r in u.hints)], ids=lambda u: u.slug)
def test_kata_hint_follows_the_failing_function_and_never_shows_anothers_code(unit):
    """`kata hint N` on a stub reached in f: the rungs about f, words first; never a rung about functions the learner
    has not reached (U10's load_eval stub once showed grade's code on rung 3), nor the unit's general advice."""
    for function in sorted({name for rung in unit.hints for name in rung.about.split()}):
        stub = report.TestResult(f"{unit.test_file}::test_x", unit.slug, "verify", "stub", "",
                                 f"{unit.code} · {function}() is not written yet: write it here, then run `kata next {unit.number}`",
                                 calls=[f"{unit.code}.{function}"])
        rungs = cli.hint_ladder(unit, stub)
        elsewhere = [r.about for r in unit.hints if r.about and function not in r.about.split() and r.text in rungs]
        assert not elsewhere, f"{unit.code}: a stub in {function} gets the rungs about {elsewhere}: kata/units.py's Unit.ladder"
        general = [r.text for r in unit.hints if not r.about and r.text in rungs]
        assert not general, f"{unit.code}: a stub in {function} gets the unit's general rungs {general}: Unit.ladder"
        about = [r for r in unit.hints if function in r.about.split()]
        assert all(r.text in rungs for r in about), f"{unit.code}: a rung about {function} is missing from its ladder"
        kinds = [r.reads_as_code for text in rungs for r in unit.hints if r.text == text]
        assert kinds == sorted(kinds), f"{unit.code}: for {function}, a rung in words comes after one that reads as code"
        if len(unit.ladder([function])) == 1:  # its one rung is its code (U09's merge): a rung in words comes first
            first = next((r for r in unit.hints if r.text == rungs[0]), None)
            assert first is None or not first.reads_as_code, f"{unit.code}: a stub in {function} gets code on its first rung"


def test_a_written_function_no_rung_is_about_gets_the_tests_own_nudge_not_the_units_general_advice():
    """U07's embedding_mismatch, written and failing, has no rung of its own: `kata hint 7` gives the test's nudge and
    then ends, where rungs 3 and 4 were the unit's general advice ("Build bottom-up …"), which a newcomer learner read
    as the ladder drifting off the test it follows. A stub no rung is about still gets the general advice in words."""
    u07 = find(7)
    assert not [r for r in u07.hints if "embedding_mismatch" in r.about.split()]
    failing = report.TestResult(f"{u07.test_file}::test_x", u07.slug, "stretch", "failed", "",
                                "Called embedding_mismatch(...).\nIt returned False,\nbut the tests expected True.\n"
                                "Hint: compare the two orders of each question", calls=["U07.embedding_mismatch"])
    rungs = cli.hint_ladder(u07, failing)
    assert rungs and "compare the two orders" in rungs[0] and not [r for r in u07.hints if r.text in rungs], rungs
    stub = report.TestResult(f"{u07.test_file}::test_x", u07.slug, "stretch", "stub", "",
                             "U07 · embedding_mismatch() is not written yet: write it here", calls=["U07.embedding_mismatch"])
    assert [r.text for r in u07.hints if not r.about][0] in cli.hint_ladder(u07, stub)


@pytest.mark.parametrize("unit", [u for u in READY if u.hints], ids=lambda u: u.slug)
def test_a_rung_that_reads_as_code_is_about_one_function(unit):
    """A rung that reads as code gives the code of one function and is about that function only: a rung about
    several hands a learner stuck on one of them the code of the others, which they have not reached."""
    defined = {n.name for n in ast.parse((ROOT / unit.solution).read_text()).body if isinstance(n, ast.FunctionDef)}
    for number, rung in enumerate(unit.hints, 1):
        if not rung.reads_as_code:
            continue
        names = rung.about.split()
        assert len(names) == 1, (
            f"{unit.code}'s hint rung {number} ({rung.text[:60]!r}...) reads as code but is about "
            f"{rung.about or 'no function'!r}: in kata/units.py split it into one rung per function, each about "
            "that function only (a sentence in words with no code may stay in a rung about several, or in one with no about)")
        assert names[0] in defined, (
            f"{unit.code}'s hint rung {number} is about {names[0]!r}, which {unit.solution} does not define: "
            "name the function whose code it gives in its about= (kata/units.py)")


def test_a_stub_reached_in_an_earlier_unit_gets_that_units_hints_not_this_ones_code():
    """U06's test stopping at U04's `embed` stub: the ladder sends the learner to U04's hints for `embed`, and holds
    no rung of U06 that reads as code (a blind learner got only U06's chunk_notes/retrieve code for it)."""
    u04, u06 = find(4), find(6)
    stub = report.TestResult(f"{u06.test_file}::test_x", u06.slug, "verify", "stub", "",
                             "U04 · embed() is not written yet: write it here, then run `kata next 4` "
                             "(the stub is at exercises/u04_embeddings.py:39)",
                             calls=["U06.build_chunk_index", "U06.chunk_notes"])
    rungs = cli.hint_ladder(u06, stub)
    assert "`kata hint 4`" in rungs[0] and "embed" in rungs[0], rungs[0]
    assert not [r for r in u06.hints if r.reads_as_code and r.text in rungs], "U06's code given for U04's stub"
    assert rungs[1:] == [r.text for r in u04.ladder(["embed"])]


def test_a_failure_that_echoes_an_earlier_units_function_gets_that_functions_hints():
    """U06's retrieve failing because U04's cosine does: the ladder sends the learner to U04's hints for cosine and
    holds no rung of U06 (a blind learner got retrieve's code, already right, while the board named cosine)."""
    u04, u06 = find(4), find(6)
    failing = report.TestResult(f"{u06.test_file}::test_retrieve", u06.slug, "verify", "failed", "",
                                "Called retrieve(...).\nIt returned …\nHint: rank with your U05 top_k", calls=["U06.retrieve"])
    rungs = cli.hint_ladder(u06, failing, ("U04", "cosine"))
    assert "U04's `cosine`" in rungs[0] and "`kata hint 4`" in rungs[0], rungs[0]
    assert rungs[1:] == [r.text for r in u04.ladder(["cosine"])] and not [r for r in u06.hints if r.text in rungs]


def test_the_ladder_of_a_timeout_in_an_earlier_units_function_is_about_the_loop():
    """U11's model_row timing out in U10's grade, which loops in U10's own tests too: `kata hint 11` says where the
    loop is and how to find it, never grade's rungs about its reason or its code (a blind learner got those)."""
    u10, u11 = find(10), find(11)
    stopped = report.TestResult(f"{u11.test_file}::test_row", u11.slug, "verify", "timeout", "",
                                "This test ran for more than 10 s and was stopped …", calls=["U11.model_row"],
                                points={"chain": [["model_row", u11.exercise, 127, 11], ["grade", u10.exercise, 184, 10]],
                                        "loop": ["grade", u10.exercise, 184, 10]})
    rungs = cli.hint_ladder(u11, stopped, ("U10", "grade"))
    assert len(rungs) == 1 and "U10's `grade`" in rungs[0] and "loop" in rungs[0] and "`kata hint 10`" in rungs[0], rungs
    assert not [r for r in u10.hints if r.text in rungs]


def test_a_line_printed_again_and_again_is_shown_once_with_its_count():
    """A print inside an endless loop: each run of the same line is one line and its count (a blind learner scrolled
    past 75 lines of "counting 44" between a timeout and the next failure)."""
    u03 = find(3)
    test = report.TestResult(f"{u03.test_file}::test_x", u03.slug, "verify", "timeout", "", "This test ran for more …",
                             output="start\n" + "counting 44\n" * 75 + "end\n")
    printed = [line for line in board.failure_lines(test) if line.strip().startswith("|")]
    assert printed == ["  | start", "  | counting 44   (this line 75 times in a row)", "  | end"], printed


def test_a_property_tests_prints_are_the_failing_examples_own(tmp_path):
    """A print in a function a property test calls: what is shown is what the example the failure names printed,
    not every example hypothesis tried (a blind learner read "fused {}" under a call that fused seven ids)."""
    u07 = find(7)
    tree = solutions_with(tmp_path, u07, "enumerate(ranking, 1):", "enumerate(ranking):",
                          ("    return sorted(fused, key=lambda doc_id: -fused[doc_id])",
                           "    print('fused', len(fused), 'ids')\n    return sorted(fused, key=lambda doc_id: -fused[doc_id])"))
    _, by_name = results_by_name(u07, tree)
    test = by_name["test_fuse_orders_by_reciprocal_ranks_whatever_the_scores"]
    assert test.failing and test.points.get("earlier_examples_printed", 0) > 0, (test.state, test.points)
    called = re.search(r"Called fuse\((.*)\)", test.message)
    ids = set(re.findall(r"\('([^']*)', ", called.group(1))) if called else set()
    assert test.output.splitlines() == [f"fused {len(ids)} ids"], (test.output, test.message[:300])
    shown = board.failure_lines(test)
    assert any("for the example the failure names" in line for line in shown), shown


@pytest.mark.parametrize(("kind", "quote", "label"), [
    ("verify", "Return the set of mechanisms `text` names", "Verify (the docstring)"),
    ("stretch", "Leave `vectors` as they are.", "Stretch (the docstring)"),
    ("stretch", "Scale to 1000 docs and use numpy matrix math for similarity.", "Stretch"),  # the course's own words
])
def test_a_failure_says_whether_its_quote_is_the_courses_or_the_docstrings(kind, quote, label):
    """A Stretch test quoting a docstring clause is labelled so, as a Verify test is (a helper found Stretch tests
    quoting `to_matrix`'s docstring labelled plain "Stretch", as if the course said it)."""
    unit = find(5) if kind == "stretch" else find(1)
    test = report.TestResult(f"{unit.test_file}::test_x", unit.slug, kind, "failed", quote, "Called f().")
    assert f"  {label}: “{quote}”" in board.failure_lines(test)


def test_a_property_tests_prints_are_those_of_the_explicit_example_it_reports(tmp_path):
    """U03's estimate off by one fails both explicit examples (40 x's, then 120 characters): the failure names the
    first, and what is shown is what that one printed, not the last example's (a blind learner read "estimating
    120" under a call on 40 characters)."""
    u03 = find(3)
    tree = solutions_with(tmp_path, u03, "    return math.ceil(len(text) / CHARS_PER_TOKEN)",
                          "    print('estimating', len(text))\n    return len(text) // CHARS_PER_TOKEN + 1")
    _, by_name = results_by_name(u03, tree)
    test = by_name["test_estimate_is_about_four_characters_per_token"]
    called = re.search(r"Called estimate_tokens\('(x*)'\)", test.message)
    assert test.failing and called, test.message[:300]
    assert test.output.splitlines() == [f"estimating {len(called.group(1))}"], (test.output, test.message[:200])


def test_a_number_written_as_text_in_a_record_is_noted():
    """U07's bm25_search returning ('note07-p1', '9.026') pairs: the failure notes that '9.026' is text (a blind
    learner got no such note, where a bare '3.000000' had one); a dict's values and a list of tokens are text by
    design (an eval case's expected '1081', a token '20931'), and get none."""
    from kata.judge import testing

    def said(returned):
        with pytest.raises(pytest.fail.Exception) as failed:
            testing.expect(False, call="f(...)", returned=returned, expected="something else")
        return str(failed.value)

    assert "Note: '9.026' in it is text (a str), not a number" in said([("note07-p1", "9.026")])
    assert "Note:" not in said({"id": "math-1", "expected_substr": "1081"})
    assert "Note:" not in said(["what", "inc", "20931"])


def test_a_failure_no_rung_is_about_gets_words_only():
    """A failing function no rung names: the unit's rungs in words, never a rung that reads as code."""
    for unit in READY:
        rungs = unit.ladder(["a_function_no_rung_names"])
        assert not [r for r in rungs if r.reads_as_code], f"{unit.code}: Unit.ladder gives code for a function no rung is about"


def test_an_exception_the_learners_code_raises_is_said_in_words_without_the_kata_or_the_tests_frames(tmp_path):
    """A KeyError raised in the learner's function: the failure names it as the learner's code said it ('cost', not
    "'cost'"), the learner's call chain and their own line; no frame of the tests or of the kata (two blind learners
    met a raw traceback through kata/judge/wall.py and the test file)."""
    u01 = find(1)
    tree = solutions_with(tmp_path, u01, "    found = set()\n", '    usage = {"input": 1}\n    found = usage["cost"]\n')
    result = runner.run([u01], str(tree), use_cache=False, time_limit=60).results[u01.slug]  # cold and alone: imports
    message = result.first_failure.message
    assert message.startswith("Your code raised KeyError: 'cost', in `mechanisms_named` ("), message
    assert '| found = usage["cost"]' in message, message
    assert "kata/" not in message and "tests/" not in message and "Traceback" not in message, message


def test_an_exception_a_test_catches_still_shows_the_learners_line(tmp_path):
    """A test that catches what the learner's code raised, to show it as what came back ("It raised KeyError"),
    still says where their code raised it and quotes the line (a blind learner's U10 KeyError read "It raised
    KeyError: 'id' (not a ValueError)" with no line of theirs)."""
    u10 = find(10)
    tree = solutions_with(tmp_path, u10, '        for key in ("id", "input"):\n',
                          '        case["id"], case["input"]\n        for key in ("id", "input"):\n')
    result = runner.run([u10], str(tree), use_cache=False, time_limit=60).results[u10.slug]
    message = result.first_failure.message
    assert "It raised KeyError: 'id' (not a ValueError), in `load_eval` (" in message, message
    assert '| case["id"], case["input"]' in message, message
    assert "kata/" not in message and "Traceback" not in message, message


def test_a_test_stopped_at_the_stub_of_the_function_it_calls_is_a_cause_not_an_echo():
    """lora_gradients calls forward: with both unwritten, lora_gradients' own stub is a cause (writing forward cannot
    make it pass), while a test whose lora_gradients reached forward's stub echoes forward's failure."""
    u09 = find(9)

    def stub_test(name, function, calls):
        return report.TestResult(f"{u09.test_file}::{name}", u09.slug, "verify", "stub", "",
                                 f"U09 · {function}() is not written yet: write it here", calls=calls)

    forward = stub_test("test_forward", "forward", ["U09.forward"])
    own = stub_test("test_gradients", "lora_gradients", ["U09.lora_gradients"])
    deeper = stub_test("test_gradients_again", "forward", ["U09.lora_gradients"])
    result = UnitResult(u09, [forward, own, deeper])
    assert result.echo_of(own) is None, "a stub in the function the test calls is the cause to show"
    assert result.echo_of(deeper) is not None and result.echo_of(deeper)[0] is forward


def test_a_wrong_value_in_written_code_is_shown_before_a_stub_of_the_same_unit():
    """U07 with voyage_rerank still a stub (earlier in the file) and compare just written, wrong: compare's failure is
    shown first (a blind learner met the stub, then the next stub, before the bug they had just written); a stub
    of an earlier unit keeps its place, since it blocks."""
    u06, u07 = find(6), find(7)
    own_stub = report.TestResult(f"{u07.test_file}::test_voyage", u07.slug, "verify", "stub", "",
                                 f"{u07.code} · voyage_rerank() is not written yet: write it here", calls=["U07.voyage_rerank"])
    wrong = report.TestResult(f"{u07.test_file}::test_compare", u07.slug, "contract", "failed", "",
                              "Called compare(…).\nIt returned …", calls=["U07.compare"])
    assert UnitResult(u07, [own_stub, wrong]).first_failure is wrong
    earlier_stub = report.TestResult(f"{u07.test_file}::test_answer", u07.slug, "verify", "stub", "",
                                     f"{u06.code} · answer_from() is not written yet: write it there",
                                     calls=["U07.production_answer"])
    assert UnitResult(u07, [earlier_stub, wrong]).first_failure is earlier_stub
    assert UnitResult(u07, [own_stub]).first_failure is own_stub


def test_the_tests_that_raise_on_the_same_line_are_counted_with_the_cause():
    """Eight tests of U06's answer raise the same KeyError in answer_from: the failure shown says the others raise the
    same error on the same line (a blind learner read "1 other failing test" with eight failing alike)."""
    u06 = find(6)

    def raising(name, line=179):
        return report.TestResult(f"{u06.test_file}::{name}", u06.slug, "verify", "failed", "",
                                 "Your code raised KeyError: 'note_id', in `answer` …", calls=["U06.answer"],
                                 points={"chain": [["answer", u06.exercise, 158, 6], ["answer_from", u06.exercise, line, 6]]})

    result = UnitResult(u06, [raising("test_a"), raising("test_b"), raising("test_c"), raising("test_d", line=181)])
    text = "\n".join(board.unit_lines(result))
    assert "2 other failing test(s) raise the same error on the same line" in text, text


def test_a_rung_about_one_clause_shows_only_under_a_failure_quoting_it():
    """U09's rung on the wording of gate's line, under a failure of how gate compares a rate with the bar: left out (a
    blind learner read it as drift); under a failure quoting the line's clause, kept."""
    u09 = find(9)
    wording = next(r for r in u09.hints if r.when)

    def failing(quote):
        return report.TestResult(f"{u09.test_file}::test_x", u09.slug, "verify", "failed", quote,
                                 "Called gate(UseCase(...)).\nIt returned (2, '…'),\nbut the tests expected (1, '…').",
                                 calls=["U09.gate"])

    assert wording.text not in cli.hint_ladder(u09, failing("a rate equal to the bar clears it"))
    assert wording.text in cli.hint_ladder(u09, failing("its pass rate as a whole percent, rounded to the nearest"))


def test_an_echo_of_a_test_that_calls_two_functions_names_the_one_that_fails_its_own_tests():
    """U05: search_matrix(to_matrix(...)) ranking best last fails the large-k test and the 1,000-docs test, which
    both call to_matrix and search_matrix. The echo line named to_matrix, the first called, which passes its own
    tests (a blind learner's search_matrix_best_last): now the one that fails its own, or the last called."""
    u05 = find(5)
    own = report.TestResult(f"{u05.test_file}::test_to_matrix_rows", u05.slug, "stretch", "passed", calls=["U05.to_matrix"])
    own_search = report.TestResult(f"{u05.test_file}::test_search_own", u05.slug, "verify", "failed", "",
                                   "Called search_matrix(...).", calls=["U05.search_matrix"])
    large = report.TestResult(f"{u05.test_file}::test_large_k", u05.slug, "stretch", "failed", "",
                              "Called search_matrix(to_matrix(...)).", calls=["U05.to_matrix", "U05.search_matrix"])
    loop = report.TestResult(f"{u05.test_file}::test_loop", u05.slug, "stretch", "failed", "",
                             "Called search_matrix(to_matrix(...)).", calls=["U05.top_k", "U05.to_matrix", "U05.search_matrix"])
    found = UnitResult(u05, [own, own_search, large, loop]).echo_source(loop)
    assert found is not None and found[1] == "U05.search_matrix", found
    found = UnitResult(u05, [own, large, loop]).echo_source(loop)  # no test of search_matrix alone: the last called
    assert found is not None and found[1] == "U05.search_matrix", found


def test_an_exception_on_a_value_a_failing_callee_handed_over_is_its_echo():
    """U11's cost_usd returning a str and model_row raising as it sums them: model_row's failure is marked as an
    echo of cost_usd, which model_row calls itself (a blind learner read model_row's failure as a bug of its own);
    a function the raising one does not call itself is no such cause."""
    u11 = find(11)
    cost = report.TestResult(f"{u11.test_file}::test_cost", u11.slug, "verify", "failed", "",
                             "Called cost_usd(...).\nIt returned '3.000000',", calls=["U11.cost_usd"])
    row = report.TestResult(f"{u11.test_file}::test_row", u11.slug, "verify", "failed", "",
                            "Your code raised TypeError: unsupported operand …", calls=["U11.model_row"],
                            ran=["U11.model_row", "U11.cost_usd"],
                            points={"chain": [["model_row", u11.exercise, 143, 11]], "raised_in": "U11.model_row",
                                    "error": "TypeError"})
    assert UnitResult(u11, [cost, row]).echo_of(row) is not None
    scales = report.TestResult(f"{u11.test_file}::test_scales", u11.slug, "verify", "failed", "",
                               "Called row_scales(...).", calls=["U11.row_scales"])
    ran_too = report.TestResult(row.nodeid, u11.slug, "verify", "failed", "", row.message, calls=["U11.model_row"],
                                ran=["U11.model_row", "U11.row_scales"], points=row.points)
    assert UnitResult(u11, [scales, ran_too]).echo_of(ran_too) is None


def test_the_ladder_of_an_exception_follows_the_function_that_raised_it():
    """A KeyError raised in answer_from, called by answer: the ladder's rungs are about answer_from, never the code of
    answer, which is right (a blind learner got answer's code for a bug in answer_from)."""
    u06 = find(6)
    raised = report.TestResult(f"{u06.test_file}::test_x", u06.slug, "verify", "failed", "",
                               "Your code raised KeyError: 'note_id', in `answer` (exercises/u06_rag_basics.py:152) → "
                               "`answer_from` (exercises/u06_rag_basics.py:173):\n| x\nA function under test …",
                               calls=["U06.answer"], points={"chain": [["answer", u06.exercise, 152, 6],
                                                                       ["answer_from", u06.exercise, 173, 6]]})
    rungs = cli.hint_ladder(u06, raised)
    assert not [r for r in u06.hints if r.reads_as_code and "answer_from" not in r.about.split() and r.text in rungs], rungs
    assert any(r.text in rungs for r in u06.hints if r.about.split() == ["answer_from"])



def test_a_failure_quotes_the_clause_decided_with_it(tmp_path):
    """The quote a learner reads is the one decided with the failure, not the test's opening line: a test stopped at
    lora_gradients' stub quotes that function's docstring, though the test opens with forward's (the quote was once
    fixed at the test's setup, so a stub's and a check's own clause (expect(..., clause=...)) never showed)."""
    u09 = find(9)
    stub = ("    raise NotImplementedError('U09 · lora_gradients() is not written yet: write it here, then run "
            "`kata check 9` (stuck? `kata hint 9`)')\n")
    tree = solutions_with(tmp_path, u09, "    E = forward(W, A, B, X, scale) - Y\n", stub)
    result = runner.run([u09], str(tree), use_cache=False, time_limit=60).results[u09.slug]
    stopped = [t for t in result.tests if t.state == "stub" and "lora_gradients()" in t.message]
    assert stopped and all(t.quote.startswith("The gradients (dA, dB) of the loss") for t in stopped), \
        [(t.name, t.quote) for t in stopped]


def test_a_stretch_test_is_never_the_cause_of_a_verify_failure():
    """A Stretch goal never blocks: a failing Verify test that calls what a failing Stretch test calls is shown as the
    cause itself, never as an echo of the Stretch test (a blind learner's U01, a reply too long for Verify and the
    fifth reply missing, was told to fix the Stretch test first)."""
    u01 = find(1)
    verify = report.TestResult(f"{u01.test_file}::test_each_reply", u01.slug, "verify", "failed", "",
                               "Called replies() and mechanisms_named(...).", calls=["U01.replies", "U01.mechanisms_named"])
    stretch = report.TestResult(f"{u01.test_file}::test_fifth_reply", u01.slug, "stretch", "failed", "",
                                "Called replies().", calls=["U01.replies"])
    result = UnitResult(u01, [stretch, verify])
    assert result.echo_of(verify) is None and result.first_failure is verify


def test_a_test_stopped_at_a_stub_is_no_echo_of_a_function_that_cannot_write_it():
    """answer calls parse_citations and answer_from: with parse_citations wrong and answer_from a stub, the answer
    tests are not echoes of parse_citations (fixing it leaves them at the stub), and a test whose deeper call
    reached answer_from's stub names answer_from, not answer (two blind learners were sent to the wrong one)."""
    u06 = find(6)
    wrong = report.TestResult(f"{u06.test_file}::test_parse", u06.slug, "verify", "failed", "", "It returned …",
                              calls=["U06.parse_citations"])
    at_stub = report.TestResult(f"{u06.test_file}::test_answer", u06.slug, "verify", "stub", "",
                                "U06 · answer_from() is not written yet: write it here", calls=["U06.answer"])
    pipeline = report.TestResult(f"{u06.test_file}::test_pipeline", u06.slug, "verify", "stub", "",
                                 "U06 · answer_from() is not written yet: write it here", calls=["U06.answer_from"])
    assert UnitResult(u06, [wrong, at_stub]).echo_of(at_stub) is None
    echo = UnitResult(u06, [wrong, pipeline, at_stub]).echo_of(at_stub)
    assert echo is not None and echo[0] is pipeline and echo[1] == "`answer_from`", echo


def test_a_call_chain_skips_comprehension_frames():
    """`model_row` (file:146) → `<genexpr>` (file:146) reads as two calls; the comprehension is a line of model_row."""
    from types import SimpleNamespace

    from kata.judge.child import learner_frame

    path = ROOT / "exercises" / "u11_distillation_and_quantization.py"
    frames = [SimpleNamespace(filename=str(path), name=name, lineno=146) for name in ("model_row", "<genexpr>")]
    assert learner_frame(frames, (path.parent.resolve(),)).count("`") == 2


def test_a_timeout_sends_the_learner_to_the_file_where_the_loop_is():
    """A U07 test stopped in U03's count_tokens, called by semantic_chunks: the last line sends the learner to the
    function the watchdog saw running all along ("The loop is in …"), in its own unit's file (U03's and `kata next 3`
    when the loop is there); when nothing told, to both functions of the chain's end (a blind learner was once
    sent to a green U03 for a loop in U07's semantic_chunks)."""
    u03, u07 = find(3), find(7)
    outer_step, inner_step = ["semantic_chunks", u07.exercise, 243, 7], ["count_tokens", u03.exercise, 75, 3]
    said = "This test ran for more than 10 s and was stopped, in … An endless loop, …"

    def shown(chain, loop) -> str:  # the points the watchdog hands with its words: the chain, the loop's step
        stopped = report.TestResult(f"{u07.test_file}::test_x", u07.slug, "verify", "timeout", "", said,
                                    calls=["U07.semantic_chunks"], points={"chain": chain, "loop": loop})
        return "\n".join(board.unit_lines(UnitResult(u07, [stopped], ended_how="timed out")))

    outer = shown([outer_step, inner_step], outer_step)
    assert f"Edit {u07.exercise} (`semantic_chunks`, where the loop is)" in outer and u03.exercise not in outer.split(
        "An endless loop")[-1], outer
    inner = shown([outer_step, inner_step], inner_step)
    assert f"Edit {u03.exercise}: U07 uses U03's `count_tokens`, where the loop is" in inner and "kata next 3" in inner, inner
    untold = shown([outer_step, inner_step], [])
    assert "called by `semantic_chunks`" in untold and "the loop is in one of them" in untold, untold
    own = shown([outer_step], [])
    assert f"Edit {u07.exercise} (`semantic_chunks`" in own, own
    outside = shown([["helper", "/tmp/elsewhere.py", 3, 0]], [])  # no unit's file in the chain: no edit line of its own
    assert "Edit" not in outside.split("An endless loop")[-1], outside


def test_a_timeout_on_a_busy_machine_says_the_machine_was_busy(monkeypatch):
    """A blind learner's first run, beside other work (load average ~6 on 2 CPUs), timed a finished U02 out with "An
    endless loop?": the words now say the machine was busy when it was, which a loop of the learner's alone (one CPU
    busy) never makes it."""
    from kata.judge import plugin

    monkeypatch.setattr(plugin.os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setattr(plugin.os, "getloadavg", lambda: (6.2, 4.0, 2.0))
    said = plugin._busy_machine()
    assert "busy" in said and "6.2 on 2 CPUs" in said and "run it again" in said, said
    monkeypatch.setattr(plugin.os, "getloadavg", lambda: (1.1, 1.0, 1.0))  # one endless loop and a little more
    assert plugin._busy_machine() == ""


def test_hypothesis_builds_its_character_tables_in_the_warm_up_never_in_a_tests_time(tmp_path):
    """The first property test of text on a fresh checkout built hypothesis's tables of characters (~3 s, far more
    on a busy machine) inside its time limit, and a finished U02 timed out: the warm-up every run starts with
    (child.warm) builds and keeps them in .hypothesis/, as a fresh checkout shows."""
    import subprocess
    import sys

    subprocess.run([sys.executable, "-c", "from kata.judge import child; child.warm()"], cwd=tmp_path, check=True,
                   env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True)
    assert list((tmp_path / ".hypothesis" / "unicode_data").glob("*/codec-*utf-8*")), sorted(tmp_path.rglob("*"))


def test_a_green_unit_on_an_earlier_units_failing_function_says_so(tmp_path):
    """U11 green while the learner's U04 embed sends another model: U11's numbers rest on it, so the green report
    says that U04's own test fails and how to see it (a blind learner's U11 went green with no word of it)."""
    u04, u11 = find(4), find(11)
    tree = solutions_with(tmp_path, u04, "model=EMBEDDING_MODEL).embeddings", 'model="voyage-3-large").embeddings')
    result = runner.run([u11], str(tree), use_cache=False, time_limit=60).results[u11.slug]
    assert result.status == "done"
    cause = runner.cause_in_earlier_unit(result, str(tree))
    assert "U11 is green using U04's `embed`" in cause and "kata next 4" in cause, cause
    assert "U11 is green using U04's `embed`" in "\n".join(board.unit_lines(result, cause=cause))
    (tree / f"{u04.slug}.py").write_text(u04_with_cosine_a_stub())  # U11 never uses cosine
    result = runner.run([u11], str(tree), use_cache=False, time_limit=60).results[u11.slug]
    assert result.status == "done" and runner.cause_in_earlier_unit(result, str(tree)) == ""


def test_a_failure_is_no_echo_of_a_function_that_never_ran_in_it(tmp_path):
    """U10 with read_reply never reading the tool call, and run_eval catching every exception: the connection-error
    test fails on run_eval's catch-all, and read_reply never ran in it (the API was never reached), so it is a
    cause, not an echo of read_reply (a blind learner was told to ignore it), though run_case, whose own test is
    read_reply's echo, did run in it. The tests where read_reply did run are still its echoes."""
    u10 = find(10)
    tree = solutions_with(tmp_path, u10, '"tool": call.name if call else None', '"tool": None',
                          ("except anthropic.APIStatusError as error:", "except Exception as error:"))
    result, by_name = results_by_name(u10, tree)
    connection = by_name["test_run_eval_lets_a_connection_error_propagate"]
    assert connection.failing and connection.ran is not None and "U10.read_reply" not in connection.ran, connection
    assert result.echo_of(connection) is None, "read_reply never ran in it: no echo of read_reply"
    assert by_name["test_read_reply_joins_the_text_blocks_and_takes_the_first_tool_call"].failing
    echoes = [t for t in result.tests if t.failing and (found := result.echo_of(t)) and found[1] == "`read_reply`"]
    assert echoes, "a test where read_reply ran and fails with it is still its echo"


def test_a_failure_of_memory_is_no_cause_of_another_tests_values(tmp_path):
    """U09's forward forming B @ A (right values, 8 MB too much memory) and lora_gradients averaging over the rows
    only: the gradients test fails on its own formula, not because forward takes memory, so it is shown as a
    cause (a blind learner was told it failed because forward did)."""
    u09 = find(9)
    tree = solutions_with(tmp_path, u09, "return X @ W.T + scale * (X @ A.T) @ B.T", "return X @ (W + scale * B @ A).T",
                          ("G = 2 * E / E.size", "G = 2 * E / E.shape[0]"))
    result, by_name = results_by_name(u09, tree)
    memory, gradients = by_name["test_forward_never_forms_the_full_size_product"], by_name["test_the_gradients_agree_with_finite_differences"]
    assert memory.failing and memory.points.get("how") and gradients.failing, (memory, gradients)
    assert result.echo_of(gradients) is None, result.echo_of(gradients)


def test_an_error_hypothesis_could_not_replay_is_said_in_words(tmp_path):
    """U03's assert_within_budget raising KeyError on its first call only: hypothesis replays the example, sees no
    error, and wraps the first in a FlakyFailure group. The learner still reads their error and line in words,
    never a traceback of the kata's or the tests' frames (a blind learner met 80 lines of ExceptionGroup)."""
    u03 = find(3)
    tree = solutions_with(tmp_path, u03, "    budget = token_budget(parts)\n    total_tokens",
                          "    if not _seen and 'tool outputs' not in parts:\n        _seen.append(1)\n        parts['tool output']\n"
                          "    budget = token_budget(parts)\n    total_tokens")
    path = tree / f"{u03.slug}.py"
    path.write_text(path.read_text() + "\n_seen = []\n")
    result = runner.run([u03], str(tree), use_cache=False, time_limit=60).results[u03.slug]
    flaky = [t for t in result.tests if t.failing and "KeyError" in t.message]
    assert flaky, [t.message[:200] for t in result.tests if t.failing]
    message = flaky[0].message
    assert "Your code raised KeyError" in message and "Traceback" not in message and "kata/" not in message, message
    assert "did not fail the same way" in message, message


def test_an_earlier_function_that_never_ran_is_no_maybe(tmp_path):
    """U06's retrieve calling top_k with its arguments swapped raises inside U05's top_k before any cosine runs, while
    U04's cosine (unclamped) fails a test of its own: no line sends the learner to cosine (a blind learner read that
    red herring above the real cause), and the hint asks what retrieve hands top_k."""
    u04, u06 = find(4), find(6)
    tree = solutions_with(tmp_path, u06, "top_k(index, query_vector, k)", "top_k(query_vector, index, k)")
    path = tree / f"{u04.slug}.py"
    path.write_text(path.read_text().replace("return max(-1.0, min(1.0, cos))", "return cos + 1e-3"))
    result = runner.run([u06], str(tree), use_cache=False, time_limit=60).results[u06.slug]
    failure = result.first_failure
    assert "TypeError" in failure.message and "what `retrieve` hands it" in failure.message, failure.message
    assert "cosine" not in runner.cause_in_earlier_unit(result, str(tree))
    assert "U05 `top_k`" in failure.quote or "`top_k`" in failure.quote, failure.quote
    # cosine wrong both ways round: U05's top_k now fails a test of its own, on a value; the TypeError is still not
    # its echo, and the learner is sent to edit U06, whose call handed top_k the wrong arguments
    path.write_text(path.read_text().replace("return cos + 1e-3", "return dot / (norm_a * norm_a)"))
    result = runner.run([u06], str(tree), use_cache=False, time_limit=60).results[u06.slug]
    cause = runner.cause_in_earlier_unit(result, str(tree))
    said = "\n".join(board.unit_lines(result, cause=cause))
    assert "u05_vector_search.py" not in said.split("Edit ")[-1].split("\n")[0] and "echo" not in cause, (cause, said)


def test_an_argument_the_installed_sdk_refuses_is_said_to_be_the_sdks(tmp_path):
    """U10's run_case sending temperature=0: the TypeError is anthropic's own, as installed here; the failure says so
    and nudges toward the docstring's arguments (a blind learner took it for the kata's stand-in)."""
    u10 = find(10)
    tree = solutions_with(tmp_path, u10, "    reply = _client().messages.create(\n", "    reply = _client().messages.create(temperature=0,\n")
    result = runner.run([u10], str(tree), use_cache=False, time_limit=60).results[u10.slug]
    refused = [t for t in result.tests if t.failing and "unexpected keyword argument 'temperature'" in t.message]
    assert refused and "is refused by anthropic" in refused[0].message, [t.message[:300] for t in result.tests if t.failing][:2]
    # a method that takes no **kwargs refuses at the learner's own line, before any frame of the SDK (voyageai's
    # rerank(top_n=...): a blind learner read a plain TypeError)
    u07 = find(7)
    tree = solutions_with(tmp_path / "u07", u07, "model=RERANK_MODEL, top_k=n)", "model=RERANK_MODEL, top_n=n)")
    result = runner.run([u07], str(tree), use_cache=False, time_limit=60).results[u07.slug]
    refused = [t for t in result.tests if t.failing and "unexpected keyword argument 'top_n'" in t.message]
    assert refused and "is refused by voyageai" in refused[0].message, [t.message[:300] for t in result.tests if t.failing][:2]


def test_a_green_unit_on_a_function_its_earlier_function_runs_says_so(tmp_path):
    """U06 green while U04's cosine fails U04's own tests: U06 never calls cosine, but U05's top_k, which it uses,
    does; the green report says so (a blind learner's U06 went green with no word of it, as the docs promised)."""
    u04, u06 = find(4), find(6)
    tree = solutions_with(tmp_path, u04, "return max(-1.0, min(1.0, cos))", "return cos + 1e-3")
    result = runner.run([u06], str(tree), use_cache=False, time_limit=60).results[u06.slug]
    assert result.status == "done"
    said = runner.cause_in_earlier_unit(result, str(tree))
    assert "U06 is green using U04's `cosine`" in said and "kata next 4" in said, said


def test_a_value_the_test_cannot_read_is_said_in_words(tmp_path):
    """U03's saving returning a str: the test's own arithmetic on it raises TypeError. The learner reads that the
    test could not check what `saving` returned, and why most likely, never the test's source or a traceback (a
    blind learner read tests/…:311 in a pytest traceback)."""
    u03 = find(3)
    tree = solutions_with(tmp_path, u03, "    return 1 - sum(after.values()) / sum(before.values())",
                          "    return str(1 - sum(after.values()) / sum(before.values()))")
    result, by_name = results_by_name(u03, tree)
    tripped = [t for t in result.tests if t.failing and "could not check what your code returned" in t.message]
    assert tripped, [t.message[:300] for t in result.tests if t.failing][:3]
    message = tripped[0].message
    assert "`saving`" in message and "tests/" not in message and "Traceback" not in message and "expect(" not in message, message
    assert re.search(r"Your `saving` returned '0\.\d+'", message), message  # the value it could not read is shown


def test_a_bad_line_of_the_learners_own_eval_is_said_to_be_theirs(tmp_path):
    """U10's own eval with "expected_refusal": "true" on a line: load_eval is right to raise, so the failure says a
    line of their eval was refused, not that a function under test must not raise, and sends them to the file."""
    u10 = find(10)
    tree = tmp_path / "exercises"
    shutil.copytree(ROOT / "solutions", tree, ignore=shutil.ignore_patterns("__pycache__"))
    own = tree / "u10_my_eval.jsonl"
    own.write_text(own.read_text().replace('"expected_refusal": true', '"expected_refusal": "true"', 1))
    result, _ = results_by_name(u10, tree)
    refused = [t for t in result.tests if t.failing and "u10_my_eval.jsonl" in t.message]
    assert refused and "refused a line of your own u10_my_eval.jsonl" in refused[0].message, \
        [t.message[:300] for t in result.tests if t.failing][:2]
    assert "never a pass" not in refused[0].message


def test_a_cause_that_echoes_an_earlier_unit_tells_one_story():
    """retrieve fails because U05's top_k does, and two answer tests because retrieve does: one sentence says all
    three may be echoes of top_k, and the last line sends the learner to U05 (two stacked sentences once read as
    two causes)."""
    u06 = find(6)

    def failing(name, calls):
        return report.TestResult(f"{u06.test_file}::{name}", u06.slug, "verify", "failed", "", "It returned …", calls=calls)

    result = UnitResult(u06, [failing("test_retrieve", ["U06.retrieve"]), failing("test_a", ["U06.answer"]),
                              failing("test_b", ["U06.answer"])])
    cause = runner.Cause("This failure may well be an echo: it fails because U05's `top_k` does (U05's own test_top_k "
                         "fails). Fix that first: `kata next 5`.", fix=("U05", "top_k"))
    shown = "\n".join(board.unit_lines(result, cause=cause))
    assert "This failure and 2 other(s) of U06" in shown and "cause to fix first" not in shown, shown
    assert "Edit exercises/u05_vector_search.py: U06 uses U05's `top_k`" in shown, shown


def test_an_exception_raised_in_another_function_is_no_echo_of_a_failure_it_never_runs():
    """token_budget raises a KeyError of its own while count_tokens (which it calls) fails another test: the
    budget tests are a cause (fixing count_tokens leaves the KeyError); an exception raised in answer_from, called
    by answer, is answer_from's, the function a cause is then named by (a blind learner was sent to answer)."""
    u03, u06 = find(3), find(6)

    def test(unit, name, state, message, calls):
        return report.TestResult(f"{unit.test_file}::{name}", unit.slug, "verify", state, "", message, calls=calls)

    counting = test(u03, "test_count", "failed", "It returned 7 …", ["U03.count_tokens"])
    budget = test(u03, "test_budget", "failed", "Your code raised KeyError: 'tool output', in `token_budget` "
                  "(exercises/u03_tokens_and_attention.py:154):\n| budget[name] = …", ["U03.token_budget"])
    budget.points = {"raised_in": raised_in_of([["token_budget", u03.exercise, 154, 3]])}
    assert UnitResult(u03, [counting, budget]).echo_of(budget) is None
    steps = [["answer", u06.exercise, 152, 6], ["answer_from", u06.exercise, 173, 6], ["_helper", u06.exercise, 190, 6]]
    assert raised_in_of(steps) == "U06.answer_from"  # the innermost public function, not its private helper


def test_an_exception_raised_inside_an_earlier_units_function_is_named_by_this_units_caller():
    """U06's retrieve hands U05's top_k its arguments in the wrong order and top_k raises: the answer tests' echo
    says they fail because `retrieve` does, not U05's `top_k` (a blind learner was sent to a correct top_k)."""
    u06 = find(6)
    chain = [["retrieve", u06.exercise, 91, 6], ["top_k", find(5).exercise, 48, 5]]

    def failing(name, calls):
        return report.TestResult(f"{u06.test_file}::{name}", u06.slug, "verify", "failed", "", "Your code raised …",
                                 calls=calls, points={"chain": chain, "raised_in": raised_in_of(chain)})

    retrieving, answering = failing("test_retrieve", ["U06.retrieve"]), failing("test_answer", ["U06.answer"])
    echo = UnitResult(u06, [retrieving, answering]).echo_of(answering)
    assert echo is not None and echo[0] is retrieving and echo[1] == "`retrieve`", echo


def test_an_exception_from_a_function_that_must_never_raise_quotes_that_clause(tmp_path):
    """read_ranking raising on a reply with no ids: the failure quotes its docstring's "Never raise" sentence, the
    clause it broke, not the test's clause about ids (a blind learner read the wrong one)."""
    u07 = find(7)
    tree = solutions_with(tmp_path, u07, "    mentioned = []\n",
                          '    mentioned = []\n    if not any(i in reply for i in ids):\n        raise ValueError("no ids")\n')
    result = runner.run([u07], str(tree), use_cache=False, time_limit=60).results[u07.slug]
    failure = next(t for t in result.tests if t.failing and "read_ranking" in t.name)
    assert failure.message.startswith("Your code raised ValueError: no ids"), failure.message
    assert failure.quote == "Never raise, whatever the reply holds.", failure.quote


def test_a_function_a_test_stands_in_for_is_not_what_its_failure_echoes(tmp_path):
    """U11's lab_table test puts a stand-in where U04's embed is looked up: the learner's embed never runs there, so
    its failure is no echo of U04's (a blind learner with a broken embed was sent to U04 for a lab_table bug)."""
    u11 = find(11)
    tree = solutions_with(tmp_path, u11, "    teacher = np.asarray(embed(texts), dtype=np.float32)",
                          "    teacher = np.asarray([embed([text])[0] for text in texts], dtype=np.float32)")
    result = runner.run([u11], str(tree), use_cache=False, time_limit=60,
                        extra=("-k", "embeds_once_for_the_teacher")).results[u11.slug]
    test = next(t for t in result.tests if "embeds_once_for_the_teacher" in t.name)
    assert test.failing and test.stand_ins == ["U04.embed"], (test.state, test.stand_ins, test.message[:300])
    assert "U04.embed" not in test.reach() and "U11.lab_table" in test.reach()


def test_an_sdk_object_returned_is_said_as_such_with_the_functions_docstring(tmp_path):
    """embed returning voyageai's EmbeddingsObject: the failure says it is the SDK's result object and quotes
    embed's docstring, not the plumbing of the wall and a Verify line about cosines (a blind learner met both)."""
    u04 = find(4)
    tree = solutions_with(tmp_path, u04, "model=EMBEDDING_MODEL).embeddings", "model=EMBEDDING_MODEL)")
    result = runner.run([u04], str(tree), use_cache=False, time_limit=60).results[u04.slug]
    failure = result.first_failure
    assert "voyageai SDK's own result object (EmbeddingsObject) from embed()" in failure.message, failure.message
    assert failure.quote.startswith("Embed `texts`"), failure.quote


def test_a_reply_returned_as_it_came_is_said_to_be_the_sdks_with_the_clause_that_asks_for_its_reading(tmp_path):
    """U10's run_case returning the Message itself: the quote is the docstring's clause "ready to grade: your
    `read_reply` of the reply" (a blind learner saw it cut out by "…"), a note says it is the SDK's own object, and
    the hint sends them to read_reply in words (it told them to build five keys by hand)."""
    u10 = find(10)
    tree = solutions_with(tmp_path, u10, "    )\n    return read_reply(reply)\n", "    )\n    return reply\n")
    result, tests = results_by_name(u10, tree)
    failure = tests["test_run_case_returns_the_tool_call_or_the_text_with_usage"]
    assert failure.failing and "ready to grade: your `read_reply` of the reply" in failure.quote, failure.quote
    assert "the anthropic SDK's own Message object" in failure.message, failure.message
    assert "hand it to your read_reply" in failure.message, failure.message


def test_an_error_raised_in_a_function_that_passes_its_own_tests_echoes_the_failing_one_that_handed_it_on(tmp_path):
    """U06's ask_claude returning the Message: parse_citations, right and passing its own tests, raises a TypeError
    on it inside answer. The cause shown first is ask_claude's own failure, said to be the SDK's object; answer's
    test may fail only because ask_claude does (a blind learner was told parse_citations was the cause to fix)."""
    u06 = find(6)
    tree = solutions_with(tmp_path, u06, '    return "".join(block.text for block in reply.content if block.type == "text")',
                          "    return reply")
    result, tests = results_by_name(u06, tree)
    first = result.first_failure
    assert first.calls == ["U06.ask_claude"], (first.name, first.calls, first.message[:300])
    assert "the anthropic SDK's own Message object" in first.message, first.message
    answered = next(t for t in result.tests if t.failing and t.calls == ["U06.answer"])
    assert result.echo_of(answered) == (first, "`ask_claude`") or result.echo_of(answered)[1] == "`ask_claude`", \
        (answered.name, result.echo_of(answered))


def test_a_number_returned_as_text_is_said_to_be_text(tmp_path):
    """U11's cost_usd returning '3.000000': the failure quotes "(a float)", hints at the type and notes that the str
    only reads like a number (a blind learner read '3.000000' against $3.000000 and a hint about pricing)."""
    u11 = find(11)
    was = '    return (usage["input_tokens"] * price_in + usage["output_tokens"] * price_out) / 1_000_000\n'
    tree = solutions_with(tmp_path, u11, was, "    return f'{" + was.strip().removeprefix("return ") + ":.6f}'\n")
    result, tests = results_by_name(u11, tree)
    failure = tests["test_cost_counts_input_and_output_tokens"]
    assert failure.failing and failure.quote == "Dollars for one call (a float)", (failure.quote, failure.message)
    assert "is text (a str), not a number" in failure.message, failure.message


def test_a_timeout_first_still_shows_the_first_failure_of_another_kind():
    """A unit whose first failure is a timeout also shows its first other cause (U10: a loop in report, and grade
    matching case-sensitively: a blind learner saw only the loop, and the grade failure only in `kata check`)."""
    u10 = find(10)
    stopped = report.TestResult(f"{u10.test_file}::test_report", u10.slug, "verify", "timeout", "",
                                "This test ran for more than 10 s and was stopped, in `report` "
                                "(exercises/u10_eval_datasets.py:240). An endless loop, …", calls=["U10.report"])
    wrong = report.TestResult(f"{u10.test_file}::test_grade", u10.slug, "verify", "failed", "",
                              "Called grade(…). It returned False, …", calls=["U10.grade"])
    shown = "\n".join(board.unit_lines(UnitResult(u10, [wrong, stopped])))
    assert "test_report: This test ran for more than" in shown and "✘ test_grade" in shown, shown


def test_an_echo_of_an_earlier_unit_is_found_through_a_caller_this_unit_does_not_use():
    """U07's compare uses U06's answer_from; U06's failing test calls answer (which calls answer_from and retrieve):
    with retrieve's own test passing, U07's failure may well echo answer_from (a blind learner who broke answer_from
    was told to fix U07's compare); with retrieve's failing too, nothing is claimed."""
    u06 = find(6)
    reach = {"U07.compare", *report.depends_on("U07.compare")}

    def test(name, state, calls):
        return report.TestResult(f"{u06.test_file}::{name}", u06.slug, "verify", state, "", "It returned …", calls=calls)

    answer = test("test_answer", "failed", ["U06.answer"])
    found = runner._failing_through_a_caller(UnitResult(u06, [answer, test("test_retrieve", "passed", ["U06.retrieve"])]), reach)
    assert found == (answer, "U06.answer_from"), found
    both = UnitResult(u06, [answer, test("test_retrieve", "failed", ["U06.retrieve"])])
    assert runner._failing_through_a_caller(both, reach) == (None, "")


def test_the_edit_line_offers_the_earlier_file_when_the_cause_has_echoes_too():
    """U03's count_tokens returning a str, U07's semantic_chunks raising on it, and two U07 tests echoing that: the edit
    line still names U03's file beside U07's (the echo count's rewording once dropped it, and a blind learner read
    "fix U03 first" above "Edit exercises/u07_production_rag.py" below)."""
    u03, u07 = find(3), find(7)
    cause = runner.Cause(f"{u03.code}'s own test_count fails too: if what your {u03.code} `count_tokens` handed "
                         f"`semantic_chunks` is what it tripped on, fix that first.", maybe=(u03.code, "count_tokens"))
    raised = report.TestResult(f"{u07.test_file}::test_cut", u07.slug, "verify", "failed", "",
                               "Your code raised TypeError …", calls=["U07.semantic_chunks"],
                               ran=["U07.semantic_chunks", "U03.count_tokens"])
    echo = report.TestResult(f"{u07.test_file}::test_notes", u07.slug, "verify", "failed", "", "It returned …",
                             calls=["U07.semantic_chunk_notes"],
                             ran=["U07.semantic_chunk_notes", "U07.semantic_chunks", "U03.count_tokens"])
    result = UnitResult(u07, [raised, echo])
    assert result.echo_of(echo) is not None and result.first_failure is raised
    shown = "\n".join(board.unit_lines(result, cause=cause))
    assert f"Edit {u07.exercise}, where your code raised, or first {u03.exercise}" in shown, shown


def test_an_exception_raised_where_an_earlier_units_failure_never_runs_is_no_echo_of_it(tmp_path):
    """U06's answer_from raises a KeyError while U05's top_k is wrong: U05's failing test never runs answer_from,
    so U06's failure is no echo of it and the learner is not sent to U05 (a blind learner was, for a KeyError in
    U06's own code); a line may say U05 fails too, in case what top_k handed over is what the code tripped on."""
    u05, u06 = find(5), find(6)
    tree = solutions_with(tmp_path, u06, '"cited_notes": [chunks[n - 1]["note"] for n in cited]',
                          '"cited_notes": [chunks[n - 1]["note_id"] for n in cited]')
    (tree / f"{u05.slug}.py").write_text((tree / f"{u05.slug}.py").read_text().replace(
        "reverse=True", "reverse=False"))
    result = runner.run([u06], str(tree), use_cache=False, time_limit=60).results[u06.slug]
    raised = [t for t in result.tests if t.failing and report.raised_in(t) == "U06.answer_from"]
    assert raised, [(t.name, t.message[:80]) for t in result.tests if t.failing]
    for test in raised:  # each as the first failure shown: at most a word that U05 fails too, never an echo of it
        cause = runner.cause_in_earlier_unit(UnitResult(u06, [test]), str(tree))
        assert "fails because" not in cause and "echo" not in cause, cause
        shown = "\n".join(board.unit_lines(UnitResult(u06, [test]), cause=cause))
        assert f"Edit {u05.exercise}" not in shown and f"Edit {u06.exercise}" in shown, shown
        if cause:  # U05 fails too: the edit line offers its file as well, after this unit's own
            assert f"Edit {u06.exercise}, where your code raised, or first {u05.exercise}" in shown, shown


def test_none_returned_is_said_to_be_what_a_missing_return_gives():
    """A function that builds its answer and never returns it gives None: the failure says what None means, once,
    and no such note stands under any other value."""
    from kata.judge import testing

    with pytest.raises(pytest.fail.Exception) as failed:
        testing.expect(False, call="top_k(index, [2.0, 1.0], k=3)", returned=None, expected="['east'] (ids, best first)")
    assert "It returned None," in str(failed.value) and "without reaching a `return`" in str(failed.value)
    with pytest.raises(pytest.fail.Exception) as failed:
        testing.expect(False, call="top_k(index, [2.0, 1.0], k=3)", returned=[], expected="['east'] (ids, best first)")
    assert "`return`" not in str(failed.value)
    with pytest.raises(pytest.fail.Exception) as failed:  # a part looked up in what came back: no function ended there
        testing.expect(False, call="replies()['we should build our own model']", returned=None, expected="one paragraph")
    assert "`return`" not in str(failed.value)


@pytest.mark.parametrize("returned, said", [(("east", "north"), "a tuple, in round brackets"), ({"east"}, "a set, which keeps no order")])
def test_a_tuple_or_set_where_a_list_is_expected_is_said_to_be_one(returned, said):
    """('east', 'north') reads like the list the tests expect: the failure says which is which."""
    from kata.judge import testing

    with pytest.raises(pytest.fail.Exception) as failed:
        testing.expect(False, call="top_k(index, [2.0, 1.0], k=2)", returned=returned, expected="['east', 'north'] (ids)")
    assert f"Note: that is {said}; what is expected is a list, in square ones." in str(failed.value)
    with pytest.raises(pytest.fail.Exception) as failed:
        testing.expect(False, call="f()", returned=returned, expected="a dict of the counts")
    assert "Note: that is" not in str(failed.value)


def test_a_set_inside_a_pair_where_lists_are_expected_is_said_to_be_one():
    """({1}, set()) where ([1], []) is expected: the numbers are right and only the kind is wrong, which a newcomer
    learner found by comparing the two side by side, the note on a set or tuple looking only at the value itself."""
    from kata.judge import testing

    with pytest.raises(pytest.fail.Exception) as failed:
        testing.expect(False, call="parse_citations('[chunk 1]', 3)", returned=({1}, set()), expected="([1], [])")
    assert "Note: {1} in it is a set, which keeps no order; what is expected there is a list" in str(failed.value)
    with pytest.raises(pytest.fail.Exception) as failed:  # a set expected inside: no note
        testing.expect(False, call="f()", returned=({1}, set()), expected="({1, 2}, [])")
    assert "is a set, which keeps no order" not in str(failed.value)


def test_the_problems_a_test_found_are_never_said_to_be_what_the_code_returned():
    """A test's own list of what it found wrong reads as such ("What came back has these problems:"), one per line,
    never "It returned [...]": a blind learner read a list of problems as their function's return value."""
    from kata.judge import testing

    for problems, said in ((["the context is 601 tokens, more than 70% of 855"],
                            "What came back has this problem: the context is 601 tokens, more than 70% of 855,"),
                           (["a.txt: 'x y' is whole sentences", "b.txt: 'z' is not a whole sentence"],
                            "What came back has these problems:\n  - a.txt: 'x y' is whole sentences\n"
                            "  - b.txt: 'z' is not a whole sentence,")):
        with pytest.raises(pytest.fail.Exception) as failed:
            testing.expect(False, call="cut_context(notes, FACTS)", returned=testing.Problems(problems),
                           expected="no problems")
        assert said in str(failed.value) and "It returned" not in str(failed.value), str(failed.value)


def test_what_a_test_saw_of_a_call_is_never_said_to_be_what_the_code_returned():
    """A test's own summary of a call (the ids and the embed calls it made) reads as such, a part a line, never
    "It returned {...}": a dict keyed by the test's own names is not what the learner's function returned."""
    from kata.judge import testing

    with pytest.raises(pytest.fail.Exception) as failed:
        testing.expect(False, call="search(index, 'Which way is up?')", expected="one embed call",
                       returned=testing.Seen({"ids": ["n1", "n2"], "embed calls": [["Which way is up?"], ["again"]]}))
    said = str(failed.value)
    assert "What came back:\n  - ids: ['n1', 'n2']\n  - embed calls: [['Which way is up?'], ['again']]," in said, said
    assert "It returned" not in said, said
