"""Highlights: where a hit's title, abstract and sections hold what the query matched, in short marked snippets.

The words marked are the plan's own (:mod:`.plan`): a stemmed term wherever the field's analyzer gives it (so
"interviews" marks "interviewed" too), words as written where a phrase, quoted word or pattern matched them.
Snippets are cut by Whoosh's fragmenter; matches are wrapped in :data:`MARK_START` and :data:`MARK_END`,
private-use characters no record contains, so that :mod:`searchlib.results` can show them as ``**word**`` in
text and ``<mark>`` in HTML without mistaking a record's own ``**`` for one.
"""

from __future__ import annotations

from typing import Any

from whoosh import highlight as wh

from ..analysis.tokenizers import PaperTokenizer
from ..analysis.written import written_analyzer
from ..records.record import Record
from .match import Matcher
from .plan import SECTION_FIELDS, Exact, Plan, Terms, leaves
from .ranking import TIAB, TIAB_FIELDS

MARK_START, MARK_END = "\ue000", "\ue001"
#: The fields a hit is highlighted in.
TEXT_FIELDS: tuple[str, ...] = ("title", "abstract", *SECTION_FIELDS)

_tokenizer = PaperTokenizer()
_written = written_analyzer()


class MarkFormatter(wh.Formatter):
    """Marks matched words with ``start`` and ``end`` (``**`` on each side by default: bold in Markdown)."""

    between = " … "

    def __init__(self, start: str = "**", end: str = "**") -> None:
        self.start = start
        self.end = end

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"{self.start}{wh.get_text(text, token, replace)}{self.end}"


def marked(record: Record, plan: Plan, matcher: Matcher) -> dict[str, str]:
    """Snippets of each text field of ``record`` where ``plan`` matched, matches between the marks."""
    stemmed: dict[str, set[str]] = {}
    written: dict[str, set[str]] = {}
    for leaf in leaves(plan, positive=True):
        if type(leaf) is Terms:
            for field, term, _ in leaf.terms:
                for each in TIAB_FIELDS if field == TIAB else (field,):
                    stemmed.setdefault(each, set()).add(term)
        elif type(leaf) is Exact and leaf.field in ("title_exact", "abstract_exact"):
            field = "title" if leaf.field == "title_exact" else _region_field(leaf.region)
            words = written.setdefault(field, set())
            for slot in leaf.slots:
                for alt in slot:
                    for word in alt:
                        words.update(matcher.expand(leaf.field, word) if "*" in word or "?" in word else (word,))
    out: dict[str, str] = {}
    schema = matcher.searcher.schema
    for field in TEXT_FIELDS:
        if field not in stemmed and field not in written:
            continue
        text = (
            record.title
            if field == "title"
            else record.abstract
            if field == "abstract"
            else record.section_text(field)
        )
        if not text:
            continue
        spans: set[tuple[int, int]] = set()
        if field in stemmed and field in schema:
            found = stemmed[field]
            spans |= {
                (t.startchar, t.endchar)
                for t in schema[field].analyzer(text, chars=True, mode="index", removestops=False)
                if t.text in found
            }
        if field in written:
            found = written[field]
            spans |= {(t.startchar, t.endchar) for t in _written(text, chars=True) if t.text in found}
        snippet = _snippet(text, spans)
        if snippet:
            out[field] = snippet
    return out


def _region_field(region: int | None) -> str:
    return "abstract" if not region else SECTION_FIELDS[region - 1]


def _snippet(text: str, spans: set[tuple[int, int]]) -> str:
    if not spans:
        return ""
    starts = sorted(spans)
    tokens = []
    for t in _tokenizer(text, chars=True):
        t.matched = any(s < t.endchar and t.startchar < e for s, e in starts)
        tokens.append(t.copy())
    fragments = wh.ContextFragmenter(maxchars=200, surround=60).fragment_tokens(text, iter(tokens))
    # The two best fragments, the earlier on a tie: Whoosh's top_fragments breaks ties by the fragments' memory
    # addresses, so the same hit could show different snippets from one search to the next.
    scorer = wh.BasicFragmentScorer()
    scored = sorted(((scorer(f), f) for f in fragments), key=lambda sf: (-sf[0], sf[1].startchar))
    best = sorted((f for score, f in scored[:2] if score >= 1), key=wh.FIRST)
    return str(MarkFormatter(MARK_START, MARK_END)(text, best))
