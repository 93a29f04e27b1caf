"""U08 · Fine-tuning intuition (set logic, match statement, numbers parsed from the text).
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




import re  # noqa: E402

_ROWS = {row.split(" (")[0].split(" ")[0].lower(): row for row in (*DONT_FINE_TUNE_FOR, *DO_CONSIDER_FINE_TUNING_WHEN)}
# keys: "domain", "tone", "one-off", "recent", "most", "1,000+", "you", "extreme", "specialized"


def route(scenario: Scenario) -> Route:
    """Set logic: knowledge needs first, then the training gate, then prompt patterns, then the fallback."""
    needs = frozenset(scenario.needs)
    knowledge = needs & {"recent news", "domain knowledge"}
    if knowledge:
        if "recent news" in knowledge:
            return Route("web search", _ROWS["recent"], "Recent events are looked up with a web search tool.")
        return Route("RAG", _ROWS["domain"], "Facts about our products belong in retrieval with citations.")

    trainable = (scenario.labelled_examples >= ENOUGH_LABELS, scenario.prompt_tried, not scenario.changes_often)
    if all(trainable):
        if "narrow task" in needs and scenario.monthly_volume >= AT_SCALE:
            return Route("fine-tune (LoRA)", _ROWS["extreme"],
                         "Extreme consistency on one narrow task at this volume earns a LoRA.")
        if "specialized format" in needs:
            return Route("fine-tune (LoRA)", _ROWS["specialized"],
                         "A format the base model fights is worth training once labels exist.")
        if "smaller model" in needs:
            return Route("distillation", _ROWS["you"], "Shipping a smaller cheaper model means distilling.")

    match sorted(needs):
        case ["tone of voice"] | ["one-off behavior", "tone of voice"]:
            return Route("prompting", _ROWS["tone"], "Voice is set by a persona and samples in the prompt.")
        case ["one-off behavior"]:
            return Route("prompting", _ROWS["one-off"], "A format constraint in the prompt handles it.")
        case _:
            return Route("prompting", _ROWS["most"], "Start with a better prompt, as for most things.")


def _number(pattern: str, text: str) -> int:
    """The number the pattern captures in text ("5,000" -> 5000, "2M" -> 2000000), or 0."""
    m = re.search(pattern, text)
    if not m:
        return 0
    digits, suffix = m.group(1).replace(",", ""), (m.group(2) or "").upper()
    return int(float(digits) * {"": 1, "K": 1_000, "M": 1_000_000}[suffix])


def scenarios() -> dict[str, Scenario]:
    """Needs and flags read by hand; the numbers parsed out of SCENARIO_TEXT."""
    reading = {
        "A": ({"domain knowledge"}, "changes monthly" in SCENARIO_TEXT["A"], False),
        "B": ({"tone of voice", "one-off behavior"}, False, False),
        "C": ({"narrow task"}, False, "prompt keeps drifting" in SCENARIO_TEXT["C"]),
    }
    out = {}
    for key, (needs, changes, tried) in reading.items():
        text = SCENARIO_TEXT[key]
        out[key] = Scenario(
            needs=set(needs),
            changes_often=changes,
            labelled_examples=_number(r"([\d,.]+)([KM])?\s+hand-labell?ed examples", text),
            monthly_volume=_number(r"~?([\d,.]+)([KM])?\s+times a month", text),
            prompt_tried=tried,
        )
    return out


def adapter_size_mb(n_layers: int, d_model: int, rank: int, bytes_per_param: int = 2) -> float:
    """Stretch: shapes of A and B summed over q and v of every layer."""
    shapes = [(d_model, rank), (rank, d_model)]  # LoRA's A and B beside one projection
    per_layer = 2 * sum(r * c for r, c in shapes)  # q and v
    return float(n_layers * per_layer * bytes_per_param) / 1_000_000
