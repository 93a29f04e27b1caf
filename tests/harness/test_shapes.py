"""The responder recognises every prompt the solutions really send (no embedding, no torch, no server).

Each request is built from the solutions' own constants and prompt builders, parsed by the provider
module that would receive it, and run through the responder's shape rules (responder.SHAPES). A
prompt that fell to the fallback shape would be answered by no algorithm: a unit whose prompt changed
would then record "no algorithm for this prompt shape" without anyone noticing.
"""

from __future__ import annotations

import pytest

from kata.learner import impl
from kata.backend import anthropic, ollama, responder
from kata.corpus import load_notes

pytestmark = pytest.mark.harness

SOLUTIONS = impl.target("solutions")


def unit(slug):
    return impl.load(SOLUTIONS, slug)


def claude(system, user, **extra) -> str:
    body = {"model": "claude-haiku-4-5", "max_tokens": 300, "messages": [{"role": "user", "content": user}], **extra}
    if system is not None:
        body["system"] = system
    return responder.shape_of(anthropic.parse(body))


def chunks():
    notes = load_notes()[:3]
    return [{"text": note.text, "source": f"{note.id}.txt"} for note in notes]


def requests_the_solutions_send():
    u03, u06 = unit("u03_tokens_and_attention"), unit("u06_rag_basics")
    u07, u10 = unit("u07_production_rag"), unit("u10_eval_datasets")
    u11 = unit("u11_distillation_and_quantization")
    notes = chunks()
    question = "Why did the go-live date move?"
    candidates = [{"id": f"note{i:02d}", "text": c["text"]} for i, c in enumerate(notes, 1)]
    tool_case = "What is the weather in Phoenix today?"
    ollama_body = {"model": u11.LOCAL_MODEL, "stream": False, "tools": u11.OLLAMA_TOOLS,
                   "messages": [{"role": "system", "content": u10.SYSTEM}, {"role": "user", "content": tool_case}]}
    return [
        ("u03 long-context prompt", "grounded", lambda: claude(
            u03.SYSTEM, u03.long_context_prompt(u03.context_block([(c["source"], c["text"]) for c in notes]),
                                                question))),
        ("u06 RAG prompt", "grounded", lambda: claude(u06.SYSTEM, u06.build_prompt(notes, question))),
        ("u06 tightened RAG prompt", "grounded", lambda: claude(u06.TIGHT_SYSTEM, u06.build_prompt(notes, question))),
        ("u07 re-rank prompt", "rerank", lambda: claude(u07.RERANK_SYSTEM, u07.rerank_prompt(question, candidates))),
        ("u07 query rewrite", "rewrite", lambda: claude(u07.HELPER_SYSTEM, u07.REWRITE_TEMPLATE.format(question=question))),
        ("u07 HyDE", "hyde", lambda: claude(u07.HELPER_SYSTEM, u07.HYDE_TEMPLATE.format(question=question))),
        ("u07 answer (U06's prompt)", "grounded", lambda: claude(u06.SYSTEM, u06.build_prompt(notes, question))),
        ("u10 judge", "judge", lambda: claude(None, u10.JUDGE_PROMPT.format(
            input="Who is the sponsor?", criteria="names Helen Okafor", candidate="Helen Okafor."))),
        ("u10 assistant with its tool", "tool_use", lambda: claude(u10.SYSTEM, tool_case, tools=u10.TOOLS)),
        ("u11 Ollama chat with the tool", "tool_use", lambda: responder.shape_of(ollama.parse(ollama_body))),
    ]


CASES = requests_the_solutions_send()


@pytest.mark.parametrize(("name", "shape", "detect"), CASES, ids=[name for name, _, _ in CASES])
def test_the_responder_has_a_shape_for_every_prompt_the_solutions_send(name, shape, detect):
    found = detect()
    assert found != "fallback", f"{name}: no shape matches it (the solution's prompt changed, or a marker did)"
    assert found == shape, f"{name}: detected as {found!r}, expected {shape!r}"


def test_shapes_are_one_list_in_detection_order_ending_in_fallback():
    names = [name for name, _, _ in responder.SHAPES]
    assert len(names) == len(set(names)) and names[-1] == "fallback"
    assert responder.describe()["shapes"] == names
