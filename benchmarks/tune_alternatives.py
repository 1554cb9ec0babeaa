"""Ideas scored against searchlib's chosen ranking on training data, and left out of the library.

Each is scored as ``tune_fields.py`` scores models: the same training sets, title-only variants and folds, and the
same fast re-implementation of searchlib's scoring. The chosen ranking is BM25F with one length normalisation
(title 3, ``k1`` 2.0, ``b`` 0.75), repeated query words saturated (``k3`` 8), and feedback from the top 3
papers, 40 words at weight 0.7. Each line gives the mean nDCG@10 on fold A and fold B, then each collection and
variant's (both folds' mean):

- ``stemmers``: NLTK's Porter stemmer (with NLTK's extensions, and as first published) and a plural-only stemmer
  (Harman's "S" stemmer) in place of Snowball;
- ``feedback``: the added words' part of a paper's score scaled by its length (by ``(mean / length) ** g``, for
  every paper or for shorter ones only, with ``g`` of either sign); the two searches fused by reciprocal rank
  instead of added; added words required to be in 2 or 3 of the feedback papers;
- ``models``: other weighting models in place of BM25 on the same weighted counts and lengths: the divergence
  from randomness models DPH, InExpB2 and PL2 (``c`` 0.5 to 4) and a Dirichlet-smoothed language model
  (``mu`` 300 and 1000, matched words only), each with the chosen feedback;
- ``abbreviations``: a query's short forms ("MDS") expanded to the long forms the collection defines
  ("myelodysplastic syndromes (MDS)", found as Schwartz and Hearst find them), and long forms to short forms,
  the added words at a weight each;
- ``rerank``: the top 100 reordered by a weighted sum of the two searches' scores (each divided by its top
  score), the share of the query's idf the paper holds, a title-only BM25, whether the paper has an abstract and
  the log of its length; the weights best on one fold are scored on the other.

    python benchmarks/tune_alternatives.py [stemmers] [feedback] [models] [abbreviations] [rerank]   # numpy, scipy
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from nltk.stem import PorterStemmer
from scipy import sparse

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tune_fields  # noqa: E402
from common import DATA  # noqa: E402
from tune import _scores  # noqa: E402

from searchlib.analysis.analyzers import stem as snowball  # noqa: E402

MODEL = {"model": "one-length", "title": 3.0, "k1": 2.0, "b": 0.75}
FEEDBACK = {"docs": 3, "terms": 40, "weight": 0.7, "sharpness": 8.0}
DEPTH = 100


def s_stemmer(word: str) -> str:
    """Harman's S stemmer: plurals only."""
    if len(word) > 3 and word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if len(word) > 2 and word.endswith("s") and not word.endswith(("us", "ss")):
        return word[:-1]
    return word


STEMMERS = {
    "snowball (chosen)": snowball,
    "porter": PorterStemmer().stem,
    "porter, as published": PorterStemmer(mode=PorterStemmer.ORIGINAL_ALGORITHM).stem,
    "plurals only": s_stemmer,
}


def saturated(terms: Counter) -> Counter:
    return Counter({t: n * 9 / (n + 8) for t, n in terms.items()})


def feedback_parts(v: tune_fields.Variant, terms: Counter, in_papers: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The first search's scores and the added words' scores (``Variant.feedback_rank`` in two parts), the added
    words drawn only from those in at least ``in_papers`` of the feedback papers."""
    first = v.model_scores(terms, MODEL)
    added = v.added_words(terms, MODEL, {"count": "length", **FEEDBACK, "in_papers": in_papers})
    return first, v.model_scores(added, MODEL) if added else np.zeros_like(first)


def reciprocal_rank_fusion(*runs: np.ndarray, k: int = 60) -> np.ndarray:
    fused = np.zeros_like(runs[0])
    for scores in runs:
        top = np.argsort(-scores, kind="stable")[:1000]
        top = top[scores[top] > 0]
        fused[top] += 1 / (k + np.arange(1, len(top) + 1))
    return fused


FEEDBACK_SETTINGS = [("chosen", 0.0, 1)]
FEEDBACK_SETTINGS += [(kind, g, 1) for kind in ("scaled", "shorter scaled") for g in (-1, -0.5, -0.25, 0.25, 0.5)]
FEEDBACK_SETTINGS += [("fused by rank", 0.0, 1), ("chosen", 0.0, 2), ("chosen", 0.0, 3)]


def _feedback_runs(setting: tuple) -> tuple:
    kind, g, in_papers = setting
    runs: dict = {}
    for label, v in _STATE["variants"].items():
        length = v.dl["title"] + v.dl["abstract"]
        ratio = length.mean() / np.maximum(length, 1)
        scale = {"scaled": ratio**g, "shorter scaled": np.maximum(ratio, 1) ** g}.get(kind, 1.0)
        runs[label] = {}
        for q, terms in _STATE["terms"][label].items():
            first, added = feedback_parts(v, saturated(terms), in_papers)
            if kind == "fused by rank":
                scores = reciprocal_rank_fusion(first, first + added)
            else:
                scores = first + added * scale
            runs[label][q] = v._top(scores, DEPTH)
    return setting, runs


_STATE: dict = {}


def _line(name: str, per_fold: dict) -> str:
    means = " ".join(f"{np.mean([nd for nd, _ in per_fold[f].values()]):.4f}" for f in "AB")
    cells = " ".join(f"{np.mean([per_fold[f][label][0] for f in 'AB']):.3f}" for label in per_fold["A"])
    return f"  {name}: {means} | {cells}"


def _stemmer_lines(name: str) -> list[str]:
    variants, named, folds, terms = tune_fields.load(DATA, stem=STEMMERS[name])
    lines = []
    for fb in (None, {"count": "length", **FEEDBACK}):
        runs = {
            label: {
                q: v.rank(saturated(t), MODEL) if fb is None else v.feedback_rank(saturated(t), MODEL, fb)
                for q, t in terms[label].items()
            }
            for label, v in variants.items()
        }
        lines.append(_line(f"{name}, feedback {'on' if fb else 'off'}", _scores(runs, named, folds)))
    return lines


def stemmers() -> None:
    print("stemmers (fold A, fold B | SciFact, Cranfield, CISI: as they are, 30% and 60% title-only):")
    with multiprocessing.get_context("fork").Pool(2) as pool:
        for lines in pool.imap(_stemmer_lines, STEMMERS):
            print("\n".join(lines), flush=True)


def feedback(named: dict, folds: dict) -> None:
    print("feedback (fold A, fold B | per set):")
    with multiprocessing.get_context("fork").Pool(2) as pool:
        for (kind, g, in_papers), runs in pool.imap(_feedback_runs, FEEDBACK_SETTINGS):
            name = f"{kind}{f' g={g}' if g else ''}{f', words in {in_papers} papers' if in_papers > 1 else ''}"
            print(_line(name, _scores(runs, named, folds)), flush=True)


class OtherModel(tune_fields.Variant):
    """A variant scored by another weighting model (``config["other"]``, with its parameter ``config["c"]``) of
    each paper's weighted count and weighted length (title 3, abstract 1, as BM25F weighs them)."""

    def __init__(self, base: tune_fields.Variant) -> None:  # noqa: D107 (no super: shares base)
        self.__dict__.update(base.__dict__)
        self._matrices = {}

    def _bm25f(self, config: dict) -> sparse.csr_matrix:
        key = (config["other"], config["c"])
        if key in self._matrices:
            return self._matrices[key]
        weighted = (config["title"] * self.tf["title"] + self.tf["abstract"]).tocsc()
        weighted.eliminate_zeros()
        length = config["title"] * self.dl["title"] + self.dl["abstract"]
        n, average, c = len(self.ids), length.mean(), config["c"]
        df = np.diff(weighted.indptr)
        cf = np.asarray(weighted.sum(axis=0)).ravel()
        pairs = weighted.tocoo()
        tf, paper, term = pairs.data, pairs.row, pairs.col
        dl = np.maximum(length[paper], 1)
        if config["other"] == "DPH":
            f = np.minimum(tf / dl, 0.999)
            weight = (1 - f) ** 2 / (tf + 1)
            scores = weight * (
                tf * np.log2(tf * average / dl * n / cf[term]) + 0.5 * np.log2(2 * np.pi * tf * (1 - f))
            )
        elif config["other"] == "InExpB2":
            tfn = tf * np.log2(1 + c * average / dl)
            expected = n * (1 - (1 - 1 / n) ** cf[term])
            scores = tfn * np.log2((n + 1) / (expected + 0.5)) * (cf[term] + 1) / (df[term] * (tfn + 1))
        elif config["other"] == "PL2":
            tfn = tf * np.log2(1 + c * average / dl)
            mean = cf[term] / n
            scores = tfn * np.log2(tfn / mean) + (mean - tfn) * np.log2(np.e) + 0.5 * np.log2(2 * np.pi * tfn)
            scores /= tfn + 1
        else:  # a Dirichlet-smoothed language model, scored on the words a paper holds
            scores = np.log1p(tf / (c * cf[term] / cf.sum())) + np.log(c / (dl + c))
        matrix = sparse.csr_matrix((np.maximum(scores, 1e-6), (paper, term)), shape=weighted.shape)
        self._matrices[key] = matrix
        return matrix


MODELS = [
    ("DPH", 1.0),
    *(("InExpB2", c) for c in (0.5, 0.75, 1.0, 2.0, 4.0)),
    ("PL2", 0.5),
    ("PL2", 1.0),
    ("PL2", 4.0),
]
MODELS += [("Dirichlet", 300.0), ("Dirichlet", 1000.0)]


def _model_runs(model: tuple) -> tuple:
    config = {**MODEL, "other": model[0], "c": model[1]}
    fb = {"count": "length", **FEEDBACK}
    runs = {}
    for label, v in _STATE["variants"].items():
        other = OtherModel(v)
        runs[label] = {q: other.feedback_rank(saturated(t), config, fb) for q, t in _STATE["terms"][label].items()}
    return model, runs


def models(named: dict, folds: dict) -> None:
    print("other weighting models, with feedback (fold A, fold B | per set):")
    with multiprocessing.get_context("fork").Pool(2) as pool:
        for (name, c), runs in pool.imap(_model_runs, MODELS):
            print(_line(f"{name} {'mu' if name == 'Dirichlet' else 'c'}={c:g}", _scores(runs, named, folds)))


PAREN = re.compile(r"\(([^()]{1,12})\)")
WORD = re.compile(r"[\w-]+")


def long_form(short: str, words: list[str]) -> str | None:
    """Schwartz and Hearst's long form of ``short`` among the ``words`` before it: the shortest tail of them
    holding its letters and digits in order, the first at the start of a word."""
    s, text = short.lower(), " ".join(words).lower()
    si, li = len(s) - 1, len(text) - 1
    while si >= 0:
        if not s[si].isalnum():
            si -= 1
            continue
        while li >= 0 and (text[li] != s[si] or (si == 0 and li > 0 and text[li - 1].isalnum())):
            li -= 1
        if li < 0:
            return None
        si, li = si - 1, li - 1
    found = text[text.rfind(" ", 0, li + 1) + 1 :]
    return found if len(found) > len(s) else None


def abbreviations_of(corpus: list[dict]) -> dict[str, str]:
    """Each short form a paper defines ("long form (SF)", 2 to 10 characters with a capital or a digit) and its
    most frequent long form."""
    found: dict[str, Counter] = {}
    for paper in corpus:
        for text in (paper.get("title") or "", paper.get("text") or ""):
            for m in PAREN.finditer(text):
                short = m.group(1).strip()
                if not 2 <= len(short) <= 10 or len(short.split()) > 2 or not short[0].isalnum():
                    continue
                if not any(c.isupper() or c.isdigit() for c in short):
                    continue
                words = WORD.findall(text[: m.start()])[-min(len(short) + 5, 2 * len(short)) :]
                if (long := long_form(short, words)) is not None:
                    found.setdefault(short, Counter())[long] += 1
    return {short: longs.most_common(1)[0][0] for short, longs in found.items()}


ABBREVIATION_SETTINGS = [(0.0, False), (0.3, False), (0.6, False), (1.0, False), (0.6, True)]


def _abbreviation_runs(setting: tuple) -> tuple:
    weight, both_ways = setting
    analyse = _STATE["analyse"]
    runs = {}
    for label, v in _STATE["variants"].items():
        defined = _STATE["abbreviations"][label.split("@")[0]]
        longs = {tuple(analyse(long)): analyse(short) for short, long in defined.items()}
        runs[label] = {}
        for q, words in _STATE["terms"][label].items():
            words = saturated(words)
            text, added = _STATE["named"][label][1][q], Counter()
            if weight:
                for token in set(WORD.findall(text)):
                    for word in analyse(defined.get(token, "")):
                        added[word] = weight
                if both_ways:
                    said = analyse(text)
                    for long, short in longs.items():
                        if any(tuple(said[i : i + len(long)]) == long for i in range(len(said) - len(long) + 1)):
                            added.update({word: weight for word in short})
            added = Counter({w: n for w, n in added.items() if w not in words})
            runs[label][q] = v.feedback_rank(words + added, MODEL, {"count": "length", **FEEDBACK})
    return setting, runs


def abbreviations(named: dict, folds: dict) -> None:
    from searchlib.analysis import paper_analyzer

    analyzer = paper_analyzer(stemmer=snowball)
    _STATE["analyse"] = lambda text: [t.text for t in analyzer(text, mode="query")]
    _STATE["named"] = named
    _STATE["abbreviations"] = {}
    for label, (corpus, _, _) in named.items():
        _STATE["abbreviations"].setdefault(label.split("@")[0], abbreviations_of(corpus))
    print("abbreviations defined in the collections (fold A, fold B | per set):")
    print("  " + ", ".join(f"{name}: {len(found)}" for name, found in _STATE["abbreviations"].items()))
    with multiprocessing.get_context("fork").Pool(2) as pool:
        for (weight, both_ways), runs in pool.imap(_abbreviation_runs, ABBREVIATION_SETTINGS):
            name = f"added at weight {weight:g}{', long forms too' if both_ways else ''}"
            print(_line(name if weight else "none added (the chosen ranking)", _scores(runs, named, folds)))


FEATURES = ("first", "added", "idf share", "title", "has abstract", "log length")
RERANK_GRID = {
    "added": (0.6, 0.8, 1.0, 1.2),
    "idf share": (0.0, 0.05, 0.1, 0.2, 0.4),
    "title": (0.0, 0.05, 0.1, 0.2),
    "has abstract": (-0.04, -0.02, 0.0, 0.02),
    "log length": (-0.02, 0.0, 0.02),
}
DISCOUNT = 1 / np.log2(np.arange(2, 12))


def _candidates(variants: dict, named: dict, terms: dict) -> dict:
    """For each set and query, the chosen ranking's top 100 papers: their features (a row each), gains and the
    ideal DCG@10."""
    out: dict = {}
    for label, v in variants.items():
        n = len(v.ids)
        holds = ((v.tf["title"] + v.tf["abstract"]) > 0).astype(float).tocsr()
        df = np.diff(holds.tocsc().indptr)
        idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
        title_length = v.dl["title"]
        title_norm = 1.2 * (0.25 + 0.75 * title_length / title_length.mean())
        title_tf = v.tf["title"].tocsr()
        out[label] = {}
        for q, words in terms[label].items():
            words = saturated(words)
            first, added = feedback_parts(v, words)
            top = np.argsort(-(first + added), kind="stable")[:DEPTH]
            top = top[(first + added)[top] > 0]
            known = [w for w in words if w in v.vocab]
            if not known or not len(top):
                continue
            cols = [v.vocab[w] for w in known]
            weight = idf[cols] * np.array([words[w] for w in known])
            tf = title_tf[top][:, cols].toarray()
            features = np.column_stack(
                [
                    first[top] / first[top].max(),
                    added[top] / max(added[top].max(), 1e-9),
                    holds[top][:, cols].toarray() @ weight / weight.sum(),
                    (tf * 2.2 / (tf + title_norm[top, None])) @ weight / weight.sum(),
                    (v.dl["abstract"][top] > 0).astype(float),
                    np.log1p(v.dl["title"][top] + v.dl["abstract"][top]),
                ]
            )
            judged = named[label][2][q]
            gains = np.array([max(judged.get(v.ids[i], 0), 0) for i in top], float)
            ideal = sorted((r for r in judged.values() if r > 0), reverse=True)[:10]
            out[label][q] = (features, gains, sum(r / math.log2(i + 2) for i, r in enumerate(ideal)))
    return out


def _reranked(candidates: dict, folds: dict, weights: np.ndarray) -> dict:
    per_fold = {}
    for fold, subsets in folds.items():
        per_fold[fold] = {}
        for label, qids in subsets.items():
            values = []
            for q in qids:
                if q not in candidates[label] or not candidates[label][q][2]:
                    values.append(0.0)
                    continue
                features, gains, ideal = candidates[label][q]
                order = np.argsort(-(features @ weights), kind="stable")[:10]
                values.append(float((gains[order] * DISCOUNT[: len(order)]).sum() / ideal))
            per_fold[fold][label] = (float(np.mean(values)), 0.0)
    return per_fold


def rerank(variants: dict, named: dict, folds: dict, terms: dict) -> None:
    candidates = _candidates(variants, named, terms)
    results = []
    for combo in itertools.product(*RERANK_GRID.values()):
        weights = np.array([1.0, *combo])
        results.append((dict(zip(RERANK_GRID, combo, strict=True)), _reranked(candidates, folds, weights)))
    print("rerank of the top 100 (fold A, fold B | per set):")
    plain = _reranked(candidates, folds, np.array([1.0, 1.0, 0.0, 0.0, 0.0, 0.0]))
    print(_line("the two searches' scores, each divided by its top one", plain))
    for fold in "AB":
        weights, per_fold = max(results, key=lambda r: np.mean([nd for nd, _ in r[1][fold].values()]))
        print(_line(f"best on fold {fold}: {weights}", per_fold))


def main() -> None:
    every = ["stemmers", "feedback", "models", "abbreviations", "rerank"]
    asked = sys.argv[1:] or every
    unknown = set(asked) - set(every)
    if unknown:
        sys.exit(f"unknown: {', '.join(sorted(unknown))}; choose from {', '.join(every)}")
    if "stemmers" in asked:
        stemmers()
    if {"feedback", "models", "abbreviations", "rerank"} & set(asked):
        variants, named, folds, terms = tune_fields.load(DATA)
        _STATE.update(variants=variants, terms=terms)
        if "feedback" in asked:
            feedback(named, folds)
        if "models" in asked:
            models(named, folds)
        if "abbreviations" in asked:
            abbreviations(named, folds)
        if "rerank" in asked:
            rerank(variants, named, folds, terms)


if __name__ == "__main__":
    main()
