"""Offline under test: replay survives the learner's environment, and a network call is named, never made."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap

import pytest

from kata.world import cassettes, offline
from kata.units import ROOT

pytestmark = pytest.mark.harness

API_UNITS = ["tests/test_u04_embeddings.py", "tests/test_u06_rag_basics.py", "tests/test_u11_distillation_and_quantization.py"]


def run_pytest(args, env_changes=None, cwd=ROOT, timeout=300):
    env = {k: v for k, v in os.environ.items() if k not in (offline.RECORDING_ENV, "ANTHROPIC_BASE_URL", "OLLAMA_HOST")}
    env.update(env_changes or {})
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    return proc.returncode, proc.stdout + proc.stderr


ENVIRONMENTS = {
    "empty-keys": {"VOYAGE_API_KEY": "", "ANTHROPIC_API_KEY": ""},
    "base-url-with-a-path": {"ANTHROPIC_BASE_URL": "http://proxy.local/anthropic", "OLLAMA_HOST": "0.0.0.0:11434"},
    "other-hosts": {"ANTHROPIC_BASE_URL": "https://gateway.example:8443/", "OLLAMA_HOST": "http://gpu-box:11434"},
}


@pytest.fixture(scope="module")
def replays(request, tmp_path_factory):
    """The selected environments' runs, started together (each a fresh interpreter running three units' tests, ~45 s
    on a loaded machine, one after the other before): each test then waits for its own."""
    chosen = [item.callspec.params["environment"] for item in request.session.items
              if item.name.startswith("test_the_reference_solutions_replay_whatever_the_environment[")]
    folder, runs = tmp_path_factory.mktemp("replays"), {}
    for name in dict.fromkeys(chosen):
        env = {k: v for k, v in os.environ.items() if k not in (offline.RECORDING_ENV, "ANTHROPIC_BASE_URL", "OLLAMA_HOST")}
        env.update(ENVIRONMENTS[name])
        out = open(folder / f"{name}.txt", "w+")
        runs[name] = (subprocess.Popen([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *API_UNITS,
                                        "--impl", "solutions", "--strict-replay"],  # replayed, not computed
                                       cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT), out)
    yield runs
    for proc, out in runs.values():
        proc.kill()
        proc.wait()
        out.close()


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_reference_solutions_replay_whatever_the_environment(replays, environment):
    proc, out = replays[environment]
    code = proc.wait(timeout=300)
    out.seek(0)
    printed = out.read()
    assert code == 0 and " passed" in printed and "failed" not in printed, printed


@pytest.mark.parametrize(("sent", "replayed"), [
    ("http://proxy.local/anthropic/v1/messages", "https://api.anthropic.com/v1/messages"),
    ("http://127.0.0.1:8123/v1/messages/count_tokens", "https://api.anthropic.com/v1/messages/count_tokens"),
    ("https://gateway.example/voyage/v1/embeddings", "https://api.voyageai.com/v1/embeddings"),
    ("http://0.0.0.0:11434/api/chat", "http://localhost:11434/api/chat"),
    ("http://gpu-box:11434/ollama/api/chat/", "http://localhost:11434/api/chat"),
    ("http://example.com/", "http://example.com/"),
])
def test_any_host_or_prefix_before_an_api_path_replays_at_the_default_host(sent, replayed):
    assert cassettes.api_uri(sent) == replayed


def test_empty_or_missing_keys_get_a_dummy_and_real_ones_are_kept():
    environ = {"ANTHROPIC_API_KEY": "", "VOYAGE_API_KEY": "kept"}
    offline.replay_environment(environ)
    assert environ["ANTHROPIC_API_KEY"].strip() and environ["VOYAGE_API_KEY"] == "kept"


def test_a_dns_lookup_under_test_is_blocked_and_names_the_host():
    with pytest.raises(offline.NetworkBlocked, match=r"example\.com:443 over the network"):
        socket.getaddrinfo("example.com", 443)
    with pytest.raises(offline.NetworkBlocked, match=r"example\.com"):
        socket.gethostbyname("example.com")


def test_loopback_lookups_still_work():
    assert socket.getaddrinfo("localhost", 80)
    assert socket.getaddrinfo("127.0.0.1", 80)


REACH_OUT = {
    "urlopen": "import urllib.request\n\ndef mechanisms_named(text):\n"
               "    return set(urllib.request.urlopen('http://example.com', timeout=5).read().decode().split())\n",
    "getaddrinfo": "import socket\n\ndef mechanisms_named(text):\n    socket.getaddrinfo('example.com', 443)\n"
                   "    return {'RAG'}\n",
}


@pytest.mark.parametrize("how", REACH_OUT)
def test_learner_code_reaching_the_network_fails_naming_the_host(tmp_path, how):
    module = tmp_path / f"{how}.py"
    module.write_text(f'"""mechanisms_named reaches the network ({how})."""\n'
                      "from solutions.u01_vocabulary import *  # noqa: F403\n" + REACH_OUT[how])
    code, out = run_pytest(["tests/test_u01_vocabulary.py", "--impl", "solutions",
                            "--kata-swap", f"u01_vocabulary={module}", "-k", "mechanism"], timeout=120)
    assert code != 0 and " passed" not in out, out
    port = 80 if how == "urlopen" else 443
    assert f"Your code tried to reach example.com:{port} over the network" in out, out
    assert f"{how}.py:" in out and "Network is disabled" not in out and "GET ," not in out, out


PROBE = textwrap.dedent("""\
    import urllib.request
    import pytest

    @pytest.mark.vcr
    def test_reach_out():
        urllib.request.urlopen("http://example.com", timeout=5)
    """)


def test_a_non_api_request_in_an_api_test_names_the_host(tmp_path):
    """vcrpy answers HTTP before any socket opens: its miss must name the host too, not 'GET ,'."""
    (tmp_path / "cassettes" / "test_probe").mkdir(parents=True)
    (tmp_path / "cassettes" / "test_probe" / "test_reach_out.yaml").write_text("interactions: []\nversion: 1\n")
    (tmp_path / "test_probe.py").write_text(PROBE)
    code, out = run_pytest(["test_probe.py", "-p", "kata.judge.plugin", "--rootdir", str(tmp_path)], cwd=tmp_path, timeout=120)
    assert code != 0 and "tried to reach example.com:80 over the network" in out and "GET ," not in out, out
