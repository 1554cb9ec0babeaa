"""Benchmark: searches per second from one Index shared by 1, 2, 4 and 8 threads (medians of alternating runs).

    python benchmarks/threads.py [--papers 5000] [--searches 800] [--runs 3]

Each run answers the same SciFact claims (``match="any"``, feedback on, top 10, hits' records read), split
among the threads; the thread counts take turns, so a slow spell of the machine falls on each alike. Python's
global interpreter lock lets one thread compute at a time, so threads are not expected to multiply the rate;
what matters is that sharing one Index costs nothing: the rate with 8 threads is not below one thread's.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import searchlib  # noqa: E402
from benchmarks.common import DATA, machine, read_jsonl  # noqa: E402


def rate(index: searchlib.Index, claims: list[str], threads: int) -> float:
    chunks = [claims[i::threads] for i in range(threads)]

    def work(chunk: list[str]) -> None:
        for claim in chunk:
            for hit in index.search(claim, match="any", plain=True):
                hit.record  # noqa: B018

    workers = [threading.Thread(target=work, args=(chunk,)) for chunk in chunks]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return len(claims) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--papers", type=int, default=5000)
    parser.add_argument("--searches", type=int, default=800)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    folder = args.data / "scifact"
    corpus = read_jsonl(folder / "corpus.jsonl")[: args.papers]
    claims = [q["text"] for q in read_jsonl(folder / "queries-train.jsonl")]
    claims = (claims * (args.searches // len(claims) + 1))[: args.searches]
    index = searchlib.build_index(corpus)
    rate(index, claims[:100], 1)  # warm: postings decoded, stems known
    counts = (1, 2, 4, 8)
    rates: dict[int, list[float]] = {n: [] for n in counts}
    for _ in range(args.runs):
        for n in counts:
            rates[n].append(rate(index, claims, n))
    one = statistics.median(rates[1])
    print(f"| threads | searches/s (median of {args.runs}) | ratio to 1 thread |")
    print("|---:|---:|---:|")
    for n in counts:
        median = statistics.median(rates[n])
        print(f"| {n} | {median:.1f} | {median / one:.2f}x |")
    print(f"\nMachine: {machine()}")


if __name__ == "__main__":
    main()
