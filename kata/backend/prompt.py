"""What every provider's request becomes (a Prompt) and what the responder gives back (a Reply).

voyage.py, anthropic.py and ollama.py each parse their wire format into these and render a Reply in
it; the responder never sees a provider's JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Tool:
    name: str
    description: str = ""
    input_schema: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Turn:
    role: str  # "user" or "assistant"
    text: str = ""
    tool_uses: tuple = ()  # ((id, name, input), ...) in an assistant turn
    tool_results: tuple = ()  # ((tool_use_id or tool name, content text), ...) in a user turn


@dataclass(frozen=True)
class Prompt:
    system: str
    turns: tuple
    tools: tuple = ()
    tool_choice: str = "auto"  # "auto", "any", "tool" (then forced_tool) or "none"
    forced_tool: str | None = None

    @property
    def last_user(self) -> str:
        return next((t.text for t in reversed(self.turns) if t.role == "user"), "")

    @property
    def instructions(self) -> str:
        return f"{self.system}\n{self.last_user}"


@dataclass(frozen=True)
class Reply:
    shape: str  # the responder shape that answered (the x-kata-responder header)
    text: str = ""
    tool_name: str | None = None
    tool_input: dict | None = None
