"""What the benchmarks share: where the data is, reading BEIR-style collections, metrics and timing.

Collections live in ``../shared/data`` beside the repository by default; set ``SEARCHLIB_DATA`` or pass
``--data`` to a script to read them from elsewhere.
"""

from __future__ import annotations

import math
import os
import platform
import random
import statistics
import subprocess
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

DATA = Path(os.environ.get("SEARCHLIB_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def read_jsonl(path: Path) -> list[dict]:
    with open(path, "rb") as f:
        return [orjson.loads(line) for line in f if line.strip()]


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """TREC (``qid 0 docid rel``) or BEIR (``query-id corpus-id score``, with a header) qrels."""
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    for line in Path(path).read_text().splitlines():
        parts = line.split()
        if not parts or parts[0] == "query-id":
            continue
        if len(parts) == 4:
            qid, _, doc, rel = parts
        else:
            qid, doc, rel = parts[:3]
        qrels[qid][doc] = int(rel)
    return dict(qrels)


def load_collection(folder: Path, split: str = "test") -> tuple[list[dict], dict[str, str], dict]:
    """(corpus, {qid: text}, qrels) of a BEIR-layout folder; ``split="train"`` reads the train files."""
    corpus = read_jsonl(folder / "corpus.jsonl")
    qfile, rfile = (
        ("queries-train.jsonl", "qrels-train.tsv") if split == "train" else ("queries.jsonl", "qrels.tsv")
    )
    qrels = read_qrels(folder / rfile)
    queries = {str(q["_id"]): q["text"] for q in read_jsonl(folder / qfile) if str(q["_id"]) in qrels}
    return corpus, queries, qrels


#: The title-only variants of each collection: the share of papers whose abstract is removed, and the seed that
#: chooses them (a quarter of PubMed's records have no abstract; many exports drop abstracts).
TITLE_ONLY_SHARES = (0.3, 0.6)
TITLE_ONLY_SEED = 28


def without_abstracts(corpus: list[dict], share: float, seed: int = TITLE_ONLY_SEED) -> list[dict]:
    """``corpus`` with the abstract (``text``) removed from a seeded random ``share`` of its papers, titles
    kept; the same papers for the same corpus, share and seed."""
    if not share:
        return corpus
    chosen = set(title_only_papers(len(corpus), share, seed))
    return [{**doc, "text": ""} if i in chosen else doc for i, doc in enumerate(corpus)]


def title_only_papers(n: int, share: float, seed: int = TITLE_ONLY_SEED) -> list[int]:
    """Which of ``n`` papers (their positions, ascending) lose their abstract in :func:`without_abstracts`."""
    return sorted(random.Random(seed).sample(range(n), round(share * n)))


def variant_label(name: str, share: float) -> str:
    """``SciFact``, ``SciFact 30% title-only``."""
    return f"{name} {share:.0%} title-only" if share else name


def ndcg_at(ranked: list[str], judged: dict[str, int], k: int = 10) -> float:
    """nDCG@k with graded gains (rel as given; rel <= 0 counts as not relevant), as trec_eval computes it."""
    dcg = sum(judged.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]) if judged.get(d, 0) > 0)
    ideal = sorted((r for r in judged.values() if r > 0), reverse=True)[:k]
    idcg = sum(r / math.log2(i + 2) for i, r in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: list[str], judged: dict[str, int], k: int = 100) -> float:
    relevant = {d for d, r in judged.items() if r > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    idx = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[idx]


def alternating_latency(
    search: Callable[[str, Any], object], texts: list[str], settings: dict[str, Any], repeat: int = 1
) -> dict[str, tuple[float, float]]:
    """p50 and p95 milliseconds of ``search(text, setting)`` for each named setting, the settings taking turns
    text by text so that all see the same machine load."""
    times: dict[str, list[float]] = {name: [] for name in settings}
    for _ in range(repeat):
        for text in texts:
            for name, setting in settings.items():
                t = time.perf_counter()
                search(text, setting)
                times[name].append(time.perf_counter() - t)
    return {name: (percentile(ts, 50) * 1000, percentile(ts, 95) * 1000) for name, ts in times.items()}


def print_latency(rows: dict[str, tuple[float, float]], label: str, note: str) -> None:
    """The table of :func:`alternating_latency`, and the second setting's times over the first's."""
    print(f"\n{label:10} {'p50 ms':>8} {'p95 ms':>8}   ({note})")
    for name, (p50, p95) in rows.items():
        print(f"{name:10} {p50:8.1f} {p95:8.1f}")
    (a50, a95), (b50, b95) = list(rows.values())[:2]
    names = list(rows)
    print(f"{'ratio':10} {b50 / a50:7.2f}x {b95 / a95:7.2f}x   ({names[1]} / {names[0]})")


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def machine() -> str:
    """One line naming the machine the figures came from."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{mem_kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        mem = "?"
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem}; Python {platform.python_version()}; "
        f"{platform.system()} {platform.release()}; searchlib {rev or '?'}"
    )
