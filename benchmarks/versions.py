"""Benchmark: two versions of searchlib side by side on the same papers and queries, taking turns.

    git worktree add /tmp/before <commit>          # the version to compare with
    python benchmarks/versions.py /tmp/before . --size 5k [--runs 5]

Each version builds its own index of the same records (``speed.py``'s: SciFact, or records generated from it
for the larger sizes) in a fresh process, then answers the same queries in fresh processes, the two versions
taking turns run after run, so a slow spell of a shared machine falls on both alike. Queries: the 300 SciFact
claims (``match="any"``, top 10) and the typed mix of ``speed.py`` (topics, ``methods:``, ``au:``, phrases, year
ranges, boolean) with truncation (``word*``) added. Prints each version's p50 and p95 per kind of query (the
median over runs) and the ratio of the second version to the first.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmarks.common import DATA, machine, median, percentile  # noqa: E402
from benchmarks.speed import corpus_for, typed_queries  # noqa: E402

_CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import searchlib
mode, path = sys.argv[2], sys.argv[3]
if mode == "build":
    searchlib.build_index(sys.argv[4], path, overwrite=True)
    sys.exit(0)
index = searchlib.open_index(path)
queries = json.loads(open(sys.argv[4]).read())
out = {}
for kind, text, any_ in queries:
    start = time.perf_counter()
    try:
        [h.id for h in index.search(text, limit=10, match="any" if any_ else "all", plain=any_)]
    except searchlib.SearchlibError:
        pass
    out.setdefault(kind, []).append((time.perf_counter() - start) * 1000)
print(json.dumps(out))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path, help="source tree of the first version")
    parser.add_argument("second", type=Path, help="source tree of the second version")
    parser.add_argument("--size", default="5k")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument(
        "--work", type=Path, default=None, help="folder for the indexes (default: a temporary one)"
    )
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="searchlib-versions-"))
    work.mkdir(parents=True, exist_ok=True)
    corpus = corpus_for(args.size, args.data, work)
    claims = [json.loads(line)["text"] for line in (args.data / "scifact" / "queries.jsonl").open()]
    typed = typed_queries(corpus)
    for q in typed[: len(typed) // 6]:
        q["kind"], q["searchlib"] = "truncation", q["searchlib"].split()[0].split(":")[-1].strip('"()')[:5] + "*"
    queries = [("claim", c, True) for c in claims] + [(q["kind"], q["searchlib"], False) for q in typed]
    qfile = work / "queries.json"
    qfile.write_text(json.dumps(queries))
    trees = {"first": args.first.resolve(), "second": args.second.resolve()}
    for name, tree in trees.items():
        subprocess.run(
            [sys.executable, "-c", _CHILD, str(tree), "build", str(work / name), str(corpus)], check=True
        )
    times: dict[str, dict[str, list[list[float]]]] = {name: {} for name in trees}
    for _ in range(args.runs):
        for name, tree in trees.items():
            found = subprocess.run(
                [sys.executable, "-c", _CHILD, str(tree), "search", str(work / name), str(qfile)],
                check=True,
                capture_output=True,
                text=True,
            )
            for kind, values in json.loads(found.stdout).items():
                times[name].setdefault(kind, []).append(values)
    print(f"| kind | {args.first} p50 / p95 ms | {args.second} p50 / p95 ms | ratio p50 / p95 |")
    print("|---|---:|---:|---:|")
    for kind in times["first"]:
        cells = []
        for name in trees:
            runs = times[name][kind]
            cells.append((median([percentile(r, 50) for r in runs]), median([percentile(r, 95) for r in runs])))
        (a50, a95), (b50, b95) = cells
        print(f"| {kind} | {a50:.1f} / {a95:.1f} | {b50:.1f} / {b95:.1f} | {b50 / a50:.2f}x / {b95 / a95:.2f}x |")
    print(f"\n{args.size}, medians of {args.runs} runs taking turns. Machine: {machine()}")


if __name__ == "__main__":
    main()
