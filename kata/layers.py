"""Every module of kata/ in one layer, top to bottom: a module imports its own layer or those below it, never
one above, and no import circle anywhere (tests/harness/test_conventions.py checks both, imports inside
functions included). A new module gets a line here; an odd placement says why in a comment."""

LAYERS = {
    "commands": [  # what a learner, an instructor or a maintainer types: `kata ...` and what each command draws
        "kata.cli", "kata.board", "kata.watch", "kata.show", "kata.plots", "kata.lessons", "kata.classroom",
        "kata.copies", "kata.junit", "kata.recording", "kata.mutation", "kata.outcomes",
    ],
    "runner": [  # runs units' tests out of the command's process: results cached, a warm parent, a child per run
        "kata.runner", "kata.cache", "kata.daemon", "kata.worker", "kata.keeper", "kata.safekeeping",
        "kata.bytecode",  # the environment byte-compiled once, before any run: the runner's warm start
    ],
    "judge": [  # the pytest side: the plugin, what tests import, the wall's judge side, the live endpoint
        "kata.plugin", "kata.testing", "kata.wall", "kata.spy", "kata.live", "kata.reach",
        "kata.child",  # the judge's own process (one pytest session and its watchdog): the worker above forks it
        "kata.report",  # the result types and the reporter the judge hands pytest; the runner above reads them
    ],
    "learner": [  # the learner's side of the wall: imports nothing of the judge
        "kata.learner", "kata.learner.channel", "kata.learner.process", "kata.learner.values", "kata.learner.wire",
        "kata.sandbox",  # the learner process's walls (namespaces, a read-only world)
        "kata.impl",  # finds and loads the learner's modules: the learner process loads them with it too
    ],
    "offline world": [  # no network: the guard, the cassettes and their no-match diff, replay then reference
        "kata.offline", "kata.cassettes", "kata.replay", "kata.bodydiff", "kata.causes",
    ],
    "reference backend": [  # the reference vendors; it knows no cassette and no cache: its starter hands it its folders
        "kata.backend", "kata.backend.__main__", "kata.backend.anthropic", "kata.backend.common",
        "kata.backend.core", "kata.backend.embedder", "kata.backend.grounded", "kata.backend.local_model",
        "kata.backend.minilm", "kata.backend.ollama", "kata.backend.prompt", "kata.backend.responder",
        "kata.backend.server", "kata.backend.text", "kata.backend.vectors", "kata.backend.voyage",
    ],
    "course data": [  # the units in order, models and prices, the corpus: they import nothing of the kata above
        "kata", "kata.layers", "kata.units", "kata.models", "kata.corpus",
        "kata.stubs",  # exercises made from solutions (course data); the report and the board read its markers
    ],
}
