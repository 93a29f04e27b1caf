"""Cassettes: safe to publish, honest about their origin, and explained when a request misses."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import pytest
import yaml

from kata.world.cassettes import CASSETTES
from kata.units import ROOT, UNITS

pytestmark = pytest.mark.harness

FILES = sorted(CASSETTES.rglob("*.yaml"))

# What an API key or a credential looks like on the wire.
SECRET_SHAPES = [
    re.compile(r"sk-ant-[A-Za-z0-9_-]{8,}"),  # Anthropic keys
    re.compile(r"\bpa-[A-Za-z0-9_-]{20,}"),  # Voyage keys
    re.compile(r"\bal-[A-Za-z0-9_-]{20,}"),  # Voyage keys issued through MongoDB Atlas
    re.compile(r"(?i)bearer\s+[A-Za-z0-9._-]{8,}"),
    re.compile(r"(?im)^\s*(authorization|x-api-key|cookie|set-cookie)\s*:"),
]


def interactions(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))["interactions"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(CASSETTES)))
def test_cassette_holds_no_secret(path):
    text = path.read_text(encoding="utf-8")
    found = [shape.pattern for shape in SECRET_SHAPES if shape.search(text)]
    assert not found, f"{path.relative_to(ROOT)} contains something key-shaped ({found}): delete it and re-record"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(CASSETTES)))
def test_every_recorded_response_says_where_it_came_from(path):
    for number, interaction in enumerate(interactions(path), 1):
        headers = {k.lower() for k in interaction["response"]["headers"]}
        assert headers & {"x-kata-backend", "x-kata-provenance"}, (
            f"{path.relative_to(ROOT)}: response {number} carries no provenance header (x-kata-backend / x-kata-provenance)")


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(CASSETTES)))
def test_every_cassette_belongs_to_a_test_that_exists(path):
    unit = next((u for u in UNITS if u.slug == path.parent.name), None)
    assert unit and unit.ready, f"{path.relative_to(ROOT)} is in no unit's folder"
    source = (ROOT / unit.test_file).read_text(encoding="utf-8")
    test_name = path.stem.split("[")[0]
    assert f"def {test_name}(" in source, (
        f"{path.relative_to(ROOT)}: {unit.test_file} has no {test_name}; re-record with `kata record {unit.slug}`")


RECORDED = textwrap.dedent("""\
    interactions:
    - request:
        body: '{"input": ["cats"], "model": "voyage-3", "input_type": null, "truncation": true,
          "output_dtype": null, "output_dimension": null, "encoding_format": "base64"}'
        headers:
          Content-Type:
          - application/json
        method: POST
        uri: https://api.voyageai.com/v1/embeddings
      response:
        body:
          string: '{"object": "list", "data": [{"object": "embedding", "embedding": "AACAPwAAAAAAAAAA", "index": 0}],
            "model": "voyage-3", "usage": {"total_tokens": 1}}'
        headers:
          content-type:
          - application/json
          x-kata-backend:
          - harness test data
        status:
          code: 200
          message: OK
    - request:
        body: '{"max_tokens":50,"messages":[{"role":"user","content":"QUESTION: who?\\nAnswer briefly."}],"model":"claude-sonnet-4-6"}'
        headers:
          Content-Type:
          - application/json
        method: POST
        uri: https://api.anthropic.com/v1/messages
      response:
        body:
          string: '{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-6","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":1}}'
        headers:
          content-type:
          - application/json
          x-kata-backend:
          - harness test data
        status:
          code: 200
          message: OK
    version: 1
    """)

PROBE = textwrap.dedent("""\
    import anthropic
    import pytest
    import voyageai

    @pytest.mark.vcr
    def test_embed():
        assert voyageai.Client().embed(["cats"], model=MODEL).embeddings[0][0] == 1.0

    @pytest.mark.vcr
    def test_message():
        anthropic.Anthropic().messages.create(model="claude-sonnet-4-6", max_tokens=50,
            messages=[{"role": "user", "content": PROMPT}])

    def test_no_cassette_means_no_network():
        voyageai.Client(base_url="http://127.0.0.1:9/v1").embed(["cats"], model="voyage-3")
    """)


def run_probe(tmp_path, model="voyage-3", prompt="QUESTION: who?\nAnswer briefly.", cassette=RECORDED, args=()):
    for name in ("test_embed", "test_message"):
        folder = tmp_path / "cassettes" / "test_probe"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.yaml").write_text(cassette)
    (tmp_path / "test_probe.py").write_text(f"MODEL = {model!r}\nPROMPT = {prompt!r}\n" + PROBE)
    proc = subprocess.run([sys.executable, "-m", "pytest", "test_probe.py", "-p", "kata.judge.plugin", "-p", "no:cacheprovider",
                           "--rootdir", str(tmp_path), "-q", *args], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    return proc.stdout + proc.stderr


def test_recorded_requests_replay_offline_at_the_default_hosts(tmp_path):
    out = run_probe(tmp_path)
    assert "2 passed" in out and "1 failed" in out, out
    # a test with no cassette cannot open a socket, loopback included, and is told so with the host
    assert "tried to reach 127.0.0.1:9 over the network" in out, out


# The diff is what --strict-replay shows (without it, a request no cassette holds is computed: test_replay.py).


def test_a_different_model_gets_a_diff_not_a_vcr_traceback(tmp_path):
    out = run_probe(tmp_path, model="voyage-3-large", args=["--strict-replay"])
    assert 'model: "voyage-3-large" in your request, "voyage-3" recorded' in out, out
    assert "CannotOverwriteExistingCassetteException" not in out


def test_a_different_prompt_shows_the_first_differing_line(tmp_path):
    out = run_probe(tmp_path, prompt="QUESTION: who?\nAnswer at length.", args=["--strict-replay"])
    assert "line 2 differs" in out and "Answer at length." in out and "Answer briefly." in out, out


def test_a_malformed_cassette_is_named_with_its_line(tmp_path):
    out = run_probe(tmp_path, cassette="interactions:\n- request: [unclosed\n")
    assert "cassettes/test_probe/test_embed.yaml" in out.replace(str(tmp_path) + "/", "") or "test_embed.yaml" in out, out
    assert "cannot be read" in out, out


# --- the body diff: readable for any two bodies, never a crash of its own

from hypothesis import given, strategies as st  # noqa: E402
from vcr.errors import CannotOverwriteExistingCassetteException  # noqa: E402
from vcr.request import Request  # noqa: E402

from kata.world import cassettes  # noqa: E402
from kata.world.bodydiff import body_differences  # noqa: E402

# Text that stresses line endings and whitespace: the differences learners' prompts really have.
texts = st.text(alphabet=st.sampled_from("ab \t\n\r\x0b\u2028é"), max_size=12) | st.text(max_size=30)
scalars = st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False, allow_infinity=False) | texts
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
                           max_leaves=12)


def json_equal(a, b) -> bool:
    """Equal as JSON values: key order aside, 1 equals 1.0, but true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


@given(json_values, json_values)
def test_body_differences_never_raises_and_is_empty_only_for_equal_bodies(mine, recorded):
    differences = body_differences(mine, recorded)
    assert (differences == []) == json_equal(mine, recorded), differences
    assert all(isinstance(line, str) and line.strip() for line in differences), differences


@given(texts, texts)
def test_two_strings_always_get_a_readable_difference(mine, recorded):
    differences = body_differences({"input": [mine]}, {"input": [recorded]})
    assert (differences == []) == (mine == recorded)
    assert all(line.startswith("input[0]: ") and len(line.split(": ", 1)[1].strip()) > 3 for line in differences), differences


@pytest.mark.parametrize(("mine", "recorded", "words"), [
    ("Title\n\nBody.", "Title\n\nBody.\n", "without the recording's trailing newline"),
    ("Title\n\nBody.\n", "Title\n\nBody.", "trailing newline that the recording does not have"),
    ("one\r\ntwo", "one\ntwo", "line 1 ends with Windows line ending"),
    ("  spaced", "spaced", "leading"),
    ("", "\n", "the recording's is newline"),
    ("line one\nline two", "line one\nline 2", "line 2 differs"),
    ("line one", "line one\nline two", "the recording has more lines"),
    ("line one\n", "line one\nline two", "the recording has more lines"),
    ("a\nb\nc", "a\nb", "your text has more lines"),
], ids=["trailing-newline-missing", "trailing-newline-extra", "crlf", "leading-space", "empty-vs-newline",
        "second-line", "fewer-lines", "fewer-lines-after-newline", "more-lines"])
def test_whitespace_differences_are_named_in_words(mine, recorded, words):
    [line] = body_differences({"text": mine}, {"text": recorded})
    assert words in line, line


def test_a_trailing_newline_gets_words_not_a_crash(tmp_path):
    """U05's embed([note.text.strip() ...]): the text differs from the recording by its last newline only."""
    out = run_probe(tmp_path, prompt="QUESTION: who?\nAnswer briefly.\n")
    assert "trailing newline that the recording does not have" in out, out
    assert "IndexError" not in out and "Traceback" not in out, out


# --- the closest recording: the request whose body differs least, not vcrpy's first tie

REWRITE = "Rewrite this question so that a search engine finds its answer: {q}"
RERANK = "Re-rank these passages by how well they answer the question, best first: {q}"


def message(prompt: str) -> Request:
    body = json.dumps({"model": "claude-sonnet-4-6", "max_tokens": 50, "messages": [{"role": "user", "content": prompt}]})
    return Request("POST", "https://api.anthropic.com/v1/messages", body, {"Content-Type": "application/json"})


class FakeCassette:
    def __init__(self, requests, path="cassettes/u07_production_rag/test_x.yaml"):
        self.requests, self._path = requests, str(ROOT / path)


def fake_miss(sent, recorded, reason="no_match"):
    miss = CannotOverwriteExistingCassetteException.__new__(CannotOverwriteExistingCassetteException)
    miss.cassette, miss.failed_request, miss.reason = FakeCassette(recorded), sent, reason
    miss.similar_requests = [(r, ["method", "path"], [("json_body", "")]) for r in recorded]  # vcrpy's tie
    return miss


def test_the_closest_recording_is_the_one_whose_body_differs_least():
    recorded = [message(REWRITE.format(q="When is go-live?")), message(RERANK.format(q="When is go-live?"))]
    sent = message(RERANK.format(q="When is the go-live?"))
    assert cassettes.closest_recording(fake_miss(sent, recorded)) is recorded[1]
    text = cassettes.explain_miss(fake_miss(sent, recorded))
    assert "best first" in text and "search engine" not in text, text  # compared with the re-rank prompt
    assert "When is the go-live?" in text and "When is go-live?" in text, text


def test_fewest_differing_values_beat_a_similar_looking_text():
    recorded = [message(REWRITE.format(q="A")), message(RERANK.format(q="A"))]
    sent = message(RERANK.format(q="A"))
    sent.body = sent.body.replace(b'"max_tokens": 50', b'"max_tokens": 51')  # one value differs, not the prompt
    text = cassettes.explain_miss(fake_miss(sent, recorded))
    assert "max_tokens: 51 in your request, 50 recorded" in text and "content" not in text, text


def test_a_request_to_a_path_nothing_recorded_uses_says_what_the_cassette_holds():
    sent = Request("POST", "https://api.voyageai.com/v1/rerank", "{}", {})
    text = cassettes.explain_miss(fake_miss(sent, [message("hi")]))
    assert "POST /v1/rerank" in text and "POST /v1/messages" in text, text


# --- the miss message: short, complete, found through every wrapping an SDK puts around it

def wrapped_by_voyageai(miss):
    import voyageai.error

    try:
        raise voyageai.error.APIConnectionError("Error communicating with VoyageAI") from miss
    except voyageai.error.APIConnectionError as error:
        return error


def wrapped_by_requests(miss):
    import requests
    from urllib3.exceptions import MaxRetryError

    return requests.ConnectionError(MaxRetryError(None, "/v1/embeddings", reason=miss))


def wrapped_by_learner_code(miss):
    try:
        try:
            raise miss
        except Exception:
            raise ValueError("the API call failed") from None
    except ValueError as error:
        return error


@pytest.mark.parametrize("wrap", [
    lambda miss: miss, wrapped_by_voyageai, wrapped_by_requests, wrapped_by_learner_code,
    lambda miss: ExceptionGroup("hypothesis found 2 distinct failures", [ValueError("x"), miss]),
    lambda miss: RuntimeError("retry gave up", miss),
], ids=["bare", "voyageai", "requests", "learner-reraise", "exception-group", "in-args"])
def test_a_miss_is_found_through_every_wrapping(wrap):
    miss = fake_miss(message("hi"), [message("hello")])
    assert cassettes.cassette_miss(wrap(miss)) is miss


def test_a_miss_message_is_short_and_complete(tmp_path):
    out = run_probe(tmp_path, prompt="QUESTION: who?\nAnswer at length.", args=["--strict-replay"])
    failure = out.split("_ test_message _")[1].split("= short test summary")[0]
    assert "anthropic" not in failure.replace("api.anthropic.com", "") and "site-packages" not in failure, failure
    assert "more lines" not in failure and len(failure.strip().splitlines()) <= 12, failure


def test_many_differences_are_counted_not_all_shown():
    recorded = [message("\n".join(["same"] * 3))]
    sent, many = message("x"), [f"line {i}" for i in range(30)]
    recorded[0].body = json.dumps({"input": many}).encode()
    sent.body = json.dumps({"input": [m + "!" for m in many]}).encode()
    text = cassettes.explain_miss(fake_miss(sent, recorded))
    assert "… and 24 more differences" in text and len(text.splitlines()) <= 12, text


def test_a_string_and_one_text_block_are_the_same_request():
    """The Messages API documents `system` and `content` as a string or a list of text blocks: equal requests."""
    from kata.world.cassettes import documented_form

    plain = {"model": "m", "max_tokens": 5, "system": "Be brief.", "messages": [{"role": "user", "content": "Hi"}]}
    blocks = {"model": "m", "max_tokens": 5, "system": [{"type": "text", "text": "Be brief."}],
              "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}]}
    assert documented_form(plain) == documented_form(blocks)
    other = dict(blocks, messages=[{"role": "user", "content": [{"type": "text", "text": "Hello"}]}])
    assert documented_form(plain) != documented_form(other)
