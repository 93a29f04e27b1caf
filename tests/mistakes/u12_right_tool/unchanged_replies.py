"""Hands back the U01 replies untouched: no paragraph upgraded, so there is no delta."""

from solutions.u01_vocabulary import replies as _u01_replies
from solutions.u12_right_tool import *  # noqa: F403  the reference, with one function done wrong


def upgraded_replies():
    return _u01_replies()
