"""Ranking quality on your own judgments: queries and relevance judgments in, nDCG@10, Recall@100 and MAP out.

A systematic reviewer who knows which papers a search should find (the "includes") writes them down as
relevance judgments (qrels) and checks how high the index ranks them. Metrics are computed by `ir-measures
<https://ir-measur.es>`_ (the ``eval`` extra: ``pip install 'searchlib[eval]'``), which wraps trec_eval, so the
figures are the ones published IR results use.

Queries are read as natural language: each is searched with ``match="any", plain=True`` (any word may match,
query syntax is ignored), the way a claim or a question is written; pass ``match="all", plain=False`` to
evaluate fielded, PubMed-style search strategies instead.

>>> import searchlib
>>> index = searchlib.build_index(searchlib.bundled_records_path())
>>> report = searchlib.evaluate(index, {"q1": "realist review of inequalities"},
...                             {"q1": {"10.1136/bmjqs-2024-017386": 1}})
>>> report.mean["nDCG@10"]
1.0
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, Union

import orjson

from ..errors import LoadError, QueryError, SearchlibError
from ..records.record import normalise_doi

#: What :func:`evaluate` reports unless told otherwise, in ir-measures' names (AP averaged over queries is MAP).
DEFAULT_METRICS: tuple[str, ...] = ("nDCG@10", "R@100", "AP")

Queries = Union[str, os.PathLike[str], Mapping[str, str]]  # noqa: UP007
Qrels = Union[str, os.PathLike[str], Mapping[str, Mapping[str, int]]]  # noqa: UP007


@dataclass(frozen=True)
class Evaluation:
    """Scores per query (``per_query[qid][metric]``) and their means over the evaluated queries (``mean``).

    ``unanswered`` lists judged queries with no text in the query file, or whose text has no searchable words;
    they score 0 and are counted in the means, as trec_eval's ``-c`` does.
    """

    metrics: tuple[str, ...]
    per_query: dict[str, dict[str, float]]
    mean: dict[str, float]
    unanswered: tuple[str, ...] = ()

    def table(self, per_query: bool = True) -> str:
        """A plain-text table: one row per query (unless ``per_query=False``), then the means."""
        width = max([len("query"), len("mean"), *(len(q) for q in self.per_query)])
        head = f"{'query':<{width}}  " + "  ".join(f"{m:>8}" for m in self.metrics)
        rows = [head]
        if per_query:
            for qid, scores in self.per_query.items():
                rows.append(f"{qid:<{width}}  " + "  ".join(f"{scores[m]:8.4f}" for m in self.metrics))
        rows.append(f"{'mean':<{width}}  " + "  ".join(f"{self.mean[m]:8.4f}" for m in self.metrics))
        rows.append(
            f"{len(self.per_query)} judged queries"
            + (
                f"; {len(self.unanswered)} unanswered (scored 0): {', '.join(self.unanswered[:10])}"
                if self.unanswered
                else ""
            )
        )
        return "\n".join(rows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "metrics": list(self.metrics),
            "mean": self.mean,
            "per_query": self.per_query,
            "unanswered": list(self.unanswered),
        }


def evaluate(
    index: Any,
    queries: Queries,
    qrels: Qrels,
    metrics: Iterable[str] = DEFAULT_METRICS,
    *,
    depth: int = 1000,
    match: Literal["all", "any"] = "any",
    plain: bool = True,
    feedback: bool | None = None,
) -> Evaluation:
    """Search ``index`` for every judged query and score the rankings against ``qrels``.

    ``queries``: ``{qid: text}`` or a file (JSONL with ``_id`` and ``text``, or TSV ``qid<TAB>text``).
    ``qrels``: ``{qid: {doc_id: relevance}}`` or a file (TREC ``qid 0 doc_id rel`` or BEIR TSV with a
    ``query-id corpus-id score`` header). Document ids are the index's ids: the DOI when a paper has one (any
    case or URL form is accepted in the qrels), otherwise the record's own id. Relevance above 0 is relevant;
    graded values count as gains in nDCG. ``metrics`` are ir-measures names (``nDCG@10``, ``R@100``, ``AP``,
    ``P@5``, ``RR``, ...); each query's top ``depth`` papers are scored. ``feedback`` is passed to ``Index.search``
    (pseudo-relevance feedback: on by default for ``match="any"``; ``False`` turns it off).
    """
    ir_measures = _ir_measures()
    try:
        measures = [ir_measures.parse_measure(m) if isinstance(m, str) else m for m in metrics]
    except Exception as exc:  # ir-measures raises ValueError or its own parse errors
        raise SearchlibError(f"unknown metric in {list(metrics)!r}: {exc}") from None
    names = tuple(str(m) for m in measures)
    texts = queries if isinstance(queries, Mapping) else read_queries(queries)
    judged = qrels if isinstance(qrels, Mapping) else read_qrels(qrels)
    judged = {str(q): {_doc_key(d): int(r) for d, r in docs.items()} for q, docs in judged.items()}
    run: dict[str, dict[str, float]] = {}
    unanswered: list[str] = []
    for qid in judged:
        text = texts.get(qid)
        if text is None:
            unanswered.append(qid)
            continue
        try:
            hits = index.search(text, limit=depth, match=match, plain=plain, feedback=feedback)
        except QueryError:
            unanswered.append(qid)
            continue
        # Scores from ranks, so trec_eval keeps searchlib's order (it would break score ties by doc id).
        run[qid] = {hit.id: float(depth - i) for i, hit in enumerate(hits)}
    per_query: dict[str, dict[str, float]] = {q: {n: 0.0 for n in names} for q in judged}
    for m in ir_measures.iter_calc(measures, judged, run):
        per_query[m.query_id][str(m.measure)] = float(m.value)
    n = len(per_query) or 1
    mean = {name: sum(s[name] for s in per_query.values()) / n for name in names}
    return Evaluation(names, per_query, mean, tuple(unanswered))


def read_queries(path: str | os.PathLike[str]) -> dict[str, str]:
    """``{qid: text}`` from JSON Lines (``{"_id": ..., "text": ...}``) or TSV (``qid<TAB>text``, header optional).

    Raises :class:`~searchlib.errors.LoadError` naming the line that cannot be read.
    """
    path = Path(path)
    lines = _lines(path)
    queries: dict[str, str] = {}
    for n, line in lines:
        if line.lstrip().startswith("{"):
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise LoadError(f"not valid JSON: {exc}", str(path), n) from None
            qid, text = obj.get("_id", obj.get("id")), obj.get("text", obj.get("query"))
            if qid is None or not isinstance(text, str):
                raise LoadError('a query needs "_id" and "text"', str(path), n)
        else:
            parts = line.split("\t", 1)
            if len(parts) != 2:
                raise LoadError("expected 'query id<TAB>query text' or a JSON object", str(path), n)
            qid, text = parts
            if n == lines[0][0] and qid.strip().lower() in ("query-id", "query_id", "qid", "_id", "id"):
                continue  # header
        queries[str(qid).strip()] = text.strip()
    return queries


def read_qrels(path: str | os.PathLike[str]) -> dict[str, dict[str, int]]:
    """``{qid: {doc_id: relevance}}`` from TREC (``qid 0 doc_id rel``) or BEIR TSV (``query-id corpus-id score``).

    Raises :class:`~searchlib.errors.LoadError` naming the line that cannot be read.
    """
    path = Path(path)
    qrels: dict[str, dict[str, int]] = {}
    for n, line in _lines(path):
        parts = line.split()
        if parts[0].lower() in ("query-id", "query_id", "qid"):
            continue  # BEIR header
        if len(parts) == 4:
            qid, _, doc, rel = parts
        elif len(parts) == 3:
            qid, doc, rel = parts
        else:
            raise LoadError(
                f"expected 'qid 0 doc_id relevance' (TREC) or 'query-id corpus-id score' (BEIR), got {len(parts)} "
                "columns",
                str(path),
                n,
            )
        try:
            qrels.setdefault(qid, {})[doc] = int(float(rel))
        except ValueError:
            raise LoadError(f"relevance {rel!r} is not a number", str(path), n) from None
    return qrels


def _lines(path: Path) -> list[tuple[int, str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise LoadError(f"cannot read: {exc.strerror or exc}", str(path)) from None
    return [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


def _doc_key(doc: str) -> str:
    """Qrels may name papers by DOI in any form; the index keys them by the normalised DOI."""
    return normalise_doi(str(doc)) or str(doc).strip()


def _ir_measures() -> ModuleType:
    try:
        import ir_measures
    except ImportError:
        raise SearchlibError(
            "evaluation needs ir-measures, which is not installed: pip install 'searchlib[eval]'"
        ) from None
    return ir_measures
