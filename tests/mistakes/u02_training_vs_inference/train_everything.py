"""A sheet that reaches for training first: more Training rows than Inference rows."""

from solutions.u02_training_vs_inference import *  # noqa: F403  the reference, with one function done wrong


def my_stack():
    why, proof = "Our domain is special.", "Accuracy on our eval set versus the prompted base model."
    return [
        Row("fine-tune a model on our docs so it knows the product", "training", why, proof),  # noqa: F405
        Row("retrain the ranking model nightly", "training", why, proof),  # noqa: F405
        Row("LoRA adapter for the support tone", "training", why, proof),  # noqa: F405
        Row("answer support questions with RAG over the help centre", "inference"),  # noqa: F405
        Row("summarise each closed ticket", "inference"),  # noqa: F405
    ]
