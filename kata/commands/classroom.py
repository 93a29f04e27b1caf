"""A class, not one learner: many learner trees graded in parallel, and the class report (CSV, HTML).

A *learner tree* is a learner's `exercises/` folder, or a copy of the whole repository (a GitHub
Classroom repository, say), whose `exercises/` is graded. Grading always runs the instructor's
`tests/` and `kata/` (this checkout's) against the learner's `exercises/` only: a test or kata file
edited in the learner's copy changes nothing here. Such an edit is *flagged* (hash compare against
this checkout), because in the learner's own repository it may have changed what their Classroom
workflow reported.

Each tree is one job of the worker (kata/running/worker.py), `workers` at a time: a tree whose code crashes
or loops has that unit marked crashed / timed out, and every other tree is graded as usual. The
command's process never imports a learner's module; it only writes the report.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import html
import io
import itertools
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from kata.commands import copies
from kata.learner import impl
from kata.running import keeper, runner, safekeeping, worker
from kata.judge.report import UnitResult
from kata.units import ROOT, UNITS, Unit

UNIT_FILE = re.compile(r"u\d\d_\w+\.py")
# What a learner's repository copy must hold as the instructor's: what grading runs, and what the
# Classroom workflow runs. A difference is flagged, never used.
PROTECTED = ("tests", "kata", "conftest.py", "pyproject.toml", "uv.lock", ".github")


@dataclass
class Learner:
    name: str
    path: Path  # what the instructor named: an exercises/ folder or a repository copy
    tree: Path | None  # the exercises/ folder graded (None: nothing to grade)
    repo_copy: bool = False
    changed: list[str] = field(default_factory=list)  # protected paths that differ from the instructor's
    problem: str = ""  # why this learner could not be graded
    flags: list[str] = field(default_factory=list)  # what the instructor should look at: never a verdict
    results: dict[str, UnitResult] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.changed or self.flags or any(r.sandbox for r in self.results.values()))

    def status(self, unit: Unit) -> str:
        result = self.results.get(unit.slug)
        return result.status if result else "not graded"

    def score(self, units) -> int:
        return sum(self.status(u) == "done" for u in units)


def is_tree(path: Path) -> bool:
    """A folder laid out like exercises/: it holds at least one uNN_*.py file."""
    try:
        return path.is_dir() and any(UNIT_FILE.fullmatch(p.name) for p in path.iterdir())
    except OSError:  # unreadable: judged by learner_at, which says why
        return False


def is_learner(path: Path) -> bool:
    return is_tree(path) or (path / "exercises").is_dir()


def learner_at(path: Path) -> Learner:
    """The learner at `path`; never a link followed out of it: a tree that is one is refused, with the reason."""
    path = path.absolute()
    if (path / "exercises").is_dir() and not is_tree(path):
        learner = Learner(path.name, path, path / "exercises", repo_copy=True)
        if impl.outside_link(path / "exercises", path):
            learner.tree, learner.problem = None, (f"refused: its exercises/ is a link to {(path / 'exercises').resolve()}, "
                                                   f"outside the copy (the kata never follows a link out of a tree)")
            return learner
        try:
            learner.changed = changed_paths(path)
        except Exception as error:
            learner.flags.append(check_failed("its copy of the instructor's files", error))
    else:
        name = path.parent.name if path.name == "exercises" else path.name
        learner = Learner(name, path, path)
    try:
        learner.flags += tree_flags(learner.tree)
    except OSError as error:
        learner.tree, learner.problem = None, f"unreadable: {error.strerror or error} ({error.filename})"
    except Exception as error:
        learner.flags.append(check_failed("its files", error))
    return learner


def check_failed(what: str, error: Exception) -> str:
    """The flag a check leaves on a tree when the check itself fails on it, with the reason. Every check of a tree
    (its files, its copy of the instructor's, its units against the reference and the class) ends so, never with an
    exception: one tree never stops a class."""
    return f"{what} could not be checked ({type(error).__name__}: {error}): look at it by hand"


def find_learners(paths) -> list[Learner]:
    """Each path is a learner tree, or a folder whose sub-folders are learner trees; ValueError otherwise.

    A sub-folder that is a link out of the folder, or that cannot be read, is a row with its reason."""
    learners: list[Learner] = []
    for given in map(Path, paths):
        if not given.is_dir():
            raise ValueError(f"{given} is not a folder")
        if is_learner(given):
            learners.append(learner_at(given))
            continue
        try:
            inside = [p for p in sorted(given.iterdir()) if p.is_dir() and not p.name.startswith(".")]
        except OSError as error:
            raise ValueError(f"{given} cannot be read: {error.strerror or error}") from None
        found = []
        for sub in inside:
            if sub.is_symlink():
                found.append(Learner(sub.name, sub.absolute(), None, problem=f"refused: a link to {sub.resolve()} "
                                     f"(the kata never follows a link out of the class folder)"))
            elif is_learner(sub):
                found.append(learner_at(sub))
        if not found:
            raise ValueError(f"{given} is neither a learner's tree (an exercises/ folder, or a repository copy holding "
                             f"one) nor a folder of them")
        learners += found
        named = {learner.path.name for learner in found}
        learners += [Learner(p.name, p.absolute(), None, problem=_why_no_tree(p)) for p in inside if p.name not in named]
    seen: dict[str, int] = {}
    for learner in learners:  # two trees with one name (a/exercises, b/alice/exercises...): keep both, apart
        seen[learner.name] = seen.get(learner.name, 0) + 1
        if seen[learner.name] > 1:
            learner.name += f" ({seen[learner.name]})"
    return learners


def _why_no_tree(path: Path) -> str:
    try:
        path.iterdir().__next__()
    except StopIteration:
        pass
    except OSError as error:
        return f"unreadable: {error.strerror or error}"
    return "no exercises/ folder and no uNN_*.py files in it"


# --- what a learner's tree holds besides its units ----------------------------------------------

NEVER_RUN = ("conftest.py", "sitecustomize.py", "usercustomize.py")
COURSE_DATA = {"kata.models", "kata.corpus"}  # what a unit may import of the kata: the course's names and data
REACHING = re.compile(r"\b(solutions|tests)[/.]")  # a string naming the instructor's folders: a path or a module


def tree_flags(tree: Path) -> list[str]:
    """What an instructor should know about a tree, found without running it: files the kata never runs
    (a conftest.py, a .pth, a helper module), links out of the tree, and unit code that reaches for the
    instructor's code (`from solutions.u04_embeddings import ...`, the kata's internals). Flags, never verdicts."""
    flags = []
    for entry in sorted(itertools.islice(tree.iterdir(), WALK_FILES)):  # a tree of a million files: the first ones
        name = entry.name
        if entry.is_symlink() and impl.outside_link(entry, tree):
            flags.append(f"{name} is a link out of the tree (to {os.readlink(entry)}): never followed")
        elif name == "__init__.py" and entry.is_file() and entry.stat().st_size == 0:
            continue  # exercises/ ships one, empty
        elif name in NEVER_RUN or name.endswith(".pth") or (name.endswith(".py") and not UNIT_FILE.fullmatch(name)):
            flags.append(f"{name} is in the tree: never imported or run by the kata")
        elif entry.is_dir() and name != "__pycache__" and not name.startswith("."):
            flags.append(f"{name}/ is in the tree: nothing in it is imported or run by the kata")
        elif UNIT_FILE.fullmatch(name) and entry.is_file() and entry.stat().st_size <= safekeeping.LARGEST:
            try:
                reached = sorted(reaches_for_instructor(entry.read_text(encoding="utf-8", errors="replace")))
            except copies.TOO_DEEP:
                flags.append(f"{name}: its code could not be read for the checks: nested too deeply")
                continue
            if reached:
                flags.append(f"{name} reaches for the instructor's code: {', '.join(reached)}")
    return flags


def reaches_for_instructor(code: str) -> set[str]:
    """What of the instructor's a unit imports or names in a string (a path, an importlib call): solutions,
    tests, or the kata beyond the course's data (kata.models, kata.corpus). Code nested too deeply for Python's
    parser (one line `1+1+...` of 100,000 terms, valid Python) raises copies.TOO_DEEP: tree_flags says so."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return set()
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names += [m.group(1) for m in REACHING.finditer(node.value)]
    top = {n.split(".")[0] for n in names}
    return {n for n in names if n.split(".")[0] == "kata" and n not in COURSE_DATA} | (top & {"solutions", "tests"})


# --- the instructor's files, compared -----------------------------------------------------------

WALK_DEPTH, WALK_FILES = 32, 20_000  # a protected folder deeper or larger than this is not the instructor's


def _walk(top: Path) -> tuple[list[Path], bool]:
    """The files under `top`, links never followed, without recursion; and whether it was cut at a bound."""
    files, stack = [], [(top, 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if depth + 1 > WALK_DEPTH:
                    return files, True
                stack.append((Path(entry.path), depth + 1))
            else:
                files.append(Path(entry.path))
                if len(files) > WALK_FILES:
                    return files, True
    return files, False


def _files(base: Path, rel: str) -> dict[str, str]:
    """{path relative to base: sha256} of a protected file or every file under a protected folder."""
    top = base / rel
    paths, cut = ([top], False) if top.is_file() or top.is_symlink() else _walk(top) if top.is_dir() else ([], False)
    out = {}
    for path in sorted(paths):
        parts = path.relative_to(base).parts
        if "__pycache__" in parts or path.suffix == ".pyc" or ".pytest_cache" in parts or ".hypothesis" in parts:
            continue
        if path.is_symlink():
            out["/".join(parts)] = "link:" + os.readlink(path)  # compared, never followed
            continue
        try:
            out["/".join(parts)] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "not a file"
        except OSError as error:
            out["/".join(parts)] = f"unreadable: {error.strerror}"
    if cut:
        out[f"{rel}/… (deeper than {WALK_DEPTH} folders or over {WALK_FILES:,} files)"] = "cut"
    return out


_instructor: dict[str, str] = {}


def changed_paths(copy: Path, instructor: Path = ROOT) -> list[str]:
    """The protected paths of a repository copy that differ from the instructor's: changed, added or missing."""
    if instructor == ROOT and _instructor:
        mine = _instructor
    else:
        mine = {k: v for rel in PROTECTED for k, v in _files(instructor, rel).items()}
        if instructor == ROOT:
            _instructor.update(mine)
    theirs = {k: v for rel in PROTECTED for k, v in _files(copy, rel).items()}
    # a protected folder the copy lacks altogether is said once, not file by file (a tree handed in as exercises/ alone)
    gone = {rel: n for rel in PROTECTED if not any(_under(name, rel) for name in theirs)
            and (n := sum(_under(name, rel) for name in mine)) > 1}
    out = [(rel, f"{rel}/ (missing: all {n} of the instructor's files)") for rel, n in gone.items()]
    for name in set(mine) | set(theirs):
        if any(_under(name, rel) for rel in gone):
            continue
        if name not in theirs:
            out.append((name, f"{name} (missing)"))
        elif name not in mine:
            out.append((name, f"{name} (added)"))
        elif mine[name] != theirs[name]:
            out.append((name, f"{name} (changed)"))
    return [said for _, said in sorted(out)]


def _under(name: str, rel: str) -> bool:
    """Whether a path relative to the copy is the protected path `rel` or inside it."""
    return name == rel or name.startswith(rel + "/")


# --- grading ------------------------------------------------------------------------------------

def grade(learners: list[Learner], units: list[Unit] | None = None, workers: int | None = None,
          time_limit: float | None = None, extra: tuple[str, ...] = ()) -> list[Learner]:
    """Grade every learner's tree, `workers` trees at a time (default: one per core); fills `results`."""
    units = [u for u in (units or UNITS) if u.ready]
    todo = [learner for learner in learners if learner.tree is not None]
    jobs = [worker.Job(units, learner.tree, (), runner.pytest_args(units, str(learner.tree), (), False, extra))
            for learner in todo]
    kept = [safekeeping.snapshot(learner.tree) for learner in todo]
    try:
        outcomes = keeper.run(jobs, parallel=max(1, workers or os.cpu_count() or 1), time_limit=time_limit)
    finally:
        notes = [safekeeping.restore(k) for k in kept]
    for learner, results, put_back in zip(todo, outcomes, notes):
        learner.results, learner.notes = results, put_back
    flag_copies(learners, units)
    return learners


def flag_copies(learners: list[Learner], units: list[Unit]) -> None:
    """Add to each learner's flags: units like the reference, and units near-identical to another learner's."""
    graded = {learner.name: learner for learner in learners if learner.tree is not None}
    try:
        pairs = copies.alike_pairs({name: learner.tree for name, learner in graded.items()}, units)
    except Exception as error:  # no pair was compared: each tree says so
        pairs = {name: [check_failed("its units against the class's", error)] for name in graded}
    for name, learner in graded.items():
        try:
            learner.flags += copies.like_the_reference(learner.tree, units)
        except Exception as error:
            learner.flags.append(check_failed("its units against the reference", error))
        learner.flags += pairs[name]


# --- the report ---------------------------------------------------------------------------------

STATUS_CLASS = {"done": "done", "in progress": "progress", "not started": "none", "broken": "broken",
                "crashed": "crashed", "timed out": "timeout", "not graded": "ungraded"}


def _cell_counts(result: UnitResult | None) -> tuple[str, str]:
    if result is None:
        return "", ""
    vp, vt = result.score("verify")
    sp, st = result.score("stretch")
    return f"{vp}/{vt}", (f"{sp}/{st}" if st else "")


# What a terminal obeys in text: C0 (newline and tab too), DEL, C1 (0x9b is a CSI), the bidi overrides and isolates.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def shown(text: str) -> str:
    """Learner text (a tree's or a file's name, a flag or a reason that quotes one) as the grader shows it: each control
    character written out (ESC as \\x1b, U+202E as \\u202e), so none moves the cursor, clears, recolours or hides a
    line, or reverses what follows, on the instructor's terminal or in the class files. Every line the grader shows
    is one line, so a newline or a tab in learner text is written out too."""
    return CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", text)


def flag_lines(learner: Learner, short: bool = False) -> list[str]:
    """Why a learner could not be graded, and what the instructor should look at, one line each, shown()."""
    lines = [learner.problem] if learner.problem else []
    if learner.changed:
        changed = learner.changed[:6] if short else learner.changed
        more = f" and {len(learner.changed) - 6} more" if len(changed) < len(learner.changed) else ""
        lines.append(f"⚠ differs from the instructor's copy: {', '.join(changed)}{more} (never run here: the "
                     f"instructor's were)")
    lines += [f"⚠ {flag}" for flag in learner.flags]
    lines += sorted({f"⚠ {r.sandbox}" for r in learner.results.values() if r.sandbox})  # per tree, in words
    return [shown(line) for line in lines]


FORMULA = ("=", "+", "-", "@", "\t", "\r")  # how a spreadsheet's formula (or DDE call) can start a cell


def csv_cell(text: str) -> str:
    """A cell of learner text (a name, the flags) as the class CSV holds it: never a formula, started with a quote
    where it would be one (OWASP's CSV injection advice), its control characters written out (shown)."""
    return shown(f"'{text}" if text.startswith(FORMULA) else text)


def csv_text(learners: list[Learner], units: list[Unit]) -> str:
    """One row per learner, one column per unit (1 done, 0 not), as nbgrader's grade export; then each
    unit's status, the stretch tests passed, and the flags. Learner text goes through csv_cell; the counts and
    statuses the grader writes are left as they are."""
    out = io.StringIO()
    write = csv.writer(out).writerow
    write(["student_id", "score", "max_score", *[u.code for u in units], *[f"{u.code} status" for u in units],
           "stretch_passed", "stretch_total", "flags"])
    for learner in learners:
        stretch = [r.score("stretch") for r in learner.results.values()]
        write([csv_cell(learner.name), learner.score(units) if learner.tree else "", len(units),
               *[int(learner.status(u) == "done") if learner.tree else "" for u in units],
               *[learner.status(u) for u in units],
               sum(p for p, _ in stretch), sum(t for _, t in stretch),
               csv_cell("; ".join(flag_lines(learner)))])
    return out.getvalue()


PAGE_STYLE = """
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; margin: 24px; color: #1d1d1f; }
h1 { font-size: 20px; margin: 0 0 4px; } p.meta { color: #555; margin: 0 0 16px; }
table { border-collapse: collapse; } th, td { border: 1px solid #d0d0d5; padding: 4px 6px; text-align: center; }
th { background: #f3f3f6; font-weight: 600; } th.learner, td.learner { text-align: left; white-space: nowrap; }
td.cell { min-width: 64px; font-size: 12px; } td.cell b { display: block; font-size: 12px; }
td.cell span { color: #444; font-size: 11px; }
.done { background: #c9efd0; } .progress { background: #fff2bf; } .none { background: #f4f4f6; color: #777; }
.broken { background: #ffd0d0; } .crashed { background: #f3b0b0; } .timeout { background: #f7c99b; }
.ungraded { background: #e6e6ea; color: #777; }
td.flag { text-align: left; font-size: 12px; color: #8a1f11; max-width: 360px; }
ul.legend { list-style: none; padding: 0; display: flex; gap: 8px; flex-wrap: wrap; margin: 12px 0; }
ul.legend li { padding: 2px 8px; border: 1px solid #d0d0d5; font-size: 12px; }
tfoot td { font-weight: 600; background: #f3f3f6; }
"""


def html_page(learners: list[Learner], units: list[Unit], title: str = "Class report") -> str:
    """One static page, no script, no server: learners × units, each cell its status and test counts."""
    e = html.escape
    when = datetime.now().strftime("%Y-%m-%d %H:%M")
    head = "".join(f'<th title="{e(u.title)}">{u.code}</th>' for u in units)
    rows = []
    for learner in learners:
        cells = []
        for unit in units:
            status = learner.status(unit) if learner.tree else "not graded"
            result = learner.results.get(unit.slug)
            verify, stretch = _cell_counts(result)
            tip = (result.ended or (result.first_failure.message if result.first_failure else "")) if result else ""
            tip = f' title="{e(tip[:400])}"' if tip else ""
            lines = f"<b>{e(status)}</b>" + (f"<span>verify {verify}</span>" if verify else "")
            lines += f"<br><span>stretch {stretch}</span>" if stretch else ""
            cells.append(f'<td class="cell {STATUS_CLASS.get(status, "none")}" data-unit="{unit.code}" '
                         f'data-status="{e(status)}"{tip}>{lines}</td>')
        stretch = [r.score("stretch") for r in learner.results.values()]
        flags = flag_lines(learner, short=True) + [shown(note) for note in learner.notes]  # a note names a tree's file
        score = f"{learner.score(units)}/{len(units)}" if learner.tree else "–"
        rows.append(f'<tr data-learner="{e(learner.name)}"><td class="learner">{e(shown(learner.name))}</td>{"".join(cells)}'
                    f'<td class="score">{score}</td><td>{sum(p for p, _ in stretch)}/{sum(t for _, t in stretch)}</td>'
                    f'<td class="flag">{"<br>".join(map(e, flags))}</td></tr>')
    graded = [learner for learner in learners if learner.tree]
    foot = "".join(f"<td>{sum(learner.status(u) == 'done' for learner in graded)}</td>" for u in units)
    legend = "".join(f'<li class="{cls}">{e(name)}</li>' for name, cls in STATUS_CLASS.items() if name != "not graded")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title><style>{PAGE_STYLE}</style></head>
<body>
<h1>{e(title)}</h1>
<p class="meta">{len(learners)} learners, {len(units)} units, graded {when} with the instructor's tests and kata
(each learner's <code>exercises/</code> only). A unit is done when its Verify tests pass; stretch tests are counted apart.
Hover a cell for the first failing test or what ended the run.</p>
<ul class="legend">{legend}</ul>
<table id="report">
<thead><tr><th class="learner">learner</th>{head}<th>done</th><th>stretch</th><th>flags</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
<tfoot><tr><td class="learner">units done</td>{foot}<td></td><td></td><td></td></tr></tfoot>
</table>
</body></html>
"""


def summary_lines(learners: list[Learner], units: list[Unit]) -> list[str]:
    """The class table for a terminal: one line a learner, one short word a unit."""
    short = {"done": "done", "in progress": "prog", "not started": "-", "broken": "BRKN", "crashed": "CRSH",
             "timed out": "TIME", "not graded": "?"}
    width = max([7] + [len(shown(learner.name)) for learner in learners])
    lines = [f"{'learner':<{width}} " + " ".join(f"{u.code:>4}" for u in units) + "  done"]
    for learner in learners:
        statuses = " ".join(f"{short.get(learner.status(u), '?'):>4}" for u in units)
        flag = f"  {shown(learner.problem)}" if learner.problem else ""
        flag += f"  ⚠ {len(flag_lines(learner)) - bool(learner.problem)} flag(s): see the CSV or HTML" if learner.flagged else ""
        lines.append(f"{shown(learner.name):<{width}} {statuses}  {learner.score(units):>2}/{len(units)}{flag}")
    return lines
