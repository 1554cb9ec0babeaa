"""Structured abstracts: find the labelled sections of an abstract and give each a canonical category.

A label's category comes from NLM's structured-abstract label list (shipped in ``searchlib/data``), so
"Discussion" counts as conclusions, "Findings" as results and "Introduction and aims" as an objective.

>>> [(s.label, s.category) for s in parse_abstract(
...     "<p><strong>Background: </strong>Falls are common.</p><p><strong>Findings: </strong>Fewer falls.</p>")]
[('Background', 'background'), ('Findings', 'results')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .markup import html_to_text

__all__ = ["CATEGORIES", "Section", "parse_abstract", "label_category"]

#: The canonical section categories, in the order they usually appear. ``other`` is for labels outside NLM's list.
CATEGORIES: tuple[str, ...] = ("background", "objective", "methods", "results", "conclusions")

_NLM_TO_CATEGORY = {
    "BACKGROUND": "background",
    "OBJECTIVE": "objective",
    "METHODS": "methods",
    "RESULTS": "results",
    "CONCLUSIONS": "conclusions",
}


@dataclass(frozen=True, slots=True)
class Section:
    """One section of an abstract: its verbatim ``label`` (None when unstructured), ``category`` and plain ``text``."""

    label: str | None
    category: str
    text: str


@lru_cache(maxsize=1)
def _nlm_labels() -> dict[str, str]:
    table: dict[str, str] = {}
    data = resources.files("searchlib.data").joinpath("nlm_structured_abstract_labels.txt").read_text("ascii")
    for line in data.splitlines():
        parts = line.split("|")
        if len(parts) >= 2 and parts[1] in _NLM_TO_CATEGORY:
            table[_normalise_label(parts[0])] = _NLM_TO_CATEGORY[parts[1]]
    return table


def _normalise_label(label: str) -> str:
    return re.sub(r"\s+", " ", label.strip().rstrip(":.-–— ").strip()).upper()


def label_category(label: str) -> str:
    """The canonical category of a section label, ``"other"`` when NLM's list does not know it.

    >>> label_category("Introduction and aims"), label_category("Funding")
    ('objective', 'other')
    """
    return _nlm_labels().get(_normalise_label(label), "other")


# <p><strong>Label: </strong>text</p>, with the label in strong or b, colon inside or just after the tag.
_LABELLED_P = re.compile(
    r"<(?P<tag>strong|b)\b[^>]*>\s*(?P<label>[^<]{1,80}?)\s*:?\s*</(?P=tag)>\s*:?",
    re.IGNORECASE,
)


def parse_abstract(html: str | None) -> list[Section]:
    """Split an abstract (HTML or plain text) into its sections, in order.

    A structured abstract gives one :class:`Section` per label; an unstructured one gives a single section
    with ``label=None`` and category ``"other"``; an empty abstract gives an empty list.
    """
    if not html or not html.strip():
        return []
    matches = list(_LABELLED_P.finditer(html))
    if not matches:
        text = html_to_text(html)
        return [Section(None, "other", text)] if text else []
    sections: list[Section] = []
    lead = html_to_text(html[: matches[0].start()])
    if lead:
        sections.append(Section(None, "other", lead))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(html)
        label = html_to_text(m.group("label")).rstrip(":").strip()
        text = html_to_text(html[m.end() : end])
        sections.append(Section(label, label_category(label), text))
    return sections
