"""The wall between learner and judge: a verdict no learner code can write (kata/judge/wall.py, kata/learner/).

Each tree below is U01 solved except for one function, `mechanisms_named`, written by a learner who
knows pytest and Python better than we do and tries to forge its verdict from inside their own code:
hooks registered on pytest's Config found through gc, the kata's reporter and `expect` rewritten, the
caller's frame read for the expected value, an object equal to everything, pytest's own skip, an exit.
Learner code runs in a process of its own, so none of it reaches the process that holds the tests:
each ends with U01 not done, as a plain wrong answer does. Plus the values that cross the wall.
"""

from __future__ import annotations

import csv
import json
import shutil

import numpy as np
import pytest

from kata.commands import cli
from kata.judge import wall
from kata.running import worker
from kata.learner.values import CannotCross, Codec
from kata.units import ROOT, find

pytestmark = pytest.mark.harness

U01 = find(1)

WRONG = "    return set()  # the wrong answer, disguised by what follows\n"
TRICKS = {
    "plain_wrong": WRONG,
    "gc_hook": """    import gc
    for thing in gc.get_objects():
        if type(thing).__name__ == "Config" and hasattr(thing, "pluginmanager"):
            class Forge:
                import pytest as _p

                @_p.hookimpl(wrapper=True)
                def pytest_runtest_makereport(self, item, call):
                    report = yield
                    report.outcome = "passed"
                    if getattr(report, "kata", None):
                        report.kata["state"] = "passed"
                    return report
            try:
                thing.pluginmanager.register(Forge(), "forge")
            except Exception:
                pass
""" + WRONG,
    "rewrites_the_judge": """    import kata.judge.child, kata.judge.testing
    kata.judge.testing.expect.__code__ = (lambda ok, **kw: None).__code__  # every test module's expect, a no-op
    send = kata.judge.child._Messages.send
    def passed(self, kind, **data):
        if kind == "result":
            data["test"]["outcome"], data["test"]["state"] = "passed", "passed"
        return send(self, kind, **data)
    kata.judge.child._Messages.send = passed
""" + WRONG,
    "reads_the_callers_frame": """    import sys
    frame = sys._getframe(1)
    while frame is not None:
        for name in ("want", "wanted", "expected"):
            if isinstance(frame.f_locals.get(name), set):
                return frame.f_locals[name]
        frame = frame.f_back
""" + WRONG,
    "equal_to_everything": """    class Anything(set):
        def __eq__(self, other):
            return True
        def __ne__(self, other):
            return False
        __hash__ = None
    return Anything()
""",
    "skips_itself": """    import pytest
    pytest.skip("nothing to see")
""",
    "exits": """    import os
    os._exit(0)
""",
}


def _solutions_copy(tmp_path):
    """A copy of solutions/ to run as the tree under test, its units changed by the test that asks for it."""
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "solutions", tree, ignore=shutil.ignore_patterns("__pycache__"))
    return tree


def _prints_ok(script: str, *args) -> None:
    """Run `script` in a fresh interpreter (a judge of its own, its wall raised by the script): it ends printing "ok"."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", script, *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.strip().endswith("ok"), done.stdout[-2000:] + done.stderr[-3000:]


def _tree(path, body: str):
    shutil.copytree(ROOT / "solutions", path, ignore=shutil.ignore_patterns("__pycache__"))
    unit = path / f"{U01.slug}.py"
    code = unit.read_text()
    head = code.index("def mechanisms_named(")
    body_at = code.index('"""', code.index('"""', head) + 3) + 3  # after the docstring
    end = code.index("\ndef ", body_at)
    unit.write_text(code[:body_at] + "\n" + body + code[end:])
    return path


def _graded_room(base, wall: str | None = None, time_limit: float = 5.0) -> dict:
    """The honest tree and one tree per trick, graded for U01 in one call (with KATA_WALL set to `wall`)."""
    room = base / "room"
    room.mkdir()
    shutil.copytree(ROOT / "solutions", room / "honest", ignore=shutil.ignore_patterns("__pycache__"))
    for name, body in TRICKS.items():
        _tree(room / name, body)
    out = base / "class.csv"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(worker, "TIME_LIMIT", time_limit)
        if wall is not None:
            patch.setenv("KATA_WALL", wall)
        assert cli.main(["grade", str(room), "--unit", "1", "--csv", str(out)]) == 0
    return {row["student_id"]: row for row in csv.DictReader(out.open(encoding="utf-8"))}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return _graded_room(tmp_path_factory.mktemp("wall"))


def test_the_honest_tree_is_done(graded):
    assert graded["honest"]["U01 status"] == "done"


@pytest.mark.parametrize("trick", sorted(TRICKS))
def test_no_trick_from_inside_learner_code_forges_a_verdict(graded, trick):
    assert graded[trick]["U01 status"] != "done" and graded[trick]["U01"] == "0", graded[trick]


def test_a_process_that_ends_is_a_crash(graded):
    assert graded["exits"]["U01 status"] == "crashed"


# --- where os.fork is missing (Windows): the learner's process is spawned ---------------------------
# KATA_WALL=spawn takes that path here: a fresh interpreter over loopback sockets (kata/learner/spawned.py).

@pytest.fixture(scope="module")
def graded_spawned(tmp_path_factory):
    # a first call may wait for the interpreter started ahead to finish importing: more room on a loaded machine
    return _graded_room(tmp_path_factory.mktemp("wall_spawned"), wall="spawn", time_limit=10.0)


def test_where_fork_is_missing_the_learner_is_spawned_and_no_verdict_moves(graded, graded_spawned):
    """The same points and the same "done" for every tree through either path (a trick's "in progress" may be
    "timed out" on a loaded machine, through either: not done all the same)."""
    verdicts = {name: (row["U01"], row["U01 status"] == "done") for name, row in graded.items()}
    assert {name: (row["U01"], row["U01 status"] == "done") for name, row in graded_spawned.items()} == verdicts
    assert graded_spawned["honest"]["U01 status"] == "done" and graded_spawned["exits"]["U01 status"] == "crashed"


def test_a_spawned_learner_is_a_fresh_interpreter_and_its_loop_is_placed(tmp_path, monkeypatch):
    """Without signals, the watchdog asks a thread of the spawned learner where its main thread is: the loop is
    still pinned to the function and line, with what the call printed."""
    from kata.running import runner

    tree = _tree(tmp_path / "loops", '    import sys\n    print("started as", sys.argv[0])\n    while True:\n        pass\n')
    monkeypatch.setenv("KATA_WALL", "spawn")
    monkeypatch.setattr(worker, "TIME_LIMIT", 5.0)
    result = runner.run([U01], str(tree), use_cache=False).results[U01.slug]
    assert result.status == "timed out", result.status
    stopped = result.first_failure.message
    assert "was stopped, in `mechanisms_named`" in stopped, stopped
    shown = "\n".join(t.output for t in result.tests if t.output)
    assert "started as" in shown and "kata/learner/__main__.py" in shown.replace("\\", "/"), shown[-2000:]



# --- a measure taken where the learner's code runs (U09's memory): the code cannot stop or reset it ---------------
@pytest.mark.parametrize("how, said", [
    ("tracemalloc.stop()", "stop"), ("tracemalloc.reset_peak()", "reset_peak"), ("tracemalloc.clear_traces()", "clear_traces"),
    ("_tracemalloc.reset_peak()", "reset_peak"), ("_taken_at_import()", "reset_peak")])
def test_a_measured_call_that_stops_or_resets_its_own_measure_fails(tmp_path, how, said):
    """U09's forward forms B @ A (8 MB), then stops, resets or clears tracemalloc so that its peak reads small (through
    the module, its C module, or a name the unit took at import): the contract test fails, saying what the call did.
    (A fresh copy of the C module, made by the learner's code, still reaches it: docs/teaching.md says so.)"""
    from kata.running import runner

    u09 = find(9)
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "solutions", tree, ignore=shutil.ignore_patterns("__pycache__"))
    unit = tree / f"{u09.slug}.py"
    honest = "    return X @ W.T + scale * (X @ A.T) @ B.T\n"
    assert honest in unit.read_text()
    unit.write_text(unit.read_text().replace(honest, f"    import tracemalloc, _tracemalloc\n"
                                                     f"    out = X @ (W + scale * (B @ A)).T\n    {how}\n    return out\n")
                    + "\nfrom tracemalloc import reset_peak as _taken_at_import\n")
    result = runner.run([u09], str(tree), use_cache=False).results[u09.slug]
    failed = {t.nodeid.split("::")[-1]: t.message for t in result.tests if t.state != "passed"}
    assert list(failed) == ["test_forward_never_forms_the_full_size_product"], failed
    assert f"forward() called tracemalloc.{said}() while its memory was measured" in \
        failed["test_forward_never_forms_the_full_size_product"], failed


# --- what the learner's process makes for its SDKs -----------------------------------------------------------------
def test_a_client_made_on_every_call_loads_no_certificates_again(tmp_path):
    """The learner's process never opens a TLS connection (its requests cross to the judge as values), so every SDK
    client its code makes shares one TLS context: `anthropic.Anthropic()` inside a function, as the course writes
    the call, cost ~55 ms of certificate loading each time (about a second of U06's tests)."""
    from kata.running import runner

    tree = tmp_path / "clients"
    shutil.copytree(ROOT / "solutions", tree, ignore=shutil.ignore_patterns("__pycache__"))
    unit = tree / f"{U01.slug}.py"
    unit.write_text(unit.read_text() + """

_written = mechanisms_named


def mechanisms_named(text):
    import anthropic
    made = [anthropic.Anthropic(api_key="placeholder") for _ in range(2)]
    if made[0]._client._transport._pool._ssl_context is not made[1]._client._transport._pool._ssl_context:
        return {"a TLS context each"}
    return _written(text)
""")
    result = runner.run([U01], str(tree), use_cache=False).results[U01.slug]
    assert result.status == "done", result.first_failure and result.first_failure.message

# --- the values that cross -------------------------------------------------------------------------

def _across(value):
    sender = Codec(lambda n, name: None, lambda *a: None, share_callables=False)
    receiver = Codec(lambda n, name: None, lambda *a: None, share_callables=False)
    import json

    return receiver.decode(json.loads(json.dumps(sender.encode(value))))


@pytest.mark.parametrize("value", [
    None, True, 3, -0.5, float("inf"), "naïve", b"\x00\xff", [1, [2]], (1, "a"), {"k": (1, 2)}, {1: "one", (2, 3): "t"},
    {1, 2}, frozenset({"a"}), {"__kata__": "a dict whose key is the tag"},
    [0.1 * i for i in range(40)] + [-0.0, float("inf")], [1, 2.5] * 20,  # a long vector of floats, and a mixed one
])
def test_plain_values_cross_unchanged(value):
    got = _across(value)
    assert got == value and type(got) is type(value)


def test_numeric_arrays_cross_with_their_dtype_and_shape():
    for array in (np.arange(6, dtype=np.float16).reshape(2, 3), np.array([True, False]), np.float32(1.5), np.int8(-3)):
        got = _across(array)
        assert type(got) is type(array) and got.dtype == array.dtype and np.array_equal(got, array)


@pytest.mark.parametrize("value", [np.array([object()], dtype=object), object(), (x for x in "ab"), lambda: 1])
def test_what_cannot_cross_is_refused_by_name(value):
    with pytest.raises(CannotCross):
        _across(value)


def test_an_int_too_long_for_json_is_refused_by_name_not_a_crash():
    """An int of thousands of digits (U06's chunk number read from '[chunk 9999…]'): json, which carries each
    message, refuses more than 4,300 digits. It was raised as the message was written, and the learner's process
    ended ("exited with code 0", a crash); it is refused by name, as any value that cannot cross."""
    codec = Codec(None, None, share_callables=False)
    assert codec.encode(10 ** 3000, "what f() returned") == 10 ** 3000
    with pytest.raises(CannotCross, match=r"what f\(\) returned is an int of more than 4,200 digits"):
        codec.encode(10 ** 5000, "what f() returned")


def test_a_numpy_array_of_text_is_said_to_be_one_with_what_to_return_instead():
    with pytest.raises(CannotCross, match=r"what f\(\) returned is a numpy array of text \(dtype <U6\).*a list of str"):
        Codec(None, None, share_callables=False).encode(np.array(["note01", "note02"]), "what f() returned")


@pytest.mark.parametrize("value", [(x for x in "ab"), map(str, [1, 2]), zip("ab", "cd"), reversed([1, 2])],
                         ids=["generator", "map", "zip", "reversed"])
def test_a_generator_returned_is_said_to_be_one_with_what_to_return_instead(value):
    with pytest.raises(CannotCross, match=r"what f\(\) returned is an? \w+, which hands out its items once.*the list, set or dict the docstring asks"):
        Codec(None, None, share_callables=False).encode(value, "what f() returned")


def _both_ways(value, attach: bool):
    """(the encoded value, what the other side decodes, the containers each side met, in order)."""
    import json

    sender = Codec(lambda n, name: None, lambda *a: None, share_callables=False)
    receiver = Codec(lambda n, name: None, lambda *a: None, share_callables=False)
    sender.track, receiver.track, sender.attached = [], [], {} if attach else None
    encoded = json.loads(json.dumps(sender.encode(value)))
    receiver.arrived = sender.attached or {}
    return encoded, receiver.decode(encoded), sender.track, receiver.track


@pytest.mark.parametrize("attach", [False, True])
@pytest.mark.parametrize("value", [
    [[float(i), float("nan"), -0.0] for i in range(30)], [[1.0], [2.0, 3.0]], [[1.0, 2.0], [3, 4.0]],  # matrices as lists
    [{"id": str(i), "text": f"note {i}", "vector": [0.5 * i] * 24, "n": i, "x": None} for i in range(3000)],  # U05's index
    [{"id": "a", "v": [1.0]}, {"id": "b", "v": None}], [{"id": "a", "v": [{"x": 1.0}]}, {"id": "b", "v": []}],
    [{"a": 1}, {"b": 2}], [{}, {}], ["one", "two"],
])
def test_matrices_and_records_as_lists_cross_unchanged_in_one_piece(value, attach):
    """A list of float lists crosses as one block of float64, a list of alike records by column: the same values,
    and each side meets the same containers in the same order (what keeps an argument returned as itself)."""
    import math

    encoded, got, sent, met = _both_ways(value, attach)
    same = lambda a, b: a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b))  # noqa: E731
    assert len(got) == len(value) and all(
        type(g) is type(v) and (all(map(same, g, v)) if isinstance(v, list) else g == v) for g, v in zip(got, value))
    assert [type(c) for c in sent] == [type(c) for c in met] and len(sent) == len(met)
    if len(value) >= 3000:
        assert encoded["__kata__"] == "table" and len(str(encoded)) < 150_000 + (0 if attach else 10 ** 6)


def _index():
    return [{"id": str(i), "text": f"note {i}", "vector": [0.5 * i, 0.0, 1.0], "n": 1.0} for i in range(6)]


def _put(container, at, value):
    container[at] = value


def _reordered(entry):
    entry["id"] = entry.pop("id")  # the same keys and values, "id" now last


# What a call may do in place to a table (U05's index) or a matrix as lists (its vectors): the learner's side must see
# each as a change, however equal what it leaves (0.0 and -0.0, 1.0 and 1 are == in Python, and differ on the wire)
CHANGES = {  # name: (on the table, on the matrix)
    "a float of a row": (lambda t: _put(t[2]["vector"], 1, -0.0), lambda m: _put(m[2], 1, -0.0)),
    "a float, equal but an int": (lambda t: _put(t[3], "n", 1), lambda m: _put(m[3], 2, 1)),
    "a row made longer": (lambda t: t[1]["vector"].append(2.0), lambda m: m[1].append(2.0)),
    "a row put in anew, equal": (lambda t: _put(t[0], "vector", list(t[0]["vector"])), lambda m: _put(m, 0, list(m[0]))),
    "the items reversed": (list.reverse, list.reverse),
    "an item added": (lambda t: t.append(t[0]), lambda m: m.append(m[0])),
    "a key added, a row emptied": (lambda t: _put(t[4], "extra", None), lambda m: m[4].clear()),
    "the keys reordered, a row sorted": (lambda t: _reordered(t[5]), lambda m: m[5].sort()),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
@pytest.mark.parametrize("kind", ["table", "rows"])
def test_a_matrix_or_table_argument_left_unchanged_is_seen_so_and_any_change_is_seen(kind, change):
    """After a call, the learner's side sees whether a big argument changed by the identity of every object in it
    (values.Snapshot), not by encoding it again: each change a call can make in place is a change, however equal."""
    from kata.learner.process import _same_items

    value = _index() if kind == "table" else [row["vector"] for row in _index()]
    sender = Codec(lambda n, name: None, lambda *a: None, share_callables=False)
    receiver = Codec(lambda n, name: None, lambda *a: None, share_callables=False)
    sender.track, receiver.track, receiver.snapshots = [], [], {}
    args = receiver.decode(json.loads(json.dumps(sender.encode_arguments([value]))))
    snapshot = receiver.snapshots[id(args[0])]
    assert _same_items(args[0], snapshot), "left as it came, it is unchanged"
    CHANGES[change][kind == "rows"](args[0])
    assert not _same_items(args[0], snapshot), f"{change}: not seen"


def test_a_big_array_crosses_beside_the_message_and_is_not_sent_back_unchanged():
    """8 MB of weights cross as raw bytes beside the JSON; encoded again after the call, the same bytes take the name
    they came under (so the echo sees no change, and nothing is sent back), and changed bytes a new one."""
    W = np.random.default_rng(0).normal(size=(300, 300))
    encoded, got, _, _ = _both_ways(W, attach=True)
    assert "raw" in encoded and "b" not in encoded and np.array_equal(got, W) and got.flags.writeable
    learner = Codec(lambda n, name: None, lambda *a: None, share_callables=False)
    learner.attached, learner.came = {}, {encoded["raw"]: W.tobytes()}
    assert learner.encode(got) == encoded and learner.attached == {}, "unchanged: encoded as it came, nothing attached"
    got[0, 0] += 1
    again = learner.encode(got)
    assert again["raw"] != encoded["raw"] and list(learner.attached) == [again["raw"]]


IN_PLACE = '''
import sys
import numpy as np
from kata.learner import impl
from kata.judge import testing, wall

testing.set_current(impl.target(sys.argv[1]))
wall.WALL.start(sandboxed=False)
u05, u09 = testing.load_unit("u05_vector_search"), testing.load_unit("u09_lora_and_peft")
W = np.random.default_rng(1).normal(size=(512, 512))
A, B = np.ones((2, 512)), np.ones((512, 2))
before = W.copy()
u09.merge(W, A, B)
assert not np.array_equal(W, before), "a write into W in the learner's process is seen by the test"
index = [{"id": str(i), "text": f"note {i}", "vector": [1.0, float(i)]} for i in range(200)]
entry, vector = index[5], index[5]["vector"]
u05.top_k(index, [1.0, 0.0], 3)
assert index[5] is entry and entry["vector"] is vector and vector[0] == -1.0, "a change inside the index is seen"
# moved, made anew, shared: each as a call in the test's own process would leave it (the learner's top_k, on 7
# entries, sorts them by id in place, gives the first a new vector, and appends one sharing the second's vector)
index = [{"id": str(i), "text": f"note {i}", "vector": [1.0, float(i)]} for i in range(7)]
entries, vectors = list(index), [e["vector"] for e in index]
u05.top_k(index, [1.0, 0.0], 3)
assert [e["id"] for e in index] == ["6", "4", "3", "2", "1", "0", "5", "new"], [e["id"] for e in index]
assert all(e is entries[int(e["id"])] for e in index[:-1]), "a dict moved is the test's own, moved"
assert index[0]["vector"] == [0.0, 0.0] and vectors[6] == [1.0, 6.0], "a vector made anew leaves the old one alone"
assert index[-1]["vector"] is vectors[4] and vectors[4] == [1.0, 4.0], "a vector shared is the test's own"
assert vectors[5][0] == -1.0 and index[6]["vector"] is vectors[5], "and one changed in place is changed"
from collections import OrderedDict  # the test's own kind of dict, moved, stays its kind
index = [OrderedDict(id=str(i), text=f"note {i}", vector=[1.0, float(i)]) for i in range(7)]
entries = list(index)
u05.top_k(index, [1.0, 0.0], 3)
assert all(type(e) is OrderedDict and e is entries[int(e["id"])] for e in index[:-1]), [type(e) for e in index]
print("ok")
'''


def test_changes_made_in_place_to_big_arrays_and_records_are_seen(tmp_path):
    """The fast ways across (raw bytes, blocks, columns) still bring back what the learner's code changed in place,
    into the test's own objects; a dict the call moved (a list sorted in place) is the test's own, moved, and a
    list it made anew is a new one (the test's old one left alone), as in the test's own process."""
    tree = _solutions_copy(tmp_path)
    u09 = tree / "u09_lora_and_peft.py"
    u09.write_text(u09.read_text().replace("    return W + scale * B @ A\n", "    W += scale * B @ A\n    return W\n"))
    u05 = tree / "u05_vector_search.py"
    u05.write_text(u05.read_text().replace('    scored = [(cosine(', '    index[5]["vector"][0] = -1.0\n    scored = [(cosine(').replace(
        "    return [doc_id for _, doc_id in scored[:k]]\n",
        "    if len(index) == 7:\n"
        "        index.sort(key=lambda e: (e['id'] == '5', e['id']), reverse=True)\n"
        "        index.sort(key=lambda e: e['id'] == '5')\n"
        "        index[0]['vector'] = [0.0, 0.0]\n"
        "        index.append({'id': 'new', 'text': 'new', 'vector': index[1]['vector']})\n"
        "    return [doc_id for _, doc_id in scored[:k]]\n"))
    _prints_ok(IN_PLACE, tree)


KINDS = '''
import sys
from kata.learner import impl
from kata.judge import testing, wall

testing.set_current(impl.target(sys.argv[1]))
wall.WALL.start(sandboxed=False)
u04 = testing.load_unit("u04_embeddings")
a, b = [3, 0.0, 1], [1.0, 2.0, 3.0]
u04.cosine(a, b)  # the learner's cosine writes [3.0, -0.0, True] into a: == to what it held, another kind of each
assert [type(x) for x in a] == [float, float, bool] and str(a[1]) == "-0.0", a
print("ok")
'''


def test_a_change_of_kind_made_in_place_is_seen(tmp_path):
    """An int made a float, 0.0 made -0.0, 1 made True in the test's list: each is == to what it was in Python, and
    each is a change the test sees (a blind learner's cosine turned the caller's ints into floats, unseen)."""
    tree = _solutions_copy(tmp_path)
    u04 = tree / "u04_embeddings.py"
    u04.write_text(u04.read_text().replace("    dot = sum(x * y for x, y in zip(a, b))\n",
                                           "    dot = sum(x * y for x, y in zip(a, b))\n"
                                           "    if a == [3, 0.0, 1]:\n        a[:] = [3.0, -0.0, True]\n"))
    _prints_ok(KINDS, tree)


KEPT = '''
import sys
import numpy as np
from tokenizers import Tokenizer
from kata.learner import impl, values
from kata.judge import testing, wall
from kata.units import ROOT

testing.set_current(impl.target(sys.argv[1]))
wall.WALL.start(sandboxed=False)
u09, u11 = testing.load_unit("u09_lora_and_peft"), testing.load_unit("u11_distillation_and_quantization")
sent = []  # the big bytes each call's message carried
hold = wall.WALL.codec.__class__.hold
wall.WALL.codec.__class__.hold = lambda codec, attached: (sent.append(sum(map(len, attached.values()))), hold(codec, attached))[1]
W, before = np.random.default_rng(1).normal(size=(512, 512)), None
A, B = np.ones((2, 512)), np.ones((512, 2))
before = W.copy()
u09.merge(W, A, B)  # writes into its W: the test's W is changed too
assert not np.array_equal(W, before) and sent == [W.nbytes], sent
W[...] = before  # the test puts it back: the same bytes as the first call's, kept over there under their name
again = u09.merge(W, A, B)
assert np.array_equal(again, before + B @ A) and sent == [W.nbytes], ("sent by name, and as the test holds it", sent)
W[0, 0] = 42.0  # the learner's code ends its process on this one
try:
    u09.merge(W, A, B)
except wall.LearnerEnded:
    pass
else:
    raise AssertionError("the learner's process did not end")
W[...] = before  # a new learner process keeps nothing yet: the bytes cross again
assert np.array_equal(u09.merge(W, A, B), before + B @ A) and sent[-1] == W.nbytes, sent
values.HELD_AT_MOST = W.nbytes  # too little for two: what was kept is dropped, and kept anew
other, W[...] = before * 2, before
assert np.array_equal(u09.merge(other, A, B), before * 2 + B @ A) and sent[-1] == W.nbytes
assert np.array_equal(u09.merge(W, A, B), before + B @ A) and sent[-1] == W.nbytes, "after a drop the bytes cross again"
tokenizer = Tokenizer.from_file(str(ROOT / "models" / "minilm-static" / "tokenizer.json"))
embeddings = np.random.default_rng(2).normal(size=(tokenizer.get_vocab_size(), 8)).astype(np.float32)
first = u11.static_embed(["a long sentence of many words"], tokenizer, embeddings)
second = u11.static_embed(["a long sentence of many words"], tokenizer, embeddings)
assert np.array_equal(first, second), "the tokenizer built once over there, then changed by a call, is built again"
assert tokenizer.truncation is None, "the test's own tokenizer is its own"
print("ok")
'''


def test_big_bytes_cross_once_and_every_call_gets_the_tests_values_as_they_are(tmp_path):
    """The learner process keeps the big bytes the judge sent, and the judge sends the same bytes again by name only:
    a call still gets the test's argument as it is now (written into by a call before, put back, or changed), a new
    learner process (after a crash) gets them again, and so does one told to drop what it kept. A tokenizer built
    once over there and changed by a call is built again for the next."""
    tree = _solutions_copy(tmp_path)
    u09 = tree / "u09_lora_and_peft.py"
    u09.write_text(u09.read_text().replace("    return W + scale * B @ A\n", "    if W[0, 0] == 42.0:\n        import os\n"
                                           "        os._exit(3)\n    out = W + scale * B @ A\n    W += 1.0\n    return out\n"))
    u11 = tree / "u11_distillation_and_quantization.py"
    u11.write_text(u11.read_text().replace("    return vectors\n", "    tokenizer.enable_truncation(max_length=1)\n    return vectors\n", 1))
    _prints_ok(KEPT, tree)


# --- look-ups kept on the judge's side: never a stale one (issue 21) -----------------------------------

NAMES = """

import importlib as _importlib
import sys as _sys
import time as _time


def which(loaded=_time.monotonic_ns()):  # each import of the module makes a new one
    return "original", loaded


def _other(loaded=0):
    return "rebound", loaded


def rebind_which():
    global which
    which = _other


def reload_me():
    _importlib.reload(_sys.modules[__name__])


def forget_me():
    del _sys.modules[__name__]


def crash():
    import os
    os._exit(3)


LOG = []


def grow():
    LOG.append(1)
    return len(LOG)


def as_floats():
    LOG[:] = [float(n) for n in LOG]


BIG = ["words " * 20] * 100  # too big to keep: asked each time
"""

# A script's start: the tree in argv[1] behind a wall of its own, U01 loaded, and every question to the learner's
# process counted by its kind in `asked`.
ASKED = """
import sys
import pytest
from kata.learner import impl
from kata.judge import plugin, testing, wall

tree = impl.target(sys.argv[1])
testing.set_current(tree)
wall.WALL.start(sandboxed=False)
u01 = testing.load_unit("u01_vocabulary")
asked = []
real_ask = wall.WALL.ask
wall.WALL.ask = lambda message: (asked.append(message["kind"]), real_ask(message))[1]
"""

STALE = ASKED + """
from pathlib import Path

first = u01.which()
gets = asked.count("get")
assert u01.which() == first and asked.count("get") == gets, "the name again: kept, not asked"
u01.rebind_which()
assert u01.which()[0] == "rebound", "a name the learner's code rebinds during a call"
u01.reload_me()
reloaded = u01.which()
assert reloaded[0] == "original" and reloaded[1] != first[1], ("the module reloaded", reloaded, first)
u01.forget_me()
again = u01.which()
assert again[0] == "original" and again[1] != reloaded[1], ("the module imported again", again, reloaded)

scope = testing.unit_globals(u01, "grow")  # the globals where `grow` looks names up: the module's
with pytest.MonkeyPatch.context() as patch:
    patch.setitem(scope, "which", lambda: ("stand-in", 0))
    assert u01.which() == ("stand-in", 0), "a stand-in set"
assert u01.which() == again, "the stand-in removed"
with pytest.MonkeyPatch.context() as patch:
    patch.delitem(scope, "which")
    with pytest.raises(impl.MissingName):
        u01.which()
assert u01.which() == again

swapped = tree.with_swap("u01_vocabulary", Path(sys.argv[2]))
testing.set_current(swapped)
assert u01.which()[0] == "swapped", "another target: a mistake swapped in"
testing.set_current(tree)
assert u01.which() == again

pid = wall.WALL.pid
wall.WALL.end_learner()  # the watchdog's way
restarted = u01.which()
assert wall.WALL.pid != pid and restarted[0] == "original" and restarted[1] != again[1], "a new learner process"
with pytest.raises(wall.LearnerEnded):
    u01.crash()
assert u01.which()[0] == "original" and u01.which()[1] != restarted[1], "a new learner process after a crash"

assert u01.grow() == 1 and u01.LOG == [1]
gets = asked.count("get")
u01.LOG.append("the test's own copy")
assert u01.LOG == [1] and asked.count("get") == gets, "a constant kept is a copy of its own at each look-up"
assert u01.grow() == 2 and u01.LOG == [1, 1], "a constant the learner's code changed"
u01.as_floats()
assert u01.LOG == [1.0, 1.0] and type(u01.LOG[0]) is float, "1 became 1.0: a change too"
gets = asked.count("get")
assert u01.BIG == u01.BIG and asked.count("get") == gets + 2, "a big constant is asked for each time"

plugin.pytest_runtest_logstart("tests/test_probe.py::test_next", None)
assert wall.WALL.looked_up == {}, "each test asks afresh"
gets = asked.count("get")
assert u01.which() == u01.which() and asked.count("get") == gets + 1
print("ok")
"""


def test_a_kept_look_up_is_never_stale(tmp_path):
    """`u01.name` asked again is served from the judge's side, and never stale: not after the learner's code rebinds
    the name or reloads its module, a stand-in set or removed, another target, or a new learner process."""
    tree = _solutions_copy(tmp_path)
    unit = tree / f"{U01.slug}.py"
    unit.write_text(unit.read_text() + NAMES)
    mistake = tmp_path / "which_swapped.py"
    mistake.write_text(unit.read_text().replace('return "original", loaded', 'return "swapped", loaded'))
    _prints_ok(STALE, tree, mistake)


def test_a_learners_own_error_raised_again_is_of_the_same_class():
    """An error of a class the judge's side does not hold (the learner's own `class Oops(ValueError)`, pdb's BdbQuit) is
    rebuilt under a class of the same name and nearest builtin base, made once: the same error raised again is of the
    same class. hypothesis tells bugs apart by their class: a class made anew each time was a new bug each example,
    shrunk again and again (U01's property tests took twice as long, one of them past the time limit)."""
    oops = {"type": "kata_graded_0.u01_vocabulary:Oops", "message": "no", "bases": ["ValueError", "Exception"]}
    first, again = wall._rebuilt(dict(oops)), wall._rebuilt(dict(oops, message="no again"))
    assert type(first) is type(again) and isinstance(first, ValueError) and type(first).__name__ == "Oops"
    assert str(again) == "no again"
    other = wall._rebuilt(dict(oops, type="kata_graded_0.u01_vocabulary:Other"))
    assert type(other) is not type(first) and type(other).__name__ == "Other"
    said = {"type": "anthropic:APIStatusError", "message": "overloaded"}  # an __init__ that wants a response
    assert type(wall._rebuilt(dict(said))) is type(wall._rebuilt(dict(said))) and str(wall._rebuilt(said)) == "overloaded"


def test_an_error_the_learners_side_names_is_never_a_class_that_steers_the_judge():
    """The learner's code can rewrite the error data its side sends. A name that reaches pytest's `Exit` through one
    of numpy's test modules (which import pytest), a library's BaseException, a private name, or attributes the
    learner's side never sends: none is rebuilt as named. Before, `Exit` with returncode 0 ended the judge's session
    with status 0 and the unit was "done" on its one test run (a red team's forge)."""
    import _pytest.outcomes

    forged = {"type": "numpy.matrixlib.tests.test_interaction:pytest.exit.Exception", "message": "bye",
              "bases": ["Exception"], "attributes": {"returncode": 0, "kata_message": 7, "status_code": 529},
              "frames": [["u01.py", 3, "f", "x"], ["bad", "frame"], [1, 2, 3, 4]]}
    error = wall._rebuilt(forged)
    assert not isinstance(error, _pytest.outcomes.OutcomeException) and isinstance(error, Exception)
    assert not hasattr(error, "returncode") and error.kata_message == "bye" and error.status_code == 529
    assert error.kata_frames == [("u01.py", 3, "f", "x")]
    for name in ("numpy:_core.multiarray.ndarray", "numpy.testing:assert_equal", "_pytest.outcomes:Exit",
                 "hypothesis.errors:UnsatisfiedAssumption"):
        rebuilt = wall._rebuilt({"type": name, "message": "m"})  # a class of that name, made here under Exception
        assert not isinstance(rebuilt, _pytest.outcomes.OutcomeException) and isinstance(rebuilt, Exception), name
        assert type(rebuilt).__name__ == name.rpartition(":")[2].rpartition(".")[2] and str(rebuilt) == "m"
    assert isinstance(wall._rebuilt({"type": "builtins:KeyError", "message": "'k'"}), KeyError)  # what may cross, crosses
    assert type(wall._rebuilt({"type": "json:JSONDecodeError", "message": "m"})).__mro__[1].__name__ == "JSONDecodeError"


# --- the unit's dataclasses: built where its author's code would run ----------------------------------

RECORDS = """

import dataclasses as _dc


@_dc.dataclass(frozen=True)
class Plain:
    name: str
    rate: float | None
    labels: int = 0


@_dc.dataclass
class Checked:
    rate: float

    def __post_init__(self):
        if not 0 <= self.rate <= 1:
            raise ValueError("a rate is between 0 and 1")
        self.rate = round(self.rate, 2)


BUILT = []


@_dc.dataclass
class Counted:
    n: int

    def __init__(self, n):
        BUILT.append(n)
        self.n = n


def describe(record):
    return f"{type(record).__name__} {record}"
"""

BUILDS = ASKED + """
import dataclasses

Plain, Checked, Counted = u01.Plain, u01.Checked, u01.Counted
calls = asked.count("call")
plain = Plain(name="a use case", rate=None, labels=1_400)
assert asked.count("call") == calls, "a plain dataclass, every field a scalar: built here, no round trip"
assert (plain.name, plain.rate, plain.labels) == ("a use case", None, 1_400)
with pytest.raises(dataclasses.FrozenInstanceError):
    plain.labels = 0
assert u01.describe(plain) == "Plain Plain(name='a use case', rate=None, labels=1400)", "the learner's own class there"
assert dataclasses.replace(plain, rate=0.5).rate == 0.5 and asked.count("call") == calls + 1

calls = asked.count("call")
assert Plain("positional", 0.25).labels == 0, "a field left out: the learner's class fills its default"
assert Plain(name="a list", rate=[0.5]).rate == [0.5]
assert asked.count("call") == calls + 2, "a field left out, or a field that is not a scalar: built by the learner's class"

calls = asked.count("call")
assert Checked(rate=0.123).rate == 0.12, "__post_init__ ran where the learner's code runs"
with pytest.raises(ValueError, match="between 0 and 1"):
    Checked(rate=2.0)
assert Counted(n=7).n == 7 and u01.BUILT == [7], "an __init__ of the learner's own ran over there"
assert asked.count("call") == calls + 3

wall.WALL.end_learner()  # a new learner process: its classes are told again, and may be another kind
assert Plain(name="again", rate=1.0) == Plain(name="again", rate=1.0)
print("ok")
"""


def test_a_plain_dataclass_is_built_on_the_judges_side_and_any_other_by_the_learners_class(tmp_path):
    """Calling the unit's dataclass from a test: one whose building runs none of its author's code (the __init__
    dataclass wrote, no __post_init__, every field given as a scalar) is built here without a round trip; one with
    a __post_init__ or an __init__ of its own, or called with a field left out or a list, is built by the learner's
    class in the learner's process, as before (kata/learner/values.py's built_as_declared)."""
    tree = _solutions_copy(tmp_path)
    unit = tree / f"{U01.slug}.py"
    unit.write_text(unit.read_text() + RECORDS)
    _prints_ok(BUILDS, tree)


def test_behind_the_wall_hypothesis_seeds_the_judges_own_generators_and_not_numpys():
    """No example seeds or restores numpy's global generator in the judge (~150 µs an example, and the learner's
    code, which might draw from it, runs elsewhere); hypothesis's own Random is managed, registered without a scan
    of the heap (kata/judge/plugin.py's _seed_only_the_judges_own_generators, applied as this session began)."""
    import random

    from hypothesis import core
    from hypothesis.internal import entropy

    np.random.seed(1234)
    before, global_before = np.random.get_state()[1].copy(), random.getstate()
    with entropy.deterministic_PRNG(0):
        inside, global_inside = np.random.get_state()[1].copy(), random.getstate()
    assert (inside == before).all(), "numpy's global generator was seeded around an example"
    assert global_inside != global_before, "random's global generator is still seeded around each example"
    managed = list(entropy.RANDOMS_TO_MANAGE.values())
    assert core.threadlocal._hypothesis_global_random in managed


def test_a_value_nested_too_deep_is_refused():
    deep = []
    for _ in range(200):
        deep = [deep]
    with pytest.raises(CannotCross, match="levels deep"):
        _across(deep)


# --- what the learner's process holds ----------------------------------------------------------------

HOLDS = '''
import gc, sys

def mechanisms_named(text):
    def a_test(name):
        return isinstance(name, str) and (name.startswith(("test_", "tests.")) or ".test_u" in name)
    modules = [name for name in sys.modules if a_test(name)]
    gc.unfreeze()  # what the zygote froze once it had forgotten the judge's modules
    functions = [f"{f.__module__}.{f.__name__}" for f in gc.get_objects()
                 if callable(f) and a_test(getattr(f, "__module__", None))]
    return set(modules + functions)
'''

PROBE_TEST = '''
from kata.judge.testing import load_unit

u01 = load_unit("u01_vocabulary")
EXPECTED_SECRET = {"a value only the test knows"}


def test_the_learner_holds_no_test():
    got = u01.mechanisms_named("")
    assert got == set(), sorted(got)
'''


def test_the_learners_process_holds_no_test_module(tmp_path):
    """The zygote is forked before collection: no test module, no test function, no expected value there."""
    import subprocess
    import sys

    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "exercises", tree, ignore=shutil.ignore_patterns("__pycache__"))
    (tree / f"{U01.slug}.py").write_text(HOLDS)
    (tmp_path / "test_probe_holds.py").write_text(PROBE_TEST)
    done = subprocess.run([sys.executable, "-m", "pytest", str(tmp_path / "test_probe_holds.py"), f"--impl={tree}",
                           "-p", "kata.judge.plugin", "--noconftest", "-p", "no:cacheprovider", "-q", "--rootdir", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]


def test_a_learner_forked_from_a_warm_parent_holds_no_test_module_and_no_reference(tmp_path):
    """`kata check`, `kata grade` and the daemon fork from a parent that collected the tests once (warm): the zygote
    forgets them, and the reference, before any learner process is forked from it. Before, a learner's code found the
    whole test module in sys.modules (its expected values, its functions)."""
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "solutions", tree, ignore=shutil.ignore_patterns("__pycache__"))
    unit = tree / f"{U01.slug}.py"
    unit.write_text(unit.read_text() + """

def mechanisms_named(text):
    import gc, linecache, sys

    def held(name):
        # the units' test modules, the reference and conftest (not this harness file: its own session is the parent)
        return isinstance(name, str) and (name.startswith(("test_u", "tests.", "solutions", "conftest")) or ".test_u" in name)
    gc.unfreeze()  # what a parent froze is not in gc.get_objects() until then
    found = {name for name in sys.modules if held(name)} | {f"{f.__module__}.{f.__name__}" for f in gc.get_objects()
                                                             if callable(f) and held(getattr(f, "__module__", None))}
    found |= {path for path in linecache.cache if "/tests/" in path or "/solutions/" in path}  # their source text
    from hypothesis.strategies._internal import utils
    found |= {"hypothesis's cache of the tests' strategies"} if len(utils._STRATEGY_CACHE) else set()
    raise ValueError("HELD " + repr(sorted(found)[:10]))
""")
    # A fresh process, as `kata check` is: its worker parent collects the tests once (warm), then forks the judge.
    # (Not this one: a harness session that collected the units' tests keeps them alive, as no learner's parent does.)
    code = ("import json\nfrom kata.running import runner\nfrom kata.units import find\n"
            "runner.run([find(1)], 'solutions', use_cache=False)\n"
            f"r = runner.run([find(1)], {str(tree)!r}, use_cache=False).results['{U01.slug}']\n"
            "print(json.dumps(r.first_failure.message))")
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**__import__("os").environ, "KATA_DAEMON": "0"})
    said = json.loads(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else done.stderr[-2000:]
    assert "HELD []" in said, said


# --- what the learner's code prints ------------------------------------------------------------------

def test_a_long_print_is_kept_bounded_as_it_is_written():
    """The learner's print buffer never holds the whole of a long print (a 10 MB print per call once grew the judge
    by 10 MB a call): over the limit, what crosses is a note with the true total, the beginning and the end."""
    from kata.learner.process import _Printed

    printed = _Printed()
    printed.PRINT_LIMIT, printed.SHOWN_HEAD, printed.SHOWN_TAIL = 100, 20, 10
    printed.write("the first words " + "y" * 10_000)
    for _ in range(5_000):  # many small prints after the limit
        printed.write("z")
    printed.write(" the last")
    assert sum(map(len, printed.head)) <= 100 and len(printed.tail) <= 10
    text = printed.take()
    assert text.startswith("… (your code printed 15,025 characters here: the first 20 and the last 10 are shown, cut "
                           "to whole lines)")
    assert "\nthe first words yyyy\n…\n" in text and text.endswith("z the last")
    assert printed.take() == "", "each take starts afresh"
    printed.write("y" * 95)
    printed.write("the end")  # 2 characters over: the last ones come from what was kept and what was not
    assert printed.take().endswith("yyythe end")
    printed.write("short")
    assert printed.take() == "short", "what fits is sent as it was printed"
    printed.SHOWN_HEAD, printed.SHOWN_TAIL = 30, 30  # room for two lines of 12 characters at either end
    printed.write("counting 44\n" * 200)  # a print in a loop: the cuts fall between lines, never inside one
    cut = printed.take().split("\n", 1)[1]
    assert all(line in ("counting 44", "…", "") for line in cut.split("\n")), cut


def test_what_a_long_print_said_reaches_the_failure_cut_and_saying_so(tmp_path):
    """A test whose call printed 3 MB shows its beginning under "Your code printed", with the real total."""
    from kata.commands import board
    from kata.running import runner

    tree = _tree(tmp_path / "loud", '    print("the first words" + "y" * 3_000_000 + "the last words")\n' + WRONG)
    result = runner.run([U01], str(tree), use_cache=False).results[U01.slug]
    failed = [t for t in result.tests if t.state == "failed" and t.output]
    assert failed, [(t.name, t.state) for t in result.tests]
    shown = "\n".join(board.unit_lines(result, verbose=True))
    import re

    assert "Your code printed:" in shown and re.search(r"\| … \(your code printed 3,000,0\d\d characters", shown), shown[-3000:]
    once = next((t.output for t in failed if t.output.count("your code printed") == 1), "")  # a test that called it once
    assert once.startswith("… (your code printed 3,000,0") and "\nthe first words" in once and once.endswith("the last words\n")
    assert "output cut" not in once, "one note, and a true one"


def test_voyages_async_client_is_carried_to_the_judge(tmp_path):
    """U04's embed through voyageai's AsyncClient (aiohttp underneath): its requests reach the judge like the sync
    client's, from the cassettes, and the unit is done (the learner process has no network of its own, and aiohttp
    was the one way out not carried)."""
    from kata.running import runner

    u04 = find(4)
    tree = tmp_path / "exercises"
    shutil.copytree(ROOT / "solutions", tree, ignore=shutil.ignore_patterns("__pycache__"))
    path = tree / f"{u04.slug}.py"
    sync = "    return _voyage().embed(texts, model=EMBEDDING_MODEL).embeddings\n"
    assert sync in path.read_text(), "U04's reference no longer embeds this way: update this test"
    path.write_text(path.read_text().replace(sync, "    import asyncio\n\n    async def embedded():\n        return (await "
                    "voyageai.AsyncClient().embed(texts, model=EMBEDDING_MODEL)).embeddings\n\n"
                    "    return asyncio.run(embedded())\n"))
    result = runner.run([u04], str(tree), use_cache=False).results[u04.slug]
    assert result.status == "done", [(t.name, t.message[:300]) for t in result.tests if t.failing][:3]


# --- the watchdog and the wall: a test that overruns stops when asked (issue 18's rare hang) --------------

EARLY_SIGNALS = '''
import os, signal, sys
from kata.learner import impl
from kata.judge import testing, wall

testing.set_current(impl.target("solutions"))
wall.WALL.start(sandboxed=sys.argv[1] == "1", keep=impl.target("solutions").learner_files)
u01 = testing.load_unit("u01_vocabulary")
for asked in (signal.SIGUSR2, signal.SIGUSR1, signal.SIGUSR2):
    wall.WALL.end_learner()
    wall.WALL.learner()
    os.kill(wall.WALL.pid, asked)  # the watchdog's signal, the moment the learner's process is started
    assert u01.mechanisms_named("RAG") == {"RAG"}, asked
wall.WALL.owed.append("new")  # a strike that cut an exchange with the zygote short, after its question
wall.WALL.control.sendall(b"new\\n")
wall.WALL.end_learner()
assert u01.mechanisms_named("RAG") == {"RAG"}, "the reply still owed was taken for this exchange's"
print("ok")
'''


@pytest.mark.parametrize("sandboxed", ["0", "1"])
def test_a_watchdog_signal_before_the_learner_is_ready_and_an_owed_reply_harm_nothing(sandboxed):
    """SIGUSR1/SIGUSR2 end a process that has no handler for them: a learner's process started a moment before the
    watchdog asked was killed (a crash, not a timeout). And a reply of the zygote that a strike left unread is never
    taken for the next exchange's."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", EARLY_SIGNALS, sandboxed], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.strip().endswith("ok"), done.stdout[-2000:] + done.stderr[-3000:]


def test_the_judge_never_waits_in_a_send_the_watchdog_cannot_interrupt():
    """A message bigger than the socket's buffer, to a side that does not read: the send waits in short waits,
    where the watchdog's TimeLimitReached lands (a blocked sendall held the judge past its time, and past the
    worker's grace)."""
    import socket

    from kata.learner.channel import Channel

    judge, learner = socket.socketpair()
    polls = []

    class Stopped(BaseException):
        pass

    def poll():
        polls.append(1)
        if len(polls) > 3:
            raise Stopped

    try:
        with pytest.raises(Stopped):
            Channel(judge).send({"big": "x" * 8_000_000}, poll)
    finally:
        judge.close()
        learner.close()


def _watchdog(limit: float):
    import os

    from kata.judge import child

    read, write = os.pipe()
    watchdog = child._Watchdog(limit, (), child._Messages(write))
    watchdog.start()
    return watchdog, (read, write)


def test_a_strike_that_is_lost_is_struck_again():
    """A TimeLimitReached that lands where Python drops it (a __del__, a generator closed by the collector) or that
    code swallows would leave the test running past the worker's grace: the watchdog strikes again."""
    import os
    import time

    from kata.judge.child import TimeLimitReached

    watchdog, fds = _watchdog(0.2)
    strikes = []
    try:
        watchdog.pytest_runtest_logstart("tests/test_probe.py::test_slow", ("", 0, ""))
        watchdog.active = True
        ends = time.monotonic() + 10
        while len(strikes) < 2 and time.monotonic() < ends:
            try:
                time.sleep(0.01)
            except TimeLimitReached:
                strikes.append(time.monotonic())  # swallowed, as a destructor would
    finally:
        watchdog.active, watchdog.nodeid = False, ""
        for fd in fds:
            os.close(fd)
    assert len(strikes) == 2, "a test still running after its strike is struck again"


def test_a_strike_never_lands_outside_the_test_it_stops():
    """The watchdog asks the learner where it was before it strikes; the test may end meanwhile. A strike then would
    land in pytest's own reporting and end the session (INTERNALERROR): it is not sent once the phase has ended."""
    import os
    import time

    from kata.judge.child import TimeLimitReached

    watchdog, fds = _watchdog(60)
    try:
        watchdog.nodeid, watchdog.active = "tests/test_probe.py::test_over", False
        watchdog._strike("tests/test_probe.py::test_over")
        for _ in range(20):
            time.sleep(0.005)  # where an async exception would land
        watchdog.active = True
        with pytest.raises(TimeLimitReached):
            watchdog._strike("tests/test_probe.py::test_over")
            for _ in range(20):
                time.sleep(0.005)
    finally:
        watchdog.active, watchdog.nodeid = False, ""
        for fd in fds:
            os.close(fd)
