"""Returns the move of the LAST applicable row, as if the table were read bottom-up."""

from solutions.u12_right_tool import *  # noqa: F403  the reference, with one function done wrong


def first_move(problem):
    lowest = max(problem, key=ROWS.index)  # noqa: F405
    return dict(DECISION_TABLE)[lowest]  # noqa: F405
