"""A decision doc that hedges and sprawls: two approaches chosen and a reason longer than a Post-it."""

from solutions.u12_right_tool import *  # noqa: F403  the reference, with one function done wrong


def my_decision_doc():
    return (
        "Task: Answer support questions about our billing API from its 300-page reference.\n"
        "Row: Model doesn’t know about our docs\n"
        "Chosen: RAG and fine-tune\n"
        "Rejected distill: we might distill later once we have collected enough traffic from the RAG and "
        "fine-tuned systems, since the volume could grow a lot next year if the new pricing launches and "
        "more customers move to the API, which product expects but has not confirmed yet.\n"
        "Rejected classical: keyword search missed 4 in 10 questions in our eval.\n"
    )
