"""Choose how title and abstract combine, on training data only, with and without abstracts.

Each training collection (SciFact's train claims; Cranfield's and CISI's odd and even query ids, as in
``tune.py``) is scored as it is and with the abstract removed from a seeded random 30% and 60% of its papers
(``common.without_abstracts``): a model is chosen on fold A (SciFact train, odd ids) by the mean nDCG@10 over
the three collections and three variants, and checked on fold B (even ids), and the other way round.

Models, scored with a fast re-implementation of searchlib's scoring (the same analyzer chain):

- ``sum``: BM25 per field, summed with field weights (searchlib's model before BM25F);
- ``bm25f``: Robertson and Zaragoza's BM25F: each field's term frequency weighted and normalised by its own
  length, summed into one pseudo-frequency, then one saturation ``k1`` and one idf per term (from the papers
  holding it in either field).

``--burst`` scores how much a word's burstiness (its occurrences per paper holding it, to a power) weighs, with
the chosen feedback.

``--parts`` reads questions as searchlib plans them: a hyphenated word's parts are searched beside it
("Rad53-dependent": ``rad53dependent``, and ``rad53`` and ``depend`` at a quarter of its weight), and repeated
words are always saturated. Without it, as the ranking page's earlier figures were scored, only the joined word is
searched. Without feedback, ``--parts`` gives the library's own figures (``relevance.py --train``) within 0.001 on
either fold.

``--feedback`` scores pseudo-relevance feedback on the chosen model: how many top papers are read, how many of
their words are added, how much they weigh and how sharply the papers are weighed by score, each with the query's
repeated words counted in full and saturated (``k3``, BM25's query-term saturation). ``--count`` also scores how a
feedback paper's words are counted (as they are, or per word of the paper, so that a title-only paper's words
count as much as a full one's).

    python benchmarks/tune_fields.py [--data DIR] [--top 5] [--feedback] [--burst] [--parts] [--jobs 2]
    # needs numpy and scipy
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import multiprocessing
import pickle
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from scipy import sparse

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DATA, TITLE_ONLY_SHARES, load_collection, title_only_papers  # noqa: E402
from tune import _SYNTAX_CHARS, Collection, _label, _report, _scores  # noqa: E402

from searchlib import analysis  # noqa: E402
from searchlib.analysis.analyzers import stem as snowball  # noqa: E402
from searchlib.search.plan import COMPOUND_PART_WEIGHT  # noqa: E402
from searchlib.search.ranking import mentions  # noqa: E402

SHARES = (0.0, *TITLE_ONLY_SHARES)
SUM_GRID = {"model": ("sum",), "title": (0.5, 1.0), "k1": (0.9,), "b": (0.9,)}
BM25F_GRID = {
    "model": ("bm25f",),
    "title": (1.0, 1.5, 2.0, 3.0, 4.0),
    "k1": (0.9, 1.2, 1.6, 2.0),
    "b": (0.75, 0.9),
    "bt": (0.0, 0.3, 0.6, 0.9),
}
#: ``--one-length``: BM25F with one length normalisation, of the paper's weighted length (title weight times its
#: length plus the abstract's), as FTS5 and an engine searching title and abstract as one text (bm25s) have it.
ONE_LENGTH_GRID = {
    "model": ("one-length",),
    "title": (1.0, 2.0, 3.0, 4.0),
    "k1": (0.9, 1.2, 1.6, 2.0),
    "b": (0.5, 0.75, 0.9),
}
#: ``--wide``: heavier titles, and the abstract's average length over the papers that have one ("present").
WIDE_GRID = {
    "model": ("bm25f",),
    "title": (4.0, 5.0, 6.0, 8.0),
    "k1": (1.2, 1.6, 2.0),
    "b": (0.75, 0.9),
    "bt": (0.6, 0.9),
    "avg": ("all", "present"),
}
FEEDBACK_GRID = {
    "count": ("length",),
    "docs": (3, 5, 10, 15),
    "terms": (40, 80, 100),
    "weight": (0.7, 1.0, 1.25, 1.5),
    "sharpness": (8.0,),
}
#: ``--burst``: the power of a word's burstiness (0: not weighed).
BURST_GRID = (0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)
#: ``--count``: how a feedback paper's words are counted, at the previous default and the chosen one.
COUNT_GRID = [
    {"count": count, "docs": docs, "terms": terms, "weight": weight, "sharpness": 8.0}
    for count in ("raw", "sqrt", "length")
    for docs, terms, weight in ((3, 40, 0.7), (10, 80, 1.25))
]


class Variant(Collection):
    """A collection's term counts with the abstracts of ``removed`` papers taken out (no re-analysis)."""

    def __init__(self, base: Collection, removed: np.ndarray) -> None:  # noqa: D107 (no super: shares base)
        self.ids, self.vocab, self.an = base.ids, base.vocab, None
        keep = np.ones(len(base.ids))
        keep[removed] = 0
        self.tf = {"title": base.tf["title"], "abstract": sparse.diags(keep) @ base.tf["abstract"]}
        self.tf = {f: sparse.csc_matrix(m) for f, m in self.tf.items()}
        for m in self.tf.values():
            m.eliminate_zeros()
        self.dl = {"title": base.dl["title"], "abstract": base.dl["abstract"] * keep}
        self._norms: dict = {}
        self._matrices: dict = {}

    def norm(self, field: str, b: float, avg: str = "all") -> np.ndarray:
        key = (field, b, avg)
        if key not in self._norms:
            dl = self.dl[field]
            mean = dl.mean() if avg == "all" else dl[dl > 0].mean()
            self._norms[key] = 1 - b + b * dl / (mean or 1)
        return self._norms[key]

    def model_scores(self, terms: Counter, config: dict) -> np.ndarray:
        if config["model"] == "sum":
            return self.scores(terms, "robertson", config["k1"], config["b"], config["title"])
        weights = np.zeros(len(self.vocab))
        for term, qtf in terms.items():
            j = self.vocab.get(term)
            if j is not None:
                weights[j] += qtf
        if config.get("burst"):
            weights *= self.burstiness(config["burst"])
        return self._bm25f(config) @ weights

    def burstiness(self, power: float) -> np.ndarray:
        """Each term's (occurrences in title and abstract / papers holding it) ** ``power`` (search/ranking.py)."""
        key = ("burst", power)
        if key not in self._norms:
            both = (self.tf["title"] + self.tf["abstract"]).tocsc()
            papers = np.diff((both > 0).tocsc().indptr)
            said = np.asarray(both.sum(axis=0)).ravel()
            self._norms[key] = np.where(papers > 0, (said / np.maximum(papers, 1)) ** power, 1.0)
        return self._norms[key]

    def _bm25f(self, config: dict) -> sparse.csr_matrix:
        """Every (paper, term) BM25F score of ``config``'s model, worked out once: a query's scores are then one
        product with its words' weights."""
        key = tuple(sorted((k, v) for k, v in config.items() if k in ("model", "title", "k1", "b", "bt", "avg")))
        if key not in self._matrices:
            k1, wt = config["k1"], config["title"]
            if config["model"] == "one-length":
                length = wt * self.dl["title"] + self.dl["abstract"]
                norm_t = norm_a = 1 - config["b"] + config["b"] * length / length.mean()
            else:
                avg = config.get("avg", "all")
                norm_t = self.norm("title", config.get("bt", config["b"]), avg)
                norm_a = self.norm("abstract", config["b"], avg)
            pseudo = (
                sparse.diags(wt / norm_t) @ self.tf["title"] + sparse.diags(1 / norm_a) @ self.tf["abstract"]
            ).tocsc()
            pseudo.eliminate_zeros()
            n = len(self.ids)
            df = np.diff(pseudo.indptr)
            idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
            p = pseudo.data
            pseudo.data = np.repeat(idf, df) * p * (k1 + 1) / (k1 + p)
            self._matrices[key] = pseudo.tocsr()
        return self._matrices[key]

    def rank(self, terms: Counter, config: dict, depth: int = 100) -> list[str]:
        return self._top(self.model_scores(terms, config), depth)

    def feedback_rank(self, terms: Counter, config: dict, fb: dict, depth: int = 100) -> list[str]:
        """search/feedback.py on ``config``'s model: ``terms`` and the words :meth:`added_words` gives."""
        added = self.added_words(terms, config, fb)
        return [] if added is None else self.rank(terms + added, config, depth)

    def added_words(self, terms: Counter, config: dict, fb: dict) -> Counter | None:
        """The words feedback adds to ``terms``, weighed (None when no paper matches): the top ``docs`` papers'
        words, each paper's counted by its score and, with ``count`` ``length`` (or ``sqrt``), divided by the
        paper's length (or its square root) and multiplied by the average's, scored by Bo1; the ``terms`` best,
        of those in at least ``in_papers`` of the papers (1 unless given)."""
        if not hasattr(self, "_rows"):
            self._rows = (self.tf["title"] + self.tf["abstract"]).tocsr()
            self._cf = np.asarray(self._rows.sum(axis=0)).ravel()
            self._len = self.dl["title"] + self.dl["abstract"]
            self._terms = {j: t for t, j in self.vocab.items()}
        first, scores = self._top_scored(self.model_scores(terms, config), fb.get("docs", 3))
        if not len(first):
            return None
        paper = (scores / scores[0]) ** fb["sharpness"]
        paper *= len(first) / paper.sum()
        lengths = np.maximum(self._len[first], 1)
        if fb["count"] == "length":
            paper *= self._len.mean() / lengths
        elif fb["count"] == "sqrt":
            paper *= np.sqrt(self._len.mean() / lengths)
        rows = self._rows[first]
        in_top = np.asarray(rows.multiply(paper[:, None]).sum(axis=0)).ravel()
        held = in_top > 0
        if fb.get("in_papers", 1) > 1:
            held &= np.asarray((rows > 0).sum(axis=0)).ravel() >= min(fb["in_papers"], len(first))
        cols = np.nonzero(held)[0]
        if not len(cols):
            return Counter()
        f = self._cf[cols] / len(self.ids)
        bo1 = in_top[cols] * np.log2((1 + f) / f) + np.log2(1 + f)
        best = np.argsort(-bo1, kind="stable")[: fb.get("terms", 40)]
        mass = fb["weight"] * sum(terms.values()) / bo1[best].sum()
        return Counter({self._terms[cols[i]]: mass * bo1[i] for i in best})


def planned(an, text: str, vocab: dict) -> Counter:
    """A question's words as searchlib plans them for ``match="any"`` (search/plan.py's ``words_or``): each word
    once, a hyphenated word's parts too (at ``COMPOUND_PART_WEIGHT``, or in full where no paper holds the word
    joined), a word said n times weighing ``n (k3 + 1) / (n + k3)``."""
    groups: Counter = Counter()
    for word in _SYNTAX_CHARS.sub(" ", text).split():
        said = tuple(t.text for t in an(word, mode="query"))
        if said:
            parts = [t for t in dict.fromkeys(t.text for t in an(word, mode="index")) if t not in said]
            weight = COMPOUND_PART_WEIGHT if any(t in vocab for t in said) else 1.0
            groups[tuple(dict.fromkeys([(t, 1.0) for t in said] + [(p, weight) for p in parts]))] += 1
    terms: Counter = Counter()
    for group, n in groups.items():
        for term, weight in group:
            terms[term] = max(terms[term], weight * mentions(n))
    return terms


def load(data: Path, parts: bool = False, stem=snowball) -> tuple[dict, dict, dict]:
    """The training sets, their variants (analysed once, cached beside the system's temporary files) and the
    folds; with ``parts``, the questions' words as searchlib plans them (:func:`planned`: already saturated).
    Another ``stem`` than searchlib's analyses them anew, uncached."""
    sets = {
        "scifact-train": load_collection(data / "scifact", "train"),
        "cranfield": load_collection(data / "cranfield"),
        "cisi": load_collection(data / "cisi"),
    }
    # Named by the analyzer's source, so that a changed analyzer is not read from an older cache.
    source = b"".join(f.read_bytes() for f in sorted(Path(analysis.__file__).parent.glob("*.py")))
    cache = Path(f"/tmp/searchlib-tune-fields-{hashlib.sha256(source).hexdigest()[:12]}.pickle")
    if stem is snowball and cache.exists():
        bases = pickle.loads(cache.read_bytes())
    else:
        bases = {name: Collection(corpus, stem) for name, (corpus, _, _) in sets.items()}
        for c in bases.values():
            c.an = None
        if stem is snowball:
            cache.write_bytes(pickle.dumps(bases))
    an = Collection([], stem).an
    variants, named = {}, {}
    for name, (corpus, queries, qrels) in sets.items():
        for share in SHARES:
            removed = np.array(title_only_papers(len(corpus), share), dtype=int)
            label = f"{name}@{share:.0%}"
            variants[label] = Variant(bases[name], removed)
            variants[label].an = an
            named[label] = (corpus, queries, qrels)
    folds = {
        fold: {
            label: [q for q in queries if label.startswith("scifact") or int(q) % 2 == parity]
            for label, (_, queries, _) in named.items()
        }
        for fold, parity in (("A", 1), ("B", 0))
    }
    if parts:
        terms = {
            label: {q: planned(an, t, v.vocab) for q, t in named[label][1].items()}
            for label, v in variants.items()
        }
    else:
        terms = {label: {q: variants[label].query_terms(t) for q, t in named[label][1].items()} for label in named}
    for v in variants.values():
        v.an = None
    return variants, named, folds, terms


_STATE: dict = {}


def _runs(job: tuple) -> tuple:
    config, fb = job
    variants, terms = _STATE["variants"], _STATE["terms"]
    # A word said n times weighs n (k3 + 1) / (n + k3) (search/ranking.py's mentions); --parts has it already.
    if "k3" in config and not _STATE.get("parts"):
        k3 = config["k3"]
        terms = {
            label: {q: Counter({t: n * (k3 + 1) / (n + k3) for t, n in c.items()}) for q, c in queries.items()}
            for label, queries in terms.items()
        }
    if fb is None:
        runs = {label: {q: v.rank(t, config) for q, t in terms[label].items()} for label, v in variants.items()}
    else:
        runs = {
            label: {q: v.feedback_rank(t, config, fb) for q, t in terms[label].items()}
            for label, v in variants.items()
        }
    return job, runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--wide", action="store_true", help="score the wider grid of heavier titles")
    ap.add_argument("--one-length", action="store_true", help="score BM25F with one length normalisation")
    ap.add_argument("--feedback", action="store_true", help="score feedback settings on the chosen model")
    ap.add_argument("--count", action="store_true", help="with --feedback: how a feedback paper's words count")
    ap.add_argument("--burst", action="store_true", help="score the power of a word's burstiness, with feedback")
    ap.add_argument(
        "--parts", action="store_true", help="questions as searchlib plans them: hyphenated words' parts"
    )
    chosen = "model=one-length title=3.0 k1=2.0 b=0.75"
    ap.add_argument(
        "--model", default=f"{chosen};{chosen} k3=8.0", help="for --feedback; several separated by ';'"
    )
    args = ap.parse_args()
    variants, named, folds, terms = load(args.data, args.parts)
    _STATE.update(variants=variants, terms=terms, parts=args.parts)
    if args.burst:
        model = {"model": "one-length", "title": 3.0, "k1": 2.0, "b": 0.75, "k3": 8.0}
        chosen_feedback = {"count": "length", "docs": 3, "terms": 40, "weight": 0.7, "sharpness": 8.0}
        jobs = [({**model, "burst": power}, chosen_feedback) for power in BURST_GRID]
    elif args.feedback:
        jobs = []
        for text in args.model.split(";"):
            model = {
                k: (v if k in ("model", "avg") else float(v)) for k, v in (kv.split("=") for kv in text.split())
            }
            grid = (
                COUNT_GRID
                if args.count
                else [dict(zip(FEEDBACK_GRID, s, strict=True)) for s in itertools.product(*FEEDBACK_GRID.values())]
            )
            jobs += [(model, None)] + [(model, fb) for fb in grid]
    else:
        grids = (SUM_GRID, WIDE_GRID) if args.wide else (SUM_GRID, BM25F_GRID)
        if args.one_length:
            grids = (SUM_GRID, ONE_LENGTH_GRID)
        configs = [dict(zip(g, s, strict=True)) for g in grids for s in itertools.product(*g.values())]
        jobs = [(c, None) for c in configs]
    results = []
    with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
        for (config, fb), runs in pool.imap(_runs, jobs):
            label = {**config, **(fb or {"feedback": "off"})} if args.feedback or args.burst else config
            results.append((label, _scores(runs, named, folds)))
            print(f"scored {len(results)} of {len(jobs)}", file=sys.stderr, flush=True)
    reference = results[0]
    _report(results, ("first", reference), args.top, "the model")
    print("\nevery setting: mean nDCG@10 on fold A and B, then per collection and variant (both folds' mean):")
    for config, per_fold in results:
        cells = " ".join(f"{np.mean([per_fold[f][label][0] for f in 'AB']):.3f}" for label in per_fold["A"])
        means = " ".join(f"{np.mean([nd for nd, _ in per_fold[f].values()]):.4f}" for f in "AB")
        print(f"  {_label(config)}: {means} | {cells}")
    print("\nper variant (fold A / fold B nDCG@10), the first setting and the best on both folds:")
    best = max(results, key=lambda r: sum(np.mean([nd for nd, _ in r[1][f].values()]) for f in "AB"))
    for config, per_fold in (reference, best):
        print("  " + _label(config))
        for label in per_fold["A"]:
            cells = " / ".join(f"{per_fold[f][label][0]:.4f}" for f in "AB")
            print(f"    {label:20} {cells}  R@100 {per_fold['A'][label][1]:.3f}")


if __name__ == "__main__":
    main()
