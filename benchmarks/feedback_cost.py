"""What pseudo-relevance feedback costs per query: SciFact claims answered with and without it, one index.

Builds searchlib's index of the 5,183 SciFact abstracts once and answers every claim (top 10, ``match="any",
plain=True``) with ``feedback=False`` and with the default (feedback on), alternating query by query so both
see the same machine load; prints p50 and p95 latency of each over ``--repeat`` rounds and their ratio.
Only the claims' text is read, no judgments.

    python benchmarks/feedback_cost.py [--data DIR] [--repeat 3] [--queries queries.jsonl]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DATA, machine, percentile, read_jsonl  # noqa: E402

import searchlib  # noqa: E402
from searchlib.records.readers.seed import record_from_dict  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA / "scifact")
    ap.add_argument("--queries", default="queries.jsonl", help="file of claims in the data folder")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    corpus = read_jsonl(args.data / "corpus.jsonl")
    texts = [q["text"] for q in read_jsonl(args.data / args.queries)]
    print(f"SciFact: {len(corpus)} documents, {len(texts)} claims; {machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-feedback-") as tmp:
        ix = searchlib.build_index([record_from_dict(d) for d in corpus], Path(tmp) / "ix")
        times: dict[str, list[float]] = {"without": [], "with": []}
        for text in texts[:20]:  # warm up: caches, stems of the claims' words
            ix.search(text, match="any", plain=True)
        for _ in range(args.repeat):
            for text in texts:
                for name, feedback in (("without", False), ("with", None)):
                    t = time.perf_counter()
                    [hit.id for hit in ix.search(text, limit=10, match="any", plain=True, feedback=feedback)]
                    times[name].append(time.perf_counter() - t)
        ix.close()
    rows = {name: (percentile(ts, 50) * 1000, percentile(ts, 95) * 1000) for name, ts in times.items()}
    print(f"\n{'feedback':10} {'p50 ms':>8} {'p95 ms':>8}   ({args.repeat} rounds, alternating)")
    for name, (p50, p95) in rows.items():
        print(f"{name:10} {p50:8.1f} {p95:8.1f}")
    (w50, w95), (f50, f95) = rows["without"], rows["with"]
    print(f"{'ratio':10} {f50 / w50:7.2f}x {f95 / w95:7.2f}x   (with / without)")


if __name__ == "__main__":
    main()
