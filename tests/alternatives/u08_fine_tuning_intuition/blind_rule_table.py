"""U08 · Fine-tuning intuition (a first-match rule table).
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





_ALL_ROWS = [*DONT_FINE_TUNE_FOR, *DO_CONSIDER_FINE_TUNING_WHEN]


def _cite(prefix: str) -> str:
    return next(r for r in _ALL_ROWS if r.startswith(prefix))


def _gate(s: Scenario) -> bool:
    return s.labelled_examples >= ENOUGH_LABELS and s.prompt_tried and not s.changes_often


_PROMPT_ONLY = frozenset({"tone of voice", "one-off behavior"})

# (condition, move, row prefix, reason): the first rule that fits wins.
_RULES = [
    (lambda s: "recent news" in s.needs, "web search", "Recent news",
     "Knowledge after the cutoff comes from a search tool, not from training."),
    (lambda s: "domain knowledge" in s.needs, "RAG", "Domain knowledge",
     "Knowledge that changes is retrieved and cited, never baked into weights."),
    (lambda s: _gate(s) and "narrow task" in s.needs and s.monthly_volume >= AT_SCALE,
     "fine-tune (LoRA)", "1,000+",
     "Thousands of labels on a narrow task run at scale finally move the model."),
    (lambda s: _gate(s) and "specialized format" in s.needs, "fine-tune (LoRA)", "Specialized format",
     "The prompt cannot reliably enforce this niche output shape, so train it."),
    (lambda s: _gate(s) and "smaller model" in s.needs, "distillation", "You need to ship",
     "Distilling the big model gives a smaller, cheaper model to ship."),
    (lambda s: bool(s.needs) and set(s.needs) <= _PROMPT_ONLY and "tone of voice" in s.needs,
     "prompting", "Tone of voice", "A persona with a few samples in the prompt sets the voice."),
    (lambda s: bool(s.needs) and set(s.needs) <= _PROMPT_ONLY, "prompting", "One-off behaviors",
     "Format and constraint patterns in the prompt enforce the rule."),
    (lambda s: True, "prompting", "Most other things", "Most needs are met by writing a better prompt."),
]


def route(scenario: Scenario) -> Route:
    """Walk the rule table top-down; the first rule that fits gives the move and the row."""
    for applies, move, prefix, reason in _RULES:
        if applies(scenario):
            return Route(move=move, row=_cite(prefix), reason=reason)
    raise AssertionError("unreachable: the last rule always applies")


def scenarios() -> dict[str, Scenario]:
    """A, B and C as Scenario values."""
    facts = {
        # needs, changes_often, labelled_examples, monthly_volume, prompt_tried
        "A": ({"domain knowledge"}, True, 0, 0, False),
        "B": ({"one-off behavior", "tone of voice"}, False, 0, 0, False),
        "C": ({"narrow task"}, False, 5000, 2 * 10**6, True),
    }
    return {key: Scenario(*values) for key, values in facts.items()}


def adapter_size_mb(n_layers: int, d_model: int, rank: int, bytes_per_param: int = 2) -> float:
    """Stretch: LoRA adapter size in MB."""
    projections = 2 * n_layers
    trained_per_projection = 2 * d_model * rank
    return projections * trained_per_projection * bytes_per_param / 1e6
