"""U08 · Fine-tuning intuition: route three scenarios to prompting, RAG or a LoRA fine-tune, citing the row."""

import math
from dataclasses import replace

import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from kata.judge.testing import Did, Problems, expect, load_unit

u08 = load_unit("u08_fine_tuning_intuition")

TRAINED = ("fine-tune (LoRA)", "distillation")  # the two moves that change weights


def row_starting(start):
    """The full key of the table row that starts with `start` (the tests cite rows by their opening)."""
    rows = [*u08.DONT_FINE_TUNE_FOR, *u08.DO_CONSIDER_FINE_TUNING_WHEN]
    return next(r for r in rows if r.startswith(start))


def the_tests_reading():
    """The tests' own reading of the three requests, independent of yours."""
    S = u08.Scenario
    return {
        "A": S(needs={"domain knowledge"}, changes_often=True, labelled_examples=0, monthly_volume=0, prompt_tried=False),
        "B": S(needs={"tone of voice", "one-off behavior"}, changes_often=False, labelled_examples=0,
               monthly_volume=0, prompt_tried=False),
        "C": S(needs={"narrow task"}, changes_often=False, labelled_examples=5_000, monthly_volume=2_000_000,
               prompt_tried=True),
    }


# What the Verify line says each scenario routes to: the move, and the rows that may back it.
ANSWERS = {
    "A": ("RAG", ("Domain knowledge",), "domain knowledge that changes → retrieve, don’t bake in"),
    "B": ("prompting", ("Tone of voice", "One-off behaviors"), "tone + one-off format → persona / Format patterns"),
    "C": ("fine-tune (LoRA)", ("1,000+ high-quality", "Extreme consistency"),
          "1,000+ labels + extreme consistency on a narrow, high-volume task"),
}


def routed(scenario):
    """route(scenario), and the call as it was made: a route that changes the scenario's needs in place is told so."""
    call = f"route({scenario!r})"  # before the call: one that empties the needs in place would show them empty
    needs = set(scenario.needs)
    got = u08.route(scenario)
    expect(scenario.needs == needs, call=call,
           returned=Did(f"changed the scenario's needs in place: they were {sorted(needs)} and are now "
                        f"{sorted(scenario.needs) if isinstance(scenario.needs, set) else scenario.needs!r}"),
           expected="the scenario as it was given: route reads the needs to choose a move, and the caller keeps them",
           hint="to set some tags aside, work on a new set of your own: taking tags away from the scenario's own set "
                "changes the caller's scenario too",
           clause="Send a scenario to one move of MOVES, citing the table row that backs it.")
    return got, call


def check_answer(name, scenario, whose, hint=None):
    move, starts, why = ANSWERS[name]
    rows = [row_starting(s) for s in starts]
    got, call = routed(scenario)
    expect(getattr(got, "move", None) == move and getattr(got, "row", None) in rows, call=call, returned=got,
           expected=f"scenario {name} ({whose}) routed to move={move!r}, citing one of the rows {rows!r} — {why}",
           hint=hint or "climb the tree from the top: retrieve knowledge, prompt for voice and format, train only at the gate")


def report_problems(route_value):
    """What is wrong with a Route value, in words; empty when it is a real answer."""
    keys = [*u08.DONT_FINE_TUNE_FOR, *u08.DO_CONSIDER_FINE_TUNING_WHEN]
    move, row, reason = (getattr(route_value, a, None) for a in ("move", "row", "reason"))
    problems = []
    if move not in u08.MOVES:
        problems.append(f"move {move!r} is not one of MOVES")
    if row not in keys:
        problems.append(f"row {row!r} is not a key of either table, written exactly")
    if not isinstance(reason, str):
        problems.append(f"reason {reason!r} is not a sentence (write one, at least four words)")
    elif len(reason.split()) < 4:
        problems.append(f"reason {reason!r} has {len(reason.split())} word{'' if len(reason.split()) == 1 else 's'}, "
                        f"not a sentence of four words or more")
    return problems


@pytest.mark.verify
@pytest.mark.parametrize("name", ["A", "B", "C"])
def test_the_router_answers_each_scenario_as_the_tree_does(name):
    """Your three answers match the tree: A = RAG (domain knowledge that changes → retrieve, don’t bake in), B = prompting (tone + one-off format → persona / Format patterns), C = fine-tune, LoRA (1,000+ labels + extreme consistency on a narrow, high-volume task).

    Your route() on the tests' own reading of each scenario: a right reading with a wrong router fails here.
    """
    check_answer(name, the_tests_reading()[name], "the tests' reading")


@pytest.mark.verify
@pytest.mark.parametrize("name", ["A", "B", "C"])
def test_your_reading_of_each_scenario_routes_as_the_tree_does(name):
    """Your three answers match the tree: A = RAG … B = prompting … C = fine-tune, LoRA … Any mismatch means re-read that table row.

    Your route() on your own scenarios(): a right router with a wrong reading fails here.
    """
    yours = u08.scenarios()
    expect(isinstance(yours, dict) and set(yours) == {"A", "B", "C"}, call="scenarios()", returned=yours,
           expected='a dict keyed by exactly "A", "B" and "C"', hint="one Scenario per request in SCENARIO_TEXT")
    check_answer(name, yours[name], "your reading")


@pytest.mark.verify
def test_your_reading_keeps_the_facts_the_requests_state():
    """A = RAG (domain knowledge that changes → retrieve, don’t bake in), B = prompting (tone + one-off format → persona / Format patterns), C = fine-tune, LoRA (1,000+ labels + extreme consistency on a narrow, high-volume task).

    The facts in brackets are in the requests: each must be in your Scenario, with tags from NEEDS.
    """
    yours = u08.scenarios()
    expect(isinstance(yours, dict) and set(yours) == {"A", "B", "C"}, call="scenarios()", returned=yours,
           expected='a dict keyed by exactly "A", "B" and "C"', hint="one Scenario per request in SCENARIO_TEXT")
    a, b, c = yours["A"], yours["B"], yours["C"]
    tags = lambda scenario: sorted(scenario.needs) if isinstance(scenario.needs, (set, frozenset)) else scenario.needs  # noqa: E731
    problems = [(f"{n}: tag {t!r} is not in NEEDS", "needs") for n, s in yours.items() for t in s.needs if t not in u08.NEEDS]
    checks = [  # (the fact holds, the fact and the field that shows it, the kind of slip: a row of READING_CLAUSES)
        ("domain knowledge" in a.needs, f"A asks about a catalog: it needs 'domain knowledge' (your A's needs: {tags(a)})",
         "needs"),
        (a.changes_often, f"A's catalog 'changes monthly': changes_often True (your A's changes_often: {a.changes_often!r})",
         "flag"),
        ({"tone of voice", "one-off behavior"} <= b.needs, "B wants the brand's voice and a fixed three-bullet ending: "
         f"'tone of voice' and 'one-off behavior' (your B's needs: {tags(b)})", "needs"),
        ("domain knowledge" not in c.needs, f"C's contracts are its input, not knowledge to retrieve (your C's needs: {tags(c)})",
         "needs"),
        ("narrow task" in c.needs, "C is the same 12-field extraction, again and again: a 'narrow task' "
         f"(your C's needs: {tags(c)})", "needs"),
        (c.labelled_examples == 5_000, "C already has 5,000 hand-labeled examples "
         f"(your C's labelled_examples: {c.labelled_examples!r})", "numbers"),
        (1_500_000 <= c.monthly_volume <= 2_500_000, f"C runs ~2M times a month (your C's monthly_volume: {c.monthly_volume!r})",
         "numbers"),
        (c.prompt_tried and not c.changes_often, "C's prompt 'keeps drifting': it was tried; one contract type holds still "
         f"(your C's prompt_tried: {c.prompt_tried!r}, changes_often: {c.changes_often!r})", "flag"),
    ]
    problems += [(what, kind) for ok, what, kind in checks if not ok]
    first = next((row for row in READING_CLAUSES if problems and row[0] == problems[0][1]), None)  # the first slip's clause
    quoted = first[1] if first else None
    expect(not problems, call="scenarios()", returned=Problems(what for what, _ in problems),
           expected="a reading that keeps every fact the requests state (shown: what is missing or wrong, and your value)",
           hint=first[2] if first else "tag what each request needs, not what it mentions; copy the numbers the text gives",
           clause=quoted)


# The clause a reading's first slip breaks, quoted in place of the Verify line (the kind of slip, clause, hint).
READING_CLAUSES = (
    ("needs", "Tag each with the NEEDS it states",
     "tag every need a request states, and only what it asks, not what it mentions; a request may need more than one"),
    ("numbers", "copy the numbers the text gives (0 where it gives none)",
     "copy the numbers the text gives, as the text gives them"),
    ("flag", "A flag (changes_often, prompt_tried) is True only when the text says so, else False.",
     "re-read each request for what it says changes month to month, and what it says was already tried"),
)


@pytest.mark.contract
def test_your_reading_gives_each_field_the_type_scenario_declares():
    """Your reading of the lab's three requests (SCENARIO_TEXT) as Scenario values

    Scenario declares its fields: `needs` a set of tags, the two flags bools, the label count and the
    monthly volume ints ("~2M" is 2_000_000, not the float 2e6).
    """
    yours = u08.scenarios()
    expect(isinstance(yours, dict) and set(yours) == {"A", "B", "C"}, call="scenarios()", returned=yours,
           expected='a dict keyed by exactly "A", "B" and "C"', hint="one Scenario per request in SCENARIO_TEXT")
    problems = []
    for name, s in sorted(yours.items()):
        if not (isinstance(s.needs, (set, frozenset)) and all(isinstance(t, str) for t in s.needs)):
            problems.append(f"{name}: needs is {s.needs!r}, not a set of tags")
        problems += [f"{name}: {field} is {getattr(s, field)!r}, not a bool" for field in ("changes_often", "prompt_tried")
                     if type(getattr(s, field)) is not bool]
        problems += [f"{name}: {field} is {getattr(s, field)!r}, not an int" for field in ("labelled_examples", "monthly_volume")
                     if type(getattr(s, field)) is not int]
    expect(not problems, call="scenarios()", returned=Problems(problems),
           expected="each field of each Scenario of the type Scenario declares (shown: what is not)",
           hint="counts are whole numbers: write them as ints (an underscore may group the digits), and flags as True or False")


@pytest.mark.contract
def test_a_and_b_state_no_numbers_and_no_tried_prompt():
    """copy the numbers the text gives (0 where it gives none). A flag (changes_often, prompt_tried) is True only when the text says so, else False.

    A and B give no label count and no monthly volume (the catalog's 400 pages count neither), and
    neither says a prompt was already pushed hard; B says nothing of changing month to month.
    """
    yours = u08.scenarios()
    expect(isinstance(yours, dict) and set(yours) == {"A", "B", "C"}, call="scenarios()", returned=yours,
           expected='a dict keyed by exactly "A", "B" and "C"', hint="one Scenario per request in SCENARIO_TEXT")
    a, b = yours["A"], yours["B"]
    checks = [
        (a.labelled_examples == 0, f"A mentions no labelled examples: labelled_examples 0, not {a.labelled_examples!r}"),
        (a.monthly_volume == 0, f"A gives no monthly volume (400 is pages): monthly_volume 0, not {a.monthly_volume!r}"),
        (a.prompt_tried is False, "A never says a prompt was tried: prompt_tried False"),
        (b.labelled_examples == 0, f"B mentions no labelled examples: labelled_examples 0, not {b.labelled_examples!r}"),
        (b.monthly_volume == 0, f"B gives no monthly volume: monthly_volume 0, not {b.monthly_volume!r}"),
        (b.prompt_tried is False, "B never says a prompt was tried: prompt_tried False"),
        (b.changes_often is False, "B's voice and bullets do not change month to month: changes_often False"),
    ]
    problems = [what for ok, what in checks if not ok]
    expect(not problems, call="scenarios()", returned=Problems(problems),
           expected="0 for every number the request does not give, False for every flag it does not state "
                    "(shown: what is wrong)",
           hint="copy only what the text says: no labels, no volume and no tried prompt in A or B")


@pytest.mark.contract
def test_c_is_tagged_with_what_it_asks_not_what_it_mentions():
    """Tag each with the NEEDS it states … Read what is asked, not what is mentioned

    C already runs on a tiny cheap model (its setting, not a request to ship a smaller one), and its 12 fields
    are one structured extraction, the course's own example of extreme consistency for a narrow task: no
    output shape the base model fights. Neither "smaller model" nor "specialized format" is a need of C.
    """
    yours = u08.scenarios()
    expect(isinstance(yours, dict) and set(yours) == {"A", "B", "C"}, call="scenarios()", returned=yours,
           expected='a dict keyed by exactly "A", "B" and "C"', hint="one Scenario per request in SCENARIO_TEXT")
    c = yours["C"]
    checks = [
        ("smaller model" not in c.needs,
         "C: tag 'smaller model', but C already runs on a tiny cheap model and asks for no smaller one to be shipped"),
        ("specialized format" not in c.needs,
         "C: tag 'specialized format', but C's 12 fields are one structured extraction (a narrow task), and it "
         "names no output shape the base model fights"),
    ]
    problems = [what for ok, what in checks if not ok]
    expect(not problems, call="scenarios()", returned=Problems(problems),
           expected="C tagged with what it asks for, not with what it mentions (shown: the tags it does not ask for)",
           hint="C describes its setting (a tiny model, 12 fields) and asks for one thing: the same extraction, held "
                "steady on edge cases")


@pytest.mark.verify
@pytest.mark.parametrize("name", ["A", "B"])
def test_a_pile_of_labels_does_not_change_a_or_b(name):
    """A = RAG (domain knowledge that changes → retrieve, don’t bake in), B = prompting (tone + one-off format → persona / Format patterns)

    Give A 5,000 labelled FAQ logs, give B 5,000 on-brand replies, say the prompt was pushed hard and the
    volume is huge: labels are a gate, not a reason, so the answer must not move.
    """
    scenario = replace(the_tests_reading()[name], labelled_examples=5_000, monthly_volume=5_000_000, prompt_tried=True)
    check_answer(name, scenario, "with 5,000 labels, a tried prompt and 5M calls a month")


@pytest.mark.verify
@pytest.mark.parametrize("labels", [1_000, 1_001, 2_000])
def test_one_thousand_labels_is_enough(labels):
    """C = fine-tune, LoRA (1,000+ labels + extreme consistency on a narrow, high-volume task)

    "1,000+" includes 1,000 itself.
    """
    check_answer("C", replace(the_tests_reading()["C"], labelled_examples=labels), f"with {labels:,} labels",
                 hint="exactly 1,000 labelled examples is enough: the limit itself counts, '1,000+' means 1,000 or "
                      "more, so a count equal to it opens the gate, not only a count above it" if labels == 1_000 else None)


ONE_MILLION = 1_000_000  # AT_SCALE as the exercise hands it: "millions of times" a month starts at one million


@pytest.mark.verify
@pytest.mark.parametrize("above", [0, 1], ids=["exactly-at-scale", "just-above"])
def test_at_scale_includes_the_threshold_itself(above):
    """C = fine-tune, LoRA (1,000+ labels + extreme consistency on a narrow, high-volume task)

    A narrow task at exactly AT_SCALE calls a month (one million: "millions of times" starts there)
    is at scale: ">=" includes the threshold.
    """
    volume = ONE_MILLION + above
    check_answer("C", replace(the_tests_reading()["C"], monthly_volume=volume), f"at {volume:,} calls a month",
                 hint="exactly one million calls a month is at scale: the threshold itself counts, so a volume equal "
                      "to it is at scale, not only a volume above it" if not above else None)


# The clause a check quotes in place of its test's opening line when that clause is the one broken (start, clause, hint)
SLIP_CLAUSES = (
    ("row", "`row` a key of DONT_FINE_TUNE_FOR or DO_CONSIDER_FINE_TUNING_WHEN, written exactly", None),
    ("volume", 'a "narrow task" at monthly_volume >= AT_SCALE is "fine-tune (LoRA)"', None),
    ("MiB", "the size in MB (10**6 bytes)", None),
    ("rounded", "Return a float, unrounded.", None),
)


def slip_clause(key):
    """The clause of the row `key` of SLIP_CLAUSES, for a check that quotes it only when it is the one broken."""
    return next(clause for start, clause, _ in SLIP_CLAUSES if start == key)


@pytest.mark.verify
@pytest.mark.parametrize(("need", "move"), [("specialized format", "fine-tune (LoRA)"), ("smaller model", "distillation")])
def test_through_the_gate_a_format_is_fine_tuned_and_a_smaller_model_distilled(need, move):
    """C = fine-tune, LoRA (1,000+ labels + extreme consistency on a narrow, high-volume task)

    With the gate open (enough labels, a prompt pushed hard, a target that holds still), a specialized
    output format is a LoRA fine-tune and a smaller model is a distillation, whatever the volume.
    """
    scenario = replace(the_tests_reading()["C"], needs={need}, monthly_volume=500)
    got, call = routed(scenario)
    problems = report_problems(got)
    row_only = getattr(got, "move", None) == move and any(p.startswith("row ") for p in problems)  # the move is right
    quoted = slip_clause("row") if row_only else None  # the clause broken, when it is not the test's opening line
    expect(getattr(got, "move", None) == move and not problems, call=call, returned=got,
           expected=f"move={move!r}, citing a row of the table" + (f": {'; '.join(problems)}" if problems else ""),
           hint="the move is right; the row must be one of the tables' keys, copied character for character (its "
                "spaces and punctuation too)" if row_only else
                "through the gate: 'specialized format' -> 'fine-tune (LoRA)', 'smaller model' -> 'distillation'",
           clause=quoted)


@pytest.mark.verify
@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"labelled_examples": 999}, "999 labels is short of 1,000+"),
        ({"monthly_volume": 500}, "500 calls a month is not a high-volume task"),
        ({"prompt_tried": False}, "the prompt was never pushed: that is the trap, fix the prompt first"),
        ({"changes_often": True}, "a target that changes every month goes stale in weights"),
        ({"needs": {"recent news", "narrow task"}}, "recent news comes from a web search tool, never from training"),
    ],
)
def test_c_without_one_of_its_conditions_is_not_fine_tuned(change, why):
    """C = fine-tune, LoRA (1,000+ labels + extreme consistency on a narrow, high-volume task)

    Take one condition away from C and the gate stays shut.
    """
    scenario = replace(the_tests_reading()["C"], **change)
    got, call = routed(scenario)
    news = next(r for r in RULE_CLAUSES if r[0] == "news") if "needs" in change else None  # the news rule comes first
    quoted = slip_clause("volume") if "monthly_volume" in change else news[1] if news else None  # the clause broken, when it is not the test's opening line
    expect(getattr(got, "move", None) not in TRAINED, call=call, returned=got,
           expected=f"a move other than fine-tuning or distillation: {why}",
           hint="a narrow task is fine-tuned only at scale, at a monthly volume of AT_SCALE or more, and only through "
                "the gate" if "monthly_volume" in change else news[2] if news else
                "fine-tune only when every condition of the gate holds at once",
           clause=quoted)


@pytest.mark.contract
@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"labelled_examples": 999}, "999 labels is short of 1,000+, whatever the model to ship"),
        ({"prompt_tried": False}, "the prompt was never pushed: fix the prompt before any training move"),
        ({"changes_often": True}, "a target that changes every month goes stale in weights, a small model's too"),
    ],
    ids=["labels-999", "prompt-not-tried", "changes-often"],
)
def test_a_smaller_model_without_one_condition_of_the_gate_is_not_distilled(change, why):
    """a training move ("fine-tune (LoRA)" or "distillation") only when every condition of the gate holds: labelled_examples >= ENOUGH_LABELS, prompt_tried, and not changes_often.

    A scenario that needs only a smaller model, the gate open (5,000 labels, a prompt pushed hard, a
    target that holds still): take one condition away and distillation is a training move like any other.
    """
    open_gate = {"changes_often": False, "labelled_examples": 5_000, "monthly_volume": 2_000_000, "prompt_tried": True}
    scenario = u08.Scenario(needs={"smaller model"}, **{**open_gate, **change})
    got, call = routed(scenario)
    expect(getattr(got, "move", None) not in TRAINED, call=call, returned=got,
           expected=f"a move other than fine-tuning or distillation: {why}",
           hint="distillation is a training move: it passes the same gate as a fine-tune, every one of its "
                "conditions, before a smaller model is distilled")


# The tags of NEEDS, spelled out here so that collecting this file never imports your module.
NEED_TAGS = ("domain knowledge", "recent news", "tone of voice", "one-off behavior", "narrow task",
             "specialized format", "smaller model")

SCENARIOS = st.builds(
    lambda needs, changes_often, labels, volume, tried: u08.Scenario(
        needs=set(needs), changes_often=changes_often, labelled_examples=labels, monthly_volume=volume,
        prompt_tried=tried,
    ),
    st.frozensets(st.sampled_from(NEED_TAGS)),
    st.booleans(),
    st.one_of(st.integers(0, 2_000), st.integers(0, 10**7)),  # often near the 1,000 line, sometimes far
    st.one_of(st.integers(0, 2 * 10**6), st.integers(0, 10**9)),
    st.booleans(),
)


# Each tag alone, with the gate open and at scale: the move its rule gives, and the rows that may back it
# (None: any key of the tables; the docstring names no row for these two).
EACH_TAG = [
    ("recent news", "web search", ("Recent news",)),
    ("domain knowledge", "RAG", ("Domain knowledge",)),
    ("narrow task", "fine-tune (LoRA)", ("Extreme consistency", "1,000+ high-quality")),
    ("specialized format", "fine-tune (LoRA)", None),
    ("smaller model", "distillation", None),
    ("tone of voice", "prompting", ("Tone of voice",)),
    ("one-off behavior", "prompting", ("One-off behaviors",)),
]


# The rule a wrong move breaks, quoted in place of the test's opening line (the rule, its clause, a hint in words).
RULE_CLAUSES = (
    ("news", '"recent news" -> "web search" citing the Recent news row, whatever else the scenario holds',
     "recent news is the first rule: a web search tool, whatever else the scenario holds"),
    ("domain", 'knowledge is retrieved, never trained: "recent news" -> "web search" citing the Recent news row, whatever '
               'else the scenario holds; otherwise "domain knowledge" -> "RAG", the Domain knowledge row',
     "domain knowledge is retrieved, whether it changes or holds still and whatever its labels: RAG, never a prompt "
     "alone and never training"),
    ("only voice", 'a scenario that needs only a tone of voice and/or a one-off behavior (one of the two at least, and no '
                   'other tag) is "prompting", citing the Tone of voice or One-off behaviors row',
     "the Tone of voice and One-off rows are for a scenario that needs nothing but those two, one of them at least: a "
     "voice or a one-off rule beside another need, or no need at all, is the Most other things row"),
)


def rule_broken(expected_move, expected_rows, got):
    """The row of RULE_CLAUSES that `got` breaks, when its slip is one of theirs; None otherwise."""
    move, row = getattr(got, "move", None), getattr(got, "row", None)
    style_rows = (row_starting("Tone of voice"), row_starting("One-off behaviors"))
    key = ("news" if expected_move == "web search" and move != "web search" else
           "domain" if expected_move == "RAG" and move != "RAG" else
           "only voice" if expected_rows == [row_starting("Most other things")] and row in style_rows else None)
    return next((r for r in RULE_CLAUSES if r[0] == key), None)


@pytest.mark.contract
@pytest.mark.parametrize(("tag", "move", "starts"), EACH_TAG, ids=[t for t, _, _ in EACH_TAG])
def test_each_tag_of_needs_has_its_rule(tag, move, starts):
    """Send a scenario to one move of MOVES, citing the table row that backs it.

    The rules name seven tags, and a Scenario takes its tags from NEEDS: each is in NEEDS, and a
    scenario that needs only it (enough labels, a prompt pushed hard, a target that holds still,
    2M calls a month) goes where its rule says.
    """
    expect(tag in u08.NEEDS, call="NEEDS", returned=u08.NEEDS, expected=f"a tuple of tags holding {tag!r}",
           hint="NEEDS is given: keep its seven tags as written")
    scenario = u08.Scenario(needs={tag}, changes_often=False, labelled_examples=5_000, monthly_volume=2_000_000,
                            prompt_tried=True)
    got, call = routed(scenario)
    problems = report_problems(got)
    rows = [row_starting(s) for s in starts] if starts else None
    ok = getattr(got, "move", None) == move and not problems and (rows is None or getattr(got, "row", None) in rows)
    broken = rule_broken(move, rows, got)
    quoted = broken[1] if broken else None  # the clause broken, when it is not the test's opening line
    expect(ok, call=call, returned=got,
           expected=f"move={move!r}, citing {f'one of the rows {rows!r}' if rows else 'a row of the tables'}"
                    f"{f' ({problems})' if problems else ''}",
           hint=broken[2] if broken else
           "one rule per tag, in the docstring's order: retrieve knowledge, train only at the gate, prompt the rest",
           clause=quoted)


@pytest.mark.verify
@given(scenario=SCENARIOS)
def test_fewer_than_1000_labels_never_fine_tunes(scenario):
    """C = fine-tune, LoRA (1,000+ labels + extreme consistency on a narrow, high-volume task)

    Property: no scenario with fewer than 1,000 labelled examples is ever routed to fine-tuning (LoRA or
    distillation), whatever else it says.
    """
    got, call = routed(replace(scenario, labelled_examples=scenario.labelled_examples % 1_000))
    expect(getattr(got, "move", None) not in TRAINED, call=call, returned=got,
           expected="no fine-tuning and no distillation below 1,000 labelled examples",
           hint="the 1,000+ row is a gate: ask whether there are at least 1,000 labelled examples before any training move")


@pytest.mark.verify
@given(scenario=SCENARIOS)
def test_changing_domain_knowledge_is_retrieved_never_trained(scenario):
    """A = RAG (domain knowledge that changes → retrieve, don’t bake in)

    Property: a scenario that needs domain knowledge which changes often goes to RAG (or web search, when
    it also needs recent news), whatever its label count or volume.
    """
    got, call = routed(replace(scenario, needs=scenario.needs | {"domain knowledge"}, changes_often=True))
    expect(getattr(got, "move", None) in ("RAG", "web search"), call=call, returned=got,
           expected="move 'RAG' (or 'web search' for recent news): knowledge that changes is retrieved, not baked in",
           hint="check the knowledge rows (recent news, domain knowledge) before any training gate")


@pytest.mark.verify
@given(scenario=SCENARIOS)
def test_recent_news_always_goes_to_web_search(scenario):
    """A = RAG (domain knowledge that changes → retrieve, don’t bake in)

    Property: knowledge after the cutoff is the most changing knowledge there is: any scenario that
    needs recent news goes to web search and cites the Recent news row.
    """
    got, call = routed(replace(scenario, needs=scenario.needs | {"recent news"}))
    row = row_starting("Recent news")
    expect(getattr(got, "move", None) == "web search" and getattr(got, "row", None) == row, call=call,
           returned=got, expected=f"move 'web search' citing {row!r}",
           hint="recent news is the first rule: a web search tool, never fine-tuning",
           clause='"recent news" -> "web search" citing the Recent news row, whatever else the scenario holds')


@pytest.mark.verify
@given(scenario=SCENARIOS, needs=st.sets(st.sampled_from(["tone of voice", "one-off behavior"]), min_size=1))
def test_voice_and_one_off_rules_are_prompting(scenario, needs):
    """B = prompting (tone + one-off format → persona / Format patterns)

    Property: a scenario that needs only a tone of voice and/or a one-off behaviour is prompting, citing
    one of those rows, however many labels it has.
    """
    got, call = routed(replace(scenario, needs=needs))
    rows = [row_starting("Tone of voice") if n == "tone of voice" else row_starting("One-off behaviors") for n in needs]
    expect(getattr(got, "move", None) == "prompting" and getattr(got, "row", None) in rows, call=call, returned=got,
           expected=f"move 'prompting' citing one of {rows!r}",
           hint="voice is the persona pattern, a fixed output rule is Format + Constraint: never a reason to train")


@pytest.mark.verify
@given(scenario=SCENARIOS)
def test_route_always_answers_with_a_move_and_a_row(scenario):
    """Your three answers match the tree … Any mismatch means re-read that table row.

    Property: route() is total: every scenario gets a move from MOVES, a row that is a key of one of the
    two tables, and a sentence.
    """
    got, call = routed(scenario)
    problems = report_problems(got)
    # A missing move or row is a missing fallback; a short reason is not: each is named, with its own hint.
    expect(not [p for p in problems if not p.startswith("reason ")], call=call, returned=Problems(problems),
           expected="a Route with a move from MOVES, a row from the tables and a one-sentence reason",
           hint="end with a fallback for everything else: prompting, the 'Most other things' row")
    expect(not problems, call=call, returned=Problems(problems),
           expected="a Route with a one-sentence reason, four words or more",
           hint="every path of route, the fallback too, gives a reason of one sentence, four words or more "
                "counted between spaces",
           clause="`reason` one sentence in your words (four words or more, counted between spaces)")


# Words that end in a full stop without ending a sentence: "e.g.", "U.S." and "1.5" are caught by the stop inside them.
ABBREVIATIONS = {"etc.", "vs.", "cf.", "approx.", "no.", "mr.", "mrs.", "ms.", "dr.", "st.", "inc.", "ltd.", "co."}


def sentences_joined(reason):
    """Where a reason of more than one sentence starts its next one: each word that ends with '.', '!' or '?' (an
    abbreviation, an initial and a stop inside the word aside) and is followed by a word that opens with a capital
    letter or a digit, as (that word, the next)."""
    words = reason.split()
    breaks = []
    for word, after in zip(words, words[1:]):
        bare = word.strip("\"'()[]\u201c\u201d\u2018\u2019")
        opens = after.lstrip("\"'([\u201c\u2018")
        if not bare.endswith((".", "!", "?")) or not opens[:1].isupper() and not opens[:1].isdigit():
            continue
        stem = bare.rstrip(".!?")
        if bare.endswith(".") and ("." in stem or len(stem) == 1 or bare.lower() in ABBREVIATIONS):
            continue
        breaks.append((word, after))
    return breaks


@pytest.mark.contract
def test_each_reason_is_one_sentence():
    """`reason` one sentence in your words

    Every rule's Route: each tag alone through the open gate at scale, a narrow task with the gate shut,
    voice and a one-off rule together, and no need at all. A reason of two sentences ("X. Y.") is two
    sentences, however short; an abbreviation, an initial or a number (e.g., U.S., 1.5 GB) ends none.
    """
    S = u08.Scenario
    open_gate = {"changes_often": False, "labelled_examples": 5_000, "monthly_volume": 2_000_000, "prompt_tried": True}
    scenarios = [S(needs={tag}, **open_gate) for tag in NEED_TAGS]
    scenarios += [S(needs={"narrow task"}, changes_often=False, labelled_examples=0, monthly_volume=0, prompt_tried=False),
                  S(needs={"tone of voice", "one-off behavior"}, **open_gate),
                  S(needs=set(), changes_often=False, labelled_examples=0, monthly_volume=0, prompt_tried=False)]
    problems = []
    for scenario in scenarios:
        got = u08.route(scenario)
        reason = getattr(got, "reason", None)
        if isinstance(reason, str) and sentences_joined(reason):
            word, after = sentences_joined(reason)[0]
            problems.append(f"needs {sorted(scenario.needs)}: reason {reason!r} ends a sentence at {word!r} and starts "
                            f"another at {after!r}")
    expect(not problems, call="route(...) for each rule", returned=Problems(problems),
           expected="each reason one sentence (shown: each reason of more than one)",
           hint="say the reason in a single sentence: where two thoughts meet, join them with a comma, a colon, a "
                "semicolon or 'and' instead of a full stop and a capital letter")


LLAMA_31_8B = {"n_layers": 32, "d_model": 4096}  # its published config
FULL_FINE_TUNE_MB = 8e9 * 2 / 1e6  # every one of 8 billion weights, 2 bytes each: 16,000 MB


@pytest.mark.stretch
def test_a_rank_16_adapter_on_llama_8b_is_under_100mb():
    """Done when: the saved adapter is < 100MB …

    Offline, on paper: LoRA on q and v of Llama 3.1 8B at rank 16, in bf16, is 32 layers × 2 projections
    × (4096×16 + 16×4096) numbers × 2 bytes ≈ 16.8 MB, a thousandth of a full fine-tune's 16,000 MB.
    """
    got = u08.adapter_size_mb(**LLAMA_31_8B, rank=16)
    call = "adapter_size_mb(n_layers=32, d_model=4096, rank=16)"
    number = isinstance(got, (int, float))
    in_mib = number and math.isclose(got, 16.777216e6 / 2 ** 20, rel_tol=1e-9)  # the right bytes, over 2**20
    rounded = number and not in_mib and abs(got - 16.777216) < 0.05  # the right size, rounded
    quoted = slip_clause("MiB") if in_mib else slip_clause("rounded") if rounded else None  # the clause broken, when it is not the test's opening line
    expect(number and math.isclose(got, 16.777216, rel_tol=1e-9), call=call, returned=got,
           expected="16.777216 MB (8,388,608 parameters × 2 bytes, in MB of exactly 10**6 bytes)",
           hint="the count of bytes is right; a MB here is 10**6 bytes, not 2**20" if in_mib else
                "the size is right, but rounded: return it as it comes out, unrounded" if rounded else
                "per projection, A is d_model×rank and B is rank×d_model; two projections per layer",
           clause=quoted)
    expect(got < 100 <= FULL_FINE_TUNE_MB, call=call, returned=got,
           expected=f"under 100 MB, where a full fine-tune is {FULL_FINE_TUNE_MB:,.0f} MB", hint=None)


@pytest.mark.stretch
@pytest.mark.parametrize(
    ("rank", "bytes_per_param", "mb"),
    [(8, 2, 8.388608), (128, 2, 134.217728), (16, 4, 33.554432), (16, 1, 8.388608)],
)
def test_the_adapter_grows_with_rank_and_precision(rank, bytes_per_param, mb):
    """Done when: the saved adapter is < 100MB …

    The size is linear in the rank and in the bytes per number: at rank 128 the adapter no longer fits
    under 100 MB, and fp32 (4 bytes) doubles it.
    """
    got = u08.adapter_size_mb(**LLAMA_31_8B, rank=rank, bytes_per_param=bytes_per_param)
    expect(isinstance(got, (int, float)) and math.isclose(got, mb, rel_tol=1e-9),
           call=f"adapter_size_mb(n_layers=32, d_model=4096, rank={rank}, bytes_per_param={bytes_per_param})",
           returned=got, expected=f"{mb} MB (a MB is exactly 10**6 bytes)", hint="parameters times bytes per parameter, then divided by a million: a MB here is exactly 10 to the 6 bytes")


# --- The contract, clause by clause: tests/contracts/u08_fine_tuning_intuition.md


def the_rules(scenario):
    """The tests' own reading of route's rules, the first that applies deciding: (move, the row starts that may back
    it; None when the docstring names no row)."""
    needs, labels = scenario.needs, scenario.labelled_examples
    gate = labels >= 1_000 and scenario.prompt_tried and not scenario.changes_often
    if "recent news" in needs:
        return "web search", ("Recent news",)
    if "domain knowledge" in needs:
        return "RAG", ("Domain knowledge",)
    if gate and "narrow task" in needs and scenario.monthly_volume >= ONE_MILLION:
        return "fine-tune (LoRA)", ("Extreme consistency", "1,000+ high-quality")
    if gate and "specialized format" in needs:
        return "fine-tune (LoRA)", None
    if gate and "smaller model" in needs:
        return "distillation", None
    if needs and needs <= {"tone of voice", "one-off behavior"}:
        return "prompting", tuple({"tone of voice": "Tone of voice", "one-off behavior": "One-off behaviors"}[n] for n in needs)
    return "prompting", ("Most other things",)


# Scenarios whose numbers sit on the lines the rules draw (999 / 1,000 labels, one million calls) as often as not.
AT_THE_LINES = st.builds(
    lambda needs, changes_often, labels, volume, tried: u08.Scenario(
        needs=set(needs), changes_often=changes_often, labelled_examples=labels, monthly_volume=volume,
        prompt_tried=tried,
    ),
    st.frozensets(st.sampled_from(NEED_TAGS)),
    st.booleans(),
    st.one_of(st.sampled_from([0, 999, 1_000, 1_001, 5_000]), st.integers(0, 10**7)),
    st.one_of(st.sampled_from([0, 999_999, 1_000_000, 2_000_000]), st.integers(0, 10**9)),
    st.booleans(),
)


# Hypothesis seeds a test from its source: this pins the seed its examples came from before its checks quoted the
# rule they break (RULE_CLAUSES), so the catalogued mistakes it catches stay caught.
IN_ORDER_SEED = 32230795758828898326821597669390850904750416750659952205340995470378777248369500489540703317252061591847057761847346


@pytest.mark.contract
@seed(IN_ORDER_SEED)
@settings(max_examples=150)
@given(scenario=AT_THE_LINES)
def test_route_follows_the_rules_in_their_order(scenario):
    """The rules the answer obeys, the first that applies deciding:

    Property: on any scenario (two needs at once, none, numbers on the lines), route gives the move of
    the first rule that applies and a row that rule names, with a reason of four words or more.
    """
    move, starts = the_rules(scenario)
    got, call = routed(scenario)
    rows = [row_starting(s) for s in starts] if starts else None
    problems = report_problems(got)
    ok = getattr(got, "move", None) == move and not problems and (rows is None or getattr(got, "row", None) in rows)
    broken = rule_broken(move, rows, got)
    quoted = broken[1] if broken else None  # the clause broken, when it is not the test's opening line
    expect(ok, call=call, returned=got,
           expected=f"move={move!r}, citing {f'one of the rows {rows!r}' if rows else 'a row of the tables'}"
                    f"{f' ({problems})' if problems else ''}",
           hint=broken[2] if broken else
           "the first rule that applies decides: knowledge rows, then the gate's three training needs in order, "
           "then a prompt for voice and one-off rules only, then the Most other things row",
           clause=quoted)


@pytest.mark.contract
@pytest.mark.parametrize("needs", [{"tone of voice", "narrow task"}, {"one-off behavior", "specialized format"},
                                   {"tone of voice", "one-off behavior", "smaller model"}, set()],
                         ids=["tone-and-narrow-task", "one-off-and-format", "both-and-smaller-model", "no-need"])
def test_a_need_beside_voice_that_the_gate_refuses_is_most_other_things(needs):
    """a scenario that needs only a tone of voice and/or a one-off behavior (one of the two at least, and no other tag) is "prompting"

    With the gate shut (no labels, no tried prompt), a voice or a one-off rule beside a need that only
    training serves is not "only" voice: it is anything else, the Most other things row; so is no need at all.
    """
    scenario = u08.Scenario(needs=set(needs), changes_often=False, labelled_examples=0, monthly_volume=0, prompt_tried=False)
    got, call = routed(scenario)
    row = row_starting("Most other things")
    expect(getattr(got, "move", None) == "prompting" and getattr(got, "row", None) == row, call=call, returned=got,
           expected=f"move 'prompting' citing {row!r}: the scenario does not need only a voice or a one-off rule",
           hint="the Tone of voice and One-off rows are for a scenario that needs nothing but those; anything else is a better prompt")


@pytest.mark.contract
@pytest.mark.parametrize("needs", [{"narrow task", "specialized format"}, {"narrow task", "smaller model"},
                                   {"specialized format", "smaller model"}])
def test_through_the_gate_the_training_needs_are_checked_in_order(needs):
    """else a "specialized format" is "fine-tune (LoRA)", else a "smaller model" "distillation" (checked in that order)

    Two training needs at once, the gate open at scale: a narrow task comes before a format, a format
    before a smaller model, and the need that decides names the row (a narrow task's row, not a format's).
    """
    scenario = u08.Scenario(needs=set(needs), changes_often=False, labelled_examples=5_000, monthly_volume=2_000_000,
                            prompt_tried=True)
    move, starts = the_rules(scenario)
    rows = [row_starting(s) for s in starts] if starts else None
    got, call = routed(scenario)
    expect(getattr(got, "move", None) == move and (rows is None or getattr(got, "row", None) in rows), call=call,
           returned=got, expected=f"move={move!r}" + (f", citing one of the rows {rows!r}" if rows else ""),
           hint="the gate's needs in the docstring's order: a narrow task at scale, then a specialized format, then a "
                "smaller model; the first that applies decides the move and its row")


@pytest.mark.contract
def test_the_tables_and_the_requests_are_the_courses():
    """Fine-tuning almost never earns its cost: prompts and retrieval come first. This unit's two tables say when it does.

    The two tables (both columns) and the lab's three requests, as the course words them: they are given,
    and the rows your route cites, one tag at a time and for no need, are these keys.
    """
    dont = {'Domain knowledge ("teach it about our products")': "RAG. Cheap. Iterable. Citations.",
            'Tone of voice ("sound like our brand")': "Persona pattern. Three samples in the prompt.",
            'One-off behaviors ("always end with bullets")': "Format + Constraint patterns.",
            'Recent news ("know about events after the cutoff")': "Web search tool. RAG over current sources.",
            "Most other things": "A better prompt."}
    do = {"1,000+ high-quality labeled examples": "Enough signal to actually move the model.",
          "You need to ship a smaller / cheaper model": "Distill a big model’s behavior into a smaller one (Unit 11).",
          "Extreme consistency for a narrow task": "e.g. structured extraction from one document type at scale.",
          "Specialized format the base model fights you on": "Niche output shapes the prompt can’t reliably enforce."}
    text = {"A": "Support wants the bot to answer questions about our 400-page product catalog, which changes monthly.",
            "B": "Every reply should end with a three-bullet summary in our brand’s voice.",
            "C": "We extract the same 12 fields from one contract type, ~2M times a month, on a tiny cheap model. "
                 "The prompt keeps drifting on edge cases and we already have 5,000 hand-labeled examples."}
    got = {"DONT_FINE_TUNE_FOR": u08.DONT_FINE_TUNE_FOR, "DO_CONSIDER_FINE_TUNING_WHEN": u08.DO_CONSIDER_FINE_TUNING_WHEN,
           "SCENARIO_TEXT": u08.SCENARIO_TEXT}
    want = {"DONT_FINE_TUNE_FOR": dont, "DO_CONSIDER_FINE_TUNING_WHEN": do, "SCENARIO_TEXT": text}
    wrong = [name for name in want if got[name] != want[name]]
    expect(not wrong, call=", ".join(want), returned={name: got[name] for name in wrong},
           expected="the course's two tables and the lab's three requests, word for word",
           hint="these constants are given: keep them as the course wrote them")
    scenarios = [u08.Scenario(needs={tag}, changes_often=False, labelled_examples=5_000, monthly_volume=2_000_000,
                              prompt_tried=True) for tag in NEED_TAGS]
    scenarios.append(u08.Scenario(needs=set(), changes_often=False, labelled_examples=0, monthly_volume=0, prompt_tried=False))
    cited = [getattr(u08.route(scenario), "row", None) for scenario in scenarios]
    expect(all(row in dont or row in do for row in cited), call="route(...) for each tag alone, and for no need",
           returned=cited, expected="every row a key of the course's two tables, word for word",
           hint="cite a row by its whole key, as the course's table writes it")
