"""Plain-text helpers shared by the responder and the routes: sentences, words, a light stemmer.

Nothing here needs the embedding model, so these functions are cheap to unit-test.
"""

from __future__ import annotations

import re

# Function words that carry no topic: dropped from queries, criteria and keyword overlaps.
STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing done down during each either else ever every
few for from further get gets got had has have having he her here hers him his how i if in into is
it its itself just let lets like may me might more most much must my no nor not now of off on once
one only or other our ours out over own please put same say says she should so some such tell than
that the their theirs them then there these they this those through to too under until up upon us
very was we were what whats when where which while who whom whose why will with would yet you your
yours
""".split())

_WORD = re.compile(r"\d+(?:[.,]\d+)*|[a-z]+(?:[-'][a-z0-9]+)*")
# A sentence ends at . ! or ? (optionally followed by a closing quote or bracket) before whitespace
# and a capital letter, digit, quote, bracket or $ sign. Lines always end a sentence.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9$])")


def words(text: str) -> list[str]:
    """Lower-cased words and numbers, in order: "Wi-Fi costs $3,100." -> ["wi-fi", "costs", "3,100"]."""
    return [w[:-2] if w.endswith("'s") else w for w in _WORD.findall(text.lower())]


# Common irregular past forms -> the base form, so that "lost" meets "lose" and "sent" meets "send".
IRREGULAR = {past: base for base, forms in (
    ("begin", "began begun"), ("break", "broke broken"), ("bring", "brought"), ("build", "built"), ("buy", "bought"),
    ("choose", "chose chosen"), ("come", "came"), ("do", "did done"), ("drive", "drove driven"),
    ("fall", "fell fallen"), ("feel", "felt"), ("find", "found"), ("get", "got gotten"), ("give", "gave given"),
    ("go", "went gone"), ("grow", "grew grown"), ("hold", "held"), ("keep", "kept"), ("know", "knew known"),
    ("lead", "led"), ("leave", "left"), ("lose", "lost"), ("make", "made"), ("mean", "meant"), ("meet", "met"),
    ("pay", "paid"), ("rise", "rose risen"), ("run", "ran"), ("say", "said"), ("see", "saw seen"),
    ("sell", "sold"), ("send", "sent"), ("show", "shown"), ("speak", "spoke spoken"), ("spend", "spent"),
    ("stand", "stood"), ("take", "took taken"), ("teach", "taught"), ("tell", "told"), ("think", "thought"),
    ("understand", "understood"), ("win", "won"), ("write", "wrote written"),
) for past in forms.split()}


def stem(word: str) -> str:
    """A light suffix-stripper so that "slipped", "slips" and "slip" compare equal ("lost" and "lose",
    "directly" and "direct" too). Numbers unchanged."""
    w = word.lower()
    if w in IRREGULAR:
        return IRREGULAR[w]
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("ly") and len(w) >= 7 and not w.endswith("ily"):
        return stem(w[:-2])  # directly -> direct, nightly -> night
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    for suffix in ("ing", "ed"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiouls":
                w = w[:-1]  # slipped -> slipp -> slip
            return w
    if w.endswith("es") and w[:-2].endswith(("s", "x", "z", "ch", "sh")):
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if w.endswith(("ival", "oval", "osal", "usal", "ewal", "awal")) and len(w) >= 7:
        w = w[:-2]  # approval -> approv, renewal -> renew, proposal -> propos: the verb's stem
    if w.endswith("e") and len(w) >= 5 and not w.endswith(("ee", "ie", "ye")):
        w = w[:-1]  # approve(s) -> approv, as approved -> approv
    return w


def content_words(text: str) -> list[str]:
    """The words of `text` that are not STOPWORDS, in order, without repeats (surface forms)."""
    seen: set[str] = set()
    out = []
    for w in words(text):
        if w in STOPWORDS or w in seen or (len(w) == 1 and not w.isdigit()):
            continue
        seen.add(w)
        out.append(w)
    return out


def content_stems(text: str) -> dict[str, str]:
    """{stem: first surface form} for the content words of `text`, in order."""
    out: dict[str, str] = {}
    for w in content_words(text):
        out.setdefault(stem(w), w)
    return out


def split_sentences(text: str) -> list[str]:
    """Sentences of `text`: every line break ends one, and so does ". " before a capital or digit."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        out.extend(s.strip() for s in _SENTENCE_END.split(line) if s.strip())
    return out
