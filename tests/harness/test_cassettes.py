"""Cassettes: safe to publish, honest about their origin, and explained when a request misses."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import pytest
import yaml

from kata.cassettes import CASSETTES
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


def run_probe(tmp_path, model="voyage-3", prompt="QUESTION: who?\nAnswer briefly.", cassette=RECORDED):
    for name in ("test_embed", "test_message"):
        folder = tmp_path / "cassettes" / "test_probe"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.yaml").write_text(cassette)
    (tmp_path / "test_probe.py").write_text(f"MODEL = {model!r}\nPROMPT = {prompt!r}\n" + PROBE)
    proc = subprocess.run([sys.executable, "-m", "pytest", "test_probe.py", "-p", "kata.plugin", "-p", "no:cacheprovider",
                           "--rootdir", str(tmp_path), "-q"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    return proc.stdout + proc.stderr


def test_recorded_requests_replay_offline_at_the_default_hosts(tmp_path):
    out = run_probe(tmp_path)
    assert "2 passed" in out and "1 failed" in out, out
    assert "Network is disabled" in out, out  # a test with no cassette cannot open a socket, loopback included


def test_a_different_model_gets_a_diff_not_a_vcr_traceback(tmp_path):
    out = run_probe(tmp_path, model="voyage-3-large")
    assert 'model: "voyage-3-large" in your request, "voyage-3" recorded' in out, out
    assert "CannotOverwriteExistingCassetteException" not in out


def test_a_different_prompt_shows_the_first_differing_line(tmp_path):
    out = run_probe(tmp_path, prompt="QUESTION: who?\nAnswer at length.")
    assert "line 2 differs" in out and "Answer at length." in out and "Answer briefly." in out, out


def test_a_malformed_cassette_is_named_with_its_line(tmp_path):
    out = run_probe(tmp_path, cassette="interactions:\n- request: [unclosed\n")
    assert "cassettes/test_probe/test_embed.yaml" in out.replace(str(tmp_path) + "/", "") or "test_embed.yaml" in out, out
    assert "cannot be read" in out, out
