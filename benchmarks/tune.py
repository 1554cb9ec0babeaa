"""Choose searchlib's default ranking on training data only, reproducibly.

Training data: SciFact's train split (809 claims) and, for Cranfield and CISI, which have one set of queries,
two folds (odd and even query ids). A configuration is scored by the mean nDCG@10 over the three collections;
the one chosen on fold A (SciFact train + odd ids) is checked on fold B (even ids), and the other way round, so
the figures printed for the held-out fold say how well the choice carries over. The SciFact test claims are
never read here.

The grid is scored with a fast re-implementation of what searchlib's index computes (the same analyzer chain
on title and abstract, BM25 per field summed with field weights, repeated query words counted), so hundreds of
settings take minutes; ``benchmarks/relevance.py`` then measures the chosen default through the library itself.

``--feedback`` instead scores pseudo-relevance feedback on top of the default ranking (``search``'s
``feedback`` option): how many top papers, how many expansion terms, what weight, and how sharply the papers'
words are weighed by their scores, chosen the same way, fold against fold, among the settings that lower no
collection's nDCG@10 on the fold they are chosen on (so that it can be on by default).

``--coordination`` scores a coordination bonus (a paper's score scaled by the share of the query's words it
holds) on top of the default ranking with feedback; it lowered some collection at every setting, so it is not
used.

    python benchmarks/tune.py [--data DIR] [--top 5] [--feedback | --coordination] [--jobs 2]   # numpy, scipy
"""

from __future__ import annotations

import argparse
import itertools
import math
import multiprocessing
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from scipy import sparse

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DATA, load_collection, ndcg_at, recall_at  # noqa: E402
from nltk.stem.porter import PorterStemmer  # noqa: E402

from searchlib.analysis import paper_analyzer  # noqa: E402
from searchlib.analysis.analyzers import stem as snowball  # noqa: E402
from searchlib.records.readers.seed import record_from_dict  # noqa: E402

#: What a plain query drops before analysis: the query language's punctuation.
_SYNTAX_CHARS = re.compile(r"[\"'()\[\]{}:^~*?+\\/]|(?<!\w)-|-(?!\w)")

STEMMERS = {"snowball": snowball, "porter": PorterStemmer(PorterStemmer.ORIGINAL_ALGORITHM).stem}
GRID = {
    "idf": ("whoosh", "robertson"),
    "k1": (0.6, 0.9, 1.2, 1.6, 2.0),
    "b": (0.5, 0.75, 0.9),
    "title": (0.5, 1.0, 1.5, 2.0),
}
CURRENT = {"stemmer": "snowball", "idf": "whoosh", "k1": 1.2, "b": 0.75, "title": 2.0}
DEFAULT = {"idf": "robertson", "k1": 0.9, "b": 0.9, "title": 0.5}
FEEDBACK_GRID = {
    "docs": (3, 5, 10),
    "terms": (20, 40),
    "weight": (0.3, 0.4, 0.5, 0.7),
    "sharpness": (0.0, 8.0, 16.0),
}


class Collection:
    """Term counts per field (title, abstract) of one collection under one analyzer, as sparse matrices."""

    def __init__(self, corpus: list[dict], stem) -> None:
        an = paper_analyzer(stemmer=stem)
        self.an = an
        self.ids = [str(d["_id"]) for d in corpus]
        records = [record_from_dict(d) for d in corpus]
        self.vocab: dict[str, int] = {}
        self.tf: dict[str, sparse.csc_matrix] = {}
        self.dl: dict[str, np.ndarray] = {}
        triples = {}
        for field in ("title", "abstract"):
            rows, cols, vals, lens = [], [], [], []
            for i, r in enumerate(records):
                tokens = [t.text for t in an(getattr(r, field) or "", mode="index")]
                lens.append(len(tokens))
                for term, count in Counter(tokens).items():
                    rows.append(i)
                    cols.append(self.vocab.setdefault(term, len(self.vocab)))
                    vals.append(count)
            triples[field] = (rows, cols, vals)
            self.dl[field] = np.array(lens, float)
        shape = (len(records), len(self.vocab))
        for field, (rows, cols, vals) in triples.items():
            self.tf[field] = sparse.csc_matrix((vals, (rows, cols)), shape=shape, dtype=float)

    def query_terms(self, text: str) -> Counter:
        return Counter(t.text for t in self.an(_SYNTAX_CHARS.sub(" ", text), mode="query"))

    def ranking(self, terms: Counter, idf: str, k1: float, b: float, title: float, depth: int = 100) -> list[str]:
        return self._top(self.scores(terms, idf, k1, b, title), depth)

    def scores(self, terms: Counter, idf: str, k1: float, b: float, title: float) -> np.ndarray:
        n = len(self.ids)
        score = np.zeros(n)
        for term, qtf in terms.items():
            j = self.vocab.get(term)
            if j is None:
                continue
            for field, weight in (("title", title), ("abstract", 1.0)):
                col = self.tf[field]
                lo, hi = col.indptr[j], col.indptr[j + 1]
                if lo == hi:
                    continue
                docs, tf, df = col.indices[lo:hi], col.data[lo:hi], hi - lo
                w = math.log(n / (df + 1)) + 1 if idf == "whoosh" else math.log(1 + (n - df + 0.5) / (df + 0.5))
                norm = 1 - b + b * self.dl[field][docs] / (self.dl[field].mean() or 1)
                score[docs] += qtf * weight * w * tf * (k1 + 1) / (tf + k1 * norm)
        return score

    def _top(self, score: np.ndarray, depth: int) -> list[str]:
        n = len(self.ids)
        top = np.argpartition(-score, min(depth, n - 1))[:depth]
        top = top[np.argsort(-score[top], kind="stable")]
        return [self.ids[i] for i in top if score[i] > 0]

    def feedback_ranking(
        self, terms: Counter, docs: int, nterms: int, weight: float, sharpness: float = 0.0, depth: int = 100
    ) -> list:
        """What ``search(..., feedback=True)`` does (search/feedback.py): rank, take the top ``docs`` papers'
        title and abstract terms, each paper's counted ``(score / top score) ** sharpness`` times (scaled to
        average 1), score them with Bo1 against their frequency in the collection, and search again with the
        ``nterms`` best added in proportion to their Bo1 scores, together weighing ``weight`` times the query's
        own words (as RM3 mixes the query with the feedback model)."""
        if not hasattr(self, "_rows"):
            self._rows = (self.tf["title"] + self.tf["abstract"]).tocsr()
            self._cf = np.asarray(self._rows.sum(axis=0)).ravel()
            self._terms = {j: t for t, j in self.vocab.items()}
            self._first: dict = {}
        key = tuple(sorted(terms.items()))
        if key not in self._first:  # the first search is the same for every setting
            self._first[key] = self._top_scored(self.scores(terms, **DEFAULT), max(FEEDBACK_GRID["docs"]))
        first, scores = (a[:docs] for a in self._first[key])
        if not len(first):
            return []
        paper_weights = (scores / scores[0]) ** sharpness
        paper_weights *= len(first) / paper_weights.sum()
        in_top = np.asarray(self._rows[first].multiply(paper_weights[:, None]).sum(axis=0)).ravel()
        cols = np.nonzero(in_top)[0]
        f = self._cf[cols] / len(self.ids)
        bo1 = in_top[cols] * np.log2((1 + f) / f) + np.log2(1 + f)
        best = np.argsort(-bo1, kind="stable")[:nterms]
        expanded = Counter(terms)
        mass = weight * sum(terms.values()) / bo1[best].sum()
        for i in best:
            expanded[self._terms[cols[i]]] += mass * bo1[i]
        return self.ranking(expanded, **DEFAULT, depth=depth)

    def _top_scored(self, score: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
        top = np.argpartition(-score, min(depth, len(score) - 1))[:depth]
        top = top[np.argsort(-score[top], kind="stable")]
        top = top[score[top] > 0]
        return top, score[top]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("--feedback", action="store_true", help="tune pseudo-relevance feedback instead")
    ap.add_argument("--jobs", type=int, default=2, help="processes scoring feedback settings in parallel")
    ap.add_argument(
        "--coordination", action="store_true", help="score a coordination bonus on the default (with feedback)"
    )
    args = ap.parse_args()
    sets = {
        "scifact-train": load_collection(args.data / "scifact", "train"),
        "cranfield": load_collection(args.data / "cranfield"),
        "cisi": load_collection(args.data / "cisi"),
    }
    # Query subsets: SciFact train in both folds; Cranfield and CISI split by odd and even query id.
    folds = {
        fold: {
            name: [q for q in queries if name == "scifact-train" or int(q) % 2 == parity]
            for name, (_, queries, _) in sets.items()
        }
        for fold, parity in (("A", 1), ("B", 0))
    }
    if args.feedback:
        tune_feedback(sets, folds, args.top, args.jobs)
        return
    if args.coordination:
        tune_coordination(sets, folds, args.top)
        return
    results = []  # (config, {fold: {collection: (ndcg, recall)}})
    for stemmer, stem in STEMMERS.items():
        colls = {name: Collection(corpus, stem) for name, (corpus, _, _) in sets.items()}
        terms = {name: {q: colls[name].query_terms(t) for q, t in sets[name][1].items()} for name in sets}
        for idf, k1, b, title in itertools.product(*GRID.values()):
            config = {"stemmer": stemmer, "idf": idf, "k1": k1, "b": b, "title": title}
            runs = {
                name: {q: colls[name].ranking(terms[name][q], idf, k1, b, title) for q in sets[name][1]}
                for name in sets
            }
            results.append((config, _scores(runs, sets, folds)))
        print(f"scored {len(results)} configurations", file=sys.stderr, flush=True)
    current = next(r for r in results if r[0] == CURRENT)
    _report(results, ("current", current), args.top, "the default")


def _objective(per_fold: dict, fold: str) -> float:
    """Mean nDCG@10 over the collections, on one fold."""
    return float(np.mean([nd for nd, _ in per_fold[fold].values()]))


def _report(results: list, reference: tuple, top: int, chosen: str, eligible=None) -> None:
    """The best settings on each fold, the best one's figures on the other fold, and the best on both.

    ``eligible(per_fold, fold)``, when given, says which settings may be chosen on a fold."""
    width = max(len(_label(config)) for config, _ in results)
    ok = eligible or (lambda per_fold, fold: True)

    def line(config, per_fold, fold):
        cells = "  ".join(f"{n[:9]} {nd:.3f}/{rc:.3f}" for n, (nd, rc) in per_fold[fold].items())
        return f"{_label(config):{width}} fold {fold}: {cells}  mean nDCG {_objective(per_fold, fold):.3f}"

    name, (ref_config, ref_scores) = reference
    for train, held in (("A", "B"), ("B", "A")):
        ranked = sorted((r for r in results if ok(r[1], train)), key=lambda r: -_objective(r[1], train))
        print(f"\nbest on fold {train} (cells nDCG@10/R@100), then on held-out fold {held}:")
        for config, per_fold in ranked[:top]:
            print("  " + line(config, per_fold, train))
        print("  held out: " + line(*ranked[0], held))
        print(f"  {name:8}: " + line(ref_config, ref_scores, held))
    pooled = sorted(
        (r for r in results if ok(r[1], "A") and ok(r[1], "B")),
        key=lambda r: -(_objective(r[1], "A") + _objective(r[1], "B")),
    )
    print(f"\nbest on both folds together ({chosen}):")
    for config, per_fold in pooled[:top]:
        print(f"  {_label(config):{width}} A {_objective(per_fold, 'A'):.3f}  B {_objective(per_fold, 'B'):.3f}")


def _scores(runs, sets, folds) -> dict:
    return {
        fold: {
            name: (
                float(np.mean([ndcg_at(runs[name][q], sets[name][2][q]) for q in qids])),
                float(np.mean([recall_at(runs[name][q], sets[name][2][q]) for q in qids])),
            )
            for name, qids in subsets.items()
        }
        for fold, subsets in folds.items()
    }


_STATE: dict = {}


def _feedback_runs(setting: tuple) -> tuple:
    """One feedback setting's rankings of every query (run in a worker process; the collections are inherited)."""
    colls, terms, sets = _STATE["colls"], _STATE["terms"], _STATE["sets"]
    docs, nterms, weight, sharpness = setting
    rank = {name: colls[name].feedback_ranking for name in sets}
    return setting, {
        name: {q: rank[name](text, docs, nterms, weight, sharpness) for q, text in terms[name].items()}
        for name in sets
    }


def tune_feedback(sets, folds, top: int, jobs: int) -> None:
    """Feedback settings scored fold by fold, against the default ranking without feedback. A setting may be
    chosen on a fold only if it lowers no collection's nDCG@10 there."""
    colls = {name: Collection(corpus, snowball) for name, (corpus, _, _) in sets.items()}
    terms = {name: {q: colls[name].query_terms(t) for q, t in sets[name][1].items()} for name in sets}
    for c in colls.values():
        c.an = None  # not needed from here on; lets the workers inherit less
    base = _scores(
        {name: {q: colls[name].ranking(terms[name][q], **DEFAULT) for q in sets[name][1]} for name in sets},
        sets,
        folds,
    )
    _STATE.update(colls=colls, terms=terms, sets=sets)
    settings = list(itertools.product(*FEEDBACK_GRID.values()))
    results = [({"feedback": False}, base)]
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        for setting, runs in pool.imap(_feedback_runs, settings):
            results.append((dict(zip(FEEDBACK_GRID, setting, strict=True)), _scores(runs, sets, folds)))
            print(f"scored {len(results) - 1} of {len(settings)} settings", file=sys.stderr, flush=True)

    def lowers_nothing(per_fold, fold):
        return all(nd >= base[fold][name][0] for name, (nd, _) in per_fold[fold].items())

    _report(results, ("without", results[0]), top, "the feedback setting", eligible=lowers_nothing)
    print("\nchange in nDCG@10 against no feedback, per collection, of the best on both folds:")
    best = max(
        (r for r in results[1:] if lowers_nothing(r[1], "A") and lowers_nothing(r[1], "B")),
        key=lambda r: _objective(r[1], "A") + _objective(r[1], "B"),
    )
    for fold in ("A", "B"):
        cells = "  ".join(f"{n} {nd - base[fold][n][0]:+.4f}" for n, (nd, _) in best[1][fold].items())
        print(f"  {_label(best[0])} fold {fold}: {cells}")


class Coordinated(Collection):
    """Scores multiplied by ``(share of the query's own words the paper holds) ** power``, the words counted
    alike or weighted by their idf: a coordination bonus, as Lucene's classic similarity and Whoosh's
    ``Or(scale=...)`` give. The share is of the words of the query as typed, also in feedback's second search."""

    power = 0.0
    by_idf = False
    words: list[str] = []

    def scores(self, terms: Counter, idf: str, k1: float, b: float, title: float) -> np.ndarray:
        score = super().scores(terms, idf, k1, b, title)
        if not self.power:
            return score
        n = len(self.ids)
        held, total = np.zeros(n), 0.0
        for term in self.words:
            j = self.vocab.get(term)
            if j is None:
                continue
            df = self.tf["abstract"].indptr[j + 1] - self.tf["abstract"].indptr[j]
            w = math.log(1 + (n - df + 0.5) / (df + 0.5)) if self.by_idf else 1.0
            has = np.zeros(n, bool)
            for field in ("title", "abstract"):
                col = self.tf[field]
                has[col.indices[col.indptr[j] : col.indptr[j + 1]]] = True
            held += w * has
            total += w
        return score * (held / total) ** self.power if total else score


def tune_coordination(sets, folds, top: int) -> None:
    """A coordination bonus on top of the default ranking with its feedback, against none."""
    colls = {name: Coordinated(corpus, snowball) for name, (corpus, _, _) in sets.items()}
    terms = {name: {q: colls[name].query_terms(t) for q, t in sets[name][1].items()} for name in sets}
    fb = (3, 40, 0.7, 8.0)  # the default feedback (searchlib/search/feedback.py)
    results = []
    for by_idf, power in [(False, 0.0)] + list(itertools.product((False, True), (0.1, 0.25, 0.5, 1.0))):
        runs: dict = {}
        for name, c in colls.items():
            c.power, c.by_idf = power, by_idf
            runs[name] = {}
            for q, t in terms[name].items():
                c.words, c._first = list(t), {}
                runs[name][q] = c.feedback_ranking(t, *fb)
        results.append(({"idf": by_idf, "power": power}, _scores(runs, sets, folds)))
        print(f"scored {len(results)} settings", file=sys.stderr, flush=True)
    _report(results, ("none", results[0]), top, "coordination")
    for config, per_fold in results:
        cells = "  ".join(
            f"{fold} " + " ".join(f"{n[:9]} {nd - results[0][1][fold][n][0]:+.4f}" for n, (nd, _) in f_.items())
            for fold, f_ in per_fold.items()
        )
        print(f"  {_label(config):20} {cells}")


def _label(config: dict) -> str:
    return " ".join(f"{k}={v}" for k, v in config.items())


if __name__ == "__main__":
    main()
