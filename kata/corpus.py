"""The sample corpus: ten dated notes of one fictional project (sample-corpus/, see its README)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from kata.units import ROOT

CORPUS = ROOT / "sample-corpus"
EVALS = ROOT / "evals"
ASSISTANT_EVAL = EVALS / "assistant.jsonl"  # U10's 20-case eval of its assistant (evals/README.md)


@dataclass(frozen=True)
class Note:
    id: str  # "note01"
    title: str  # the note's first line
    date: str  # "2026-01-07"
    text: str  # the whole file, title and date included

    @property
    def source(self) -> str:
        return f"{self.id}.txt"

    @property
    def paragraphs(self) -> list[str]:
        """The body's paragraphs (title and date lines left out), in order."""
        body = self.text.split("\n\n", 1)[1] if "\n\n" in self.text else self.text
        return [p.strip() for p in body.split("\n\n") if p.strip()]


def load_notes(folder: Path = CORPUS) -> list[Note]:
    """note01.txt … note10.txt, in order."""
    notes = []
    for path in sorted(folder.glob("note*.txt")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        date = lines[1].removeprefix("Date:").strip() if len(lines) > 1 else ""
        notes.append(Note(path.stem, lines[0].strip(), date, text))
    if not notes:
        raise FileNotFoundError(f"no note*.txt in {folder}")
    return notes


def load_questions(folder: Path = CORPUS) -> list[dict]:
    """The corpus's questions: {"id", "question", "note" (None when unanswerable), "kind"}."""
    path = folder / "questions.jsonl"
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not valid JSON ({error.msg})") from None
    return rows
