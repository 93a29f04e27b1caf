"""JUnit XML from the kata's results, for classroom tools: one <testsuite> per unit, written by the
parent process, so a unit whose process crashed or timed out is still in the file, marked so."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from kata.judge.report import UnitResult


def xml(results: dict[str, UnitResult]) -> str:
    suites = []
    for result in results.values():
        cases = []
        for test in result.tests:
            body = ""
            if test.outcome == "skipped":  # skipped, or never run (after a timeout or a crash)
                body = f"<skipped message={quoteattr(test.message[:200])}/>"
            elif not test.passed:
                body = f"<failure type={quoteattr(test.state)} message={quoteattr(test.message.splitlines()[0] if test.message else test.state)}>" \
                       f"{_text(test.message)}</failure>"
            cases.append(f'    <testcase classname="{result.unit.slug}.{test.kind}" name={quoteattr(test.name)} '
                         f'time="{test.seconds:.3f}">{body}</testcase>')
        if result.ended_how:  # the process died or was stopped: the tests it never reached are failures too
            cases.append(f'    <testcase classname="{result.unit.slug}.process" name="{result.ended_how}">'
                         f'<error type={quoteattr(result.ended_how)} message={quoteattr(result.ended.splitlines()[0])}>'
                         f'{_text(result.ended)}</error></testcase>')
        failures = sum(t.failing for t in result.tests)
        suites.append(f'  <testsuite name="{result.unit.code} {_attr(result.unit.title)}" tests="{len(cases)}" '
                      f'failures="{failures}" errors="{int(bool(result.ended_how))}" status={quoteattr(result.status)}>\n'
                      + "\n".join(cases) + "\n  </testsuite>")
    return '<?xml version="1.0" encoding="utf-8"?>\n<testsuites>\n' + "\n".join(suites) + "\n</testsuites>\n"


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\x00", "")


def _attr(value: str) -> str:
    return _text(value).replace('"', "&quot;")
