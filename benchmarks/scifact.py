"""searchlib against plain Whoosh on SciFact, side by side in one run.

Indexes the 5,183 SciFact abstracts with each, answers the 300 test claims, and prints documents indexed
per second, query latency (p50/p95, top 10) and nDCG@10 for both, with searchlib's ratios to Whoosh.

Plain Whoosh is used as its tutorial shows: StemmingAnalyzer on title and text, default BM25F, and the
query's words ORed together. searchlib is used as a user would: ``build_index`` on the records, then
``search(claim, match="any", plain=True)`` (a claim is text, not query syntax).

    python benchmarks/scifact.py [--data DIR] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DATA, load_collection, machine, median, ndcg_at, percentile  # noqa: E402
from whoosh import fields, index, qparser  # noqa: E402
from whoosh.analysis import StemmingAnalyzer  # noqa: E402

import searchlib  # noqa: E402
from searchlib.records.readers.seed import record_from_dict  # noqa: E402


def run_whoosh(corpus, queries, workdir: Path):
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(analyzer=StemmingAnalyzer()),
        text=fields.TEXT(analyzer=StemmingAnalyzer()),
    )
    path = workdir / "whoosh"
    path.mkdir()
    t0 = time.perf_counter()
    ix = index.create_in(str(path), schema)
    writer = ix.writer()
    for doc in corpus:
        writer.add_document(id=str(doc["_id"]), title=doc.get("title") or "", text=doc.get("text") or "")
    writer.commit()
    build = time.perf_counter() - t0
    parser = qparser.MultifieldParser(["title", "text"], schema, group=qparser.OrGroup)
    runs: dict[str, list[str]] = {}
    times = []
    with ix.searcher() as searcher:
        for qid, text in queries.items():
            t = time.perf_counter()
            results = searcher.search(parser.parse(text), limit=10)
            runs[qid] = [hit["id"] for hit in results]
            times.append(time.perf_counter() - t)
    return build, times, runs


def run_searchlib(corpus, queries, workdir: Path):
    t0 = time.perf_counter()
    records = [record_from_dict(doc) for doc in corpus]
    ix = searchlib.build_index(records, workdir / "searchlib")
    build = time.perf_counter() - t0
    runs: dict[str, list[str]] = {}
    times = []
    for qid, text in queries.items():
        t = time.perf_counter()
        results = ix.search(text, limit=10, match="any", plain=True)
        runs[qid] = [hit.id for hit in results]
        times.append(time.perf_counter() - t)
    ix.close()
    return build, times, runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA / "scifact")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each engine, alternating; medians are reported")
    args = ap.parse_args()
    corpus, queries, qrels = load_collection(args.data)
    print(f"SciFact: {len(corpus)} documents, {len(queries)} test queries; {machine()}")
    engines = {"whoosh": run_whoosh, "searchlib": run_searchlib}
    builds: dict[str, list[float]] = {e: [] for e in engines}
    p50s: dict[str, list[float]] = {e: [] for e in engines}
    p95s: dict[str, list[float]] = {e: [] for e in engines}
    ndcg: dict[str, float] = {}
    for _ in range(args.repeat):
        for name, fn in engines.items():
            workdir = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
            gc.collect()
            try:
                build, times, runs = fn(corpus, queries, workdir)
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
            builds[name].append(build)
            p50s[name].append(percentile(times, 50) * 1000)
            p95s[name].append(percentile(times, 95) * 1000)
            ndcg[name] = sum(ndcg_at(runs[q], qrels[q]) for q in queries) / len(queries)
    rows = {
        name: (len(corpus) / median(builds[name]), median(p50s[name]), median(p95s[name]), ndcg[name])
        for name in engines
    }
    print(
        f"\n{'engine':10} {'docs/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'nDCG@10':>8}"
        f"   (median of {args.repeat} runs)"
    )
    for name, (dps, p50, p95, nd) in rows.items():
        print(f"{name:10} {dps:8.0f} {p50:8.1f} {p95:8.1f} {nd:8.3f}")
    s, w = rows["searchlib"], rows["whoosh"]
    print(
        f"{'ratio':10} {s[0] / w[0]:7.2f}x {s[1] / w[1]:7.2f}x {s[2] / w[2]:7.2f}x {s[3] / w[3]:7.2f}x"
        "   (searchlib / whoosh; higher docs/s and nDCG are better, lower latency is better)"
    )


if __name__ == "__main__":
    main()
