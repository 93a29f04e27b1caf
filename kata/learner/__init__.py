"""The learner's side of the wall: what runs in the learner's process, and nothing of the judge.

`channel` frames messages on the socket the two processes share, `values` is the only format that
crosses it (data, never code: nothing the learner's side sends is ever unpickled), `wire` carries the
learner's HTTP requests to the judge, and `process` is the learner process's loop.
"""
