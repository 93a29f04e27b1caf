"""Counting what learner code sends: a spy on an SDK method that records each call and still makes it.

    with spy(voyageai.Client, "embed") as calls:
        u05.search(index, "Who is the executive sponsor?")
    calls  # [Call(args=(["Who is the executive sponsor?"],), kwargs={"model": "voyage-3"})]

Tests that count requests use it: replay answers a request no cassette holds (kata/world/replay.py), so a
learner who sends one request per text gets answers, and only a count can tell. A spy that saw no
call at all is said to be so by `never_called`, so a test never passes or fails for the wrong reason.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Call:
    args: tuple  # without the bound object (self)
    kwargs: dict

    def argument(self, position: int, name: str):
        """The argument passed at `position` or as `name`; None when it was not passed."""
        return self.args[position] if len(self.args) > position else self.kwargs.get(name)


@contextmanager
def spy(owner, name: str, check=None):
    """Record every call to `owner.name` (a class's method) while the block runs; each call goes through.

    `check(calls)`, if given, runs as each call arrives, before it goes through: a test that already
    knows the calls are wrong fails there (one request per text need not wait for ten answers).
    """
    own = name in owner.__dict__  # else inherited: restored by deleting ours
    original = getattr(owner, name)
    calls: list[Call] = []

    @functools.wraps(original)
    def spying(self, *args, **kwargs):
        calls.append(Call(args, dict(kwargs)))
        if check is not None:
            check(calls)
        return original(self, *args, **kwargs)

    setattr(owner, name, spying)
    try:
        yield calls
    finally:
        if own:
            setattr(owner, name, original)
        else:
            delattr(owner, name)


def never_called(owner, name: str, what: str) -> str:
    """The words for a spy that saw nothing: the test could not watch the call it is about."""
    return (f"no call to {owner.__module__.split('.')[0]}.{owner.__name__}().{name}(...) while {what}: "
            f"the test counts the requests your code sends through that method, as the unit's docstring asks")
