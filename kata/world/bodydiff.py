"""How two JSON request bodies differ, in words: one line per difference, for the learner to read.

Used by the cassette matcher (its AssertionError text) and by the no-match message. It must never
raise, whatever the two values are: it runs inside vcrpy while a request is being matched, and a
crash there would hide the learner's real mistake behind a traceback of the kata's.
"""

from __future__ import annotations

import json

TEXT_SHOWN = 80  # characters of a value or line shown before it is cut with "…"

# Whitespace named in words; anything else is shown as a Python literal.
WHITESPACE_NAMES = {"\n": "newline", "\r\n": "Windows line ending (\\r\\n)", "\r": "carriage return",
                    " ": "space", "\t": "tab"}


def body_differences(mine, recorded, where: str = "") -> list[str]:
    """Readable differences between two JSON values, at most one line per difference ([] when equal)."""
    if isinstance(mine, dict) and isinstance(recorded, dict):
        lines = []
        for key in list(recorded) + [k for k in mine if k not in recorded]:
            path = f"{where}.{key}" if where else str(key)
            if key not in mine:
                lines.append(f"{path}: missing in your request (recorded: {_short(recorded[key])})")
            elif key not in recorded:
                lines.append(f"{path}: {_short(mine[key])} in your request, absent from the recording")
            else:
                lines += body_differences(mine[key], recorded[key], path)
        return lines
    if isinstance(mine, list) and isinstance(recorded, list):
        items = [line for i, (a, b) in enumerate(zip(mine, recorded)) for line in body_differences(a, b, f"{where}[{i}]")]
        if len(mine) != len(recorded):
            return [f"{where or 'the body'}: {len(mine)} items in your request, {len(recorded)} recorded"] + items[:3]
        return items
    if _scalars_equal(mine, recorded):
        return []
    if isinstance(mine, str) and isinstance(recorded, str):
        if mine.strip() == recorded.strip() or "\n" in mine or "\n" in recorded or len(recorded) > TEXT_SHOWN:
            return [f"{where or 'the body'}: {text_difference(mine, recorded)}"]
    return [f"{where or 'the body'}: {_short(mine)} in your request, {_short(recorded)} recorded"]


def _scalars_equal(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):  # JSON's true is not the number 1
        return type(a) is type(b) and a == b
    if type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float))):
        return False
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - two values that cannot even be compared are not equal
        return False


def text_difference(mine: str, recorded: str) -> str:
    """Where two different strings first differ, in words (whitespace named, never just shown)."""
    if mine.strip() == recorded.strip():
        return _whitespace_difference(mine, recorded)
    a, b = mine.splitlines(keepends=True), recorded.splitlines(keepends=True)
    number = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    if number >= len(a):
        return (f"the recording has more lines: your text stops after line {number}, "
                f"the recording's line {number + 1} is {_line(b[number])}")
    if number >= len(b):
        return (f"your text has more lines: the recording stops after line {number}, "
                f"your line {number + 1} is {_line(a[number])}")
    x, y = a[number], b[number]
    (x_text, x_end), (y_text, y_end) = _split_ending(x), _split_ending(y)
    if x_text == y_text and not x_end and number + 1 < len(b):  # yours stops where the recording goes on
        return (f"the recording has more lines: your text stops after line {number + 1}, "
                f"the recording's line {number + 2} is {_line(b[number + 1])}")
    if x_text == y_text and not y_end and number + 1 < len(a):
        return (f"your text has more lines: the recording stops after line {number + 1}, "
                f"your line {number + 2} is {_line(a[number + 1])}")
    if x_text == y_text:
        return f"line {number + 1} ends with {_ending(x_end)} in your text, {_ending(y_end)} in the recording"
    column = next((i for i, (p, q) in enumerate(zip(x_text, y_text)) if p != q), min(len(x_text), len(y_text)))
    return (f"line {number + 1} differs (from character {column + 1}):\n"
            f"      yours:    {_window(x_text, column)}\n"
            f"      recorded: {_window(y_text, column)}")


def _whitespace_difference(mine: str, recorded: str) -> str:
    """Two strings equal but for the whitespace around them."""
    if not mine.strip():  # only whitespace (or nothing) on both sides
        return f"yours is {_words(mine)}, the recording's is {_words(recorded)}"
    parts = []
    lead_a, lead_b = mine[: len(mine) - len(mine.lstrip())], recorded[: len(recorded) - len(recorded.lstrip())]
    trail_a, trail_b = mine[len(mine.rstrip()):], recorded[len(recorded.rstrip()):]
    if lead_a != lead_b:
        parts.append(_edge("starts", lead_a, lead_b))
    if trail_a != trail_b:
        parts.append(_edge("ends", trail_a, trail_b))
    return "; ".join(parts)


def _edge(verb: str, yours: str, theirs: str) -> str:
    side = "leading" if verb == "starts" else "trailing"
    if not yours:
        return f"your text {verb} without the recording's {side} {_words(theirs)}"
    if not theirs:
        return f"your text {verb} with a {side} {_words(yours)} that the recording does not have"
    return f"your text {verb} with {_words(yours)}, the recording's with {_words(theirs)}"


def _words(whitespace: str) -> str:
    if whitespace == "":
        return "nothing (an empty string)"
    if whitespace in WHITESPACE_NAMES:
        return WHITESPACE_NAMES[whitespace]
    if len(set(whitespace)) == 1 and whitespace[0] in WHITESPACE_NAMES:
        return f"{len(whitespace)} × {WHITESPACE_NAMES[whitespace[0]]}"
    return _short(whitespace)


def _split_ending(line: str) -> tuple[str, str]:
    text = line.splitlines()[0] if line else ""
    return text, line[len(text):]


def _ending(ending: str) -> str:
    return WHITESPACE_NAMES.get(ending, repr(ending)) if ending else "no line ending"


def _line(line: str) -> str:
    text, _ = _split_ending(line)
    return _short(text) if text else "an empty line"


def _window(text: str, column: int) -> str:
    """The part of a long line around `column`, where two lines start to differ."""
    if len(text) <= TEXT_SHOWN:
        return repr(text)
    start = max(0, column - TEXT_SHOWN // 3)
    shown = text[start: start + TEXT_SHOWN]
    return ("…" if start else "") + repr(shown) + ("…" if start + TEXT_SHOWN < len(text) else "")


def _short(value, limit: int = TEXT_SHOWN) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
