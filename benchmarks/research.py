"""What the researcher's tools cost on SciFact (5,183 abstracts, 300 claims); how well "Did you mean" fixes typos.

    python benchmarks/research.py [--data DIR] [--build-only]

Prints: build time and index size; per-query medians for a plain search (match="any", as the SciFact
benchmark), the same with facets counted, similar(), explain(); and, for typos made by swapping two
neighbouring letters in one long word of each claim, how often the suggestion restores the word.
``--build-only`` stops after the build (to compare index size and build time between versions).
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA, load_collection, machine  # noqa: E402

import searchlib  # noqa: E402
from searchlib.records.readers.seed import record_from_dict  # noqa: E402


def _ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.1f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--build-only", action="store_true")
    args = ap.parse_args()
    corpus, queries, _ = load_collection(args.data / "scifact")
    records = [record_from_dict(doc) for doc in corpus]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        index = searchlib.build_index(records, Path(tmp) / "ix")
        build = time.perf_counter() - t0
        size = sum(f.stat().st_size for f in (Path(tmp) / "ix").iterdir())
        print(f"machine: {machine()}")
        print(f"build: {build:.1f} s ({len(records) / build:.0f} docs/s), size {size / 2**20:.1f} MiB")
        if args.build_only:
            return
        claims = list(queries.values())
        plain, faceted, similar, explain = [], [], [], []
        ids = [r.id for r in records]
        for n, claim in enumerate(claims):
            t0 = time.perf_counter()
            results = index.search(claim, match="any", plain=True)
            plain.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            for name in ("year", "journal", "section"):
                results.facets(name)
            faceted.append(time.perf_counter() - t0 + plain[-1])
            if results:
                t0 = time.perf_counter()
                index.explain(claim, results[0].id, match="any", plain=True)
                explain.append(time.perf_counter() - t0)
            if n < 100:
                t0 = time.perf_counter()
                index.similar(ids[n * 37 % len(ids)])
                similar.append(time.perf_counter() - t0)
        print("| operation | p50 ms |\n|---|---:|")
        print(f"| search (match any, 300 claims) | {_ms(plain)} |")
        print(f"| search + year, journal and section facets | {_ms(faceted)} |")
        print(f"| explain the top hit | {_ms(explain)} |")
        print(f"| similar (100 papers) | {_ms(similar)} |")

        rng = random.Random(7)
        fixed = offered = tried = 0
        timings = []
        for claim in claims:
            words = [w for w in re.findall(r"[A-Za-z]+", claim) if len(w) >= 6]
            if not words:
                continue
            word = rng.choice(words)
            i = rng.randrange(1, len(word) - 1)  # keep the first letter: suggestions share it
            typo = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
            if typo.lower() == word.lower():
                continue
            tried += 1
            t0 = time.perf_counter()
            suggestion = index.search(typo, match="all").suggestion
            timings.append(time.perf_counter() - t0)
            if suggestion:
                offered += 1
                fixed += suggestion.lower() == word.lower()
        print(
            f"\ntypos (one word of a claim, two neighbouring letters swapped, searched alone): {tried}; "
            f"suggestion offered {offered} ({offered / tried:.0%}), "
            f"the original word {fixed} ({fixed / tried:.0%}); "
            f"p50 {_ms(timings)} ms per search with suggestion"
        )
        index.close()


if __name__ == "__main__":
    main()
