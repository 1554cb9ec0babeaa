"""Hostile queries against the bundled index: every one answers or raises QueryError; the slowest are listed.

    python benchmarks/hostile_queries.py [--random N] [--repeat 3] [--scifact] [--index PATH] [--clock cpu]

Runs a fixed list of hostile queries (unbalanced quotes and parentheses, lone operators, empty fields, wildcards,
10,000-character queries, control characters, queries at each size limit) and N random ones built from the
query syntax's pieces, each with match="all", match="any" and plain=True, and prints the count, how many raised
QueryError, the median and the slowest. ``--scifact`` also runs them against the 5,183 SciFact abstracts (from
the data folder), where wildcards and fuzzy terms have a real vocabulary to expand over; ``--index PATH`` also
runs them against an index already built (e.g. 200,000 generated papers). A search's time includes what a user
reads next: its hits' ids, the exact total, the first hit's highlights and the spelling suggestion.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DATA, load_collection, machine, median  # noqa: E402

import searchlib  # noqa: E402
from searchlib.search.lexer import MAX_QUERY_TERMS, MAX_WORD_CHARS  # noqa: E402
from searchlib.search.syntax import MAX_QUERY_CHARS  # noqa: E402

PIECES = [
    "AND", "OR", "NOT", "ANDNOT", "TO", "(", ")", '"', "*", "?", "^2", "~", "~2", "[", "]", "{", "}", "-", ":",
    "\\", ">", "2020", "2020-2024", "title:", "au:", "methods:", "year:", "doi:", "nosuch:", "interviews",
    "hospital*", "*al", "h?spital", "covid-19", "95%", "Høie", "the", "\x00", "\x1b", "\u200b", "ward~2", "a*",
]  # fmt: skip


def named() -> list[str]:
    return [
        '"unclosed', "(a OR b", "a)", "AND", "OR x", "x NOT", "title:", "nosuch:x", "*", "?", "**", "*a*",
        "title:*", "year:", "year:x", "year:[2020 TO", "x~99", "\x00\x01", "a" * 10_000, "a" * MAX_WORD_CHARS,
        "(" * 50 + "x" + ")" * 50, "(" * 5000 + ")" * 5000, "interviews " * 909, "x* " * (MAX_QUERY_TERMS - 1),
        "a* " * 3333, "*a* " * (MAX_QUERY_TERMS - 1), "(x OR " * 49 + "y" + ")" * 49,
        '"' + "ward " * (MAX_QUERY_TERMS - 1) + '"', "ward~2 " * (MAX_QUERY_TERMS - 1),
        "[a TO z] " * 333, "au:" + "x" * 297, "x" * (MAX_QUERY_CHARS + 1),
        " ".join(f"title:w{i}*" for i in range(MAX_QUERY_TERMS)),
        "*" * 300, " OR ".join(f"*{c}*" for c in "abcdefghijklmnopqrst"), "pneumonoultramicroscopicsilico " * 400,
        "*a* OR *e* OR *i*", "abstract:*tion*", '"*a* *e*"', '"the * of"~5',
    ]  # fmt: skip


def generated(n: int, seed: int = 8) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(PIECES) for _ in range(rng.randint(1, 400))) for _ in range(n)]


def run(index: searchlib.Index, queries: list[str], repeat: int, clock: str) -> list[tuple[float, str, str]]:
    timer = time.process_time if clock == "cpu" else time.perf_counter
    timings = []
    for query in queries:
        for kwargs in ({}, {"match": "any"}, {"plain": True}):
            times = []
            outcome = ""
            for _ in range(repeat):
                started = timer()
                try:
                    results = index.search(query, **kwargs)
                    read = [hit.id for hit in results], results[0].highlights if len(results) else None
                    read += (results.suggestion,)
                    outcome = f"{results.total} hits"
                except searchlib.QueryError as exc:
                    outcome = f"QueryError: {str(exc)[:60]}"
                times.append(timer() - started)
            timings.append(
                (median(times), f"{query[:40]!r}{'…' if len(query) > 40 else ''} {kwargs or ''}", outcome)
            )
    return timings


def report(name: str, timings: list[tuple[float, str, str]], top: int) -> None:
    errors = sum(1 for _, _, outcome in timings if outcome.startswith("QueryError"))
    med, slowest = median([t for t, _, _ in timings]) * 1000, max(t for t, _, _ in timings) * 1000
    print(f"\n{name}: {len(timings)} searches, {errors} QueryError, median {med:.1f} ms, slowest {slowest:.0f} ms")
    print(f"{'ms':>8}  query")
    for seconds, query, outcome in sorted(timings, reverse=True)[:top]:
        print(f"{seconds * 1000:8.1f}  {query}  -> {outcome}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random", type=int, default=300, help="random syntax-shaped queries")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--scifact", action="store_true")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument(
        "--clock", choices=("wall", "cpu"), default="wall", help="cpu: this process's CPU time, for a busy machine"
    )
    parser.add_argument("--index", type=Path, help="also an index already built, e.g. of 200,000 papers")
    args = parser.parse_args()
    queries = named() + generated(args.random)
    print(machine(), f"; {args.clock} time")
    report("bundled index (10 papers)", run(searchlib.build_index(searchlib.bundled_records_path()), queries,
                                           args.repeat, args.clock), args.top)  # fmt: skip
    if args.scifact:
        corpus, _, _ = load_collection(args.data / "scifact")
        index = searchlib.build_index(corpus)
        report(f"SciFact ({len(index):,} papers)", run(index, queries, args.repeat, args.clock), args.top)
    if args.index:
        index = searchlib.open_index(args.index)
        report(f"{args.index} ({len(index):,} papers)", run(index, queries, args.repeat, args.clock), args.top)


if __name__ == "__main__":
    main()
