"""`kata mutate`: how well each unit's tests kill mutants of its reference solution (maintainers only).

A mutant is `solutions/<slug>.py` with ONE small change (a `<` made `<=`, a `+` made `-`, a constant
nudged, a `return x` made `return None`, a call statement dropped, a string constant prefixed with
"XX"). It is written to a temporary file and swapped in for its unit through the kata's own worker,
exactly as the mistake rounds of tests/harness/test_soundness.py swap in a learner's mistake; the
unit's tests then run against it with `--kata-catch`. A mutant is **killed** when a test fails, the
run crashes or times out (timeouts count as killed but are reported apart), and **survives** when
every test passes or is skipped. Survivors that cannot be killed (the change does not change what the
function does) are listed, one id and a reason a line, in `tests/mutants/<slug>.txt` and left out of
the score: score = killed / (killed + survived).

Why a mutator of our own, not mutmut: mutmut 3 copies the tree into `mutants/` and runs the tests
there, so the kata's import machinery (kata/learner/impl.py loads `solutions/` or a swapped file by path)
would load the unmutated solutions and every mutant would "survive"; it does not mutate module-level
constants (prompt texts, term lists), which the issue wants checked too; and it needs its own
trampolines in the code under test. Here the mutated module goes through the same `--kata-swap` path
as any learner module, and each unit's run first checks that path: the unmutated copy must pass every
test, and a copy that cannot even be imported must fail (or every mutant would "survive").

Operators (each mutant applies one, once), on every function body, private `_helpers` included:
comparisons `<`/`<=`, `>`/`>=`, `==`/`!=`, `in`/`not in`, `is`/`is not` swapped; arithmetic `+`/`-`,
`*`/`/` swapped and `//` made `/` (in `x op= y` too); `and`/`or` swapped; `not x` made `x`; numbers
`n` made `n+1` (ints 0 and 1 made 1 and 0); `True`/`False` swapped; `return x` made `return None`; a
call statement (`rows.append(row)`) made `pass`; a slice bound `e` made `e + 1`; a string `"s"` made
`"XX" + "s"`. Module-level constants get the constant operators too (numbers, booleans, strings).
Left alone: docstrings, annotations, imports, `if __name__ == "__main__":` blocks, f-strings (kept
whole: before Python 3.12 `ast` gives no true positions inside them), and the strings of `raise` and
`assert` statements (the tests check an error's type and that its message names the culprit, never
its exact words, so a prefixed message is equivalent by design). Every mutant is parsed before use.

Each mutant has a stable id, `u05:search_matrix:+9:Gt->GtE` (unit, function or module constant, the
line within it with its docstring not counted, operator; `#2`, `#3` for a repeat on the same line),
which the equivalents files use: editing another function, or a docstring, leaves every id as it was.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from kata.units import ROOT, Unit

EQUIVALENTS_DIR = ROOT / "tests" / "mutants"
TIME_LIMIT = 5.0  # seconds a test: a mutant can loop forever; every correct test takes well under 1 s
WALL_LIMIT = 120.0  # seconds a mutant's whole run may take, the backend's computing included (then: killed, timed out)

COMPARE_SWAPS = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
                 ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}
ARITH_SWAPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div}
SYMBOLS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.In: "in",
           ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not", ast.Add: "+", ast.Sub: "-", ast.Mult: "*",
           ast.Div: "/", ast.FloorDiv: "//", ast.And: "and", ast.Or: "or"}
# How each operator is found in the text between its two operands (comments blanked out first).
PATTERNS = {ast.Lt: r"<(?!=)", ast.LtE: r"<=", ast.Gt: r">(?!=)", ast.GtE: r">=", ast.Eq: r"==", ast.NotEq: r"!=",
            ast.In: r"\bin\b", ast.NotIn: r"\bnot\s+in\b", ast.Is: r"\bis\b(?!\s+not\b)", ast.IsNot: r"\bis\s+not\b",
            ast.Add: r"\+", ast.Sub: r"-", ast.Mult: r"\*(?!\*)", ast.Div: r"(?<!/)/(?!/)", ast.FloorDiv: r"//",
            ast.And: r"\band\b", ast.Or: r"\bor\b"}


@dataclass
class Mutant:
    id: str
    line: int
    before: str  # the original line, as in the file
    after: str  # the same line in the mutant
    source: str = field(repr=False, default="")

    @property
    def diff(self) -> str:
        return f"L{self.line}: - {self.before.strip()}\n{' ' * (len(str(self.line)) + 3)}+ {self.after.strip()}"


class _Source:
    """The module's text as UTF-8 bytes, addressed the way `ast` addresses it (line, byte column)."""

    def __init__(self, text: str):
        self.data = text.encode("utf-8")
        self.starts = [0]
        for line in self.data.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))

    def at(self, line: int, col: int) -> int:
        return self.starts[line - 1] + col

    def start(self, node) -> int:
        return self.at(node.lineno, node.col_offset)

    def end(self, node) -> int:
        return self.at(node.end_lineno, node.end_col_offset)

    def line_of(self, offset: int) -> int:
        return next(i for i in range(len(self.starts) - 1, -1, -1) if self.starts[i] <= offset) + 1



def _blank_comments(gap: str) -> str:
    return re.sub(r"#[^\n]*", lambda m: " " * len(m.group()), gap)


class _Finder(ast.NodeVisitor):
    """Walks a module and collects (byte start, byte end, replacement, context, label) edits."""

    def __init__(self, src: _Source):
        self.src = src
        self.edits: list[tuple[int, int, str, str, str]] = []
        self.context: list[str] = []
        self.anchors: list[tuple[int, int, int]] = [(0, 0, 0)]  # (first line, docstring's last line, its span)
        self.quiet_strings = 0  # inside raise/assert: their strings are messages

    # --- where we are ---------------------------------------------------------------------------

    def _where(self) -> str:
        return ".".join(self.context) or "<module>"

    def _add(self, start: int, end: int, text: str, label: str) -> None:
        self.edits.append((start, end, text, f"{self._where()}:{self._offset(self.src.line_of(start))}", label))

    def _offset(self, line: int) -> str:
        """The line within its function or constant, its docstring not counted: `+3`. An id that names
        lines this way survives edits anywhere else in the file, and to the function's own docstring."""
        first, doc_end, doc_span = self.anchors[-1]
        return f"{line - first - (doc_span if line > doc_end else 0):+d}"

    def _anchor(self, node, body=()) -> None:
        doc = self._docstring(body)
        self.anchors.append((node.lineno, doc.end_lineno if doc else 0,
                             doc.end_lineno - doc.lineno + 1 if doc else 0))

    def _body(self, body: list[ast.stmt]) -> None:
        """Visit statements, a docstring (a bare string first) left out."""
        for stmt in self._docless(body):
            self.visit(stmt)

    def visit_Module(self, node: ast.Module) -> None:
        for stmt in self._docless(node.body):
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)):  # a module constant: named after its target
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                names = [t.id for t in targets if isinstance(t, ast.Name)]
                self.context.append(names[0] if names else "<module>")
                self._anchor(stmt)
                if stmt.value is not None:
                    self.visit(stmt.value)
                self.context.pop()
                self.anchors.pop()
            elif self._is_main_block(stmt) or isinstance(stmt, (ast.Import, ast.ImportFrom)):
                continue
            else:
                self.visit(stmt)

    @staticmethod
    def _docstring(body) -> ast.Expr | None:
        """The docstring statement of a module, class or function body (a bare string first), if any."""
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            return body[0]
        return None

    @classmethod
    def _docless(cls, body):
        return body[1:] if cls._docstring(body) else body

    @staticmethod
    def _is_main_block(stmt) -> bool:
        return isinstance(stmt, ast.If) and "__name__" in ast.unparse(stmt.test)

    def _function(self, node) -> None:
        self.context.append(node.name)
        self._anchor(node, node.body)
        for default in [*node.args.defaults, *[d for d in node.args.kw_defaults if d is not None]]:
            self.visit(default)
        for decorator in node.decorator_list:
            self.visit(decorator)
        self._body(node.body)
        self.context.pop()
        self.anchors.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.context.append(node.name)
        self._anchor(node, node.body)
        self._body(node.body)
        self.anchors.pop()
        self.context.pop()

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:  # the annotation is not code
        self.visit(node.target)
        if node.value is not None:
            self.visit(node.value)

    def visit_arguments(self, node) -> None:  # annotations only; defaults are visited by _function
        pass

    def visit_Lambda(self, node: ast.Lambda) -> None:
        for default in node.args.defaults:
            self.visit(default)
        self.visit(node.body)

    def visit_Import(self, node) -> None:
        pass

    visit_ImportFrom = visit_Import

    def visit_JoinedStr(self, node) -> None:
        """An f-string is left whole: before Python 3.12, `ast` gives no true positions inside one."""

    def _quiet(self, node) -> None:
        self.quiet_strings += 1
        self.generic_visit(node)
        self.quiet_strings -= 1

    visit_Raise = visit_Assert = _quiet

    # --- the operators --------------------------------------------------------------------------

    def _operator(self, left, right, op_type, new_type, label_suffix: str = "") -> None:
        start, end = self.src.end(left), self.src.start(right)
        gap = _blank_comments(self.src.data[start:end].decode("utf-8"))
        found = re.search(PATTERNS[op_type], gap)
        if found is None:  # cannot place it (never expected): skip rather than make a wrong mutant
            return
        s = start + len(gap[:found.start()].encode("utf-8"))
        e = start + len(gap[:found.end()].encode("utf-8"))
        self._add(s, e, SYMBOLS[new_type], f"{op_type.__name__}->{new_type.__name__}{label_suffix}")

    def visit_Compare(self, node: ast.Compare) -> None:
        operands = [node.left, *node.comparators]
        for op, left, right in zip(node.ops, operands, operands[1:]):
            if type(op) in COMPARE_SWAPS:
                self._operator(left, right, type(op), COMPARE_SWAPS[type(op)])
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if type(node.op) in ARITH_SWAPS:
            self._operator(node.left, node.right, type(node.op), ARITH_SWAPS[type(node.op)])
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if type(node.op) in ARITH_SWAPS:
            start, end = self.src.end(node.target), self.src.start(node.value)
            gap = _blank_comments(self.src.data[start:end].decode("utf-8"))
            found = re.search(re.escape(SYMBOLS[type(node.op)]) + "=", gap)
            if found:
                s = start + len(gap[:found.start()].encode("utf-8"))
                e = start + len(gap[:found.end()].encode("utf-8"))
                new = ARITH_SWAPS[type(node.op)]
                self._add(s, e, SYMBOLS[new] + "=", f"{type(node.op).__name__}=->{new.__name__}=")
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        old = type(node.op)
        new = ast.Or if old is ast.And else ast.And
        pieces = []  # one mutant: every `and` of this expression made `or`, kept as one edit
        for left, right in zip(node.values, node.values[1:]):
            start, end = self.src.end(left), self.src.start(right)
            gap = _blank_comments(self.src.data[start:end].decode("utf-8"))
            found = re.search(PATTERNS[old], gap)
            if found is None:
                pieces = []
                break
            pieces.append((start + len(gap[:found.start()].encode()), start + len(gap[:found.end()].encode())))
        if pieces:
            s, e = pieces[0][0], pieces[-1][1]
            text = self.src.data[s:e].decode("utf-8")
            for ps, pe in reversed(pieces):  # replace inside the span, right to left
                text = text[:ps - s] + SYMBOLS[new] + text[pe - s:]
            self._add(s, e, text, f"{old.__name__}->{new.__name__}")
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Not):
            start = self.src.start(node)  # `not` and the blanks after it go; parentheses stay
            keyword = re.match(rb"not\s*", self.src.data[start:self.src.start(node.operand)])
            self._add(start, start + keyword.end(), "", "Not->_")
        self.generic_visit(node)

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is not None and not (isinstance(node.value, ast.Constant) and node.value.value is None):
            self._add(self.src.start(node.value), self.src.end(node.value), "None", "Return->None")
        self.generic_visit(node)

    def visit_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Call) and self.context:  # a call made for its effect, in a function
            func = node.value.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else "call"
            self._add(self.src.start(node), self.src.end(node), "pass", f"Call:{name}->pass")
        self.generic_visit(node)

    def visit_Slice(self, node: ast.Slice) -> None:
        for which, bound in (("lower", node.lower), ("upper", node.upper)):
            if bound is None or isinstance(bound, ast.Constant) or (
                    isinstance(bound, ast.UnaryOp) and isinstance(bound.operand, ast.Constant)):
                continue  # a constant bound is nudged by the constant operator
            text = self.src.data[self.src.start(bound):self.src.end(bound)].decode("utf-8")
            self._add(self.src.start(bound), self.src.end(bound), f"({text}) + 1", f"Slice:{which}+1")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        value, start, end = node.value, self.src.start(node), self.src.end(node)
        if isinstance(value, bool):
            self._add(start, end, str(not value), f"{value}->{not value}")
        elif isinstance(value, int):
            new = {0: 1, 1: 0}.get(value, value + 1)
            self._add(start, end, str(new), f"Num:{value}->{new}")
        elif isinstance(value, float):
            self._add(start, end, repr(value + 1), f"Num:{value!r}->{value + 1!r}")
        elif isinstance(value, str) and not self.quiet_strings:
            text = self.src.data[start:end].decode("utf-8")
            self._add(start, end, f'("XX" + {text})', "Str->XX+Str")


def mutants(source: str, code: str) -> list[Mutant]:
    """Every single-change mutant of a module's source, in line order; ids start with `code` (u05)."""
    src = _Source(source)
    finder = _Finder(src)
    finder.visit(ast.parse(source))
    lines = source.splitlines()
    found: list[Mutant] = []
    seen: dict[str, int] = {}
    for start, end, text, where, label in sorted(finder.edits, key=lambda e: (e[0], e[1], e[4])):
        line = src.line_of(start)
        base = f"{code}:{where}:{label}"
        seen[base] = seen.get(base, 0) + 1
        mutant_id = base if seen[base] == 1 else f"{base}#{seen[base]}"
        data = src.data[:start] + text.encode("utf-8") + src.data[end:]
        mutated = data.decode("utf-8")
        try:
            ast.parse(mutated)
        except SyntaxError as error:  # a bug of the mutator's, never a mutant to run
            raise ValueError(f"the mutant {mutant_id} does not parse: {error}") from None
        after_lines = mutated.splitlines()
        after = after_lines[line - 1] if line - 1 < len(after_lines) else ""
        found.append(Mutant(mutant_id, line, lines[line - 1], after, mutated))
    return found


def unit_mutants(unit: Unit) -> list[Mutant]:
    return mutants((ROOT / unit.solution).read_text(encoding="utf-8"), f"u{unit.number:02d}")


# --- equivalent mutants ---------------------------------------------------------------------------


def equivalents_file(unit: Unit) -> Path:
    return EQUIVALENTS_DIR / f"{unit.slug}.txt"


def read_equivalents(path: Path) -> dict[str, str]:
    """id -> reason, from a file of lines `<id> <reason>`; blank lines and `#` comments ignored.
    ValueError for a line without a reason or an id listed twice."""
    listed: dict[str, str] = {}
    if not path.is_file():
        return listed
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        mutant_id, _, reason = line.partition(" ")
        if not reason.strip():
            raise ValueError(f"{path.name}:{number}: {mutant_id} needs a reason after the id")
        if mutant_id in listed:
            raise ValueError(f"{path.name}:{number}: {mutant_id} is listed twice")
        listed[mutant_id] = reason.strip()
    return listed


# --- running them ---------------------------------------------------------------------------------


@dataclass
class Verdict:
    id: str
    status: str  # killed, survived or equivalent
    how: str = ""  # for a killed mutant: "test" (a test failed), "timeout" or "crash"
    by: str = ""  # the test that killed it, or what happened
    diff: str = ""
    reason: str = ""  # an equivalent mutant's reason


@dataclass
class UnitScore:
    unit: str
    slug: str
    verdicts: list[Verdict] = field(default_factory=list)
    problem: str = ""  # why the unit could not be measured
    seconds: float = 0.0

    def count(self, status: str, how: str = "") -> int:
        return sum(v.status == status and (not how or v.how == how) for v in self.verdicts)

    @property
    def score(self) -> float | None:
        killed, survived = self.count("killed"), self.count("survived")
        return killed / (killed + survived) if killed + survived else None


def _jobs(unit: Unit, paths: list[Path]):
    from kata.running import runner, worker

    jobs = []
    for path in paths:
        swaps = ((unit.slug, path),)
        jobs.append(worker.Job([unit], ROOT / "solutions", swaps,
                               runner.pytest_args([unit], "solutions", swaps, False, ("--kata-catch",))))
    return jobs


def _judge(result) -> tuple[str, str, str]:
    """(status, how, by) of one unit's run against a mutant."""
    if result.ended_how:
        how = "timeout" if result.ended_how == "timed out" else "crash"
        return "killed", how, result.ended.splitlines()[0] if result.ended else result.ended_how
    failed = [t for t in result.tests if t.outcome == "failed"]
    if failed:
        return "killed", "timeout" if failed[0].state == "timeout" else "test", failed[0].name
    if not result.tests:
        return "killed", "crash", "no test ran"
    return "survived", "", ""


def _check_the_swap(units: list[Unit], folder: Path, time_limit: float) -> dict[str, str]:
    """Each unit's unmutated copy must pass every test and a copy that cannot import must fail, through
    the same swap the mutants use; otherwise every mutant would survive (or die) for nothing.
    The first job holds every unit, so the warm parent the worker forks from imports all their tests."""
    from kata.running import runner, worker

    copies, broken = {}, {}
    for unit in units:
        copies[unit.slug] = folder / f"{unit.slug}__original.py"
        shutil.copyfile(ROOT / unit.solution, copies[unit.slug])
        broken[unit.slug] = folder / f"{unit.slug}__canary.py"
        broken[unit.slug].write_text("raise RuntimeError('the mutation canary: this module must never load')\n")
    swaps = tuple((u.slug, copies[u.slug]) for u in units)
    jobs = [worker.Job(units, ROOT / "solutions", swaps, runner.pytest_args(units, "solutions", swaps, False))]
    jobs += _jobs_for_each(units, broken)
    results = worker.run(jobs, parallel=2, time_limit=time_limit, wall_limit=WALL_LIMIT)
    problems = {}
    for unit, canary in zip(units, results[1:]):
        original = results[0][unit.slug]
        bad = [t.name for t in original.tests if not t.passed]
        if original.ended_how or bad or not original.tests:
            problems[unit.slug] = (f"the unmutated solution does not pass through the swap: "
                                   f"{original.ended_how or ''} {bad[:3]}".strip())
        elif _judge(canary[unit.slug])[0] != "killed":
            problems[unit.slug] = "a module that cannot import passed: the swap does not reach the unit's tests"
    return problems


def _jobs_for_each(units, paths):
    return [_jobs(u, [paths[u.slug]])[0] for u in units]


def measure(units: list[Unit], time_limit: float = TIME_LIMIT, parallel: int = 2,
            on_unit=None, echo=print) -> list[UnitScore]:
    """Run every mutant of each unit's solution against its tests; one UnitScore per unit."""
    from kata.running import worker

    scores = []
    with tempfile.TemporaryDirectory(prefix="kata-mutants-") as tmp:
        folder = Path(tmp)
        for data in (ROOT / "solutions").iterdir():  # a unit's own data beside its module (u10_my_eval.jsonl)
            if data.is_file() and data.suffix != ".py" and any(data.name.startswith(u.slug[:4]) for u in units):
                shutil.copyfile(data, folder / data.name)
        echo(f"Checking that the swap reaches the tests ({', '.join(u.code for u in units)})…")
        problems = _check_the_swap(units, folder, time_limit)
        for unit in units:
            score = UnitScore(unit.code, unit.slug)
            scores.append(score)
            if unit.slug in problems:
                score.problem = problems[unit.slug]
                echo(f"{unit.code}: not measured: {score.problem}")
                continue
            equivalent = read_equivalents(equivalents_file(unit))
            found = unit_mutants(unit)
            todo = [m for m in found if m.id not in equivalent]
            paths = []
            for n, mutant in enumerate(todo):
                path = folder / f"{unit.slug}__m{n:04d}.py"
                path.write_text(mutant.source, encoding="utf-8")
                paths.append(path)
            echo(f"{unit.code}: {len(found)} mutants, {len(found) - len(todo)} listed as equivalent; running {len(todo)}…")
            began = time.monotonic()
            results = worker.run(_jobs(unit, paths), parallel=parallel, time_limit=time_limit, wall_limit=WALL_LIMIT) if paths else []
            score.seconds = round(time.monotonic() - began, 1)
            for mutant, result in zip(todo, results):
                status, how, by = _judge(result[unit.slug])
                score.verdicts.append(Verdict(mutant.id, status, how, by, mutant.diff))
            score.verdicts += [Verdict(m.id, "equivalent", diff=m.diff, reason=equivalent[m.id])
                               for m in found if m.id in equivalent]
            for path in paths:
                path.unlink()
            if on_unit:
                on_unit(score)
    return scores


# --- reporting ------------------------------------------------------------------------------------

HEADER = ("unit", "mutants", "killed", "(timeouts)", "survived", "equivalent", "score")


def _row(score: UnitScore) -> tuple[str, ...]:
    if score.problem:
        return (score.unit, "-", "-", "-", "-", "-", "not measured")
    pct = "-" if score.score is None else f"{score.score:.0%}"
    return (score.unit, str(len(score.verdicts)), str(score.count("killed")), str(score.count("killed", "timeout")),
            str(score.count("survived")), str(score.count("equivalent")), pct)


def _total(scores: list[UnitScore]) -> tuple[str, ...]:
    done = [s for s in scores if not s.problem]
    killed = sum(s.count("killed") for s in done)
    survived = sum(s.count("survived") for s in done)
    pct = f"{killed / (killed + survived):.0%}" if killed + survived else "-"
    return ("all", str(sum(len(s.verdicts) for s in done)), str(killed),
            str(sum(s.count("killed", "timeout") for s in done)), str(survived),
            str(sum(s.count("equivalent") for s in done)), pct)


def table(scores: list[UnitScore], markdown: bool = False) -> str:
    rows = [HEADER] + [_row(s) for s in scores] + ([_total(scores)] if len(scores) > 1 else [])
    if markdown:
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "|".join("---" for _ in rows[0]) + "|"]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows[1:]])
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    return "\n".join("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
                     for r in rows)


def survivors(scores: list[UnitScore]) -> str:
    lines = []
    for score in scores:
        alive = [v for v in score.verdicts if v.status == "survived"]
        if alive:
            lines.append(f"\n{score.unit}: {len(alive)} surviving mutant(s) (kill each with a test, or list it "
                         f"with a reason in tests/mutants/{score.slug}.txt)")
            for verdict in alive:
                lines.append(f"  {verdict.id}\n    {verdict.diff.replace(chr(10), chr(10) + '    ')}")
    return "\n".join(lines)


def as_json(scores: list[UnitScore], time_limit: float) -> dict:
    return {"date": date.today().isoformat(), "time_limit": time_limit,
            "units": [{**asdict(s), "score": s.score,
                       "killed": s.count("killed"), "timeouts": s.count("killed", "timeout"),
                       "survived": s.count("survived"), "equivalent": s.count("equivalent")} for s in scores]}


def rescore(path: Path, units: list[Unit]) -> list[UnitScore]:
    """A run's verdicts read back from its --json file, with today's equivalents files applied: a
    survivor listed since then counts as equivalent, without running every mutant again."""
    data = json.loads(Path(path).read_text())
    wanted = {u.slug: u for u in units}
    scores = []
    for raw in data["units"]:
        if raw["slug"] not in wanted:
            continue
        equivalent = read_equivalents(equivalents_file(wanted[raw["slug"]]))
        score = UnitScore(raw["unit"], raw["slug"], problem=raw["problem"], seconds=raw["seconds"])
        for v in raw["verdicts"]:
            verdict = Verdict(**v)
            if verdict.id in equivalent and verdict.status == "survived":
                verdict.status, verdict.reason = "equivalent", equivalent[verdict.id]
            score.verdicts.append(verdict)
        scores.append(score)
    return scores


def main(units: list[Unit], markdown: bool = False, json_path: str | None = None, time_limit: float = TIME_LIMIT,
         parallel: int = 2, list_only: bool = False, from_json: str | None = None) -> int:
    """`kata mutate`: print the table (and the survivors); 0 when no unmeasured unit and no survivor."""
    if from_json:
        scores = rescore(Path(from_json), units)
        print(survivors(scores))
        print()
        print(table(scores, markdown))
        print(f"\n(from {from_json}, with today's tests/mutants/ applied)")
        return 0 if not any(s.problem or s.count("survived") for s in scores) else 1
    if list_only:
        for unit in units:
            equivalent = read_equivalents(equivalents_file(unit))
            for mutant in unit_mutants(unit):
                mark = "  (equivalent)" if mutant.id in equivalent else ""
                print(f"{mutant.id}{mark}\n    {mutant.diff.replace(chr(10), chr(10) + '    ')}")
        return 0
    began = time.monotonic()
    done: list[UnitScore] = []

    def on_unit(score: UnitScore) -> None:
        done.append(score)
        print(table([score]).splitlines()[1], f"  ({score.seconds:g} s)", flush=True)
        if json_path:  # written after each unit, so a long run that is stopped keeps what it measured
            Path(json_path).write_text(json.dumps(as_json(done, time_limit), indent=1))

    scores = measure(units, time_limit, parallel, on_unit=on_unit, echo=lambda s: print(s, flush=True))
    print(survivors(scores))
    print()
    print(table(scores, markdown))
    print(f"\n`kata mutate` on {date.today().isoformat()}, {time.monotonic() - began:.0f} s, "
          f"time limit {time_limit:g} s a test, {parallel} at a time")
    if json_path:
        Path(json_path).write_text(json.dumps(as_json(scores, time_limit), indent=1))
        print(f"JSON written to {json_path}")
    return 0 if not any(s.problem or s.count("survived") for s in scores) else 1
