"""`kata plot N`: the pictures behind four units, drawn from your own code.

The numbers come from your unit, run end to end offline in the worker's child exactly as `kata show`
runs it (every API reply computed by the kata's reference backend): the child prints them as one
line of JSON, and this process (which never imports your module) draws them with matplotlib's Agg
backend into PNG files under `.kata/plots/`.

  U04  the cosine matrix of the unit's sentences, as a heatmap (your embed() and cosine())
  U05  the ten notes and a question, projected to 2-D (PCA in numpy), your top 3 ringed
  U07  each candidate's rank by cosine, and where your re-ranker moved it, for the five questions
  U11  size against pass-rate for the teacher, the student and its int8 / int4 copies; and the error
       your quantize() / dequantize() make, int8 against int4, as histograms
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from kata.units import ROOT, BY_SLUG, find

PLOT_DIR = ROOT / ".kata" / "plots"
MARK = "KATA-PLOT-DATA "
U05_QUERY = 2  # "When is the new go-live date?": an easy question, so the ringed three are worth reading


# --- in the worker's child: your code runs, and the numbers are printed ------------------------

def _u04(u) -> dict:
    sentences = [u.CATS, u.KITTENS, u.CARS, u.GREAT, u.TERRIBLE]
    vectors = u.embed(sentences)
    return {"sentences": sentences, "matrix": [[float(u.cosine(a, b)) for b in vectors] for a in vectors]}


def pca_2d(matrix: np.ndarray) -> np.ndarray:
    """The rows of `matrix` on their first two principal axes (centred, then the SVD's top two)."""
    centred = matrix - matrix.mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    return centred @ axes[:2].T


def _u05(u) -> dict:
    from kata.corpus import load_notes
    from kata.judge.testing import load_unit

    question, expected = u.QUERIES[U05_QUERY]
    index = u.build_index(load_notes())
    top = list(u.search(index, question))
    query = load_unit("u04_embeddings").embed([question])[0]  # your U04 embed, as your search calls it
    vectors = np.asarray([entry["vector"] for entry in index] + [query], dtype=np.float64)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)  # cosine is about direction only
    points = pca_2d(vectors)
    return {"question": question, "expected": expected, "ids": [entry["id"] for entry in index], "top": top,
            "points": points.round(5).tolist(),
            "cosines": [float(v) for v in vectors[:-1] @ vectors[-1]]}


def _u07(u) -> dict:
    from kata.corpus import load_notes

    index = u.note_index(load_notes())
    rows = []
    for question, expected in u.QUESTIONS:
        row = u.compare(index, question, expected)
        rows.append({key: row[key] for key in ("question", "expected", "candidates", "cosine_top3", "reranked_top3",
                                               "changed", "better")})
    return {"rows": rows}


def _u11(u) -> dict:
    from kata.corpus import load_notes, load_questions

    tokenizer, embeddings = u.load_student()
    questions = [q for q in load_questions() if q["note"]]
    lab = u.lab_table(tokenizer, embeddings, questions, load_notes())
    errors = {}
    for bits in (8, 4):
        scales = u.row_scales(embeddings, bits)
        back = u.dequantize(u.quantize(embeddings, scales, bits), scales)
        error = (np.asarray(back, dtype=np.float32) - np.asarray(embeddings, dtype=np.float32)).ravel()
        counts, edges = np.histogram(error, bins=80)
        errors[f"int{bits}"] = {"counts": counts.tolist(), "edges": edges.astype(float).round(8).tolist(),
                                "rms": float(np.sqrt(np.mean(error.astype(np.float64) ** 2))),
                                "max": float(np.abs(error).max())}
    return {"lab": [{k: (float(v) if isinstance(v, (float, np.floating)) else v) for k, v in row.items()} for row in lab],
            "errors": errors}


COMPUTE = {"u04_embeddings": _u04, "u05_vector_search": _u05, "u07_production_rag": _u07,
           "u11_distillation_and_quantization": _u11}


def compute(slug: str, u) -> None:
    """Run in the child (by kata.commands.show.main): print the unit's numbers as one marked JSON line."""
    data = COMPUTE[slug](u)
    print(MARK + json.dumps(data, separators=(",", ":")), flush=True)


# --- in the command's process: the numbers, drawn ----------------------------------------------

def plottable(ref) -> str:
    unit = find(ref)
    if unit.slug not in COMPUTE:
        codes = ", ".join(BY_SLUG[s].code for s in COMPUTE)
        raise ValueError(f"{unit.code} has no picture; units with one: {codes}")
    return unit.slug


def parse(printout: str) -> dict | None:
    line = next((line for line in reversed(printout.splitlines()) if line.startswith(MARK)), None)
    return json.loads(line[len(MARK):]) if line else None


def stub_message(printout: str, unit) -> str | None:
    """'Write embed() first' when the run reached a stub, else None."""
    found = re.search(r"(\w+)\(\) is not written yet", printout)
    where = re.search(r"\(the stub is at ([^)]+)\)", printout)
    if not found:
        return None
    at = f" ({where.group(1)})" if where else ""
    return (f"Write {found.group(1)}() first{at}: `kata plot {unit.number}` draws from your own code, and that "
            f"function is still a stub. `kata check {unit.number}` shows what it must do.")


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise SystemExit("kata plot needs matplotlib, an optional extra: run it as `uv run --extra plots kata plot N`.") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 11, "axes.titlesize": 13, "figure.dpi": 110, "savefig.bbox": "tight"})
    return plt


def _short(text: str, width: int = 34) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def draw_u04(data: dict, out: Path, plt) -> list[Path]:
    matrix = np.asarray(data["matrix"])
    labels = [_short(s, 36) for s in data["sentences"]]
    fig, ax = plt.subplots(figsize=(8.4, 6.2))
    image = ax.imshow(matrix, cmap="viridis", vmin=min(0.0, float(matrix.min())), vmax=1.0)
    ax.set_xticks(range(len(labels)), [f"#{i + 1}" for i in range(len(labels))])
    ax.set_yticks(range(len(labels)), [f"#{i + 1}  {label}" for i, label in enumerate(labels)])
    for i in range(len(labels)):
        for j in range(len(labels)):
            value = matrix[i, j]
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=11,
                    color="black" if value > 0.6 else "white")
    fig.colorbar(image, ax=ax, label="cosine similarity", shrink=0.85)
    ax.set_title("U04 · cosine similarity of each pair of sentences\n(your embed() and cosine())")
    return [_save(fig, out / "u04_cosine_matrix.png", plt)]


def draw_u05(data: dict, out: Path, plt) -> list[Path]:
    points = np.asarray(data["points"])
    notes, query = points[:-1], points[-1]
    fig, ax = plt.subplots(figsize=(8.4, 6.6))
    ax.scatter(notes[:, 0], notes[:, 1], s=60, color="#4c72b0", zorder=3, label="a note")
    for rank, doc_id in enumerate(data["top"], 1):
        if doc_id in data["ids"]:
            x, y = notes[data["ids"].index(doc_id)]
            ax.scatter([x], [y], s=420, facecolors="none", edgecolors="#dd8452", linewidths=2.2, zorder=4,
                       label="your top 3" if rank == 1 else None)
    span = np.ptp(points, axis=0) + 1e-9
    placed: list[tuple[float, float]] = []
    for doc_id, (x, y), cos in zip(data["ids"], notes, data["cosines"]):
        bold = "bold" if doc_id == data["expected"] else "normal"
        # the first of four label spots that keeps clear of the labels already placed (in axis fractions)
        spots = [(9, 5, "left", 0.0), (9, -15, "left", -0.05), (-9, 5, "right", 0.0), (-9, -15, "right", -0.05)]
        for dx, dy, ha, shift in spots:
            side = 1 if ha == "left" else -1
            at = ((x - points[:, 0].min()) / span[0] + side * 0.09, (y - points[:, 1].min()) / span[1] + shift)
            if all(abs(at[0] - px) > 0.2 or abs(at[1] - py) > 0.05 for px, py in placed):
                break
        placed.append(at)
        ax.annotate(f"{doc_id} ({cos:.2f})", (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=10,
                    fontweight=bold, ha=ha)
    ax.scatter([query[0]], [query[1]], marker="*", s=320, color="#c44e52", zorder=5, label="the question")
    ax.annotate("question", query, xytext=(10, -14), textcoords="offset points", color="#c44e52", fontsize=10)
    ax.set_xlabel("first principal axis")
    ax.set_ylabel("second principal axis")
    ax.margins(0.18)
    ax.legend(loc="best", fontsize=10)
    ax.set_title(f"U05 · the ten notes and “{_short(data['question'], 40)}”\n"
                 f"projected to 2-D by PCA · in brackets: cosine to the question · answer in {data['expected']}", fontsize=12)
    return [_save(fig, out / "u05_projection.png", plt)]


def draw_u07(data: dict, out: Path, plt) -> list[Path]:
    rows = data["rows"]
    fig, axes = plt.subplots(1, len(rows), figsize=(3.2 * len(rows), 6.2), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, row in zip(axes, rows):
        candidates, reranked = row["candidates"], row["reranked_top3"]
        depth = len(candidates)
        for rank, doc_id in enumerate(candidates, 1):
            new = reranked.index(doc_id) + 1 if doc_id in reranked else None
            right = doc_id == row["expected"]
            color = "#2a9d3f" if right else ("#4c72b0" if new else "#b0b0b0")
            ax.text(-0.08, rank, doc_id, ha="right", va="center", fontsize=9, color=color,
                    fontweight="bold" if right else "normal")
            if new:
                ax.plot([0, 1], [rank, new], color=color, linewidth=2.4 if right else 1.6, marker="o")
                ax.text(1.08, new, doc_id, ha="left", va="center", fontsize=9, color=color,
                        fontweight="bold" if right else "normal")
            else:
                ax.plot([0], [rank], marker="o", color=color)
        ax.set_xlim(-0.75, 1.75)
        ax.set_ylim(depth + 0.7, 0.3)
        ax.set_xticks([0, 1], ["cosine", "re-ranked"])
        ax.tick_params(axis="y", left=False, labelleft=False)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        verdict = "re-ranking rescued it" if row["better"] else ("order changed" if row["changed"] else "no change")
        expected = row["expected"] or "none (unanswerable)"
        ax.set_title(f"{_wrap(row['question'], 26)}\nanswer in: {expected}\n{verdict}", fontsize=9.5)
    fig.suptitle("U07 · each candidate's rank by cosine, and where your re-ranker put it (top 3 kept; green: the "
                 "note holding the answer)", fontsize=12)
    fig.tight_layout()
    return [_save(fig, out / "u07_rerank.png", plt)]


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)[:3])


def draw_u11(data: dict, out: Path, plt) -> list[Path]:
    lab = data["lab"]
    fig, ax = plt.subplots(figsize=(8.4, 5.6))
    colors = ["#4c72b0", "#55a868", "#dd8452", "#c44e52"]
    for i, (row, color) in enumerate(zip(lab, colors)):
        megabytes = row["bytes"] / 1e6
        ax.scatter([megabytes], [row["pass_rate"]], s=140, color=color, zorder=3)
        above = i % 2 == 1  # the students sit close together: their labels alternate above and below
        ax.annotate(f"{row['model']}\n{megabytes:.1f} MB, {row['pass_rate']:.0%}", (megabytes, row["pass_rate"]),
                    xytext=(0, 14 if above else -14), textcoords="offset points", fontsize=10, ha="center",
                    va="bottom" if above else "top")
    ax.set_xscale("log")
    ax.set_xlabel("size on disk (MB, log scale)")
    ax.set_ylabel("retrieval pass-rate (top-1)")
    ax.set_ylim(0, 1.05)
    ax.margins(x=0.35)
    ax.grid(True, alpha=0.3)
    ax.set_title("U11 · size against pass-rate: the teacher, its distilled student, and int8 / int4 copies\n"
                 "(your lab_table())", fontsize=12)
    first = _save(fig, out / "u11_size_vs_pass_rate.png", plt)

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6))
    for ax, (name, error), color in zip(axes, data["errors"].items(), ["#dd8452", "#c44e52"]):
        edges, counts = np.asarray(error["edges"]), np.asarray(error["counts"])
        ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color=color)
        ax.set_yscale("log")
        ax.set_title(f"{name}: RMS error {error['rms']:.2e}, largest {error['max']:.2e}", fontsize=11)
        ax.set_xlabel("dequantized − original weight")
        ax.set_ylabel("weights (log scale)")
        ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 2))
    fig.suptitle("U11 · the quantization error of every weight of the student (your quantize() and dequantize())",
                 fontsize=12)
    fig.tight_layout()
    return [first, _save(fig, out / "u11_quantization_error.png", plt)]


DRAW = {"u04_embeddings": draw_u04, "u05_vector_search": draw_u05, "u07_production_rag": draw_u07,
        "u11_distillation_and_quantization": draw_u11}


def _save(fig, path: Path, plt) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight", pad_inches=0.25)
    plt.close(fig)
    return path


def draw(slug: str, data: dict, out: Path = PLOT_DIR) -> list[Path]:
    return DRAW[slug](data, out, _pyplot())
