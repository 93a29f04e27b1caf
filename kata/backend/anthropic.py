"""Anthropic's wire format: POST /v1/messages (non-streaming) and POST /v1/messages/count_tokens.

`parse` turns a Messages body into a Prompt, validated as the API would; `messages` renders the
responder's Reply as a Message (a text block, or a tool_use block with stop_reason "tool_use").
Token counts are tiktoken cl100k_base estimates, and say so.
"""

from __future__ import annotations

import json

import kata.backend.embedder as embedder
import kata.backend.responder as responder
from kata.backend.common import TOKENS_TIKTOKEN, ApiError, count_tiktoken, cut_reply, digest, required_str
from kata.backend.prompt import Prompt, Reply, Tool, Turn
from kata.models import ANTHROPIC_MODELS


def model_of(body: dict) -> str:
    """The request's model, if Anthropic offers it; else the 404 the real API answers."""
    model = required_str(body, "model")
    if model not in ANTHROPIC_MODELS:
        raise ApiError(404, f"model: {model}")
    return model


def text_of(content) -> str:
    """The text of a system prompt, message content or tool_result content (str or blocks)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, str):
                parts.append(block)
            elif isinstance(block, dict) and block.get("type") == "text":
                parts.append(str(block.get("text", "")))
            elif isinstance(block, dict) and block.get("type") == "document":
                source = block.get("source") or {}
                if source.get("type") == "text":
                    parts.append(str(source.get("data", "")))
                elif source.get("type") == "content":
                    parts.append(text_of(source.get("content")))
        return "\n".join(parts)
    raise ApiError(400, f"content: expected a string or a list of content blocks, got {type(content).__name__}")


def parse(body: dict) -> Prompt:
    """The Prompt of a Messages request (validated as the API would)."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise ApiError(400, "messages: Field required (a non-empty list)")
    turns = []
    for n, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            raise ApiError(400, f"messages.{n}.role: expected 'user' or 'assistant'")
        content = message.get("content")
        if not isinstance(content, (str, list)):
            raise ApiError(400, f"messages.{n}.content: Input should be a valid string or a list of content blocks, "
                                f"got {type(content).__name__}")
        if not content and not (message["role"] == "assistant" and n == len(messages) - 1):
            raise ApiError(400, f"messages.{n}: all messages must have non-empty content except for the "
                                f"optional final assistant message")
        if isinstance(content, list):
            texts, uses, results = [], [], []
            for block in content:
                kind = block.get("type") if isinstance(block, dict) else None
                if kind == "tool_use":
                    uses.append((block.get("id"), block.get("name"), block.get("input") or {}))
                elif kind == "tool_result":
                    results.append((block.get("tool_use_id"), text_of(block.get("content"))))
                else:
                    texts.append(text_of([block]))
            turns.append(Turn(message["role"], "\n".join(t for t in texts if t), tuple(uses), tuple(results)))
        else:
            turns.append(Turn(message["role"], text_of(content)))
    tools = []
    for n, tool in enumerate(body.get("tools") or []):
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str):
            raise ApiError(400, f"tools.{n}.name: Field required")
        if tool.get("type") not in (None, "custom"):
            continue  # server tools (web search, code execution, …): the backend cannot run them
        tools.append(Tool(tool["name"], str(tool.get("description") or ""), tool.get("input_schema") or {}))
    choice = body.get("tool_choice") or {"type": "auto"}
    if not isinstance(choice, dict):
        raise ApiError(400, "tool_choice: expected an object such as {\"type\": \"auto\"}")
    kind, name = choice.get("type", "auto"), choice.get("name")
    if kind not in ("auto", "any", "tool", "none"):
        raise ApiError(400, f"tool_choice.type: expected auto, any, tool or none, got {kind!r}")
    if kind == "tool" and name not in {t.name for t in tools}:
        raise ApiError(400, f"tool_choice.name: {name!r} is not one of the request's tools")
    return Prompt(text_of(body.get("system")), tuple(turns), tuple(tools), kind, name)


def input_text(body: dict) -> str:
    """Everything that counts as input: system, messages (text, tool calls, tool results) and tools."""
    parts = [text_of(body.get("system"))]
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list):
            for block in content:
                if not isinstance(block, dict):
                    continue
                if block.get("type") == "tool_use":
                    parts.append(f"{block.get('name', '')} {json.dumps(block.get('input') or {}, sort_keys=True)}")
                elif block.get("type") == "tool_result":
                    parts.append(text_of(block.get("content")))
                else:
                    parts.append(text_of([block]))
        else:
            parts.append(text_of(content))
    for tool in body.get("tools") or []:
        if isinstance(tool, dict):
            parts.append(f"{tool.get('name', '')} {tool.get('description', '')} "
                         f"{json.dumps(tool.get('input_schema') or {}, sort_keys=True)}")
    return "\n".join(p for p in parts if p)


def count_tokens(body: dict) -> tuple[dict, dict]:
    model_of(body)
    parse(body)  # validates messages and tools as the real endpoint does
    return {"input_tokens": count_tiktoken(input_text(body))}, {"x-kata-tokens": TOKENS_TIKTOKEN}


def messages(body: dict) -> tuple[dict, dict]:
    model = model_of(body)
    max_tokens = body.get("max_tokens")
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
        raise ApiError(400, "max_tokens: Field required (a positive integer)")
    if body.get("stream"):
        raise ApiError(400, "stream: the kata reference backend does not stream; send stream false "
                            "(client.messages.create without stream=True)")
    reply = responder.respond(parse(body), embedder.embed)
    return render(reply, body, model, max_tokens)


def render(reply: Reply, body: dict, model: str, max_tokens: int) -> tuple[dict, dict]:
    """The Message for `reply`; its ids are digests of the request, so the same request gets the same bytes."""
    request_digest = digest(body, "message")
    stop_reason, stop_sequence = "end_turn", None
    if reply.tool_name is not None:
        content = [{"type": "tool_use", "id": "toolu_" + digest(body, "tool_use")[:24],
                    "name": reply.tool_name, "input": reply.tool_input or {}}]
        output = f"{reply.tool_name} {json.dumps(reply.tool_input or {}, sort_keys=True)}"
        stop_reason = "tool_use"
    else:
        text, stop_reason, stop_sequence = cut_reply(reply.text, body.get("stop_sequences") or [], max_tokens)
        content = [{"type": "text", "text": text}]
        output = text
    usage = {"input_tokens": count_tiktoken(input_text(body)), "output_tokens": count_tiktoken(output)}
    message = {"id": "msg_" + request_digest[:24], "type": "message", "role": "assistant", "model": model,
               "content": content, "stop_reason": stop_reason, "stop_sequence": stop_sequence, "usage": usage}
    return message, {"x-kata-responder": reply.shape, "x-kata-tokens": TOKENS_TIKTOKEN,
                     "request-id": "req_" + request_digest[24:48]}


ERROR_TYPES = {400: "invalid_request_error", 404: "not_found_error", 405: "invalid_request_error",
               413: "request_too_large"}


def error(status: int, message: str) -> dict:
    return {"type": "error", "error": {"type": ERROR_TYPES.get(status, "api_error"), "message": message}}


ROUTES = {"/v1/messages": messages, "/v1/messages/count_tokens": count_tokens}
