"""Finding the exception that explains a failure inside the ones libraries wrap around it.

An SDK rarely lets the kata's own exceptions (a cassette miss, a blocked network call) reach the
test as they were raised: anthropic raises APIConnectionError `from` them, voyageai its own error
classes, requests a ConnectionError holding urllib3's MaxRetryError in its args, urllib a URLError
with a `reason`, hypothesis an ExceptionGroup, and learner code may catch one and raise another.
"""

from __future__ import annotations

MAX_LOOKED_AT = 200  # exceptions looked at before giving up: a chain is never that long honestly


def find_cause(error: BaseException | None, kind: type[BaseException]):
    """The first exception of type `kind` in `error` or anything it wraps, breadth first; None if none."""
    return find_matching(error, lambda current: isinstance(current, kind))


def find_matching(error: BaseException | None, test):
    """The first exception in `error` or anything it wraps for which `test(exception)` is true; None if none."""
    queue, seen = [error], set()
    while queue and len(seen) < MAX_LOOKED_AT:
        current = queue.pop(0)
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        if test(current):
            return current
        seen.add(id(current))
        queue += [current.__cause__, current.__context__, getattr(current, "reason", None)]
        queue += list(getattr(current, "exceptions", None) or ()) if isinstance(current, BaseExceptionGroup) else []
        queue += [arg for arg in _args(current) if isinstance(arg, BaseException)]
    return None


def _args(error: BaseException) -> tuple:
    try:
        return tuple(error.args)
    except Exception:  # noqa: BLE001 - an exception whose args cannot even be read wraps nothing we can see
        return ()
