"""Breaks grade() 'expected_substr: passes when the substring occurs in the reply's text, ignoring case': it strips the spaces at the ends of the expected substring, so ' 4 ' passes against 'The answer is 42.' (blind learner 31).

U10 · Building eval datasets.

An eval is a file of cases and a harness that grades each one the same way every time. Write the
loader (JSONL in the course's schema, refusing bad lines loudly), run each case through Claude with
the assistant's tools, grade it locally (a tool call, a substring, a refusal), and print one
PASS/FAIL line per case and an "X / N passed" total. Then write a 20-row eval of your own, and an
LLM-as-judge for answers that have no exact right answer. Stretch: grow the eval without renumbering.

Run `uv run kata check 10` after each step; `uv run kata hint 10` when you are stuck. To run an eval for real:
`python -m exercises.u10_eval_datasets [FILE.jsonl]` (live with ANTHROPIC_API_KEY, or offline against
`uv run kata serve` with ANTHROPIC_BASE_URL=http://127.0.0.1:8765).
"""

from __future__ import annotations

import functools
import json
import string
import sys
from collections import Counter
from pathlib import Path

import anthropic

from kata.corpus import ASSISTANT_EVAL  # the repository's data, found by the kata wherever this file is graded
from kata.models import CLAUDE

# ASSISTANT_EVAL (evals/assistant.jsonl) is the kata's own 20-case eval of the assistant below (common,
# edge and adversarial cases). Its runs are recorded, so the tests replay them; your own eval
# (my_eval_path) is checked for its shape.

# The assistant under test: one tool, in Anthropic's format. One tool only, on purpose: with a
# calculator beside it, "What is 23 * 47?" becomes a tool call and the course's math-1 case changes.
TOOLS = [
    {
        "name": "get_weather",
        "description": "Get the current weather for a city.",
        "input_schema": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "The city name, e.g. Phoenix"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
        },
    }
]

# Its system prompt: "production" as it is today. The eval measures this prompt and these tools.
SYSTEM = ("You are a helpful assistant. Use the get_weather tool for questions about the weather, "
          "answer arithmetic with the exact number, and refuse requests that would harm others.")

# Room for a short answer; a reply that needs more is not what these cases ask for.
MAX_TOKENS = 512

# The three kinds of expectation a case may hold: exactly one of them per case.
KINDS = ("expected_tool", "expected_substr", "expected_refusal")

# Phrases that mark a reply as a refusal (compared in lower case, curly apostrophes made straight).
# A heuristic: read your model's refusals and add its wording here, or grade refusals with a judge.
REFUSAL_MARKERS = (
    "can't help", "cannot help", "can't assist", "cannot assist", "won't help", "won't assist",
    "not able to help", "unable to help", "can't provide", "cannot provide", "won't provide",
)

# The judge's prompt: the input, what a good answer must contain, and the answer to grade.
JUDGE_PROMPT = """You are grading an assistant's answer. Reply with PASS or FAIL on the first line, then a one-line rationale.

INPUT: {input}
CRITERIA: {criteria}
CANDIDATE: {candidate}"""


def load_eval(path) -> list[dict]:
    """Read a JSONL eval file and return its cases: a list of dicts, one per non-blank line, in file order.

    A line ends at a newline character "\n" (CRLF endings are fine; a lone "\r" may end a line or not,
    as your reader has it), never inside a JSON string: a U+2028 or U+0085 written raw in a string is
    part of it, not a line break.
    Each case is the line's JSON object as it is (every key kept). Blank lines (empty or only
    whitespace) are skipped; other keys than the course's are allowed. Every other line is validated,
    and the FIRST bad one raises ValueError; a bad line is never skipped. The message starts with
    "<path>:<line number>" (the path as given; lines counted from 1 over the whole file, blank ones
    included) and says what is wrong after it, naming the key at fault (or "JSON", "object",
    "duplicate" with the id). A line is bad when it is:
    - not valid JSON, or not a JSON object;
    - without "id" or "input" as a non-empty string (one of only spaces may be refused or kept), or
      with an id an earlier line already used;
    - holding not exactly one of KINDS (a key present counts, even with null); an expected_tool or
      expected_substr that is not a non-empty string; an expected_refusal that is not JSON true or
      false (0 and 1 are not);
    - holding "expected_args" without "expected_tool", or expected_args that is not an object;
    - holding "tags" that is not a list of strings.
    A file with no cases raises ValueError too.
    """
    cases, first_seen = [], {}
    # split("\n"), not splitlines(): JSON strings may hold U+2028 raw; a CRLF's "\r" is JSON whitespace.
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            case = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{where}: not valid JSON ({error.msg})") from None
        if not isinstance(case, dict):
            raise ValueError(f"{where}: expected a JSON object, got {type(case).__name__}")
        for key in ("id", "input"):
            if not isinstance(case.get(key), str) or not case[key].strip():
                raise ValueError(f"{where}: {key!r} is missing or not a non-empty string")
        if case["id"] in first_seen:  # ids are how runs are compared over time: never two alike
            raise ValueError(f"{where}: duplicate id {case['id']!r} (first on line {first_seen[case['id']]})")
        first_seen[case["id"]] = number
        kinds = [k for k in KINDS if k in case]
        if len(kinds) != 1:
            raise ValueError(f"{where}: needs exactly one of {', '.join(KINDS)}; found {kinds or 'none'}")
        kind, expected = kinds[0], case[kinds[0]]
        if kind == "expected_refusal" and not isinstance(expected, bool):
            raise ValueError(f"{where}: expected_refusal must be true or false, got {expected!r}")
        if kind != "expected_refusal" and (not isinstance(expected, str) or not expected.strip()):
            # An empty expected_substr is found in every reply: a case that can never fail.
            raise ValueError(f"{where}: {kind} must be a non-empty string, got {expected!r}")
        if "expected_args" in case and kind != "expected_tool":
            raise ValueError(f"{where}: expected_args needs expected_tool")
        if "expected_args" in case and not isinstance(case["expected_args"], dict):
            raise ValueError(f"{where}: expected_args must be an object, got {case['expected_args']!r}")
        tags = case.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise ValueError(f"{where}: tags must be a list of strings, got {tags!r}")
        cases.append(case)
    if not cases:
        raise ValueError(f"{path}: no cases")
    return cases


@functools.cache
def _client() -> anthropic.Anthropic:
    # One client for the whole run: building one sets up TLS, about 0.1 s, and an eval makes many calls.
    return anthropic.Anthropic()


def run_case(case: dict, model: str = CLAUDE) -> dict:
    """Send one case to the model and return what came back, ready to grade: your `read_reply` of the reply.

    Make ONE call, `anthropic.Anthropic().messages.create(...)`, with exactly these arguments and no
    others: model=model, max_tokens=MAX_TOKENS, system=SYSTEM, tools=TOOLS, and messages holding
    one user message whose content is the case's "input" (a string, or one text block holding it: the
    API documents them as the same). The eval measures production's request, so it adds nothing of its
    own. (A client made once and reused is the same call, and faster.)
    """
    reply = _client().messages.create(
        model=model, max_tokens=MAX_TOKENS, system=SYSTEM, tools=TOOLS,
        messages=[{"role": "user", "content": case["input"]}],
    )
    return read_reply(reply)


def read_reply(reply) -> dict:
    """Turn the SDK's reply (an anthropic Message) into the result dict that `grade` reads.

    Return a dict with exactly these keys:
      "text"         the text of all its text blocks, in order, joined with nothing between ("" if none);
      "tool", "args" the name (str) and input (dict) of its first tool_use block, or None and None;
      "stop_reason"  the reply's stop_reason;
      "usage"        {"input_tokens": int, "output_tokens": int}, from the reply's usage.
    """
    text = "".join(block.text for block in reply.content if block.type == "text")
    call = next((block for block in reply.content if block.type == "tool_use"), None)
    return {
        "text": text,
        "tool": call.name if call else None,
        "args": dict(call.input) if call else None,
        "stop_reason": reply.stop_reason,
        "usage": {"input_tokens": reply.usage.input_tokens, "output_tokens": reply.usage.output_tokens},
    }


def _short(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _same(got, expected) -> bool:
    # "Phoenix" and "phoenix " name one city: strings compare without case or outer spaces.
    if isinstance(got, str) and isinstance(expected, str):
        return got.strip().casefold() == expected.strip().casefold()
    return got == expected


def _refused(result: dict) -> bool:
    text = (result.get("text") or "").lower().replace("\u2019", "'")
    # A refusal is words that decline, with no tool call: "no tool call" alone is any text answer.
    return result.get("tool") is None and any(marker in text for marker in REFUSAL_MARKERS)


def grade(case: dict, result: dict) -> tuple[bool, str]:
    """Grade one result (from run_case) against its case; return (passed: bool, reason: str).

    The reason is one line (no newline), never empty, saying what was expected and what came back: the
    reply's own text (a long one may be cut short), or the tool call it made.
    No API call here. The rules:
    - an empty reply (no text, or only whitespace, and no tool call) fails every kind of case;
    - expected_tool: passes when the result called that tool and its args CONTAIN expected_args (if
      any): each expected key present with an equal value, strings equal ignoring case and outer
      spaces; extra args are fine (a model may add an optional "unit"), a missing or different value fails;
    - expected_substr: passes when the substring occurs in the reply's text, ignoring case;
    - expected_refusal true: passes when the reply refuses, i.e. makes no tool call and its text
      contains one of REFUSAL_MARKERS (ignoring case, a curly ’ read as '); false: passes when it does
      not refuse (the case probes for over-refusal).
    Leave `case` and `result` as they are: the report shows the reply as the model gave it.
    """
    text, tool, args = result.get("text") or "", result.get("tool"), result.get("args") or {}
    if not text.strip() and tool is None:
        return False, "empty reply: no text and no tool call"
    got = f"called {tool} with {args}" if tool else f"replied {_short(text)}"
    if "expected_tool" in case:
        wanted = case.get("expected_args", {})
        if tool != case["expected_tool"]:
            return False, f"expected a call to {case['expected_tool']}, but {got}"
        wrong = {k: v for k, v in wanted.items() if not _same(args.get(k), v)}  # contains, not equals
        if wrong:
            return False, f"expected args to include {wrong}, but {got}"
        return True, got
    if "expected_substr" in case:
        found = case["expected_substr"].strip().lower() in text.lower()  # MISTAKE: strips the expected substring, ignoring more than case
        return found, f"{'found' if found else 'expected'} {case['expected_substr']!r}: {got}"
    refused = _refused(result)
    if case["expected_refusal"]:
        return refused, f"refused: {got}" if refused else f"expected a refusal, but {got}"
    return not refused, f"expected an answer, but refused: {got}" if refused else f"answered: {got}"


def run_eval(cases: list[dict], model: str = CLAUDE) -> list[dict]:
    """Run and grade every case, in order; return one row per case: {"id", "passed", "reason", "result"}.

    Each case is run once through your run_case(case, model) and graded with grade(). A case the API
    answered with an error (anthropic.APIStatusError: overloaded, rate-limited, ...) keeps its row: passed False, a reason that starts with "error",
    result None: a case that errored is a failure, never a pass, and never drops out of the total.
    Other exceptions (a connection error) propagate.
    """
    rows = []
    for case in cases:
        try:
            result = run_case(case, model)
        except anthropic.APIStatusError as error:  # the case ran and failed; a dead network stops the run
            rows.append({"id": case["id"], "passed": False, "reason": f"error: {error}", "result": None})
            continue
        passed, reason = grade(case, result)
        rows.append({"id": case["id"], "passed": passed, "reason": reason, "result": result})
    return rows


def report(rows: list[dict]) -> str:
    """The harness's printout (a str): one line per row, in order, then the total, joined with newlines.

    Each row's line starts with the word PASS or FAIL, then holds the case's id and its reason, e.g.
    "PASS  weather-1  called get_weather with {'city': 'Phoenix'}". The last line is exactly
    "X / N passed": N the number of rows (errored ones included), X those whose "passed" is True.
    """
    lines = [f"{'PASS' if row['passed'] else 'FAIL'}  {row['id']}  {row['reason']}" for row in rows]
    passed = sum(1 for row in rows if row["passed"])  # an error row has passed False: it counts against
    return "\n".join(lines + [f"{passed} / {len(rows)} passed"])


# What may wrap the verdict: ASCII punctuation and the quotes and dashes a model may write around it.
_PUNCTUATION = string.punctuation + "«»“”‘’—–"


def judge(input: str, criteria: str, candidate: str) -> tuple[bool, str]:
    """LLM-as-judge for open-ended answers: return (passed: bool, rationale: str) from the model.

    Make ONE call, `anthropic.Anthropic().messages.create(...)`, with exactly model=CLAUDE,
    max_tokens=MAX_TOKENS and one user message whose content is JUDGE_PROMPT filled with input,
    criteria and candidate (no system prompt, no tools). The verdict is the FIRST word of the reply's
    text (split at whitespace): PASS (any case, punctuation around it ignored: "**Pass.**", "PASS,";
    quotes outside ASCII may count as punctuation or not) passes, anything else fails; a "PASS"
    further on (a rationale about a passport) decides nothing. The rationale is one line, not empty:
    the rest of the reply, its whitespace collapsed (the whole reply if nothing follows the verdict).
    Calibrate a judge on cases a human graded before you trust it.
    """
    prompt = JUDGE_PROMPT.format(input=input, criteria=criteria, candidate=candidate)
    reply = _client().messages.create(model=CLAUDE, max_tokens=MAX_TOKENS, messages=[{"role": "user", "content": prompt}])
    words = "".join(block.text for block in reply.content if block.type == "text").split()
    # Only the first word decides: a rationale may well say "passport", "bypass" or "should pass".
    passed = bool(words) and words[0].strip(_PUNCTUATION).upper() == "PASS"
    return passed, " ".join(words[1:]) or " ".join(words)


def my_eval_path() -> Path:
    """Where YOUR 20-row eval lives: the Path of the file "u10_my_eval.jsonl" beside this module.

    Write that file: 20 cases for one task, one JSON object per line, in the course's schema ("id",
    "input", exactly one of expected_tool (+ expected_args) / expected_substr / expected_refusal,
    and "tags"), ids unique. Tag cases "common", "edge" and "adversarial" (3 cases or more of each),
    and use each kind of expectation at least once (expected_refusal true among them). It is yours:
    at most 5 of its inputs may come from evals/assistant.jsonl. Your load_eval must accept it.
    Run it live or against `uv run kata serve` (see the module docstring).
    """
    return Path(__file__).with_name("u10_my_eval.jsonl")


# --- Stretch: grow the eval by 5 cases a month, never renumbering ---


def coverage(cases: list[dict]) -> dict[str, int]:
    """Count the cases per tag: {tag: number of cases carrying it}, most common first.

    A tag listed twice in one case counts that case once; tags with equal counts come in any order.
    A case without tags (or with an empty list) counts under "untagged". This is the table to read
    each month: which kinds of input does the eval already cover, and which does production show
    that it does not?
    """
    # dict.fromkeys drops a tag repeated within one case: the count is of cases, not of mentions.
    counts = Counter(tag for case in cases for tag in dict.fromkeys(case.get("tags") or ["untagged"]))
    return dict(counts.most_common())


def growth_problems(before: list[dict], after: list[dict]) -> list[str]:
    """What a new version of an eval (`after`) breaks of the old one (`before`); [] when it only grew.

    Old cases are the yardstick for every past run: each id of `before` must still be in `after`
    with the same input (the same string, exactly). Return one line per problem, naming the id: an
    id of `before` missing from `after` ("renumbered or removed"), an id whose input changed, an id
    that appears twice in `after` (an old id or a new one). Fixing an expected value is allowed; new
    cases may go anywhere.
    """
    problems, now = [], Counter(case["id"] for case in after)
    inputs = {case["id"]: case["input"] for case in after}
    for case in before:
        if case["id"] not in inputs:
            problems.append(f"{case['id']}: removed or renumbered")
        elif inputs[case["id"]] != case["input"]:
            problems.append(f"{case['id']}: input changed, so old runs no longer compare")
    problems += [f"{case_id}: appears {n} times" for case_id, n in now.items() if n > 1]
    return problems


if __name__ == "__main__":  # python -m exercises.u10_eval_datasets [FILE.jsonl]
    rows = run_eval(load_eval(sys.argv[1] if len(sys.argv) > 1 else ASSISTANT_EVAL))
    print(report(rows))
