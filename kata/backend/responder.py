"""The reference responder: what the backend answers on /v1/messages and /api/chat.

It is not a language model and it holds no answers. It recognises a few prompt *shapes* that the
course's exercises send, and runs one small, deterministic algorithm per shape over the text of the
request, using real sentence embeddings (all-MiniLM-L6-v2) where meaning matters. A prompt it does
not recognise gets an extractive answer, or a short reply asking for more context, as a model gives;
no reply talks about the responder itself. The RAG answer lives in grounded.py.

The shapes are one list, SHAPES, at the end of this file, beside the markers they look for: (name,
rule, algorithm) in detection order, and the first shape whose rule matches and whose algorithm
answers wins (tool_use may decline). Its name goes in the response header `x-kata-responder`.
"Instruction text" means the system prompt plus the last user message; markers are case-insensitive.
A new shape is a marker, an `answer_` function and one line in SHAPES.

The same input always gives the same output, whatever the model name, temperature or request order:
embeddings are computed one text at a time (see embedder.py), ties break on position.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable

import numpy as np

import kata.backend.grounded as grounded
from kata.backend.prompt import Prompt, Reply
from kata.backend.text import content_stems, content_words, split_sentences, stem, words

RESPONDER_NAME = "kata reference responder"
RESPONDER_VERSION = "14"  # the rules' version, as grounded.py's docstring numbers them (issue 22's v7 to v14; v12 changed none): a cassette says which made it

Embed = Callable[[list[str]], np.ndarray]  # texts -> (n, d) unit vectors

# --- what the algorithms read and write -----------------------------------------------------------
CHUNK_MARKER = re.compile(r"\[chunk\s+(\d+)\]", re.IGNORECASE)  # "[chunk 2]"
SOURCE_TRAILER = re.compile(r"\(source:[^)]*\)", re.IGNORECASE)  # "(source: note01.txt)"
NOT_FOUND = "not found in sources"
SAY_SO_AND_STOP = "say so and stop"  # the course's tightened instruction (U06 stretch)
RERANK_DEFAULT_TOP = 3
CANDIDATES_LABEL = "CANDIDATES:"
REFUSAL_TEXT = "I can't help with that."
NO_ALGORITHM = ("I can only give a short answer here without more context. Could you say a bit more about what you "
                "need, or paste the text you would like me to work from?")

# --- thresholds (cosines of all-MiniLM-L6-v2 unit vectors) ----------------------------------------
# Grounded answers: the thresholds live in grounded.py (GROUNDED_THRESHOLD, FOCUS_SHARE_MIN, ...).
GROUNDED_THRESHOLD = grounded.GROUNDED_THRESHOLD
# The sentence-level relevance score (rerank): weight of keyword overlap vs best-sentence cosine.
KEYWORD_WEIGHT = 0.3
# Tool use with tool_choice "auto": the best tool's "name: description" must reach this cosine.
TOOL_THRESHOLD = 0.25
# Judge: the share of the criteria's content words that the candidate must contain to PASS.
JUDGE_COVERAGE = 0.7
# Words that describe the grading rather than the content; not counted as criteria terms.
JUDGE_META_WORDS = frozenset("""answer answers candidate contain contains correct correctly criteria include
includes including mention mentions mentioned name names named output reply replies response say says should
state states""".split())
# Fallback: an earlier sentence of the prompt is quoted only when at least this close.
FALLBACK_THRESHOLD = 0.5
ARITHMETIC_MAX_WORDS = 12

PLACE_FIELDS = ("city", "location", "place", "town", "country", "region", "destination", "where")

# Query expansion for the rewrite and HyDE shapes: what a question word asks for, and a few common,
# domain-neutral synonyms. Small on purpose; it is a teaching stand-in, not a thesaurus.
QUESTION_WORD_HINTS = {
    "why": ("reason", "cause"),
    "when": ("date",),
    "who": ("person", "role"),
    "where": ("location",),
    "how much": ("amount", "cost"),
    "how many": ("number",),
}
SYNONYMS = {
    "slip": ("delay",), "delay": ("slip",), "late": ("delay",),
    "cost": ("price", "spend"), "price": ("cost",), "spend": ("cost",), "money": ("budget", "cost"),
    "problem": ("issue", "error"), "issue": ("problem",), "error": ("mistake", "problem"),
    "launch": ("go-live",), "go-live": ("launch",), "start": ("begin",), "finish": ("end",),
    "buy": ("purchase",), "fix": ("repair",), "boss": ("manager",), "fail": ("failure",),
}


# --- shared scorer --------------------------------------------------------------------------------
def relevance(query: str, documents: list[str], embed: Embed) -> list[float]:
    """Sentence-level relevance of each document to `query` (also what /v1/rerank returns).

    score = (1 - KEYWORD_WEIGHT) * (best cosine of any one sentence of the document with the
    query) + KEYWORD_WEIGHT * (share of the query's content-word stems found in the document),
    floored at 0. Unlike a whole-document cosine, one on-topic sentence is enough to rank a long
    document high, and exact rare terms (a surname, a ticket code) count.
    """
    q = embed([query])[0]
    q_stems = set(content_stems(query))
    scores = []
    for doc in documents:
        sentences = split_sentences(doc) or [doc]
        best = float(np.max(embed(sentences) @ q))
        overlap = len(q_stems & set(content_stems(doc))) / len(q_stems) if q_stems else 0.0
        scores.append(round(max(0.0, (1 - KEYWORD_WEIGHT) * best + KEYWORD_WEIGHT * overlap), 6))
    return scores


# --- 1. judge -------------------------------------------------------------------------------------
def answer_judge(prompt: Prompt, embed: Embed) -> Reply:
    """LLM-as-judge. Expected layout (labels at line starts, any case, INPUT optional):

        Reply with PASS or FAIL, then a one-line rationale.
        INPUT: <what the system under test was asked>
        CRITERIA: <what a good answer must contain>
        CANDIDATE: <the answer being graded>

    Each section runs to the next label. PASS when the candidate is non-empty and contains at
    least JUDGE_COVERAGE of the criteria's content-word stems; the second line names the
    criteria words found or missing (words about the grading itself, JUDGE_META_WORDS such as
    "mentions", are not criteria terms). Purely lexical: a paraphrase with other words fails.
    """
    sections = _sections(prompt.last_user, JUDGE_LABELS) or _sections(prompt.system, JUDGE_LABELS)
    criteria, candidate = sections.get("CRITERIA:", ""), sections.get("CANDIDATE:", "")
    if not criteria:
        return Reply("judge", "FAIL\nThere are no criteria to grade the answer against.")
    if not candidate.strip():
        return Reply("judge", "FAIL\nThe answer is empty, so it meets none of the criteria.")
    wanted = {s: w for s, w in content_stems(criteria).items() if w not in JUDGE_META_WORDS}
    have = set(content_stems(candidate))
    found = [w for s, w in wanted.items() if s in have]
    missing = [w for s, w in wanted.items() if s not in have]
    share = len(found) / len(wanted) if wanted else 1.0
    parts = _criteria_parts(criteria)
    met = [p for p in parts if _part_met(p, have)]
    unmet = [p for p in parts if p not in met]
    if share >= JUDGE_COVERAGE:
        if unmet:
            return Reply("judge", f"PASS\nThe answer {_join(met)}; it does not quite {_join(unmet, True)}, but it "
                                  f"covers what matters.")
        return Reply("judge", f"PASS\nThe answer {_join(met) if met else 'meets the criteria'}.")
    if met:
        return Reply("judge", f"FAIL\nThe answer {_join(met)}, but it does not {_join(unmet, True)}.")
    return Reply("judge", f"FAIL\nThe answer does not {_join(unmet, True) if unmet else 'meet the criteria'}"
                          f"{' (nothing about ' + ', '.join(missing[:3]) + ')' if missing else ''}.")


def _criteria_parts(criteria: str) -> list[str]:
    """The criteria cut into requirements at "and", ";" and ",": "names the budget of $400,000 and the
    sponsor Helen Okafor" -> ["names the budget of $400,000", "names the sponsor Helen Okafor"]."""
    text = " ".join(criteria.split()).rstrip(".")
    pieces = [p.strip() for p in re.split(r";|,\s+(?:and\s+)?(?=[a-z])|\s+and\s+(?=(?:the|a|an|its|their|names?|"
                                         r"mentions?|says?|gives?|states?|includes?|cites?)\b)", text) if p.strip()]
    verb = re.match(r"(\w+s)\s", pieces[0]) if pieces else None
    out = []
    for p in pieces:
        if verb and not re.match(r"\w+s\s", p):
            p = f"{verb.group(1)} {p}"  # "and the sponsor" borrows "names"
        out.append(p)
    return out or [text]


def _part_met(part: str, have: set[str]) -> bool:
    wanted = [s for s, w in content_stems(part).items() if w not in JUDGE_META_WORDS]
    return not wanted or sum(s in have for s in wanted) / len(wanted) >= JUDGE_COVERAGE


CRITERIA_VERBS = ("names", "mentions", "says", "gives", "states", "includes", "cites", "explains", "lists",
                  "identifies", "notes", "refers", "answers", "contains", "describes", "reports")


def _phrase(part: str, negated: bool) -> str:
    """A requirement as a grader writes it: "names X" (met) or "name X" after "does not" (unmet)."""
    first, _, rest = part.partition(" ")
    if first.lower() not in CRITERIA_VERBS:
        first, rest = "mentions", part
    verb = first.lower()
    if negated:
        verb = "say" if verb == "says" else (verb[:-2] if verb.endswith(("ches", "shes", "sses", "xes")) else verb[:-1])
    return f"{verb} {rest}".strip()


def _join(parts: list[str], negated: bool = False) -> str:
    phrases = [_phrase(p, negated) for p in parts]
    joiner = " or " if negated else " and "
    return phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + joiner + phrases[-1]


# --- 2. refusal -----------------------------------------------------------------------------------
def answer_refusal(prompt: Prompt, embed: Embed) -> Reply:
    """A request for clear harm (HARM_PATTERNS) gets REFUSAL_TEXT, stop_reason end_turn."""
    return Reply("refusal", REFUSAL_TEXT)


# --- 3. tools -------------------------------------------------------------------------------------
def answer_tool_result(prompt: Prompt, embed: Embed) -> Reply:
    """After a tool call: report what the tool returned, in one sentence per result."""
    names = {tid: name for t in prompt.turns for tid, name, _ in t.tool_uses}
    parts = []
    for key, content in _tool_results(prompt):
        name = names.get(key, key or "tool")
        parts.append(f"The {name} tool returned: {content.strip() or '(nothing)'}")
    return Reply("tool_result", "\n".join(parts))

def answer_tool_use(prompt: Prompt, embed: Embed) -> Reply | None:
    """Pick a tool and fill its required arguments from the last user message.

    The tool is tool_choice's named tool if forced; otherwise the one whose "name words:
    description" has the highest cosine with the last user message. With tool_choice "auto" a
    best cosine under TOOL_THRESHOLD declines (detection goes on to the text shapes); "any" always
    calls the best tool. Arguments: see fill_arguments.
    """
    message = prompt.last_user
    tools = {t.name: t for t in prompt.tools}
    if prompt.tool_choice == "tool" and prompt.forced_tool in tools:
        tool = tools[prompt.forced_tool]
    else:
        labels = [f"{t.name.replace('_', ' ')}: {t.description}" for t in prompt.tools]
        scores = embed(labels) @ embed([message])[0]
        best = int(np.argmax(scores))
        if prompt.tool_choice != "any" and scores[best] < TOOL_THRESHOLD:
            return None
        tool = prompt.tools[best]
    return Reply("tool_use", "", tool.name, fill_arguments(tool.input_schema, message))


# --- 4. rerank ------------------------------------------------------------------------------------
def answer_rerank(prompt: Prompt, embed: Embed) -> Reply:
    """Re-rank listed candidates with `relevance` and reply "id, id, id", best first.

    Expected layout of the last user message (the instruction may also sit in the system prompt):

        Re-rank these by relevance to the question. Return the top 3 ids, best first.
        QUESTION: <the question>
        CANDIDATES:
        [note05] <text, which may run over several lines>
        [note01] <text>

    Candidates start with "[id] " at a line start; where no line does, "id: " works too when the
    id holds a digit (note05, 3, chunk 2). Lines up to the next candidate belong to the text.
    Without a QUESTION: label, the first line that is neither the instruction nor a candidate is
    the question. "top N" in the instruction sets how many ids come back (default 3).
    """
    text = prompt.last_user
    question, candidates = _parse_listing(text)
    if not candidates:
        return Reply("rerank", "No candidates found: list them one per line as [id] text.")
    top = re.search(r"top\s+(\d+)", prompt.instructions, re.IGNORECASE)
    k = int(top.group(1)) if top else RERANK_DEFAULT_TOP
    scores = relevance(question, [c for _, c in candidates], embed)
    order = sorted(range(len(candidates)), key=lambda i: (-scores[i], i))
    return Reply("rerank", ", ".join(candidates[i][0] for i in order[:k]))


# --- 5. query rewrite -----------------------------------------------------------------------------
def answer_rewrite(prompt: Prompt, embed: Embed) -> Reply:
    """A retrieval query, as a search box takes it: the question's content words, then what its
    question word asks for (QUESTION_WORD_HINTS: why -> reason) and SYNONYMS of its words, each once,
    without the question's own wording around them.

    "Why did the schedule slip?" -> "schedule slip reason delay"
    """
    question = _question_of(prompt, REWRITE_MARKER)
    return Reply("rewrite", " ".join(_expanded_terms(question, per_word=1)) or question)


# --- 6. HyDE --------------------------------------------------------------------------------------
def answer_hyde(prompt: Prompt, embed: Embed) -> Reply:
    """A hypothetical answer passage (HyDE): two sentences worded as an answer to the question would be,
    built from the question's own topic and its type (grounded.question_type). Its details are
    placeholders a real model would also invent: HyDE embeds the passage, it never shows it as fact.

    "Who is the executive sponsor?" -> "The executive sponsor is the finance director, who chairs the
    steering meetings. ..."
    """
    question = _question_of(prompt, HYDE_MARKER)
    topic = _topic(question)
    kind = grounded.question_type(question)
    body = HYDE_TEMPLATES.get(kind, HYDE_TEMPLATES["general"]).format(topic=topic, Topic=topic[:1].upper() + topic[1:])
    return Reply("hyde", body)


HYDE_TEMPLATES = {
    "person": "{Topic} is the finance director, who chairs the steering meetings. She signs off the budget and "
              "is the person the project manager reports to.",
    "date": "{Topic} is now early June, after the team reviewed the plan. The new date leaves time for testing "
            "before the busy season.",
    "clock": "{Topic} is at 6 am, as set out in the shift plan. It is reviewed when the rota changes.",
    "money": "{Topic} comes to about $50,000, as set out in the approved budget. Any change needs the steering "
             "group's approval.",
    "count": "{Topic} came to about a dozen, according to the latest report. The figure is tracked every week.",
    "quantity": "{Topic} is about two weeks, according to the latest plan. The team tracks it in the weekly report.",
    "duration": "{Topic} is about two weeks, according to the latest plan. The team tracks it in the weekly report.",
    "age": "{Topic} dates from about ten years ago, according to the project's records. It has been updated "
           "several times since.",
    "place": "{Topic} is the main site, in the room set aside for it. The decision record explains the choice.",
    "reason": "{Topic} came down to a dependency that ran late: an outside approval took weeks longer than "
              "planned, so the team moved the date rather than work around it.",
    "name": "{Topic} is the vendor's standard product, chosen after comparing the options. The decision record "
            "explains why.",
    "define": "{Topic} is set out in the project's records: what was decided, who owns it and when it applies. "
              "It was agreed at the steering meeting.",
    "general": "{Topic} is covered in the project notes: the team agreed an approach, recorded the reasons and "
               "assigned an owner to follow it up.",
}


def _topic(question: str) -> str:
    """The question's subject as a noun phrase: the question word and its auxiliary dropped.

    "Who is the executive sponsor?" -> "the executive sponsor"; "Why did the schedule slip?" -> "the
    schedule slip"; "How much money was put aside?" -> "the money put aside".
    """
    q = question.strip().rstrip("?.! ").strip()
    q = re.sub(r"^(?:who|whom|whose|what|when|where|why|which|how(?:\s+(?:much|many|long|often|quickly|old|far))?)"
               r"(?:\s+(?:is|are|was|were|did|does|do|will|would|has|have|had|can|could|should))?\s+", "", q,
               flags=re.IGNORECASE)
    q = re.sub(r"^(?:has|have|had|was|were|is|are)\s+been\s+|\b(?:has|have|had)\s+been\s+|\b(?:was|were|is|are)\s+",
               "", q, count=1, flags=re.IGNORECASE)
    q = q.strip() or "the subject"
    if not re.match(r"(?:the|a|an|this|that|our|its|their)\b", q, re.IGNORECASE) and not q[:1].isupper():
        q = "the " + q
    return q


# --- 7. grounded answer (RAG) ---------------------------------------------------------------------
def answer_grounded(prompt: Prompt, embed: Embed) -> Reply:
    """Answer from the CONTEXT only, citing the chunk. The course's user turn:

        CONTEXT:

        [chunk 1] <text>  (source: note01.txt)

        [chunk 2] <text>  (source: note05.txt)

        QUESTION: <question>

    The context is cut at the [chunk N] markers (no marker: one chunk, numbered 1), "(source: …)"
    trailers dropped; grounded.py picks the answer (question-type aware extraction, one or two
    sentences) and decides whether the context answers at all. Answered: the sentence(s), then
    " [chunk N]". Not answered: NOT_FOUND followed by the closest passage in parentheses, or exactly
    NOT_FOUND when the system or user text says "say so and stop".
    """
    text = prompt.last_user
    start = _find(text, CONTEXT_LABEL) + len(CONTEXT_LABEL)
    end = text.upper().rfind(QUESTION_LABEL)
    context, question = text[start:end], text[end + len(QUESTION_LABEL):].strip()
    chunks = [(number, SOURCE_TRAILER.sub("", chunk)) for number, chunk in _chunks(context)]
    result = grounded.answer(chunks, question, embed)
    if result is None:
        return Reply("grounded", NOT_FOUND)
    if not result.found:
        if _has(prompt.instructions, SAY_SO_AND_STOP):
            return Reply("grounded", NOT_FOUND)
        return Reply("grounded", f'{NOT_FOUND} (the closest passage, chunk {result.chunk}, says: "{result.text}")')
    return Reply("grounded", _cited(result.sentences) + "".join(
        f" The sources do not say {_lower_first(part.rstrip('?'))}." for part in result.unanswered))


def _cited(sentences: list[tuple[int, str]]) -> str:
    """The answer's sentences, each run from one chunk followed by its [chunk N]."""
    out, run, last = [], [], None
    for number, sentence in sentences + [(None, "")]:
        if number != last and run:
            out.append(" ".join(run) + f" [chunk {last}]")
            run = []
        run.append(sentence)
        last = number
    return " ".join(out)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2].isalpha() and not text[:2].isupper() else text


# --- 8. arithmetic --------------------------------------------------------------------------------
def answer_arithmetic(prompt: Prompt, embed: Embed) -> Reply:
    """Evaluate the expression with an AST walk that allows only numbers, + - * / and brackets."""
    expression = _arithmetic_expression(prompt.last_user)
    try:
        value = _evaluate(ast.parse(expression, mode="eval").body)
    except ZeroDivisionError:
        return Reply("arithmetic", f"{expression} is undefined (division by zero).")
    return Reply("arithmetic", f"{expression} = {_number(value)}")


# --- 9. fallback ----------------------------------------------------------------------------------
def answer_fallback(prompt: Prompt, embed: Embed) -> Reply:
    """Extractive: the sentence of the system prompt or earlier turns most similar to the last
    user message, if it reaches FALLBACK_THRESHOLD; otherwise NO_ALGORITHM, a reply a model gives
    when it lacks context (asking for more), which never talks about the responder itself."""
    message = prompt.last_user
    last = max((i for i, t in enumerate(prompt.turns) if t.role == "user"), default=-1)
    earlier = [t.text for i, t in enumerate(prompt.turns) if t.text and i != last]
    pool = split_sentences("\n".join([prompt.system, *earlier])) if message.strip() else []
    if pool:
        cos = embed(pool) @ embed([message])[0]
        best = int(np.argmax(cos))
        if cos[best] >= FALLBACK_THRESHOLD:
            return Reply("fallback", pool[best])
    return Reply("fallback", NO_ALGORITHM)


# --- tool arguments -------------------------------------------------------------------------------
def fill_arguments(schema: dict, message: str) -> dict:
    """Arguments for a tool call, from the schema's required properties (all of them if the schema
    has no "required" list), with one rule per property:

      enum               the first enum value that occurs in the message, else the first value
      string, place name (city, location, …: PLACE_FIELDS)  the capitalised words after
                         "in"/"for"/"at"/"near"/"to"/"from" ("weather in Phoenix today" -> "Phoenix")
      number / integer   the numbers of the message, in order
      string "expression" / "formula"  the arithmetic expression of the message, if it has one
      boolean            false
      array / object     [] / {}
      other strings      the whole message
    """
    properties = schema.get("properties") or {}
    required = schema.get("required")
    names = list(required) if isinstance(required, list) else list(properties)
    numbers = [float(n.replace(",", "")) for n in re.findall(r"-?\d+(?:,\d{3})*(?:\.\d+)?", message)]
    args: dict = {}
    for name in names:
        spec = properties.get(name) or {}
        kind = spec.get("type", "string")
        kind = kind[0] if isinstance(kind, list) and kind else kind
        if spec.get("enum"):
            lowered = message.lower()
            args[name] = next((v for v in spec["enum"] if str(v).lower() in lowered), spec["enum"][0])
        elif kind in ("number", "integer"):
            value = numbers.pop(0) if numbers else 0
            args[name] = int(value) if kind == "integer" else (int(value) if float(value).is_integer() else value)
        elif kind == "boolean":
            args[name] = False
        elif kind == "array":
            args[name] = []
        elif kind == "object":
            args[name] = {}
        elif any(field in name.lower() for field in PLACE_FIELDS):
            args[name] = _place(message) or _loose_place(message) or _search_terms(message)
        elif any(field in name.lower() for field in ("expression", "formula")) and _arithmetic_expression(message):
            args[name] = _arithmetic_expression(message)
        elif any(field in name.lower() for field in QUERY_FIELDS):
            args[name] = _search_terms(message)
        else:
            args[name] = message.strip()
    return args


QUERY_FIELDS = ("query", "search", "keywords", "terms", "topic", "question")
# What a request says before the thing to look up: "Search my notes for ...", "Can you find ...".
_REQUEST_LEAD = re.compile(r"^\W*(?:(?:please|can you|could you|would you|i need you to|help me)\W+)*"
                           r"(?:search|look(?:\s+up)?|find|check|tell me|show me|get|give me)\b"
                           r"(?:\s+(?:in\s+|through\s+)?(?:my|the|our)\s+(?:notes|docs|documents|files|records))?"
                           r"(?:\s+(?:for|about|on))?\s+", re.IGNORECASE)


def _search_terms(message: str) -> str:
    """What a model puts in a search argument: the request minus its lead-in and end punctuation
    ("Search my notes for the contingency reserve." -> "the contingency reserve")."""
    text = _REQUEST_LEAD.sub("", message.strip()).strip().rstrip("?.!").strip()
    return text or message.strip().rstrip("?.!")


def _loose_place(message: str) -> str | None:
    """A place written in lower case, as people type: "weather in paris?" -> "Paris"."""
    match = re.search(r"\b(?:in|for|at|near|to|from)\s+([a-z][a-z.'-]*(?:\s+[a-z][a-z.'-]*)?)", message)
    if not match:
        return None
    place = [w for w in match.group(1).split() if w not in STOP_AFTER_PLACE]
    return " ".join(w.capitalize() for w in place) or None


STOP_AFTER_PLACE = frozenset("today tomorrow tonight now right this week weekend currently please the a".split())


def _place(message: str) -> str | None:
    match = re.search(r"\b(?:in|for|at|near|to|from)\s+([A-Z][\w.'-]*(?:(?:\s+|,\s*)[A-Z][\w.'-]*)*)", message)
    return match.group(1).rstrip(".,") if match else None


# --- helpers --------------------------------------------------------------------------------------
def _has(text: str, marker: str) -> bool:
    return marker.lower() in text.lower()


def _find(text: str, marker: str) -> int:
    return text.lower().find(marker.lower())


def _harmful(text: str) -> bool:
    return any(re.search(r"\b" + pattern, text, re.IGNORECASE) for pattern in HARM_PATTERNS)


def _tool_results(prompt: Prompt) -> tuple:
    last = next((t for t in reversed(prompt.turns) if t.role == "user"), None)
    return last.tool_results if last else ()


def _sections(text: str, labels: tuple[str, ...]) -> dict[str, str]:
    """{label: text up to the next label} for labels found at line starts (any case)."""
    pattern = re.compile(r"^[ \t]*(" + "|".join(re.escape(label) for label in labels) + ")",
                         re.IGNORECASE | re.MULTILINE)
    marks = list(pattern.finditer(text))
    out = {}
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        out[mark.group(1).upper()] = text[mark.end():end].strip()
    return out


def _chunks(context: str) -> list[tuple[int, str]]:
    parts = CHUNK_MARKER.split(context)
    if len(parts) == 1:
        return [(1, context)]
    return [(int(parts[i]), parts[i + 1]) for i in range(1, len(parts) - 1, 2)]


_BRACKET_ID = re.compile(r"^\s*\[([^\]\n]{1,60})\]\s*(.*)$")
_COLON_ID = re.compile(r"^\s*((?:[A-Za-z][\w-]*\s?)?\d[\w-]*)\s*:\s*(.*)$")


def _parse_listing(text: str) -> tuple[str, list[tuple[str, str]]]:
    """(question, [(id, text), ...]) from a re-rank prompt; see Responder.answer_rerank."""
    lines = text.splitlines()
    question = ""
    for line in lines:
        if line.strip().upper().startswith(QUESTION_LABEL):
            question = line.strip()[len(QUESTION_LABEL):].strip()
            break
    for pattern in (_BRACKET_ID, _COLON_ID):
        candidates: list[list[str]] = []
        loose = []
        for line in lines:
            match = pattern.match(line)
            if match:
                candidates.append([match.group(1).strip(), match.group(2).strip()])
            elif candidates and not line.strip().upper().startswith(QUESTION_LABEL):
                candidates[-1][1] += "\n" + line
            elif line.strip() and not _has(line, RERANK_MARKER) \
                    and line.strip().upper() not in (CANDIDATES_LABEL, QUESTION_LABEL):
                loose.append(line.strip())
        if candidates:
            return (question or (loose[0] if loose else ""), [(i, t.strip()) for i, t in candidates])
    return question, []


def _question_of(prompt: Prompt, marker: str) -> str:
    """The question a rewrite/HyDE instruction is about.

    A QUESTION: label wins. Otherwise, if the marker is in the last user message, the text after the
    instruction (after its first ":" or line break); if the marker is only in the system prompt, the
    whole last user message. Surrounding quotes are dropped.
    """
    text = prompt.last_user
    labelled = _sections(text, (QUESTION_LABEL,)).get(QUESTION_LABEL)
    if labelled:
        question = labelled.splitlines()[0]
    elif _has(text, marker):
        rest = text[_find(text, marker):]
        cut = [i for i in (rest.find(":"), rest.find("\n")) if i >= 0]
        question = rest[min(cut) + 1:] if cut else ""
        question = question.strip() or text
    else:
        question = text
    return question.strip().strip("\"'\u201c\u201d").strip()


def _expanded_terms(question: str, per_word: int | None = None) -> list[str]:
    """The question's content words, the hints of its question word and the synonyms of its words
    (at most `per_word` hints and synonyms each), each once."""
    terms = content_words(question)
    lowered = question.lower()
    for opener, hints in QUESTION_WORD_HINTS.items():
        if re.match(rf"\W*{opener}\b", lowered):
            terms += [h for h in hints[:per_word] if h not in terms]
            break
    for term in list(terms):
        for synonym in SYNONYMS.get(term, SYNONYMS.get(stem(term), ()))[:per_word]:
            if synonym not in terms and stem(synonym) not in {stem(t) for t in terms}:
                terms.append(synonym)
    return terms


# "23 * 47", "(1 + 2) / 3", "23 x 47", "12 × 3", "1,000 - 1"
_EXPRESSION = re.compile(r"(?<![\w.])-?[(\d][\d\s.,()+\-*/x×÷]*[\d)]")
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def _arithmetic_expression(message: str) -> str | None:
    if len(words(message)) > ARITHMETIC_MAX_WORDS:
        return None
    for match in _EXPRESSION.finditer(message):
        raw = match.group(0).strip()
        expression = re.sub(r"(?<=\d)\s*[x×]\s*(?=\d)", " * ", raw).replace("÷", "/")
        expression = re.sub(r"(?<=\d),(?=\d{3}\b)", "", expression)
        expression = re.sub(r"\s+", " ", expression).strip()
        if not re.search(r"[\d)]\s*[-+*/]\s*[\d(]", expression) or len(expression) > 200 \
                or re.search(r"\d-\d", expression):  # 2026-03-18, 6-8 weeks: hyphens, not minus
            continue
        try:
            tree = ast.parse(expression, mode="eval").body
            _check(tree)
        except (SyntaxError, ValueError):
            continue
        return expression
    return None


def _check(node) -> None:
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        _check(node.left), _check(node.right)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        _check(node.operand)
    elif not (isinstance(node, ast.Constant) and type(node.value) in (int, float) and abs(node.value) < 1e15):
        raise ValueError("only numbers and + - * / are allowed")


def _evaluate(node):
    if isinstance(node, ast.BinOp):
        return _OPS[type(node.op)](_evaluate(node.left), _evaluate(node.right))
    if isinstance(node, ast.UnaryOp):
        value = _evaluate(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    return node.value


def _number(value) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return format(value, ".10g") if isinstance(value, float) else str(value)


# --- the shapes, in detection order: the markers they look for, then (name, rule, algorithm) ------
JUDGE_MARKER = "pass or fail"  # "Reply with PASS or FAIL"
JUDGE_LABELS = ("INPUT:", "CRITERIA:", "CANDIDATE:")
# A last user message matching any of these (word-start, case-insensitive) is refused.
HARM_PATTERNS = (
    r"phish",
    r"malware",
    r"ransomware",
    r"keylogger",
    r"spyware",
    r"botnet",
    r"ddos",
    r"credential stuffing",
    r"steal\w*(?:\W+\w+){0,3}?\W+(?:credentials?|passwords?|logins?|identit(?:y|ies)|credit cards?)",
    r"hack\w*\s+into",
    r"(?:make|build)\w*\s+(?:a\s+)?(?:bomb|explosive)",
)
RERANK_MARKER = "re-rank these by relevance"  # "Re-rank these by relevance to the question. Return the top 3 ids, best first."
REWRITE_MARKER = "rewrite the question"
HYDE_MARKER = "write a short passage that answers"
CONTEXT_LABEL = "CONTEXT:"  # the course's RAG prompt: CONTEXT: ... QUESTION: ...
QUESTION_LABEL = "QUESTION:"

SHAPES: tuple[tuple[str, Callable[[Prompt], bool], Callable[[Prompt, Embed], Reply | None]], ...] = (
    ("judge", lambda p: _has(p.instructions, JUDGE_MARKER) and _has(p.instructions, "CANDIDATE:"), answer_judge),
    ("refusal", lambda p: _harmful(p.last_user), answer_refusal),
    ("tool_result", lambda p: bool(_tool_results(p)), answer_tool_result),
    ("tool_use", lambda p: bool(p.tools) and p.tool_choice != "none", answer_tool_use),  # may decline
    ("rerank", lambda p: _has(p.instructions, RERANK_MARKER), answer_rerank),
    ("rewrite", lambda p: _has(p.instructions, REWRITE_MARKER), answer_rewrite),
    ("hyde", lambda p: _has(p.instructions, HYDE_MARKER), answer_hyde),
    ("grounded", lambda p: _has(p.last_user, CONTEXT_LABEL) and _has(p.last_user, QUESTION_LABEL), answer_grounded),
    ("arithmetic", lambda p: _arithmetic_expression(p.last_user) is not None, answer_arithmetic),
    ("fallback", lambda p: True, answer_fallback),
)


def respond(prompt: Prompt, embed: Embed) -> Reply:
    """The Reply of the first shape whose rule matches and whose algorithm answers."""
    for _, matches, answer in SHAPES:
        if matches(prompt):
            reply = answer(prompt, embed)
            if reply is not None:  # tool_use may decline (no tool fits): detection goes on
                return reply
    raise AssertionError("the fallback shape always answers")


def shape_of(prompt: Prompt) -> str:
    """The name of the first shape whose rule matches `prompt` (no embedding: tool_use counts as matched)."""
    return next(name for name, matches, _ in SHAPES if matches(prompt))


def describe() -> dict:
    """The responder's shapes and constants, for the server's GET / page."""
    return {
        "name": RESPONDER_NAME,
        "version": RESPONDER_VERSION,
        "shapes": [name for name, _, _ in SHAPES],
        "thresholds": {"grounded": GROUNDED_THRESHOLD, "grounded_focus": grounded.FOCUS_SHARE_MIN, "word_match": grounded.WORD_MATCH, "tool": TOOL_THRESHOLD, "judge_coverage": JUDGE_COVERAGE,
                       "fallback": FALLBACK_THRESHOLD, "keyword_weight": KEYWORD_WEIGHT},
    }
