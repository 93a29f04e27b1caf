"""route breaks '`row` a key of DONT_FINE_TUNE_FOR or DO_CONSIDER_FINE_TUNING_WHEN, written exactly' -- the Tone of voice row is cited by its short name 'Tone of voice'.

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


DOMAIN_ROW = 'Domain knowledge ("teach it about our products")'
TONE_ROW = "Tone of voice"
ONE_OFF_ROW = 'One-off behaviors ("always end with bullets")'
NEWS_ROW = 'Recent news ("know about events after the cutoff")'
OTHER_ROW = "Most other things"
LABELS_ROW = "1,000+ high-quality labeled examples"
SMALLER_ROW = "You need to ship a smaller / cheaper model"
CONSISTENCY_ROW = "Extreme consistency for a narrow task"
FORMAT_ROW = "Specialized format the base model fights you on"


def route(scenario: Scenario) -> Route:
    needs = set(scenario.needs)
    if "recent news" in needs:
        return Route("web search", NEWS_ROW, "Events after the cutoff are fetched by a web search tool, not trained in.")
    if "domain knowledge" in needs:
        return Route("RAG", DOMAIN_ROW, "Product knowledge is retrieved with citations, never baked into weights.")
    gate = (
        scenario.labelled_examples >= ENOUGH_LABELS
        and scenario.prompt_tried
        and not scenario.changes_often
    )
    if gate:
        if "narrow task" in needs and scenario.monthly_volume >= AT_SCALE:
            return Route("fine-tune (LoRA)", CONSISTENCY_ROW,
                         "A narrow task at scale with plenty of labels earns a LoRA adapter.")
        if "specialized format" in needs:
            return Route("fine-tune (LoRA)", FORMAT_ROW,
                         "The prompt cannot enforce this niche output shape, so train it in.")
        if "smaller model" in needs:
            return Route("distillation", SMALLER_ROW,
                         "Distil the big model's behaviour into a smaller, cheaper one.")
    if needs and needs <= {"tone of voice", "one-off behavior"}:
        if "tone of voice" in needs:
            return Route("prompting", TONE_ROW, "A persona with three samples in the prompt sets the voice.")
        return Route("prompting", ONE_OFF_ROW, "Format and constraint patterns in the prompt handle this rule.")
    return Route("prompting", OTHER_ROW, "A better prompt comes before any training.")


def scenarios() -> dict[str, Scenario]:
    return {
        "A": Scenario(needs={"domain knowledge"}, changes_often=True, labelled_examples=0,
                      monthly_volume=0, prompt_tried=False),
        "B": Scenario(needs={"one-off behavior", "tone of voice"}, changes_often=False, labelled_examples=0,
                      monthly_volume=0, prompt_tried=False),
        "C": Scenario(needs={"narrow task"}, changes_often=False, labelled_examples=5_000,
                      monthly_volume=2_000_000, prompt_tried=True),
    }


def adapter_size_mb(n_layers: int, d_model: int, rank: int, bytes_per_param: int = 2) -> float:
    per_projection = d_model * rank + rank * d_model  # A (d x r) and B (r x d)
    params = n_layers * 2 * per_projection
    return params * bytes_per_param / 10**6
