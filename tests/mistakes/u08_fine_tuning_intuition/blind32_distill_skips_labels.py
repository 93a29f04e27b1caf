"""Breaks route() 'a training move ("fine-tune (LoRA)" or "distillation") only when every condition of the gate holds: labelled_examples >= ENOUGH_LABELS, prompt_tried, and not changes_often': a scenario whose only training need is a smaller model is distilled once the prompt was tried and the target holds still, whatever its label count, so 999 labels are distilled (blind learner 32).

U08 · Fine-tuning intuition.

Fine-tuning almost never earns its cost: prompts and retrieval come first. This unit's two tables say
when it does. Read the three scenarios of the lab into Scenario values, then write a router that sends
each scenario to one move and cites the table row that backs it, so A, B and C land where the tree says.
The Stretch sizes a LoRA adapter on paper: is it really under 100 MB?

Run `uv run kata check 8` after each step; `uv run kata hint 8` when you are stuck.
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


def route(scenario: Scenario) -> Route:
    """Send a scenario to one move of MOVES, citing the table row that backs it.

    Return Route(move, row, reason): `move` one of MOVES; `row` a key of DONT_FINE_TUNE_FOR or
    DO_CONSIDER_FINE_TUNING_WHEN, written exactly; `reason` one sentence in your words (four words
    or more, counted between spaces). Every scenario gets an answer; its needs are tags of NEEDS.
    The rules the answer obeys, the first that applies deciding:
    - knowledge is retrieved, never trained: "recent news" -> "web search" citing the Recent news row,
      whatever else the scenario holds; otherwise "domain knowledge" -> "RAG", the Domain knowledge row;
    - a training move ("fine-tune (LoRA)" or "distillation") only when every condition of the gate
      holds: labelled_examples >= ENOUGH_LABELS, prompt_tried, and not changes_often. Through it, a
      "narrow task" at monthly_volume >= AT_SCALE is "fine-tune (LoRA)" (the Extreme consistency or
      the 1,000+ row), else a "specialized format" is "fine-tune (LoRA)", else a "smaller model"
      "distillation" (checked in that order);
    - a scenario that needs only a tone of voice and/or a one-off behavior (one of the two at least,
      and no other tag) is "prompting", citing the Tone of voice or One-off behaviors row, however
      many labels it has;
    - anything else is "prompting", the Most other things row.
    """
    needs = set(scenario.needs)
    if "recent news" in needs:
        return Route("web search", 'Recent news ("know about events after the cutoff")',
                     "Events after the cutoff are retrieved by a web search tool, never trained in.")
    if "domain knowledge" in needs:
        return Route("RAG", 'Domain knowledge ("teach it about our products")',
                     "Product facts belong in retrieval, which is cheap, iterable and cites its sources.")
    gate = (scenario.labelled_examples >= ENOUGH_LABELS and scenario.prompt_tried
            and not scenario.changes_often)
    if "smaller model" in needs and scenario.prompt_tried and not scenario.changes_often and not ({"narrow task", "specialized format"} & needs):
        return Route("distillation", "You need to ship a smaller / cheaper model", "Distill the big model into a small one.")
    if gate:
        if "narrow task" in needs and scenario.monthly_volume >= AT_SCALE:
            return Route("fine-tune (LoRA)", "Extreme consistency for a narrow task",
                         "A narrow task at scale with plenty of labels is what a LoRA adapter is for.")
        if "specialized format" in needs:
            return Route("fine-tune (LoRA)", "Specialized format the base model fights you on",
                         "The prompt cannot reliably enforce this niche output shape, so train it in.")
        if "smaller model" in needs:
            return Route("distillation", "You need to ship a smaller / cheaper model",
                         "Distill the big model's behaviour into a smaller, cheaper one.")
    style = {"tone of voice", "one-off behavior"}
    if needs and needs <= style:
        if "tone of voice" in needs:
            return Route("prompting", 'Tone of voice ("sound like our brand")',
                         "A persona pattern with three samples in the prompt sets the voice.")
        return Route("prompting", 'One-off behaviors ("always end with bullets")',
                     "Format and constraint patterns in the prompt handle a simple output rule.")
    return Route("prompting", "Most other things", "A better prompt comes first for most things.")


def scenarios() -> dict[str, Scenario]:
    """Your reading of the lab's three requests (SCENARIO_TEXT) as Scenario values, keyed "A", "B", "C".

    Tag each with the NEEDS it states, and copy the numbers the text gives (0 where it gives none).
    A flag (changes_often, prompt_tried) is True only when the text says so, else False.
    Read what is asked, not what is mentioned: a document in the request is not by itself a need.
    """
    return {
        "A": Scenario(needs={"domain knowledge"}, changes_often=True, labelled_examples=0,
                      monthly_volume=0, prompt_tried=False),
        "B": Scenario(needs={"one-off behavior", "tone of voice"}, changes_often=False,
                      labelled_examples=0, monthly_volume=0, prompt_tried=False),
        "C": Scenario(needs={"narrow task"}, changes_often=False, labelled_examples=5_000,
                      monthly_volume=2_000_000, prompt_tried=True),
    }


def adapter_size_mb(n_layers: int, d_model: int, rank: int, bytes_per_param: int = 2) -> float:
    """Stretch: the size in MB (10**6 bytes) of a LoRA adapter on the q and v projections.

    Take each adapted projection as a d_model x d_model matrix with a rank-`rank` adapter beside it
    (the two low-rank matrices LoRA trains), two projections per layer, n_layers layers, and
    bytes_per_param bytes per trained number (2 for fp16 / bf16); nothing else is counted. Return a
    float, unrounded. (In Llama 3.1 8B
    the v projection is really 4096 x 1024, grouped-query attention, so the square count is a
    slight upper bound.)
    """
    params_per_projection = rank * (d_model + d_model)
    params = params_per_projection * 2 * n_layers
    return float(params * bytes_per_param) / 10**6
