"""kata/'s layers, top to bottom, each a package: a module's layer is the folder it sits in. A module imports
its own layer or those below it, never one above, and there is no import circle anywhere
(tests/harness/test_conventions.py checks both, imports inside functions included). A new module goes in the
folder of the layer it belongs to; kata/'s own top-level modules are the course's data, the bottom layer."""

LAYERS = {
    # what a learner, an instructor or a maintainer types: `kata ...` and what each command draws
    "commands": "kata.commands",
    # units' tests run out of the command's process: results cached, a warm parent (daemon, worker, keeper), the
    # environment byte-compiled once
    "runner": "kata.running",
    # the pytest side of the wall: the plugin, what tests import (testing, spy), the wall's judge side, the live
    # endpoint; child.py is the judge's own process (the worker above forks it), report.py the result types the
    # runner above reads
    "judge": "kata.judge",
    # the learner's side of the wall, importing nothing of the judge: its loop, the value format, the sandbox,
    # and impl.py, which finds and loads the learner's modules (the learner process loads them with it)
    "learner": "kata.learner",
    # no network: the guard (offline.py), the cassettes and their no-match diff, replay then the reference backend
    "offline world": "kata.world",
    # the reference vendors; it knows no cassette and no cache: its starter hands it its folders
    "reference backend": "kata.backend",
    # the units in order, models and prices, the corpus, the stubs' markers: kata/'s top-level modules
    "course data": "kata",
}


def layer_of(module: str) -> str:
    """The layer of a module of kata/, by its dotted name: the layer whose package holds it (kata/'s own
    top-level modules, and kata itself, are course data)."""
    for layer, package in LAYERS.items():
        if package != "kata" and (module == package or module.startswith(package + ".")):
            return layer
    return "course data"
