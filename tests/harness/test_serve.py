"""`kata serve` in the default install: started as a learner starts it, and reached by all three SDKs
exactly as its printout says (ANTHROPIC_BASE_URL, OLLAMA_HOST, and the Python lines for voyageai).

kata/judge/plugin.py blocks the network in every test; the block_network mark lets these reach 127.0.0.1.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time

import anthropic
import numpy as np
import pytest

from kata.learner import impl
from kata.units import ROOT

pytestmark = [pytest.mark.harness, pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1"])]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served():
    """(printout, process) of `kata serve --port P`, started in a fresh process; stopped afterwards."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "kata.commands.cli", "serve", "--port", str(port)], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines, deadline = [], time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Ctrl-C stops it" in line:
                break
        printout = "".join(lines)
        assert "Ctrl-C stops it" in printout, f"kata serve did not start:\n{printout}"
        yield printout, port
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_printout_names_every_sdk_setting(served):
    printout, port = served
    url = f"http://127.0.0.1:{port}"
    assert f"ANTHROPIC_BASE_URL={url}" in printout and f"OLLAMA_HOST={url}" in printout
    assert f'voyageai.Client(api_key="any", base_url="{url}/v1")' in printout
    assert "torch" not in printout


def test_anthropic_through_ANTHROPIC_BASE_URL_as_printed(served, monkeypatch):
    printout, _ = served
    base = re.search(r"ANTHROPIC_BASE_URL=(\S+)", printout).group(1)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", base)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "any")
    raw = anthropic.Anthropic(max_retries=0).messages.with_raw_response.create(
        model="claude-haiku-4-5", max_tokens=50, messages=[{"role": "user", "content": "What is 23 * 47?"}])
    assert raw.parse().content[0].text == "23 * 47 = 1081"
    assert raw.headers["x-kata-backend"].endswith("not Voyage, Anthropic or Ollama output")


def test_voyageai_through_the_printed_lines(served):
    printout, _ = served
    code = "\n".join(line.strip() for line in printout.splitlines()
                     if line.strip().startswith(("import voyageai", "vo = voyageai.Client(")))
    scope: dict = {}
    exec(code, scope)  # the lines a learner would paste
    vectors = np.array(scope["vo"].embed(["The cat sat on the mat.", "A kitten sat on the rug."],
                                         model="voyage-3").embeddings)
    assert vectors.shape == (2, 384) and float(vectors[0] @ vectors[1]) > 0.5


def test_ollama_through_OLLAMA_HOST_as_the_u11_solution_reads_it(served, monkeypatch):
    printout, _ = served
    monkeypatch.setenv("OLLAMA_HOST", re.search(r"OLLAMA_HOST=(\S+)", printout).group(1))
    u11 = impl.load(impl.target("solutions"), "u11_distillation_and_quantization")
    result = u11.run_ollama({"id": "weather-1", "input": "What is the weather in Phoenix today?"})
    assert result["tool"] == "get_weather" and result["args"] == {"city": "Phoenix"}, result
