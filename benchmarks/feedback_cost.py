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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DATA, alternating_latency, machine, print_latency, read_jsonl  # noqa: E402

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
        for text in texts[:20]:  # warm up: caches, stems of the claims' words
            ix.search(text, match="any", plain=True)

        def search(text, feedback):
            return [hit.id for hit in ix.search(text, limit=10, match="any", plain=True, feedback=feedback)]

        rows = alternating_latency(search, texts, {"without": False, "with": None}, args.repeat)
        ix.close()
    print_latency(rows, "feedback", f"{args.repeat} rounds, alternating")


if __name__ == "__main__":
    main()
