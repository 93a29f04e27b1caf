"""U08 · Fine-tuning intuition — a table of (condition, move, row, reason) rules, the first that holds wins.

U08 · Fine-tuning intuition.

Fine-tuning almost never earns its cost: prompts and retrieval come first. This unit's two tables say
when it does. Read the three scenarios of the lab into Scenario values, then write a router that sends
each scenario to one move and cites the table row that backs it, so A, B and C land where the tree says.
The Stretch sizes a LoRA adapter on paper: is it really under 100 MB?
"""

from __future__ import annotations

from dataclasses import dataclass

# The unit's two tables, row by row: what people want to fine-tune for -> what to reach for instead.
DONT_FINE_TUNE_FOR = {
    'Domain knowledge ("teach it about our products")': "RAG. Cheap. Iterable. Citations.",
    'Tone of voice ("sound like our brand")': "Persona pattern. Three samples in the prompt.",
    'One-off behaviors ("always end with bullets")': "Format + Constraint patterns.",
    'Recent news ("know about events after the cutoff")': "Web search tool. RAG over current sources.",
    "Most other things": "A better prompt.",
}

# When fine-tuning is worth considering -> why.
DO_CONSIDER_FINE_TUNING_WHEN = {
    "1,000+ high-quality labeled examples": "Enough signal to actually move the model.",
    "You need to ship a smaller / cheaper model": "Distill a big model’s behavior into a smaller one (Unit 11).",
    "Extreme consistency for a narrow task": "e.g. structured extraction from one document type at scale.",
    "Specialized format the base model fights you on": "Niche output shapes the prompt can’t reliably enforce.",
}

# The lab's three requests, word for word.
SCENARIO_TEXT = {
    "A": "Support wants the bot to answer questions about our 400-page product catalog, which changes monthly.",
    "B": "Every reply should end with a three-bullet summary in our brand’s voice.",
    "C": "We extract the same 12 fields from one contract type, ~2M times a month, on a tiny cheap model. "
    "The prompt keeps drifting on edge cases and we already have 5,000 hand-labeled examples.",
}

# The need tags a Scenario may carry, each one pointing at a row of the tables above.
NEEDS = (
    "domain knowledge",  # the model must know facts about our products, docs, catalog
    "recent news",  # the model must know events after its training cutoff
    "tone of voice",  # it must sound like us
    "one-off behavior",  # a simple output rule, e.g. "always end with bullets"
    "narrow task",  # the same narrow task, done with extreme consistency (e.g. one extraction)
    "specialized format",  # a niche output shape the prompt cannot reliably enforce
    "smaller model",  # we need to ship a smaller / cheaper model
)

# The moves a router may answer with.
MOVES = ("prompting", "RAG", "web search", "fine-tune (LoRA)", "distillation")

# Labelled examples it takes to move a model: the "1,000+" row.
ENOUGH_LABELS = 1_000

# "At scale" / "millions of times": the monthly volume at which a narrow task is worth training for.
AT_SCALE = 1_000_000


@dataclass
class Scenario:
    """The facts a reader pulls out of a request, and nothing else."""

    needs: set[str]  # tags from NEEDS
    changes_often: bool  # what the model must know or do changes month to month
    labelled_examples: int  # hand-labelled input -> output pairs already in hand (0 if none mentioned)
    monthly_volume: int  # calls a month (0 if not mentioned)
    prompt_tried: bool  # the prompt (and retrieval, evals) was already pushed hard and still falls short


@dataclass(frozen=True)
class Route:
    """A router's answer: the move, the table row (a key of one of the two tables) and one sentence."""

    move: str
    row: str
    reason: str


def _row(table: dict, starts: str) -> str:
    """The key of `table` that starts with `starts` (so the row is written exactly as the table has it)."""
    (key,) = [k for k in table if k.startswith(starts)]
    return key


def _gate(s: Scenario) -> bool:
    return s.labelled_examples >= ENOUGH_LABELS and s.prompt_tried and not s.changes_often


# Rules in priority order: (test, move, row, reason). The first test that holds wins.
_RULES = (
    (lambda s, n: "recent news" in n, "web search", _row(DONT_FINE_TUNE_FOR, "Recent news"),
     "News after the training cutoff must come from a web search tool."),
    (lambda s, n: "domain knowledge" in n, "RAG", _row(DONT_FINE_TUNE_FOR, "Domain knowledge"),
     "Facts about our products belong in retrieval, which is cheap and cites sources."),
    (lambda s, n: _gate(s) and "narrow task" in n and s.monthly_volume >= AT_SCALE, "fine-tune (LoRA)",
     _row(DO_CONSIDER_FINE_TUNING_WHEN, "Extreme consistency"),
     "One narrow task at millions of calls, with labels and a tried prompt, justifies LoRA."),
    (lambda s, n: _gate(s) and "specialized format" in n, "fine-tune (LoRA)",
     _row(DO_CONSIDER_FINE_TUNING_WHEN, "Specialized format"),
     "A niche format the prompt cannot hold is worth a small adapter."),
    (lambda s, n: _gate(s) and "smaller model" in n, "distillation",
     _row(DO_CONSIDER_FINE_TUNING_WHEN, "You need to ship a smaller"),
     "Shipping a smaller model means distilling the large one's behaviour."),
    (lambda s, n: bool(n) and n <= {"tone of voice"}, "prompting", _row(DONT_FINE_TUNE_FOR, "Tone of voice"),
     "The persona pattern with three samples gives the brand voice."),
    (lambda s, n: bool(n) and n <= {"tone of voice", "one-off behavior"}, "prompting",
     _row(DONT_FINE_TUNE_FOR, "One-off behaviors"),
     "Format and constraint patterns in the prompt cover this behaviour and voice."),
)


def route(scenario: Scenario) -> Route:
    needs = frozenset(scenario.needs)
    for test, move, row, reason in _RULES:
        if test(scenario, needs):
            return Route(move=move, row=row, reason=reason)
    return Route(move="prompting", row="Most other things", reason="Start with a better prompt before anything else.")


def scenarios() -> dict[str, Scenario]:
    a = Scenario({"domain knowledge"}, True, 0, 0, False)
    b = Scenario({"tone of voice", "one-off behavior"}, False, 0, 0, False)
    c = Scenario({"narrow task"}, False, 5000, 2_000_000, True)
    return {"A": a, "B": b, "C": c}


def adapter_size_mb(n_layers: int, d_model: int, rank: int, bytes_per_param: int = 2) -> float:
    projections = 2 * n_layers
    lora_a = d_model * rank
    lora_b = rank * d_model
    total_bytes = projections * (lora_a + lora_b) * bytes_per_param
    return float(total_bytes) / 1_000_000
