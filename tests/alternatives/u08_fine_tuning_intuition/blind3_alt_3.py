"""U08 · Fine-tuning intuition — one helper per rung (knowledge, training, prompting), the numbers read from the text.

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


import re

KNOWLEDGE = {"recent news", "domain knowledge"}
PROMPT_ONLY = {"tone of voice", "one-off behavior"}


def _knowledge(needs: set[str]) -> Route | None:
    if "recent news" in needs:
        return Route("web search", 'Recent news ("know about events after the cutoff")',
                     "Recent events are looked up with a web search tool at answer time.")
    if "domain knowledge" in needs:
        return Route("RAG", 'Domain knowledge ("teach it about our products")',
                     "Knowledge is retrieved from the documents, never trained into the model.")
    return None


def _training(s: Scenario, needs: set[str]) -> Route | None:
    if s.labelled_examples < ENOUGH_LABELS or not s.prompt_tried or s.changes_often:
        return None
    if "narrow task" in needs and s.monthly_volume >= AT_SCALE:
        return Route("fine-tune (LoRA)", "1,000+ high-quality labeled examples",
                     "Thousands of labels on one narrow, high-volume task are enough to move a LoRA adapter.")
    if "specialized format" in needs:
        return Route("fine-tune (LoRA)", "Specialized format the base model fights you on",
                     "The base model keeps fighting this output shape, so an adapter is worth it.")
    if "smaller model" in needs:
        return Route("distillation", "You need to ship a smaller / cheaper model",
                     "A smaller model learns the big one's behaviour by distillation.")
    return None


def _prompting(needs: set[str]) -> Route:
    if needs and not (needs - PROMPT_ONLY):
        if "one-off behavior" in needs:
            return Route("prompting", 'One-off behaviors ("always end with bullets")',
                         "Format and constraint patterns in the prompt handle it.")
        return Route("prompting", 'Tone of voice ("sound like our brand")',
                     "A persona with three sample replies sets the tone.")
    return Route("prompting", "Most other things", "A better prompt is the first and cheapest fix.")


def route(scenario: Scenario) -> Route:
    needs = set(scenario.needs)
    return _knowledge(needs) or _training(scenario, needs) or _prompting(needs)


def _number(pattern: str, text: str, scale: int = 1) -> int:
    found = re.search(pattern, text)
    return int(found.group(1).replace(",", "")) * scale if found else 0


def _read(text: str, needs: set[str]) -> Scenario:
    return Scenario(
        needs=needs,
        changes_often=bool(re.search(r"changes (monthly|weekly|daily|often)", text)),
        labelled_examples=_number(r"(\d[\d,]*) hand-labeled examples", text),
        monthly_volume=_number(r"~?(\d+)M times a month", text, 1_000_000),
        prompt_tried=bool(re.search(r"[Tt]he prompt keeps drifting", text)),
    )


def scenarios() -> dict[str, Scenario]:
    tags = {
        "A": {"domain knowledge"},
        "B": {"tone of voice", "one-off behavior"},
        "C": {"narrow task"},
    }
    return {key: _read(SCENARIO_TEXT[key], tags[key]) for key in ("A", "B", "C")}


def adapter_size_mb(n_layers: int, d_model: int, rank: int, bytes_per_param: int = 2) -> float:
    trained_per_layer = 2 * (2 * d_model * rank)  # q and v, each with A and B
    return n_layers * trained_per_layer * bytes_per_param / 1e6
