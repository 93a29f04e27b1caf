"""`python -m kata.learner PORT`: the learner process in a fresh interpreter (kata/learner/spawned.py), where the
judge cannot fork one from its zygote."""

import sys

from kata.learner import process, spawned

if __name__ == "__main__":
    channel, where = spawned.connect_back(int(sys.argv[1]))
    process.serve_spawned(channel, where)
