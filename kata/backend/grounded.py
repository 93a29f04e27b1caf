"""The grounded (RAG) answer: question-type aware extraction from the CONTEXT, with a citation, and an
answerability check. Used by responder.answer_grounded; no answers are stored here.

1. The question's type, from its wording alone (QUESTION_TYPES): who -> a name, when -> a date,
   how much -> an amount, how many -> a count, how long/often/quickly -> a quantity, where -> a place,
   why -> a reason, "what is X" / "who is X" -> a definition, "which vendor/product/region…" -> a name.
2. Every context sentence is scored: its cosine with the question (all-MiniLM-L6-v2), plus the share
   of the question's terms it holds (a word counts when its stem is there, or, partly, a word close to
   it in meaning), plus a bonus when it holds a new entity of the expected type (a date for "when", a
   name not already in the question for "who"…).
3. The answer is the best sentence, with its neighbour in the same chunk when that neighbour carries
   the expected entity the best one lacks, or when the best one is a short lead-in; then [chunk N].
4. Answerability: "not found in sources" when the question's terms are not covered by the answer's
   chunk (COVERAGE_MIN), when a typed question (when, who, how much, what time…) finds no entity of its
   type in the answer, or when the best sentence is off-topic (GROUNDED_THRESHOLD). So a question on
   the project's own topic whose specific terms the context never mentions ("the chief executive of
   Arcadia") is not answered with the nearest sentence about Arcadia.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from kata.backend.text import STOPWORDS, split_sentences, stem, words

Embed = Callable[[list[str]], np.ndarray]

# --- thresholds, all tuned on evals/questions/dev.jsonl and sample-corpus/questions.jsonl only ------
GROUNDED_THRESHOLD = 0.30  # best sentence cosine below this: off-topic, not found
COVERAGE_MIN = 0.45  # share of the question's term weight its answer chunk must cover
WORD_MATCH = 0.45  # a question word with no stem in the text counts as present at this word cosine…
WORD_CREDIT = 0.75  # …for this much of its weight ("approve" ~ "approval", "spent" ~ "spend")
LEXICAL_WEIGHT = 0.5  # sentence score: cosine + LEXICAL_WEIGHT * share of terms held…
TYPE_BONUS = 0.25  # …+ TYPE_BONUS when it holds an entity of the expected type (twice that when the
# entity is a number written next to one of the question's terms: "212 customer addresses")
SHORT_SENTENCE_WORDS = 12  # a best sentence shorter than this is a lead-in: the next one is added

# Words that say what kind of answer is wanted, not what it is about: not terms to cover.
FRAME_WORDS = frozenset("""much many long often quickly fast soon old far happen happened exactly really actually
still currently kind sort type way get got go goes going take took make made happen according""".split())

MONTHS = ("january february march april may june july august september october november december "
          "jan feb mar apr jun jul aug sep sept oct nov dec").split()
WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
NUMBER_WORDS = ("one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty hundred thousand million "
                "dozen half third quarter once twice").split()
UNITS = ("second seconds minute minutes hour hours day days week weeks month months year years percent "
         "shift shifts per times").split()

_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_DATE = re.compile(
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\b|\b{_MONTH}\s+\d{{1,2}}\b|\b\d{{4}}-\d\d-\d\d\b"
    rf"|\b(?:early|mid|late|end of|start of|beginning of|in|by|until|from|before|after)[\s-]+{_MONTH}\b"
    rf"|\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
    rf"|\b(?:this|next|last)\s+(?:week|month|year|quarter)\b|\b(?:19|20)\d\d\b|\b{_MONTH}\b(?!\s*,?\s*(?:and|or)\b)"
    r"|\b(?:today|tomorrow|yesterday)\b")
_CLOCK = re.compile(r"\b\d{1,2}(?::\d\d)?\s*(?:a\.?m\.?|p\.?m\.?)\b|\b\d{1,2}:\d\d\b|\bnoon\b|\bmidnight\b|\bo'clock\b",
                    re.IGNORECASE)
_MONEY = re.compile(r"[$\u00a3\u20ac]\s?\d|\b\d[\d,.]*\s*(?:dollars|euros|pounds|usd|eur|gbp)\b", re.IGNORECASE)
_NUMBER = re.compile(r"\b\d[\d,.]*\b|\b(?:" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)
_QUANTITY = re.compile(r"(?:\b\d[\d,.]*|\b(?:a|an|" + "|".join(NUMBER_WORDS) + r"))[\s-]+(?:" + "|".join(UNITS)
                       + r")\b|\b\d[\d,.]*\s*%|\bwithin\s+(?:the|an?)\s+\w+|\b(?:half|third|quarter)\b",
                       re.IGNORECASE)
_REASON = re.compile(r"\b(?:because|since|due to|as a result|owing to|caused by|so that|in order to|therefore|"
                     r"which is why|the reason|the cause|root cause|the strongest argument|rationale)\b",
                     re.IGNORECASE)
_PLACE = re.compile(r"\b(?:in|at|on|into|to|from|inside)\s+(?:the\s+|our\s+|their\s+)?(?:[A-Z][\w&'-]+|"
                    r"\w+\s+(?:room|office|site|building|warehouse|region|cloud|premises|server|servers))\b")
_PROPER = re.compile(r"\b[A-Z][a-zA-Z&'-]*[a-z][a-zA-Z'-]*(?:\s+[A-Z][a-zA-Z&'-]*)*")

# (type, pattern on the lower-cased question), first match wins.
QUESTION_TYPES = (
    ("clock", r"^\W*(?:at\s+)?what time\b"),
    ("date", r"^\W*(?:when|by when|since when|until when)\b|\b(?:what|which) (?:date|day|month|year)\b|^\W*on what\b"),
    ("define", r"^\W*who (?:is|are|was|were) (?!the\b|a\b|an\b|in\b|on\b|responsible\b)[^\s]+\W*$"),
    ("define", r"^\W*who (?:is|are|was|were) [A-Z]"),  # checked against the original case, see question_type
    ("person", r"^\W*(?:who|whom|whose)\b|^\W*(?:which|what) (?:person|people|manager|member|engineer|consultant)\b"),
    ("money", r"^\W*how much\b.*\b(?:cost|costs|costing|spend|spent|pay|paid|money|budget|budgeted|price|fee|charge)\b"
              r"|\b(?:what|how much) (?:did|does|do|will|would|was|is|were)\b.*\b(?:cost|costs|charge|pay|come to|quote)\b"
              r"|^\W*(?:what|which) (?:was |is |were |are )?(?:the )?(?:[\w-]+ )?(?:price|fee|cost|quote|budget|amount|spend)\b"
              r"|^\W*how much (?:money|cash|funding)\b|\bset aside\b|\bbudgeted\b"),
    ("count", r"^\W*how many\b"),
    ("quantity", r"^\W*how (?:much|long|often|quickly|fast|soon|old|far|big|large|small|frequently)\b"
                 r"|^\W*(?:what|which) (?:share|percentage|proportion|fraction|rate|level|accuracy)\b"),
    ("place", r"^\W*where\b"),
    ("reason", r"^\W*why\b|\b(?:what|which) (?:was |is )?(?:the )?(?:root )?(?:reason|cause)\b"),
    ("name", r"^\W*(?:which|what) (?:[\w-]+ )?(?:vendor|supplier|company|firm|product|brand|model|carrier|region|"
             r"tool|database|language|provider|partner|platform|software|service|system)\b"),
    ("define", r"^\W*(?:what|who) (?:is|are|was|were|does|do|did) (?:the |an? )?[\w-]+(?: [\w-]+)?"
               r"(?: (?:decide|mean|say|cover|do|stand for|involve))?\W*$"),
)
TYPED = {"clock", "date", "person", "money", "count", "quantity", "name"}  # these need an entity in the answer


def question_type(question: str) -> str:
    lowered = question.strip().lower()
    for kind, pattern in QUESTION_TYPES:
        text = question.strip() if "[A-Z]" in pattern else lowered
        if re.search(pattern, text):
            return kind
    return "general"


def _proper_names(sentence: str) -> list[str]:
    """Capitalised word runs that are names: not a sentence-initial lone word, not months or weekdays."""
    out = []
    for match in _PROPER.finditer(sentence):
        name = match.group(0)
        first = name.split()[0].lower()
        if first in MONTHS or first in WEEKDAYS:
            continue
        at_start = not sentence[:match.start()].strip(" \"'(")
        if at_start and " " not in name:
            continue  # "Summary", "Decision", "Rather": a capital only because it starts the sentence
        out.append(name)
    return out


def has_entity(kind: str, sentence: str, question: str) -> bool:
    """Whether `sentence` holds an entity of `kind` that the question does not already state."""
    q_words = set(words(question))

    def new(found: list[str]) -> bool:
        return any(set(words(f)) - q_words for f in found)

    if kind == "clock":
        return new(_CLOCK.findall(sentence))
    if kind == "date":
        return new(_DATE.findall(sentence))
    if kind == "money":
        return new([m.group(0) + sentence[m.end():m.end() + 12] for m in _MONEY.finditer(sentence)])
    if kind == "count":
        undated = _DATE.sub(" ", sentence)  # "28 March" is a date, not a count
        return new([m.group(0) for m in _NUMBER.finditer(undated)])
    if kind == "quantity":
        return new([m.group(0) for m in _QUANTITY.finditer(sentence)]) or new(_MONEY.findall(sentence))
    if kind in ("person", "name"):
        return new(_proper_names(sentence))
    if kind == "place":
        return bool(_PLACE.search(sentence))
    if kind == "reason":
        return bool(_REASON.search(sentence))
    return True


@dataclass
class Answer:
    found: bool
    chunk: int
    text: str  # the answer sentences (found) or the closest sentence (not found)
    why: dict | None = None  # the measures the decision read (for the benchmark's --show)


_static: tuple | None = None


def word_vectors(items: list[str]) -> np.ndarray:
    """Unit vectors for single words from models/minilm-static (all-MiniLM-L6-v2 distilled into a
    static model, U11's student): a table look-up per WordPiece, no transformer pass, so comparing
    every context word with the question's words costs microseconds, not a MiniLM run per word."""
    global _static
    if _static is None:
        from tokenizers import Tokenizer

        from kata.models import STUDENT_DIR

        tokenizer = Tokenizer.from_file(str(STUDENT_DIR / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.no_truncation()
        _static = (tokenizer, np.load(STUDENT_DIR / "embeddings.npy"))
    tokenizer, table = _static
    rows = []
    for item in items:
        ids = [i for i in tokenizer.encode(item, add_special_tokens=False).ids if i < len(table)]
        vector = table[ids].astype(np.float32).mean(axis=0) if ids else np.zeros(table.shape[1], np.float32)
        norm = float(np.linalg.norm(vector))
        rows.append(vector / norm if norm else vector)
    return np.stack(rows) if rows else np.zeros((0, table.shape[1]), np.float32)


def _next_to_term(sentence: str, terms: dict[str, float]) -> bool:
    """Whether a number in `sentence` stands within two words of one of the question's terms."""
    tokens = words(_DATE.sub(" ", sentence))
    for i, token in enumerate(tokens):
        if token[0].isdigit() or token in NUMBER_WORDS:
            if any(stem(w) in terms for w in tokens[max(0, i - 2):i + 3] if w != token):
                return True
    return False


def _terms(question: str) -> list[str]:
    """The question's terms: its content words that are not frame words, as stems, in order, each once."""
    out = []
    for w in words(question):
        if w in STOPWORDS or w in FRAME_WORDS or (len(w) == 1 and not w.isdigit()):
            continue
        s = stem(w)
        if s not in out:
            out.append(s)
    return out


def _coverage(terms: dict[str, float], text: str, soft: dict[str, dict[str, float]]) -> float:
    """Weighted share of the terms `text` holds: a term's full weight for its stem, WORD_CREDIT of it
    for a word close in meaning. `terms` maps each stem to its weight (rarer in the context: heavier)."""
    if not terms:
        return 1.0
    stems = {stem(w) for w in words(text)} | {w.replace(",", "") for w in words(text)}
    total = 0.0
    for t, weight in terms.items():
        if t in stems or t.replace(",", "") in stems:
            total += weight
        elif any(s in stems for s, sim in soft.get(t, {}).items() if sim >= WORD_MATCH):
            total += WORD_CREDIT * weight
    return total / sum(terms.values())


def _weights(terms: list[str], sentences: list[str]) -> dict[str, float]:
    """Each term's weight: log(1 + N / (1 + the number of context sentences holding it)), as in BM25's
    idf, so a word every sentence has ("Stockline") counts less than one only the answer has."""
    stem_sets = [{stem(w) for w in words(s)} for s in sentences]
    n = len(sentences)
    return {t: math.log(1 + n / (1 + sum(t in ss for ss in stem_sets))) for t in terms}


def answer(chunks: list[tuple[int, str]], question: str, embed: Embed) -> Answer | None:
    """The grounded answer to `question` from `chunks` ([(chunk number, text)]); None with no sentence."""
    sentences = [(n, s) for n, text in chunks for s in split_sentences(text)]
    proper = [i for i, (_, s) in enumerate(sentences) if s.endswith((".", "!", "?"))]
    candidates = proper or list(range(len(sentences)))
    if not candidates or not question:
        return None
    kind = question_type(question)
    plain = _terms(question)
    uniform = dict.fromkeys(plain, 1.0)  # answerability: every term counts the same
    terms = _weights(plain, [s for _, s in sentences])  # choosing the sentence: rarer terms count more
    # Word-level closeness (static word vectors) for the terms no context word shares a stem with.
    context_words = sorted({w for _, s in sentences for w in words(s) if w not in STOPWORDS and len(w) > 1})
    context_stems = {stem(w) for w in context_words}
    missing = [t for t in plain if t not in context_stems and not t[0].isdigit()]
    soft: dict[str, dict[str, float]] = {}
    if missing and context_words:
        vectors = word_vectors(context_words)
        for t, row in zip(missing, word_vectors(missing) @ vectors.T):
            soft[t] = {}
            for w, sim in zip(context_words, row):
                s = stem(w)
                soft[t][s] = max(soft[t].get(s, 0.0), float(sim))
    q_vector = embed([question])[0]
    cos = embed([sentences[i][1] for i in candidates]) @ q_vector
    scores = []
    for i, c in zip(candidates, cos):
        sentence = sentences[i][1]
        typed = kind in TYPED or kind in ("reason", "place")
        bonus = TYPE_BONUS if typed and has_entity(kind, sentence, question) else 0.0
        if bonus and kind in ("count", "money", "quantity") and _next_to_term(sentence, terms):
            bonus *= 2
        scores.append(float(c) + LEXICAL_WEIGHT * _coverage(terms, sentence, soft) + bonus)
    order = sorted(range(len(candidates)), key=lambda j: (-scores[j], j))
    best = candidates[order[0]]
    number, sentence = sentences[best]
    picked = [best]
    neighbours = [j for j in (best + 1, best - 1) if 0 <= j < len(sentences) and sentences[j][0] == number
                  and j in candidates]
    if kind in TYPED and not has_entity(kind, sentence, question):
        carrying = [j for j in neighbours if has_entity(kind, sentences[j][1], question)]
        if carrying:
            picked.append(carrying[0])
    elif len(words(sentence)) < SHORT_SENTENCE_WORDS and best + 1 in neighbours:
        picked.append(best + 1)
    picked.sort()
    text = " ".join(sentences[j][1] for j in picked)
    chunk_text = " ".join(s for n, s in sentences if n == number)
    why = {"type": kind, "cosine": round(float(np.max(cos)), 3),
           "chunk_coverage": round(_coverage(uniform, chunk_text, soft), 3),
           "answer_coverage": round(_coverage(uniform, text, soft), 3),
           "entity": kind not in TYPED or has_entity(kind, text, question)}
    found = (why["cosine"] >= GROUNDED_THRESHOLD and why["chunk_coverage"] >= COVERAGE_MIN and why["entity"])
    return Answer(found, number, text, why)
