"""Breaks route() 'Send a scenario to one move of MOVES, citing the table row that backs it.': it takes the voice and one-off tags out of the scenario's own needs, so the caller's scenario loses them (blind learner 30).

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


def _row(start: str) -> str:
    # Cite a row by how it starts, so the long keys are written once, in the tables.
    return next(r for r in [*DONT_FINE_TUNE_FOR, *DO_CONSIDER_FINE_TUNING_WHEN] if r.startswith(start))


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
    needs = scenario.needs
    # Knowledge goes stale in weights: retrieve it, never bake it in.
    if "recent news" in needs:
        return Route("web search", _row("Recent news"), "Events after the cutoff come from a web search tool.")
    if "domain knowledge" in needs:
        return Route("RAG", _row("Domain knowledge"), "Product knowledge belongs in retrieval: cheap, iterable, cited.")
    # Training is the last rung: enough signal, the prompt already exhausted, a target that holds still.
    gate_open = scenario.labelled_examples >= ENOUGH_LABELS and scenario.prompt_tried and not scenario.changes_often
    if gate_open and "narrow task" in needs and scenario.monthly_volume >= AT_SCALE:
        return Route("fine-tune (LoRA)", _row("Extreme consistency"),
                     "A narrow task at scale that the prompt cannot hold steady, with 1,000+ labels, earns LoRA.")
    if gate_open and "specialized format" in needs:
        return Route("fine-tune (LoRA)", _row("Specialized format"),
                     "The base model fights this output shape even after the prompt was pushed hard.")
    if gate_open and "smaller model" in needs:
        return Route("distillation", _row("You need to ship"), "Distill the big model's behaviour into a small one.")
    # Everything else is a prompt: persona for voice, Format + Constraint for one-off rules, a better prompt for the rest.
    style = needs & {"tone of voice", "one-off behavior"}
    needs -= style  # what is left besides voice and one-off rules (the scenario's own set)
    if style and not needs:  # only these two, at least one of them
        if "tone of voice" in style:
            return Route("prompting", _row("Tone of voice"), "Voice is a persona pattern with three samples in the prompt.")
        return Route("prompting", _row("One-off behaviors"), "A one-off output rule is a Format + Constraint pattern.")
    return Route("prompting", _row("Most other things"), "Nothing here needs new weights: write a better prompt.")


def scenarios() -> dict[str, Scenario]:
    """Your reading of the lab's three requests (SCENARIO_TEXT) as Scenario values, keyed "A", "B", "C".

    Tag each with the NEEDS it states, and copy the numbers the text gives (0 where it gives none).
    A flag (changes_often, prompt_tried) is True only when the text says so, else False.
    Read what is asked, not what is mentioned: a document in the request is not by itself a need.
    """
    return {
        # A catalog to answer questions about, that changes monthly: knowledge, not behaviour.
        "A": Scenario(needs={"domain knowledge"}, changes_often=True, labelled_examples=0, monthly_volume=0,
                      prompt_tried=False),
        # A voice and a fixed ending: both are things a prompt states.
        "B": Scenario(needs={"tone of voice", "one-off behavior"}, changes_often=False, labelled_examples=0,
                      monthly_volume=0, prompt_tried=False),
        # The contracts are the input, not knowledge to retrieve: the need is one extraction, held steady.
        "C": Scenario(needs={"narrow task"}, changes_often=False, labelled_examples=5_000, monthly_volume=2_000_000,
                      prompt_tried=True),
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
    # LoRA trains only the low-rank pair A, B beside each frozen matrix: 2 * d_model * rank numbers.
    per_projection = 2 * d_model * rank
    params = n_layers * 2 * per_projection  # q and v in every layer
    return params * bytes_per_param / 1e6
