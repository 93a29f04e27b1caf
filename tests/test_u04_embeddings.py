"""U04 · Embeddings: one batched embed call, then cosine similarity that turns meaning into geometry."""

import math
import re
import numbers

import pytest
from hypothesis import assume, given, seed
from hypothesis import strategies as st

import voyageai

from kata.models import CLOSE_PAIR_AT_LEAST, EMBEDDING_MODEL, FAR_PAIR_AT_MOST
from kata.judge.spy import never_called, spy
from kata.judge import testing
from kata.judge.testing import Did, InWords, Sent, expect, load_unit
from kata.judge.testing import raised as what_it_raised

u04 = load_unit("u04_embeddings")

# Rounding may push a cosine a hair past 1; anything further is a bug, not rounding.
ROUNDING = 1e-9


def shape(vectors):
    """(rows, lengths) when `vectors` is a sequence of sequences of numbers, else None."""
    try:
        rows = list(vectors)
        lengths = [len(row) for row in rows]
        numeric = all(isinstance(x, numbers.Real) for row in rows for x in row)
    except TypeError:
        return None
    return (len(rows), sorted(set(lengths))) if numeric else None


def raised(function, *args):
    """What calling function(*args) did: ("returned", value) or ("raised", exception)."""
    try:
        return "returned", function(*args)
    except Exception as error:  # noqa: BLE001  the test reports whatever it was
        return "raised", error


def shown(what, value):
    """What `raised` gave, as a failure shows it: "It raised ValueError: …", or "It returned …"."""
    return what_it_raised(value) if what == "raised" else value


FLOAT = "Return the cosine similarity of vectors `a` and `b` (lists of numbers), a float."


def of_another_kind(what, got, want):
    """(clause, hint) when cosine returned the right number but not as a float (an int 1, a bool, a numpy number),
    so the failure quotes the clause that asks for a float and says so; (None, None) otherwise."""
    if what != "returned" or isinstance(got, float) or not isinstance(got, numbers.Real):
        return None, None
    if not math.isclose(float(got), want, abs_tol=ROUNDING):
        return None, None
    if type(got).__module__ == "numpy":
        return FLOAT, f"that is the right number, but as numpy's {type(got).__name__}, not a Python float: return a Python float"
    return FLOAT, (f"{got!r} is the right number, but it is a Python {type(got).__name__}, not a float: where your function "
                   f"gives back a number it did not compute (a bound, a constant), write that number as a float")


def embedded(texts, call):
    """embed(texts), checked to be one vector of numbers per text, all of one length."""
    got = u04.embed(texts)
    found = shape(got)
    expect(found is not None and found[0] == len(texts) and len(found[1]) == 1 and found[1][0] > 0,
           call=call, returned=found or got,
           expected=f"{len(texts)} vectors of floats, all the same length (shown: how many vectors, and their lengths)",
           hint="return the embeddings the client's result holds, not the result itself: a list with one list of floats per text")
    return list(got)


@pytest.mark.verify
@pytest.mark.vcr
def test_embed_returns_one_vector_per_sentence():
    """cos(cats, kittens) is meaningfully higher than cos(cats, cars)

    Before any cosine: embed() returns one vector (a list of floats) per sentence, all the same length.
    """
    embedded([u04.CATS, u04.KITTENS, u04.CARS], "embed([CATS, KITTENS, CARS])")


@pytest.mark.contract
def test_embed_returns_a_list_of_lists_of_floats(monkeypatch):
    """return one embedding (a list of floats) per text

    Each embedding is a list, as the docstring says (a tuple or a numpy array is another kind of value), and the
    embeddings come in a list (Voyage answered at the SDK, here).
    """
    stand_in_client(monkeypatch)
    got = u04.embed([u04.CATS, u04.KITTENS])
    kinds = [type(v).__name__ for v in got] if isinstance(got, (list, tuple)) else None
    ok = type(got) is list and kinds == ["list", "list"] and all(isinstance(x, float) for v in got for x in v)
    expect(ok, call="embed([CATS, KITTENS])",
           returned=InWords(f"a {type(got).__name__} of {', '.join(kinds)}" if kinds else f"a {type(got).__name__}"),
           expected="a list holding one list of floats per text",
           hint="give each text's vector as a list of floats, and the vectors in a list, as the SDK's embeddings are")


@pytest.mark.verify
@pytest.mark.vcr
def test_embed_sends_one_request_for_the_whole_list():
    """cos(cats, kittens) is meaningfully higher than cos(cats, cars)

    embed() makes ONE call to voyageai.Client().embed for the whole list, holding every text in order:
    a call per text costs a round trip each (and, live, a rate-limit slot each).
    """
    texts = [u04.CATS, u04.KITTENS, u04.CARS]

    def one_call_with_every_text(calls):
        sent = [call.argument(0, "texts") for call in calls]
        reordered = len(sent) == 1 and isinstance(sent[0], list) and sorted(sent[0]) == sorted(texts) and sent[0] != texts
        if reordered:  # one request, every text, another order: the order is the fault, not the count of requests
            expect(False, call="embed([CATS, KITTENS, CARS])", returned=Sent(f"{sent[-1]!r} in call 1"),
                   expected=f"one call sending all three texts, in order: {texts}",
                   hint="one request is right; send the texts in the order they came, so that each vector lines up with its own text",
                   clause="return one embedding (a list of floats) per text, in their order")
        expect(sent == [texts][:len(sent)], call="embed([CATS, KITTENS, CARS])",
               returned=Sent(f"{sent[-1]!r} in call {len(calls)}"),
               expected=f"one call sending all three texts, in order: {texts}",
               hint="send the whole list in one embed request, not one request per text")
        model = calls[-1].argument(1, "model")
        expect(model == EMBEDDING_MODEL, call="embed([CATS, KITTENS, CARS])",
               returned=Sent(f"a call with model={model!r}"),
               expected=f"the call to send model={EMBEDDING_MODEL!r}, the course's embedding model (kata.models.EMBEDDING_MODEL)",
               hint="name the unit's EMBEDDING_MODEL in the request, as the course does",
               clause='EMBEDDING_MODEL comes from kata.models ("voyage-3")')

    with spy(voyageai.Client, "embed", check=one_call_with_every_text) as calls:
        embedded(texts, "embed([CATS, KITTENS, CARS])")
    expect(calls, call="embed([CATS, KITTENS, CARS])", returned=calls,
           expected=never_called(voyageai.Client, "embed", "embed() ran"),
           hint="send the texts to Voyage's embed endpoint, with the unit's EMBEDDING_MODEL")


@pytest.mark.verify
@pytest.mark.vcr
def test_close_pair_outscores_far_pair():
    """cos(cats, kittens) is meaningfully higher than cos(cats, cars) — typically the first is ≥ 0.6 and the second ≤ 0.4.

    The three sentences are embedded in one call; the thresholds come from kata.models.
    """
    cats, kittens, cars = embedded([u04.CATS, u04.KITTENS, u04.CARS], "embed([CATS, KITTENS, CARS])")
    close, far = u04.cosine(cats, kittens), u04.cosine(cats, cars)
    scores = {"cos(cats, kittens)": close, "cos(cats, cars)": far}
    expect(close > far, call="cosine(cats, kittens) and cosine(cats, cars)", returned=scores,
           expected="the close pair (cats, kittens) to score higher than the far pair (cats, cars)",
           hint="cosine is the course's step 3: the dot product divided by the product of the two lengths; check that you compare the right pairs")
    expect(close >= CLOSE_PAIR_AT_LEAST and far <= FAR_PAIR_AT_MOST,
           call="cosine(cats, kittens) and cosine(cats, cars)", returned=scores,
           expected=f"cos(cats, kittens) ≥ {CLOSE_PAIR_AT_LEAST} and cos(cats, cars) ≤ {FAR_PAIR_AT_MOST}",
           hint="if the numbers are outside [-1, 1] or very large, the division by the two norms is missing")


@pytest.mark.verify
@pytest.mark.parametrize(
    ("a", "b", "cos"),
    [
        ([1.0, 0.0], [0.0, 1.0], 0.0),  # right angle: unrelated
        ([1.0, 2.0, 3.0], [2.0, 4.0, 6.0], 1.0),  # same direction, twice as long
        ([1.0, 0.0], [-3.0, 0.0], -1.0),  # opposite directions
        ([3.0, 4.0], [4.0, 3.0], 0.96),  # 24 / (5 * 5)
    ],
)
def test_cosine_of_known_pairs(a, b, cos):
    """If the close pair doesn’t outscore the far pair, your similarity code or normalization is wrong.

    Small vectors whose cosine you can work out by hand.
    """
    got = u04.cosine(a, b)
    expect(isinstance(got, numbers.Real) and math.isclose(got, cos, abs_tol=ROUNDING),
           call=f"cosine({a}, {b})", returned=got, expected=f"{cos}",
           hint="a float32 keeps about 7 digits: work in Python floats (or float64) and return a float"
           if type(got).__name__ == "float32" else "return the number itself, a float, not text that shows it"
           if isinstance(got, str) else
           "the course's step 3: the dot product divided by the product of the two lengths, a length being the square root of the sum of squares")


# Vectors of a few numbers; a vector that is (almost) all zeros has no direction and is left out.
ELEMENT = st.floats(-100, 100, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def pair_of_vectors():
    return st.integers(1, 8).flatmap(lambda n: st.tuples(st.lists(ELEMENT, min_size=n, max_size=n),
                                                         st.lists(ELEMENT, min_size=n, max_size=n)))


def has_direction(v):
    return math.sqrt(sum(x * x for x in v)) > 0.1


# Hypothesis seeds a test from its source: this pins the seed its examples came from before its clause was reworded.
SYMMETRIC_SEED = 24705769745870931115511724936931332427350931522604575801162792464061675553654785163876136213111558260351096950069594


@pytest.mark.verify
@seed(SYMMETRIC_SEED)
@given(pair=pair_of_vectors())
def test_cosine_is_symmetric_and_between_minus_one_and_one(pair):
    """If the close pair doesn’t outscore the far pair, your similarity code or normalization is wrong.

    Property: cosine(a, b) == cosine(b, a), to the last bit, and it lies in [-1, 1] (up to rounding) for any vectors.
    """
    a, b = pair
    assume(has_direction(a) and has_direction(b))
    given_a, given_b = list(a), list(b)
    ab = u04.cosine(a, b)
    # A cosine that rewrites its arguments hands the second call other vectors: say so, not "not symmetric" over
    # vectors that already changed (run on those, the two calls may well agree).
    changed = [name for name, now, was in (("a", a, given_a), ("b", b, given_b)) if now != was]
    expect(not changed, call=f"cosine(a, b) with a={given_a}, b={given_b}",
           returned=Did(f"changed {' and '.join(changed)}: afterwards a={a}, b={b}"),
           expected="a and b left as they were, so that cosine(b, a) can be asked of the same vectors",
           hint="compute the lengths and the dot product from the numbers; do not rewrite the caller's lists",
           clause="Leave `a` and `b` as they are.")
    ba = u04.cosine(b, a)
    expect(ab == ba, call=f"cosine(a, b) and cosine(b, a) with a={a}, b={b}",
           returned=(ab, ba), expected="the same number both ways, to the last bit",
           hint="the angle between a and b is the angle between b and a: compute it so that swapping them changes no "
                "step's result (dividing by one length and then by the other is not the same both ways round in floats)",
           clause="the same number both ways round, to the last bit")
    expect(-1 - ROUNDING <= ab <= 1 + ROUNDING, call=f"cosine({a}, {b})", returned=ab, expected="a number in [-1, 1]",
           hint="a dot product alone grows with the vectors' lengths: the course's step 3 divides it by the product of the two lengths")


@pytest.mark.verify
@given(pair=pair_of_vectors(), factor=st.floats(0.001, 1000))
def test_cosine_ignores_length(pair, factor):
    """If the close pair doesn’t outscore the far pair, your similarity code or normalization is wrong.

    Property: scaling a vector by a positive number keeps its direction, so its cosine is unchanged.
    (The API's vectors happen to have length 1, where a plain dot product looks right: this is where it is not.)
    """
    a, b = pair
    assume(has_direction(a) and has_direction(b))
    scaled = [factor * x for x in a]
    before, after = u04.cosine(a, b), u04.cosine(scaled, b)
    expect(math.isclose(before, after, rel_tol=1e-6, abs_tol=1e-9),
           call=f"cosine(a, b) and cosine({factor} * a, b) with a={a}, b={b}", returned=(before, after),
           expected="the same cosine: scaling a vector does not change its direction",
           hint="normalise: divide the dot product by the lengths of both vectors (sqrt of the sum of squares)")


ZERO, MISMATCH = "a zero vector", "vectors of different dimensions"
PROBLEM_HINTS = {
    ZERO: "a vector of zeros has length 0: check both norms and raise ValueError before dividing",
    MISMATCH: "check that both vectors have as many numbers first: pairing them up silently drops the extra numbers of the longer one",
}


@pytest.mark.verify
@pytest.mark.parametrize(
    ("a", "b", "problem"),
    [
        ([0.0, 0.0, 0.0], [1.0, 2.0, 3.0], ZERO),
        ([1.0, 2.0, 3.0], [0.0, 0.0, 0.0], ZERO),
        ([1.0, 2.0], [1.0, 2.0, 3.0], MISMATCH),
        ([1.0, 2.0, 3.0, 4.0], [1.0, 2.0], MISMATCH),
    ],
)
def test_cosine_rejects_what_has_no_angle(a, b, problem):
    """Raise ValueError, with a message that says which problem it is, when the vectors have different lengths (give both numbers) or either of them is all zeros

    A zero vector has no direction, and vectors of different lengths come from different models (or a
    bug): both raise ValueError with a message that says so, rather than returning a number.
    """
    what, value = raised(u04.cosine, a, b)
    ok = what == "raised" and isinstance(value, ValueError) and str(value).strip() != ""
    nudge = PROBLEM_HINTS[problem]
    expect(ok, call=f"cosine({a}, {b})", returned=testing.raised(value) if what == "raised" else value,
           expected=f"a ValueError with a message about {problem}", hint=nudge)


@pytest.mark.contract
@pytest.mark.parametrize(("a", "b", "cos"), [
    ([3e-4, 4e-4], [4.0, 3.0], 0.96),
    ([0.0, 2e-7], [0.0, 5.0], 1.0),
    ([1e-5, 0.0, 0.0], [0.0, 0.0, 3e-6], 0.0),
], ids=["ten-thousandths", "a ten-millionth", "two short vectors at a right angle"])
def test_a_short_vector_that_is_not_all_zeros_has_a_direction(a, b, cos):
    """either of them is all zeros (say "zero": a zero vector has no direction)

    Only a vector that is all zeros has no direction: a short one (0.0003 is a number of everyday
    size) is scaled down, not refused, and its cosine is the one of any longer vector its way.
    """
    what, value = raised(u04.cosine, a, b)
    ok = what == "returned" and isinstance(value, float) and math.isclose(value, cos, rel_tol=1e-9, abs_tol=1e-9)
    clause, kind_hint = of_another_kind(what, value, cos)
    expect(ok, call=f"cosine({a}, {b})", returned=testing.raised(value) if what == "raised" else value,
           expected=f"{cos}, a float, as for any longer vectors in those directions",
           hint=kind_hint or "refuse a vector only when every number in it is zero, not when its length is below some small number",
           clause=clause)


@pytest.mark.stretch
@pytest.mark.vcr
def test_opposite_sentiment_still_embeds_close():
    """Try adversarial: ‘cats are great’ vs ‘cats are terrible’. They embed close together — same topic, opposite sentiment. Verify the cosine is high (≥ 0.6) to prove embeddings don’t encode polarity."""
    great, terrible = embedded([u04.GREAT, u04.TERRIBLE], "embed([GREAT, TERRIBLE])")
    got = u04.cosine(great, terrible)
    expect(got >= CLOSE_PAIR_AT_LEAST, call="cosine(*embed([GREAT, TERRIBLE]))", returned=got,
           expected=f"a cosine ≥ {CLOSE_PAIR_AT_LEAST}: the topic dominates, the sentiment barely moves the vector",
           hint="embed both sentences in one call, then compare them with your cosine")


# --- issue 20: each clause met by an input that tells it from its nearest wrong reading ------------


def stand_in_client(monkeypatch, dimensions=4):
    """Voyage's embed at the SDK, answered here: each text gets its own vector; every call is recorded."""
    import types

    calls = []

    def fake_embed(self, texts, *args, **kwargs):
        calls.append((list(texts), args, dict(kwargs)))
        # A text's vector is built from its characters, so equal texts get equal vectors, others not.
        vectors = [[float(sum(map(ord, text)) % 97 + i + 1) / 100 for i in range(dimensions)] for text in texts]
        return types.SimpleNamespace(embeddings=vectors)

    monkeypatch.setattr(voyageai.Client, "embed", fake_embed)
    return calls


TWELVE = [f"Sentence number {n} is about {topic}." for n, topic in enumerate(
    ["cats", "kittens", "cars", "tires", "sun", "naps", "roads", "fur", "engines", "whiskers"], 1)]
TWELVE = TWELVE[:6] + [TWELVE[0]] + TWELVE[6:9] + [TWELVE[2], TWELVE[9]]  # two texts sent twice


@pytest.mark.contract
def test_embed_sends_twelve_texts_with_repeats_in_one_call(monkeypatch):
    """Make exactly one API call for the whole list,

    Twelve texts, two of them twice: one embed request holding all twelve, in order, for
    EMBEDDING_MODEL; and twelve vectors back, one per text in its place (a text sent twice gets its
    vector twice), each a list of Python floats.
    """
    calls = stand_in_client(monkeypatch)
    got = u04.embed(list(TWELVE))
    sent = [texts for texts, _, _ in calls]
    expect(sent == [TWELVE], call="embed(twelve texts, two of them repeated)",
           returned=Did(f"made {len(calls)} call{'s' * (len(calls) != 1)}"
                        + (f", sending {' and '.join(str(len(texts)) for texts in sent)} texts" if sent else "")
                        + ("" if len(sent) != 1 or len(sent[0]) != len(TWELVE) else ", not the twelve as given")),
           expected="one call sending all twelve texts as given, repeats included, in order",
           hint="one request carries the whole list, however long it is, exactly as you were given it")
    models = [kwargs.get("model", args[0] if args else None) for _, args, kwargs in calls]
    expect(models == [EMBEDDING_MODEL], call="embed(twelve texts, two of them repeated)",
           returned=Sent(f"one call with model={models[0]!r}" if len(models) == 1 else f"{len(models)} calls, with models {models}"),
           expected=f"the call to send model={EMBEDDING_MODEL!r}", hint="name the unit's EMBEDDING_MODEL in the request",
           clause='EMBEDDING_MODEL comes from kata.models ("voyage-3")')
    rows = list(got) if isinstance(got, list) else got
    want = [[float(sum(map(ord, text)) % 97 + i + 1) / 100 for i in range(4)] for text in TWELVE]
    ok = isinstance(rows, list) and len(rows) == len(TWELVE) and all(
        list(row) == w and all(isinstance(x, float) for x in row) for row, w in zip(rows, want))
    expect(ok, call="embed(twelve texts, two of them repeated)", returned=rows,
           expected="twelve lists of Python floats, the SDK's vectors, each in the place of its text",
           hint="return the vectors the API sent back, one per text you were given, in that order, as plain floats")


@pytest.mark.contract
@pytest.mark.parametrize(("a", "b", "want"), [
    ([0.2, 0.8, 0.9], [0.2, 0.8, 0.9], 1.0),
    ([0.2, 0.8, 0.9], [-0.2, -0.8, -0.9], -1.0),
    ([0.1, 0.7, 0.3, 0.9], [0.3, 2.1, 0.9, 2.7], 1.0),
])
def test_cosine_stays_in_range_where_rounding_overshoots(a, b, want):
    """always in [-1, 1], even where rounding would overshoot (clamp it),

    Computed plainly, these give 1.0000000000000002 or its negative: the cosine is never outside [-1, 1].
    """
    got = u04.cosine(a, b)
    clause, kind_hint = of_another_kind("returned", got, want)
    expect(isinstance(got, float) and -1.0 <= got <= 1.0 and math.isclose(got, want, abs_tol=ROUNDING),
           call=f"cosine({a}, {b})", returned=got, expected=f"{want}, a float, and never past it",
           hint=kind_hint or "rounding can push the quotient a hair past 1 or -1: clamp the result into [-1, 1]", clause=clause)


@pytest.mark.contract
@pytest.mark.parametrize(("a", "b", "want"), [
    ([1, 0], [0, 1], 0.0),
    ([1, -1], [1, 1], 0.0),  # sums to zero, but it is not a zero vector
    ([3, 4], [4, 3], 0.96),
    ([True, False, True], [1, 0, 1], 1.0),
    ([2, -1], [-2, 1], -1.0),
])
def test_cosine_takes_ints_and_returns_a_float(a, b, want):
    """The numbers may be ints or floats.

    Lists of ints (or 0/1 flags) are vectors too; [1, -1] adds up to 0 but points somewhere. The
    answer is a Python float (numpy's float32 is not one, and rounds 1 to 0.99999994).
    """
    what, got = raised(u04.cosine, a, b)
    clause, kind_hint = of_another_kind(what, got, want)
    expect(what == "returned" and isinstance(got, float) and math.isclose(got, want, abs_tol=ROUNDING),
           call=f"cosine({a}, {b})", returned=shown(what, got), expected=f"{want}, a float",
           hint=kind_hint or "any number works in the formula; a vector is zero when every number in it is zero, not when "
                             "they add up to zero", clause=clause)


@pytest.mark.contract
def test_cosine_leaves_its_arguments_alone():
    """Leave `a` and `b` as they are.

    The caller's vectors are theirs: after the call they hold the same numbers, of the same kinds (an int stays an
    int), at the same length.
    """
    a, b = [3, 4, 12], [1.0, 0.0, 2.0]  # ints stay ints: 3.0 == 3 in Python, so the kinds are compared too
    before = (list(a), list(b))
    u04.cosine(a, b)
    kinds = lambda vector: [type(x).__name__ for x in vector]  # noqa: E731
    retyped = (a, b) == before and (kinds(a), kinds(b)) != (kinds(before[0]), kinds(before[1]))  # == but not the same
    expect((a, b) == before and not retyped,
           call=f"cosine({before[0]}, {before[1]})",
           returned=Did(f"left a={a}, b={b}" + (f": the same numbers, now of the kinds {kinds(a)} and {kinds(b)}"
                                                  if retyped else "")),
           expected=f"a={before[0]}, b={before[1]} afterwards: unchanged"
                    + (f", of the kinds {kinds(before[0])} and {kinds(before[1])}" if retyped else ""),
           hint="compute the lengths and the dot product from the numbers; do not rewrite the caller's lists")


def message_of(function, *args):
    """(the message of the ValueError function(*args) raised, or None; what it did, as a failure shows it)."""
    what, value = raised(function, *args)
    return str(value) if what == "raised" and isinstance(value, ValueError) else None, shown(what, value)


@pytest.mark.contract
@pytest.mark.parametrize(("a", "b"), [
    ([0.5, 1.5, 2.5], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]),
    ([9.0] * 11, [1.0, 2.0, 3.0, 4.0]),
])
def test_cosine_length_message_gives_both_lengths(a, b):
    """when the vectors have different lengths (give both numbers)

    The message names both lengths (here 3 and 7, or 11 and 4), so the reader sees which vector is off.
    """
    got, did = message_of(u04.cosine, a, b)
    numbers_in = set(re.findall(r"\d+", got or ""))
    expect(got is not None and {str(len(a)), str(len(b))} <= numbers_in, call=f"cosine({a}, {b})",
           returned=did, expected=f"a ValueError whose message gives both lengths, {len(a)} and {len(b)}",
           hint="say how many numbers each vector has, both of them, in the message")


@pytest.mark.contract
@pytest.mark.parametrize(("a", "b"), [([0.0, 0.0], [1.0, 1.0]), ([1.0, -1.0, 2.0], [0, 0, 0]), ([0, 0], [0, 0])])
def test_cosine_zero_message_says_zero(a, b):
    """either of them is all zeros (say "zero": a zero vector has no direction)

    Either vector may be the zero one (or both); the message says "zero".
    """
    got, did = message_of(u04.cosine, a, b)
    expect(got is not None and "zero" in got.lower(), call=f"cosine({a}, {b})", returned=did,
           expected="a ValueError whose message says the vector is zero",
           hint="before dividing, look at both vectors: when either is all zeros, say so in the message")


@pytest.mark.contract
@pytest.mark.parametrize(("a", "b"), [([0.0, 0.0], [0.0, 0.0, 0.0]), ([0.0], [1.0, 2.0])])
def test_cosine_with_both_problems_raises_either_message(a, b):
    """when both hold, either message will do.

    Different lengths and a zero vector at once: a ValueError naming one of the two problems.
    """
    got, did = message_of(u04.cosine, a, b)
    says = got is not None and ("zero" in got.lower() or {str(len(a)), str(len(b))} <= set(re.findall(r"\d+", got)))
    expect(says, call=f"cosine({a}, {b})", returned=did,
           expected="a ValueError saying that a vector is zero, or giving both lengths",
           hint="check for each problem before computing anything")


INTEGERS = st.integers(-20, 20)


@pytest.mark.verify
@given(n=st.integers(1, 6).flatmap(lambda n: st.tuples(st.lists(INTEGERS, min_size=n, max_size=n),
                                                       st.lists(INTEGERS, min_size=n, max_size=n))))
def test_cosine_of_small_integer_vectors(n):
    """Return the cosine similarity of vectors `a` and `b` (lists of numbers), a float.

    Property: for small integer vectors (sums of zero, opposite and equal vectors included) the
    cosine is a float in [-1, 1] matching the textbook formula; a zero vector raises ValueError.
    """
    a, b = n
    what, got = raised(u04.cosine, a, b)
    if not any(a) or not any(b):
        expect(what == "raised" and isinstance(got, ValueError), call=f"cosine({a}, {b})", returned=shown(what, got),
               expected="a ValueError: a zero vector has no direction",
               hint="a vector is zero when every number in it is zero")
        return
    want = sum(x * y for x, y in zip(a, b)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))
    clause, kind_hint = of_another_kind(what, got, want)
    expect(what == "returned" and isinstance(got, float) and -1.0 <= got <= 1.0 and math.isclose(got, want, abs_tol=1e-9),
           call=f"cosine({a}, {b})", returned=shown(what, got), expected=f"about {want:.6f}, a float in [-1, 1]",
           hint=kind_hint or "the dot product divided by the product of the two lengths; negative when they point apart",
           clause=clause)
