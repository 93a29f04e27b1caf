"""The tree's conventions, checked: docstrings quote the course, the trees stay apart, docs stay true."""

from __future__ import annotations

import ast
import difflib
import re

import pytest

from kata.judge import reach
from kata.units import ROOT, UNITS

pytestmark = pytest.mark.harness

READY = [u for u in UNITS if u.ready]


def normalise(text: str) -> str:
    """Compare course text loosely: curly quotes, dashes and spacing are not what a quote is about."""
    for curly, plain in (("“", '"'), ("”", '"'), ("‘", "'"), ("’", "'"), ("—", "-"), ("–", "-")):
        text = text.replace(curly, plain)
    return " ".join(text.lower().split())


def _tests_of(unit):
    tree = ast.parse((ROOT / unit.test_file).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            marks = {d.attr for d in ast.walk(node) if isinstance(d, ast.Attribute) and d.attr in ("verify", "stretch", "contract")
                     and d in [x for dec in node.decorator_list for x in ast.walk(dec)]}
            yield node, marks


def _docstrings(path):
    """The docstrings of a module and of its public functions: what the learner's stub shows."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = [tree] + [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not n.name.startswith("_")]
    return [ast.get_docstring(n) or "" for n in nodes]


def _functions_called(unit):
    """For each test of the unit, the unit's functions it calls: `u05.top_k` in its body or in a helper it uses
    (kata/judge/reach.py, which the run also reads to keep running the tests an endless loop cannot meet)."""
    functions = set(_function_docstrings(ROOT / unit.solution))
    return {node.name: {name.partition(".")[2] for name in reach.called(ROOT / unit.test_file, node.name)
                        if name.startswith(f"{unit.code}.") and name.partition(".")[2] in functions}
            for node, _ in _tests_of(unit)}


def _function_docstrings(path) -> dict[str, str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name: normalise(ast.get_docstring(n) or "") for n in tree.body if isinstance(n, ast.FunctionDef)}


def _quote(node) -> str:
    return normalise((ast.get_docstring(node) or "").split("\n\n")[0])


@pytest.mark.parametrize("unit", READY, ids=lambda u: u.slug)
def test_each_test_quotes_its_verify_or_stretch_line(unit):
    """A test's docstring opens with the clause it encodes, so a failure can show it: words of the course's
    Verify or Stretch text, or of the docstring of a function the test calls (a contract test: of any of the
    exercise's docstrings), verbatim but for "…" elisions."""
    problems = []
    calls = _functions_called(unit)
    docstrings = _function_docstrings(ROOT / unit.solution)
    for node, marks in _tests_of(unit):
        quote = _quote(node)
        if len(marks) != 1:
            problems.append(f"{node.name}: needs exactly one of @pytest.mark.verify / @pytest.mark.stretch / @pytest.mark.contract")
            continue
        if "contract" in marks:  # quotes a clause of the exercise's docstrings instead of a course line
            sources = [normalise(" ".join(_docstrings(ROOT / unit.solution)))]
        else:
            sources = [normalise(unit.verify if "verify" in marks else unit.stretch)]
            sources += [docstrings[f] for f in sorted(calls[node.name]) if f in docstrings]
        pieces = [p.strip(" .") for p in re.split(r"…|\.\.\.|\[…\]", quote) if p.strip(" .")]
        if len(quote) < 20 or not any(all(piece in source for piece in pieces) for source in sources):
            problems.append(f"{node.name}: docstring does not open with a quote of the unit's {marks.pop()} text "
                            f"or of the docstring of a function it calls ({', '.join(sorted(calls[node.name])) or 'none'})")
    assert not problems, "\n".join(problems)


def _clauses(unit):
    """The clauses a test file quotes for one check of several: `clause="..."` in an expect(), and the second item
    of each row of a module-level `*_CLAUSES` table (start, clause, hint), whose rows a `clause=name` passes on."""
    tree = ast.parse((ROOT / unit.test_file).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "clause" and not isinstance(node.value, ast.Name):
            yield ast.literal_eval(node.value) if isinstance(node.value, ast.Constant) else None  # a name: a table's row
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id.endswith("_CLAUSES") for t in node.targets):
            yield from (ast.literal_eval(row.elts[1]) for row in node.value.elts)


@pytest.mark.parametrize("unit", READY, ids=lambda u: u.slug)
def test_each_clause_a_check_quotes_is_verbatim(unit):
    """A check that names its own clause (expect(..., clause=...), quoted in place of the test's opening line)
    quotes words of the course's Verify or Stretch text or of an exercise docstring, verbatim."""
    sources = normalise(" ".join([unit.verify, unit.stretch, *_docstrings(ROOT / unit.solution)]))
    problems = [f"clause {clause!r}: not verbatim in the unit's Verify/Stretch text or its docstrings"
                if clause else "a clause= that is not a string literal (the check reads it without running the test)"
                for clause in _clauses(unit) if not clause or normalise(clause) not in sources]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("unit", READY, ids=lambda u: u.slug)
def test_what_a_test_built_is_never_shown_as_a_returned_string(unit):
    """`expect(..., returned=...)` given words the test wrote (a string literal, an f-string) would show them
    quoted, as if the learner's function had returned that string. Words about what came back go in
    InWords("..."); what the call did (printed, changed, used) in Did("...") or did(verb, value); what it sent
    in Sent("...")."""
    tree = ast.parse((ROOT / unit.test_file).read_text(encoding="utf-8"))
    def words(value) -> bool:  # a str the test wrote: a literal, an f-string, or one of them joined to more
        return (isinstance(value, ast.JoinedStr) or (isinstance(value, ast.Constant) and isinstance(value.value, str))
                or (isinstance(value, ast.BinOp) and (words(value.left) or words(value.right))))

    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "returned":
            branches = [node.value]
            while any(isinstance(b, ast.IfExp) for b in branches):  # each value an `a if c else b` may give
                branches = [part for b in branches for part in ((b.body, b.orelse) if isinstance(b, ast.IfExp) else (b,))]
            for value in branches:
                if words(value):
                    problems.append(f"{unit.test_file}:{value.lineno}: returned={ast.unparse(value)[:60]}: wrap the "
                                    f"words in InWords(...), Did(...) or Sent(...)")
    assert not problems, "\n".join(problems)


MOST_FUNCTIONS_PER_CLAUSE = 2


@pytest.mark.parametrize("unit", READY, ids=lambda u: u.slug)
def test_a_course_line_is_the_quote_of_its_own_tests_only(unit):
    """The quote is the failing test's own clause, never the unit's Verify line by default (issue 19): one course
    line opens the tests of at most MOST_FUNCTIONS_PER_CLAUSE different sets of the unit's functions."""
    calls = _functions_called(unit)
    by_quote: dict[str, dict[frozenset, list[str]]] = {}
    for node, marks in _tests_of(unit):
        quote = _quote(node)
        course = normalise(unit.verify) + " " + normalise(unit.stretch)
        pieces = [p.strip(" .") for p in re.split(r"…|\.\.\.|\[…\]", quote) if p.strip(" .")]
        if "contract" not in marks and pieces and all(piece in course for piece in pieces):
            by_quote.setdefault(quote, {}).setdefault(frozenset(calls[node.name]), []).append(node.name)
    problems = [f"“{quote}” opens the tests of {len(sets)} sets of functions: "
                + "; ".join(f"{', '.join(sorted(f)) or 'none'} ({', '.join(tests)})" for f, tests in sets.items())
                for quote, sets in by_quote.items() if len(sets) > MOST_FUNCTIONS_PER_CLAUSE]
    assert not problems, ("A course line quoted by default: give each test the clause it checks, a sentence of the "
                          "docstring of the function it calls (or another course line).\n" + "\n".join(problems))


def _imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module if node.level == 0 else "." + node.module


# What a unit may import from the kata: model names and prices, and where the repository's data lives.
UNIT_MAY_IMPORT = ("kata.models", "kata.corpus")


@pytest.mark.parametrize("folder", ["exercises", "solutions"])
def test_unit_trees_stay_apart(folder):
    """solutions/ never imports exercises/, exercises/ never imports solutions/, and neither imports the CLI."""
    other = "solutions" if folder == "exercises" else "exercises"
    bad = [f"{path.name} imports {name}" for path in sorted((ROOT / folder).glob("u*.py"))
           for name in _imports(path) if name.split(".")[0] in (other, "kata") and name not in UNIT_MAY_IMPORT]
    assert not bad, bad


def test_test_files_never_import_a_tree_directly():
    """Tests reach the code under test through load_unit, so --impl decides what they test."""
    bad = [f"{u.test_file} imports {name}" for u in READY for name in _imports(ROOT / u.test_file)
           if name.split(".")[0] in ("exercises", "solutions")]
    assert not bad, bad


# numpy.random's names that make a generator of one's own, or seed nothing global
OWN_GENERATORS = {"default_rng", "Generator", "PCG64", "SeedSequence", "RandomState"}


def test_the_tests_draw_nothing_from_a_global_generator():
    """A test draws from a generator of its own (np.random.default_rng(seed)), never numpy's or `random`'s global
    one: behind the wall hypothesis seeds only the judge's own generators (kata/judge/plugin.py's
    _seed_only_the_judges_own_generators), so an example that drew from numpy's would not replay the same."""
    drawn = []
    for unit in READY:
        tree = ast.parse((ROOT / unit.test_file).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import) and any(a.name == "random" for a in node.names):
                drawn.append(f"{unit.test_file}:{node.lineno} imports random")
            if isinstance(node, ast.ImportFrom) and node.module in ("random", "numpy.random"):
                drawn.append(f"{unit.test_file}:{node.lineno} imports from {node.module}")
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) and \
                    node.value.attr == "random" and isinstance(node.value.value, ast.Name) and \
                    node.value.value.id in ("np", "numpy") and node.attr not in OWN_GENERATORS:
                drawn.append(f"{unit.test_file}:{node.lineno} np.random.{node.attr}")
    assert not drawn, ("draw from np.random.default_rng(seed) instead, a generator of the test's own:\n  "
                       + "\n  ".join(drawn))


def test_readme_lists_every_unit_and_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "uv run kata" in readme and "uv run kata verify" in readme
    wrong = []
    for unit in UNITS:  # the README's unit table says which units are playable, as the board does
        row = re.search(rf"^\| {unit.code} \| (.+?) \| (playable|coming soon) \|", readme, re.MULTILINE)
        state = "playable" if unit.ready else "coming soon"
        if not row or row.group(2) != state:
            wrong.append(f"{unit.code} should read '| {unit.code} | {unit.title} | {state} |'")
    assert not wrong, "README.md's unit table is out of date:\n" + "\n".join(wrong)


def test_units_are_numbered_in_course_order_with_one_name_everywhere():
    assert [u.number for u in UNITS] == list(range(1, 13))
    for unit in READY:
        assert re.fullmatch(rf"u{unit.number:02d}_[a-z0-9_]+", unit.slug)
        assert (ROOT / unit.solution).is_file() and (ROOT / unit.exercise).is_file(), unit.slug


# The docs a reader follows: the README and docs/*.md. Links in them, and the tests they cite as proof, must exist.
DOCS = ["README.md", *sorted(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
CODE_SPAN = re.compile(r"`[^`]*`")
CITED_PATH = re.compile(r"`(tests/[\w/.<>*-]+\.py)(?:::(\w+))?")
CITED_TEST = re.compile(r"`(test_\w+)(\.py)?(?:\[[^\]`]*\])?`")


def _prose(path):
    """(line number, line) of a Markdown file, fenced code blocks left out: a link or a name there is an example."""
    fenced = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced:
            yield number, line


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: its text (code spans and links keep their words), lower-cased, every
    character but letters, digits, '_', '-' and spaces dropped, each space a '-'."""
    text = re.sub(r"`([^`]*)`", r"\1", heading)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def _anchors(path) -> list[str]:
    """Every heading's anchor in a Markdown file; a repeated one gets -1, -2... as on GitHub."""
    seen: dict[str, int] = {}
    anchors = []
    for _, line in _prose(path):
        heading = re.match(r" {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$", line)
        if heading:
            slug = github_slug(heading.group(1))
            anchors.append(slug if slug not in seen else f"{slug}-{seen[slug]}")
            seen[slug] = seen.get(slug, 0) + 1
    return anchors


def _test_names(path) -> set[str]:
    return set(re.findall(r"^\s*(?:async\s+)?def (test_\w+)", path.read_text(encoding="utf-8"), re.MULTILINE))


@pytest.mark.parametrize("doc", DOCS)
def test_every_relative_link_in_the_docs_leads_somewhere(doc):
    """A relative link in README.md or docs/*.md points at a file or folder that exists, and its #anchor, into a
    Markdown file, at a heading that file has (GitHub's anchors)."""
    path = ROOT / doc
    problems = []
    for number, line in _prose(path):
        for target in LINK.findall(CODE_SPAN.sub("", line)):
            if re.match(r"[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # https:, mailto:: not ours to check
                continue
            file_part, _, anchor = target.partition("#")
            linked = (path.parent / file_part).resolve() if file_part else path
            where = f"{doc}:{number}: the link ({target})"
            if not linked.exists():
                problems.append(f"{where} points at {file_part}, which does not exist (from {path.parent.relative_to(ROOT) or '.'}/): "
                                "fix the path, relative to the file the link is in")
            elif anchor and linked.suffix == ".md":
                anchors = _anchors(linked)
                if anchor not in anchors:
                    near = difflib.get_close_matches(anchor, anchors, n=1)
                    problems.append(f"{where} names #{anchor}, no heading of {linked.relative_to(ROOT)}"
                                    + (f": did you mean #{near[0]}?" if near else f" (its anchors: {', '.join(anchors)})"))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("doc", DOCS)
def test_every_test_a_doc_cites_exists(doc):
    """A claim names the test that proves it: every `test_name`, `test_file.py` and `tests/...py::test_name` cited in
    README.md or docs/*.md is a test (a `def test_...`) or a test file under tests/."""
    test_files = sorted((ROOT / "tests").rglob("test_*.py"))
    names = set().union(*map(_test_names, test_files))
    problems = []
    for number, line in _prose(ROOT / doc):
        for cited, name in CITED_PATH.findall(line):
            if re.search(r"NN|<|\*", cited):  # a pattern (tests/test_uNN_name.py, tests/mistakes/<unit>/*.py), not a file
                continue
            if not (ROOT / cited).is_file():
                problems.append(f"{doc}:{number}: cites {cited}, which does not exist: fix the path (from the repository's root)")
            elif name and name not in _test_names(ROOT / cited):
                problems.append(f"{doc}:{number}: cites {cited}::{name}, and {cited} has no def {name}")
        for cited, is_file in CITED_TEST.findall(line):
            if is_file and not any(p.name == cited + ".py" for p in test_files):
                problems.append(f"{doc}:{number}: cites {cited}.py, and no file of that name is under tests/")
            elif not is_file and cited not in names:
                near = difflib.get_close_matches(cited, names, n=1)
                problems.append(f"{doc}:{number}: cites {cited}, and no test of that name is under tests/ (renamed? "
                                + (f"did you mean {near[0]}?)" if near else "name the test that proves the claim)"))
    assert not problems, "\n".join(problems)


README_MOST_LINES = 200


def test_the_readme_stays_a_page():
    """The README is the learner's page (issue 23): what this is, the commands, the loop, the units, where to read
    on. What an instructor or a maintainer reads lives in docs/."""
    lines = len((ROOT / "README.md").read_text(encoding="utf-8").splitlines())
    assert lines <= README_MOST_LINES, (f"README.md has {lines} lines, more than {README_MOST_LINES}: move what is "
                                        "not the learner's into docs/ (teaching.md, offline.md, maintaining.md, learning.md)")


# --- one direction per layer (issue 23): a layer is a folder of kata/, top to bottom in kata/layers.py; imports
# inside functions count too

def _kata_modules() -> dict[str, object]:
    """Every module of kata/ by its dotted name (a package by its own name, its __init__.py)."""
    modules = {}
    for path in sorted((ROOT / "kata").rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        modules[name.removesuffix(".__init__")] = path
    return modules


def _kata_imports(modules) -> dict[str, dict[str, int]]:
    """module -> {a module of kata/ it imports: the first line that does}. `from p import n` imports p itself
    (its __init__ runs) and p.n when that is a module; a relative import is resolved from the package."""
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges: dict[str, int] = {}
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(parts + ([base] if base else []))
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for target in targets:
                if target in modules and target != name:
                    edges[target] = min(edges.get(target, node.lineno), node.lineno)
        graph[name] = edges
    return graph


def _layer_of(modules) -> dict[str, int]:
    from kata.layers import LAYERS, layer_of

    names = list(LAYERS)
    return {module: names.index(layer_of(module)) for module in modules}


def _where(modules, importer, line) -> str:
    return f"{modules[importer].relative_to(ROOT)}:{line}"


def test_every_package_of_kata_is_a_layer():
    """The layout shows the layers: each folder of kata/ is one layer of kata/layers.py, and each layer a folder."""
    from kata.layers import LAYERS

    packages = {name for name, path in _kata_modules().items() if path.name == "__init__.py"}
    layers = set(LAYERS.values())
    unknown = [f"kata/{p.removeprefix('kata.').replace('.', '/')}/ is no layer of kata/layers.py: move its modules into "
               f"the folder of the layer they belong to, or add the layer to LAYERS in its place, top to bottom"
               for p in sorted(packages - layers)]
    missing = [f"kata/layers.py names {p} for a layer, but there is no such package: create it or fix the name"
               for p in sorted(layers - packages)]
    assert not (unknown + missing), "\n".join(unknown + missing)


def test_no_module_imports_a_layer_above_its_own():
    """commands -> runner -> judge -> learner -> offline world -> reference backend -> course data, one way."""
    from kata.layers import LAYERS

    names, modules = list(LAYERS), _kata_modules()
    layer = _layer_of(modules)
    upward = [f"{_where(modules, importer, line)}: {importer} ({names[layer[importer]]}) imports {imported} "
              f"({names[layer[imported]]}), a layer above its own: hand it what it needs from above (a parameter, "
              f"a registration made by the caller, a \"module:function\" name in the job) or move the code down"
              for importer, edges in _kata_imports(modules).items() for imported, line in edges.items()
              if importer in layer and imported in layer and layer[imported] < layer[importer]]
    assert not upward, "\n".join(upward)


def _circles(graph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_circle_in_kata():
    """No two modules of kata/ reach each other by imports, a package's __init__ and its own submodules included."""
    modules = _kata_modules()
    graph = _kata_imports(modules)
    problems = []
    for circle in _circles(graph):
        edges = [f"  {_where(modules, a, line)}: {a} imports {b}" for a in circle for b, line in graph[a].items() if b in circle]
        problems.append(f"an import circle of {len(circle)} modules ({', '.join(circle)}):\n" + "\n".join(edges) +
                        "\n  break one of these: the lower module gets what it needs from its caller (a parameter or a "
                        "registration), and a submodule imports its siblings, not its package's __init__")
    assert not problems, "\n".join(problems)
