"""Structured abstracts: find the labelled sections of an abstract and give each a canonical category.

A label's category comes from NLM's structured-abstract label list (shipped in ``searchlib/records/data``), so
"Discussion" counts as conclusions, "Findings" as results and "Introduction and aims" as an objective.

Sections are found in two stages. First the markup: ``<sec><title>`` (JATS, with or without the ``jats:``
prefix), ``<h1>``-``<h6>`` (Europe PMC) and a ``<strong>``/``<b>`` label opening a paragraph (the seed form
``<p><strong>Methods: </strong>text</p>``). Then any text that the markup left unlabelled is searched for inline
labels: "BACKGROUND: ...", "Background - ..." and, when a whole abstract is written that way, bare labels with no
punctuation at all ("Objective To examine ... Design Randomised controlled trial. Setting ...").

>>> [(s.label, s.category) for s in parse_abstract(
...     "<p><strong>Background: </strong>Falls are common.</p><p><strong>Findings: </strong>Fewer falls.</p>")]
[('Background', 'background'), ('Findings', 'results')]
>>> [(s.label, s.category) for s in parse_abstract("Objective To examine falls. Design Cohort study.")]
[('Objective', 'objective'), ('Design', 'methods')]
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from .labels import MAX_LABEL_WORDS, lookup_label, may_open_label, normalise_label
from .markup import html_to_text, looks_like_markup

#: The canonical section categories, in the order they usually appear. ``other`` is for labels outside NLM's list.
CATEGORIES: tuple[str, ...] = ("background", "objective", "methods", "results", "conclusions")


@dataclass(frozen=True, slots=True)
class Section:
    """One section of an abstract: verbatim ``label`` (None if unstructured), ``category`` and plain ``text``."""

    label: str | None
    category: str
    text: str


def label_category(label: str) -> str:
    """The canonical category of a section label, ``"other"`` when NLM's list does not know it.

    >>> [label_category(label) for label in ("Introduction and aims", "Data availability", "MAIN OUTCOMEMEASURES")]
    ['objective', 'other', 'methods']
    """
    return lookup_label(label) or "other"


# ---------------------------------------------------------------------------------------------------------------
# Tunables, in one place.

#: A heading longer than this (characters / words) is prose, not a label.
_MAX_LABEL_CHARS = 100
_MAX_HEADING_WORDS = 12
#: An abstract with fewer words than this is a placeholder (",", "-"), not text. One word is text: "Erratum.",
#: "Retraction notice" say what the paper is, and it is found by them. (A heading alone, "Abstract", is dropped
#: as one.)
_MIN_ABSTRACT_WORDS = 1
#: Words that title an abstract as a whole; a heading or leading word like this is not a section.
_ABSTRACT_TITLES = frozenset({"ABSTRACT", "A BSTRACT", "SUMMARY", "ABSTRACT SUMMARY"})
#: Labels of trailing matter rather than of a section of the text: a keyword list stays with the text before it.
_NOT_SECTION_LABELS = frozenset({"KEYWORDS", "KEY WORDS", "KEYWORD", "KEY-WORDS", "INDEX TERMS"})
#: Function words that may sit inside a heading ("Patients and Methods") but never open one.
_LABEL_JOINERS = frozenset({"and", "of", "or", "for", "in", "to", "the", "&", "/", "with", "on"})
#: An unknown ALL-CAPS heading in bare text needs this many letters when it is one word (so "HIV" is not one).
_MIN_BARE_UNKNOWN_LETTERS = 6

# ---------------------------------------------------------------------------------------------------------------
# Stage 1: sections marked up as headings.

_HEADING_RE = re.compile(
    r"<(?P<tag>h[1-6]|(?:[a-z]+:)?title|strong|b)\b[^<>]*>(?P<label>.*?)</(?P=tag)\s*>(?P<colon>\s*:)?",
    re.IGNORECASE | re.DOTALL,
)
# Tags that open or close a block: a bold label counts as a heading only right after one of these.
_BLOCK_EDGE_RE = re.compile(
    r"(?:<(?:/?(?:[a-z]+:)?(?:p|div|li|td|th|sec|abstract|h[1-6]|title|blockquote)|br|hr)\b[^<>]*>)\s*$",
    re.IGNORECASE,
)
_HEADING_OPEN_RE = re.compile(r"<(?P<tag>h[1-6]|(?:[a-z]+:)?title|strong|b)\b[^<>]*>", re.IGNORECASE)
_SEC_OPEN_RE = re.compile(r"<(?:[a-z]+:)?sec\b[^<>]*>\s*$", re.IGNORECASE)
_BLOCK_CLOSE_AHEAD_RE = re.compile(r"\s*(?:</(?:[a-z]+:)?(?:p|div|li)\s*>|<br\b)", re.IGNORECASE)
_BLOCK_SPLIT_RE = re.compile(
    r"</?(?:(?:[a-z]+:)?(?:p|div|li|ul|ol|sec|abstract|h[1-6]|title|blockquote|list|list-item)|br|hr|tr|td)\b[^<>]*>",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"[^\W_]+")


@dataclass(slots=True)
class _Draft:
    """A section while it is being built: its label and its text lines (line starts are sentence starts)."""

    label: str | None
    lines: list[str]


def _clean_label(raw: str) -> str:
    return html_to_text(raw).strip().rstrip(":.-–—, ").strip()


def _headings(html: str) -> Iterator[re.Match[str]]:
    """The matches of ``_HEADING_RE.finditer(html)``, in time linear in ``len(html)`` even when tags are unclosed.

    A tag found with no closing tag after it is remembered, so the rest of the text is not searched again for
    every later opening of the same tag.
    """
    unclosed: set[str] = set()
    pos = 0
    for m in _HEADING_OPEN_RE.finditer(html):
        tag = m.group("tag").lower()
        if m.start() < pos or tag in unclosed:
            continue
        full = _HEADING_RE.match(html, m.start())
        if full is None:
            unclosed.add(tag)
            continue
        pos = full.end()
        yield full


def _is_heading(html: str, m: re.Match[str], lead: int = 0) -> bool | None:
    """True for a section heading, False for inline emphasis, None for a title to drop (the abstract's own).

    ``lead`` is the length of the white space that starts ``html``.
    """
    label = _clean_label(m.group("label"))
    if not label or len(label) > _MAX_LABEL_CHARS or not label[0].isalpha():
        return False
    tag = m.group("tag").lower()
    before = html[max(0, m.start() - 200) : m.start()]
    at_start = m.start() <= lead or bool(_BLOCK_EDGE_RE.search(before))
    if tag.endswith("title"):
        # JATS: a <title> opening a <sec> names it; any other title (the abstract's own "Abstract", or the
        # article title repeated) is not a section.
        return True if _SEC_OPEN_RE.search(before) else None
    if tag.startswith("h"):
        return None if label.upper() in _ABSTRACT_TITLES else True
    if not at_start or len(label.split()) > _MAX_HEADING_WORDS or normalise_label(label) in _NOT_SECTION_LABELS:
        return False
    raw = m.group("label")
    has_colon = bool(m.group("colon")) or html_to_text(raw).rstrip().endswith(":")
    alone = bool(_BLOCK_CLOSE_AHEAD_RE.match(html, m.end()))  # <p><b>Label</b></p><p>text</p>
    return has_colon or lookup_label(label) is not None or (alone and len(label.split()) <= 6)


def _text_lines(fragment: str, keep_newlines: bool) -> list[str]:
    """The plain-text lines of an HTML fragment: one per block, or per line break in plain text."""
    pieces = _BLOCK_SPLIT_RE.split(fragment)
    if keep_newlines:
        pieces = [line for piece in pieces for line in piece.splitlines()]
    return [text for text in map(html_to_text, pieces) if text]


def _markup_drafts(html: str) -> list[_Draft]:
    plain = not looks_like_markup(html)
    drafts = [_Draft(None, [])]
    pos = 0
    lead = len(html) - len(html.lstrip())
    for m in _headings(html) if not plain else ():
        verdict = _is_heading(html, m, lead)
        if verdict is False:
            continue
        drafts[-1].lines += _text_lines(html[pos : m.start()], plain)
        pos = m.end()
        if verdict:
            drafts.append(_Draft(_clean_label(m.group("label")), []))
    drafts[-1].lines += _text_lines(html[pos:], plain)
    return drafts


# ---------------------------------------------------------------------------------------------------------------
# Stage 2: labels inline in plain text.

# Where a label may start: the text's start or a sentence's (after . ! ? and maybe a closing quote or bracket).
# (Each regex here that scans a whole text consumes the character before its match: a look-behind would be
# tried at every position, at twice the cost.)
_SENTENCE_START_RE = re.compile(r"[.!?][\"'”’)\]]?\s+(?=\S)")
# "LABEL: text", "Label - text", "Label — text": a short phrase starting with a letter, then the separator.
# A dash needs white space after it, so "1923–2014" or "COVID-19" never reads as "label - text".
_PUNCT_LABEL_RE = re.compile(r"(?P<label>[^\W\d_][^:.!?;\n]{0,99}?)(?::\s*|\s*[-–—]{1,2}\s+)")
# The dashes such a label may end with ("Background - ...").
_LABEL_DASHES = ("-", "–", "—")
# A leading "Abstract"/"Summary" titling the text; before a lower-case word it is prose ("Abstract algebra is").
_LEADING_TITLE_RE = re.compile(r"(?i:abstract|a bstract|summary)(?:\s*[.:]\s*|\s+)(?=[A-Z0-9(\[])")
# What may follow a bare label: the capitalised first word of its text, a number or an opening bracket/quote.
_BARE_NEXT_RE = re.compile(r"[A-Z0-9(\[\"'“‘]")
# The words of an upper-case heading that no list knows ("SPECIMEN COLLECTION", "MEDICAL NEEDS AND TEST").
_CAPS_JOINERS = frozenset({"AND", "OF", "OR", "&", "/"})
_CAPS_WORD_RE = re.compile(r"[A-Z]{3,}(?:/[A-Z]{3,})*|AND|OF|OR|&|/")
# An upper-case label and colon where a sentence lacks its full stop ("... in 2 groups CLINICAL TRIAL REGISTRATION
# NUMBER: NCT..."): such a label stands out even there, so it may start anywhere after white space.
_CAPS_COLON_RE = re.compile(r"\s(?P<label>[A-Z][A-Z()/&,\- ]{2,100}:)")


@dataclass(frozen=True, slots=True)
class _Hit:
    start: int  # where the label starts
    end: int  # where the section's text starts
    label: str
    known: bool


def _sentence_starts(text: str, line_starts: list[int]) -> list[int]:
    starts = set(line_starts) | {m.end() for m in _SENTENCE_START_RE.finditer(text)}
    return sorted(s for s in starts if s < len(text))


def _label_words_ok(label: str) -> bool:
    words = label.split()
    return 0 < len(words) <= MAX_LABEL_WORDS and len(label) <= _MAX_LABEL_CHARS and label[0].isupper()


def _is_upper(label: str) -> bool:
    return label.upper() == label and sum(c.isalpha() for c in label) >= 2


def _looks_like_unknown_label(label: str, upper_style: bool) -> bool:
    """A heading-shaped phrase outside the label lists, written in the style of the abstract's known labels.

    MEDLINE-style abstracts (upper-case labels) get only upper-case unknown labels ("SPECIMEN COLLECTION");
    others get Title Case phrases of a few words ("Major Taxa Studied"), never a sentence's opening words.
    """
    if _is_upper(label):
        return sum(c.isalpha() for c in label) >= 3
    if upper_style:
        return False
    words = label.split()
    return (
        len(words) <= 4
        and words[0][0].isupper()
        and words[0].lower() not in _LABEL_JOINERS
        and all(w[0].isupper() or w in _LABEL_JOINERS or not w[0].isalpha() for w in words)
    )


def _punct_hit(text: str, start: int) -> _Hit | None:
    m = _PUNCT_LABEL_RE.match(text, start)
    if not m or m.end() >= len(text):
        return None
    label = _LEADING_TITLE_RE.sub("", m.group("label").strip(), count=1)  # "Abstract Purpose:" is "Purpose"
    if not _label_words_ok(label) or normalise_label(label) in _NOT_SECTION_LABELS:
        return None
    return _Hit(start, m.end(), label, lookup_label(label) is not None)


_NON_SPACE_RE = re.compile(r"\S+")


def _first_word(text: str, start: int) -> str:
    m = _NON_SPACE_RE.match(text, start)
    return m.group() if m else ""


def _bare_hit(text: str, start: int, allow_unknown: bool = False) -> _Hit | None:
    """The longest known label at ``start`` followed by its text, as in "Design Randomised controlled trial".

    The text must open with a capital, a number or a bracket, except after an upper-case label, which stands
    out by itself ("OBJECTIVES to describe"). With ``allow_unknown``, a run of upper-case words is a label too.
    """
    if not allow_unknown and not (text[start : start + 1].isupper() and may_open_label(_first_word(text, start))):
        return None  # most sentences: no label opens with their first word
    words = list(islice(_NON_SPACE_RE.finditer(text, start, start + 160), MAX_LABEL_WORDS + 1))
    viable = 0  # the most words that may still make a known label (a cheap test, before the dear lookups)
    while viable < min(MAX_LABEL_WORDS, len(words) - 1) and may_open_label(text[start : words[viable].end()]):
        viable += 1
    for k in range(viable, 0, -1):
        label = text[start : words[k - 1].end()]
        if not label[0].isupper() or label[-1] in ".,;:" or normalise_label(label) in _NOT_SECTION_LABELS:
            continue
        upper = _is_upper(label)
        if _is_upper(words[0].group()) and not upper:
            continue  # "RESULTS Patients" is not one label; MEDLINE labels are upper case all through
        if k > 1 and words[k - 1].group().isdigit() and not _BARE_NEXT_RE.match(words[k].group()):
            continue  # "METHODS 64 puppies were": the number opens the text ("CASE 1 A man" keeps it)
        if (upper or _BARE_NEXT_RE.match(words[k].group())) and lookup_label(label) is not None:
            return _Hit(start, words[k].start(), label, True)
    if not allow_unknown:
        return None
    k = 0
    while k < min(len(words) - 1, MAX_LABEL_WORDS) and _CAPS_WORD_RE.fullmatch(words[k].group()):
        k += 1
    while k and words[k - 1].group() in _CAPS_JOINERS:
        k -= 1
    label = text[start : words[k - 1].end()] if k else ""
    if k > 1 or sum(c.isalpha() for c in label) >= _MIN_BARE_UNKNOWN_LETTERS:
        return _Hit(start, words[k].start(), label, False)
    return None


def _caps_colon_hits(text: str) -> list[_Hit]:
    hits = []
    for m in _CAPS_COLON_RE.finditer(text):
        hit = _punct_hit(text, m.start("label"))
        if hit and hit.known and _is_upper(hit.label):
            hits.append(hit)
    return hits


def _merge_hits(hits: list[_Hit]) -> list[_Hit]:
    """Hits in order, dropping any that starts inside an earlier one's label (" TRIAL REGISTRATION:")."""
    merged: list[_Hit] = []
    for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
        if not merged or hit.start >= merged[-1].end:
            merged.append(hit)
    return merged


def _has_label_mark(text: str) -> bool:
    """Whether ``text`` has a separator a "Label:" needs: a colon, or a dash before white space. Most abstracts,
    unstructured, have none, and no such label is then looked for. (Eight times as fast as a pattern for it.)"""
    if ":" in text:
        return True
    for dash in _LABEL_DASHES:
        at = text.find(dash)
        while at != -1:
            if text[at + 1 : at + 2].isspace():
                return True
            at = text.find(dash, at + 1)
    return False


def _inline_hits(text: str, line_starts: list[int]) -> list[_Hit]:
    marked = _has_label_mark(text)
    # Bare labels count only when one opens the abstract: without that, there is no need to look for the rest.
    opening = _bare_hit(text, 0)
    if not marked and opening is None:
        return []  # most abstracts: no label of either kind can be there
    starts = _sentence_starts(text, line_starts)
    if marked:
        punct = _merge_hits([hit for s in starts if (hit := _punct_hit(text, s))] + _caps_colon_hits(text))
    else:
        punct = []
    known = [hit for hit in punct if hit.known]
    bare = [hit for s in starts if (hit := opening if s == 0 else _bare_hit(text, s))] if opening else []
    # Bare labels are only believed when the abstract is built of them: it opens with one and has another.
    bare_ok = len(bare) >= 2 and bare[0].start == 0
    if known and not (bare_ok and len(bare) > len(known)):
        # Once an abstract shows known labels, heading-shaped unknown ones are labels too ("SPECIMEN COLLECTION:").
        upper_style = all(_is_upper(hit.label) for hit in known)
        hits = [hit for hit in punct if hit.known or _looks_like_unknown_label(hit.label, upper_style)]
        if len(hits) == 1 and hits[0].start > 0 and not _BARE_NEXT_RE.match(text, hits[0].end):
            return []  # one label in mid-text, then lower case: "... Experiments: we ran three." is prose
        if hits[0].start > 0 and bare and bare[0].start == 0:
            hits.insert(0, bare[0])  # "Simple Summary Cats are ... Background: ..."
        return hits
    if not bare_ok:
        return []
    if all(_is_upper(hit.label) for hit in bare):  # then runs of upper-case words are labels too
        found = {hit.start: hit for hit in bare}  # known labels, which allow_unknown finds again
        bare = [hit for s in starts if (hit := found.get(s) or _bare_hit(text, s, allow_unknown=True))]
    return bare


def _split_inline(draft: _Draft) -> list[_Draft]:
    text, line_starts, offset = "", [], 0
    for line in draft.lines:
        line_starts.append(offset)
        text += line + " "
        offset = len(text)
    text = text.rstrip()
    if draft.label is None:
        lead = _LEADING_TITLE_RE.match(text)
        if lead and len(_WORD_RE.findall(text)) > len(_WORD_RE.findall(lead.group())) + 1:
            cut = lead.end()
            text = text[cut:]
            line_starts = [0] + [s - cut for s in line_starts if s > cut]
    hits = _inline_hits(text, line_starts) if draft.label is None else []
    if not hits:
        return [_Draft(draft.label, [text])]
    out = [_Draft(None, [text[: hits[0].start]])]
    for hit, nxt in zip(hits, [*hits[1:], None], strict=True):
        out.append(_Draft(hit.label, [text[hit.end : nxt.start if nxt else len(text)]]))
    return out


# ---------------------------------------------------------------------------------------------------------------


def parse_abstract(html: str | None) -> list[Section]:
    """Split an abstract (HTML, JATS or plain text) into its sections, in order.

    A structured abstract gives one :class:`Section` per label; an unstructured one gives a single section
    with ``label=None`` and category ``"other"``; an empty or placeholder abstract gives an empty list.
    """
    if not html or not html.strip():
        return []
    sections: list[Section] = []
    for draft in _markup_drafts(html):
        for part in _split_inline(draft):
            text = " ".join(" ".join(part.lines).split())
            if part.label is None and (not text or normalise_label(text) in _ABSTRACT_TITLES):
                continue
            category = label_category(part.label) if part.label else "other"
            sections.append(Section(part.label, category, text))
    sections = [s for s in sections if s.text or s.label]
    if all(s.label is None for s in sections):
        text = " ".join(s.text for s in sections)
        if len(list(islice(_WORD_RE.finditer(text), _MIN_ABSTRACT_WORDS))) < _MIN_ABSTRACT_WORDS:
            return []
        return [Section(None, "other", text)]
    return sections
