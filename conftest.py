# The kata's pytest plugin: --impl switching, the verify/stretch markers and the teaching failure messages.
pytest_plugins = ["kata.judge.plugin"]
