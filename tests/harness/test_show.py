"""`kata show N`: the learner's own unit, end to end, offline, through the worker's child."""

from __future__ import annotations

import re
import shutil

import pytest

from kata.commands import cli, show
from kata import stubs
from kata.units import ROOT, find

pytestmark = pytest.mark.harness


@pytest.mark.parametrize("ref", [4, 5, 6, 7, 10, 11])
def test_each_show_runs_the_reference_end_to_end(ref, capsys):
    assert cli.main(["show", str(ref), "--impl", "solutions"]) == 0
    out = capsys.readouterr().out
    assert "computed offline by the kata's reference backend" in out and "Traceback" not in out
    assert len(out.splitlines()) > 6, out


def test_show_10_says_a_fail_on_your_own_eval_may_be_the_offline_repliers(capsys):
    """A blind learner's own eval scored 8 / 20 offline and they doubted their harness: under the results, show 10
    says the replies are the reference responder's, not a model's, and how to run the evals live."""
    assert cli.main(["show", "10", "--impl", "solutions"]) == 0
    out = capsys.readouterr().out
    tail = out.split("on your own eval")[-1]
    assert "reference responder" in tail and "not a model" in tail and "kata show 10 --live" in tail, tail


def test_show_6_prints_the_chunks_sent_before_each_reply(capsys):
    assert cli.main(["show", "6", "--impl", "solutions"]) == 0
    out = capsys.readouterr().out
    blocks = [b for b in out.split("Q: ")[1:]]
    assert len(blocks) == 5, out
    for block in blocks:
        sent = re.findall(r"\[chunk (\d)\] (note\d\d-p\d+)  \((note\d\d)\)  cosine (-?\d\.\d{3})", block)
        assert [int(n) for n, *_ in sent] == [1, 2, 3], block  # the prompt's three chunks, numbered as sent
        assert all(chunk.startswith(note) for _, chunk, note, _ in sent), block
        scores = [float(s) for *_, s in sent]
        assert scores == sorted(scores, reverse=True), block  # top_k's order, by the learner's own cosine
        assert block.index("sent to the model") < block.index("→"), block  # retrieval before the reply
    wifi = next(b for b in blocks if b.startswith("What is the office Wi-Fi"))
    assert "not found: True" in wifi and "no note answers this question" in wifi


def test_a_not_found_says_whether_the_answering_note_was_sent(tmp_path, capsys):
    """The line after a not-found reply comes from the learner's own chunks: here their retrieve
    hands the prompt chunks of other notes, so the answering note was NOT among them."""
    tree = tmp_path / "exercises"
    shutil.copytree(ROOT / "solutions", tree)
    path = tree / "u06_rag_basics.py"
    path.write_text(path.read_text() + (
        "\n\ndef retrieve(index, question, k=3):\n"
        "    return [e for e in index if e['note'] == 'note10'][:k]  # the wrong note, always\n"))
    assert cli.main(["show", "6", "--impl", str(tree)]) == 0
    out = capsys.readouterr().out
    assert out.count("(note10)") >= 3 * 5, out
    assert "note06, the note that answers it, was NOT among the chunks sent: retrieval missed it" in out, out


def test_a_not_found_with_the_note_sent_blames_the_reply_not_retrieval(tmp_path, capsys):
    tree = tmp_path / "exercises"
    shutil.copytree(ROOT / "solutions", tree)
    path = tree / "u06_rag_basics.py"
    path.write_text(path.read_text() + "\n\ndef ask_claude(system, user):\n    return 'not found in sources'\n")
    assert cli.main(["show", "6", "--impl", str(tree)]) == 0
    out = capsys.readouterr().out
    assert "note06, the note that answers it, WAS among the chunks sent: the reply missed it, not retrieval" in out, out


def test_show_7_prints_both_prompts_chunks_with_their_scores(capsys):
    assert cli.main(["show", "7", "--impl", "solutions"]) == 0
    out = capsys.readouterr().out
    assert out.count("cosine top 3, sent to the model:") == 5 and out.count("re-ranked top 3, sent to the model:") == 5
    assert re.search(r"\[chunk 1\] note\d\d  \(note\d\d\)  re-ranked 1, cosine \d\.\d{3} \(cosine rank \d+\)", out), out
    slip = out[out.index("Q: Why did the schedule slip?"):]
    cosine_part = slip[:slip.index("re-ranked top 3, sent")]
    reranked_part = slip[slip.index("re-ranked top 3, sent"):slip.index("Q: ", 3)]
    assert "(note06)" not in cosine_part and "(note06)" in reranked_part  # the re-ranker's rescue, shown


def test_a_stub_gets_write_it_first_not_a_traceback(tmp_path, capsys):
    tree = tmp_path / "exercises"
    shutil.copytree(ROOT / "solutions", tree)
    unit = find(5)
    (tree / f"{unit.slug}.py").write_text(stubs.stub_for(unit))
    assert cli.main(["show", "5", "--impl", str(tree)]) == 0
    out = capsys.readouterr().out
    assert "is not written yet" in out and "Traceback" not in out


def test_an_endless_loop_in_a_show_is_stopped(tmp_path, monkeypatch, capsys):
    tree = tmp_path / "exercises"
    shutil.copytree(ROOT / "solutions", tree)
    path = tree / "u05_vector_search.py"
    path.write_text(path.read_text() + "\n\ndef build_index(notes):\n    while True:\n        pass\n")
    monkeypatch.setattr(show, "SHOW_TIME_LIMIT", 2.0)
    assert cli.main(["show", "5", "--impl", str(tree)]) == 1
    assert "stopped" in capsys.readouterr().out


def test_a_unit_with_nothing_to_show_says_which_have_one(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["show", "1"])
    assert "U05" in str(stop.value) and "check 1" in str(stop.value)
