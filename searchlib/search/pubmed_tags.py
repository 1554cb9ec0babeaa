"""PubMed field tags: ``lawton r[au]``, ``"patient involvement"[tiab]``, ``"a b"[tiab:~2]``, ``2020:2024[dp]``.

A search strategy copied from PubMed runs as is. A tag takes the quoted phrase just before it, or else every bare
word back to the nearest operator, parenthesis, phrase, ``field:`` or earlier tag (:func:`.lexer.claim_tags`).
Several words under one tag are a phrase (``patient involvement[tiab]``), except when one has a wildcard (then
each word must match) and for ``[ta]`` and ``[dp]``. ``[ta]`` (journal title abbreviation): PubMed's
abbreviations ("BMJ Qual Saf") are not stored, only full names ("BMJ Quality & Safety"), so each word of the
abbreviation must begin a word of the journal's name (an ISSN, ``0959-8138[ta]``, searches the ISSN).

``[mh]``, ``[majr]``, ``[sh]``, ``[pt]`` and ``[la]`` match a value whole, case and accents folded
(:func:`.plan.value_term`): ``humans[mh]`` is the heading "Humans", never "Humanities";
``asthma/drug therapy[mh]`` is that heading with that qualifier; ``[majr]`` a major topic (the heading or the
qualifier starred); ``eng[la]`` and ``english[la]`` are one language. The MeSH tree is not available offline,
so a heading is matched as indexed, without the narrower headings PubMed adds: ``[mh:noexp]`` is ``[mh]``, and
``[mh:exp]`` is a :class:`~searchlib.errors.QueryError` saying so. ``[ot]`` (keywords) and ``[ad]``
(affiliations) match words as written, several words as a phrase within one keyword or affiliation;
``"a b"[ad:~3]`` finds them near each other. A tag searchlib cannot honour (``[tw]``) raises
:class:`~searchlib.errors.QueryError` naming it, rather than quietly searching something else.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import QueryError
from ..records.vocabulary import issn
from .lexer import DATE_TAGS, Token, check_distance, clean_word
from .plan import VALUE_FIELDS
from .tree import And, Node, Or, Phrase, Range, Word, range_node, real_date

#: PubMed field tags and the fields each searches (``()``: the default fields).
TAGS: dict[str, tuple[str, ...]] = {
    "au": ("authors",), "author": ("authors",), "fau": ("authors",),
    "1au": ("first_author",), "lastau": ("last_author",), "ti": ("title",), "title": ("title",),
    "tiab": ("title", "abstract"), "title/abstract": ("title", "abstract"), "ab": ("abstract",),
    "ta": ("journal",), "jour": ("journal",), "journal": ("journal",), **dict.fromkeys(DATE_TAGS, ("year",)),
    "aid": ("doi",), "pmid": ("pmid",), "uid": ("pmid",), "pmcid": ("pmcid",), "all": (),
    "mh": ("mesh",), "mesh": ("mesh",), "mesh terms": ("mesh",), "majr": ("mesh_major",),
    "mesh major topic": ("mesh_major",), "sh": ("subheading",), "subheading": ("subheading",),
    "mesh subheading": ("subheading",), "pt": ("publication_type",), "publication type": ("publication_type",),
    "la": ("language",), "language": ("language",), "ot": ("keywords",), "other term": ("keywords",),
    "kw": ("keywords",), "keyword": ("keywords",), "ad": ("affiliation",), "affiliation": ("affiliation",),
}  # fmt: skip
#: Tags of MeSH, which PubMed explodes to the narrower headings unless told ``:noexp``.
MESH_TAGS = frozenset(
    {"mh", "mesh", "mesh terms", "majr", "mesh major topic", "sh", "subheading", "mesh subheading"}
)

#: PubMed tags searchlib cannot honour, and why.
UNSUPPORTED_TAGS: dict[str, str] = {
    "tw": "text word (title, abstract, MeSH and more): use [tiab] OR [mh] OR [ot]",
    "text word": "text word (title, abstract, MeSH and more): use [tiab] OR [mh] OR [ot]",
    "sb": "subset",
    "filter": "filter",
}
#: Tags that take a proximity distance, ``"a b"[tiab:~2]``, as in PubMed.
PROXIMITY_TAGS = frozenset({"ti", "title", "tiab", "title/abstract", "ab", "ad", "affiliation"})

_DATE = re.compile(r"(\d{4})(?:[/-](\d{1,2})(?:[/-](\d{1,2}))?)?")


def tagged(parser: Any, tok: Token) -> Node | None:
    raw_tag = str(tok.value)
    tag, _, distance_text = raw_tag.partition(":")
    tag = " ".join(tag.lower().split())
    if tag not in TAGS:
        reason = UNSUPPORTED_TAGS.get(tag, "unknown")
        supported = ", ".join(f"[{t}]" for t in sorted(TAGS) if " " not in t)
        raise QueryError(
            f"PubMed tag [{tag}] at column {tok.column} is not supported ({reason}); supported tags: {supported}"
        )
    distance = None
    if tag in MESH_TAGS and distance_text:
        _mesh_option(tag, distance_text, tok)
        distance_text = ""
    if distance_text:
        m = re.fullmatch(r"\s*~\s*(\d+)\s*", distance_text)
        if not m:
            raise QueryError(f"cannot read {tok.text} at column {tok.column}; proximity is written [tiab:~3]")
        if tag not in PROXIMITY_TAGS:
            raise QueryError(
                f"{tok.text} at column {tok.column}: proximity works with [ti], [tiab], [ab] and [ad]"
            )
        distance = check_distance(int(m.group(1)), tok.text, tok.column)
    fields = TAGS[tag]
    claimed = tok.claimed
    phrase = claimed[0].kind == "phrase"
    words_raw = (
        str(claimed[0].value if not isinstance(claimed[0].value, tuple) else claimed[0].value[0]).split()
        if phrase
        else [t.text for t in claimed]
    )
    if not words_raw:
        raise QueryError(f"PubMed tag {tok.text} at column {tok.column} follows an empty phrase")
    if distance is not None and not phrase:
        raise QueryError(f'{tok.text} at column {tok.column}: proximity needs words in quotes, "a b"{tok.text}')
    if fields == ("year",):
        return _dates(" ".join(words_raw), tok)
    if fields == ("journal",) and (number := issn(" ".join(words_raw))) and len(words_raw) == 1:
        return Word(number, ("issn",), boost=tok.boost)
    if set(fields) <= set(VALUE_FIELDS):  # a value whole: the words (or the phrase) as one value
        text = " ".join(words_raw)
        for w in words_raw:
            if "*" in w or "?" in w:
                parser.count_pattern(w, tok)
        return Word(text, fields, quoted=phrase, boost=tok.boost)
    if fields == ("journal",):
        prefixes = [w.rstrip("*").lower() for w in re.findall(r"[^\W_]+\*?", " ".join(words_raw))]
        if not prefixes:
            raise QueryError(f"PubMed tag {tok.text} at column {tok.column} has no journal words before it")
        # PubMed's abbreviations ("BMJ Qual Saf") begin the words of the full names stored.
        parts = tuple(Word(p + "*", ("journal",)) for p in prefixes)
        for p in prefixes:  # "J" in "N Engl J Med": the journal names' few words make one letter enough
            parser.count_pattern(p + "*", tok, shortest=1)
        return parts[0] if len(parts) == 1 else And(parts, boost=tok.boost)
    if fields in (("doi",), ("pmid",), ("pmcid",)):
        nodes = [parser.word(Token("word", w, tok.column), fields) for w in words_raw]
        kept = tuple(n for n in nodes if n is not None)
        return kept[0] if len(kept) == 1 else Or(kept)
    if distance is not None:
        words = parser.phrase_words(" ".join(words_raw), tok)
        if len(words) < 2:
            raise QueryError(f"{tok.text} at column {tok.column}: proximity needs two or more words")
        return Phrase(tuple((w,) for w in words), fields, distance, False, tok.boost)
    cleaned = [w for w in (clean_word(w) for w in words_raw) if w]
    if not cleaned:
        raise QueryError(f"PubMed tag {tok.text} at column {tok.column} has no words before it")
    for w in cleaned:
        if "*" in w or "?" in w:
            parser.count_pattern(w, tok)
    if len(cleaned) == 1:
        return Word(cleaned[0], fields, quoted=phrase, boost=tok.boost)
    if any("*" in w or "?" in w for w in cleaned) and not phrase:
        return And(tuple(Word(w, fields) for w in cleaned), boost=tok.boost)
    return Phrase(tuple((w,) for w in cleaned), fields, boost=tok.boost)


def _mesh_option(tag: str, option: str, tok: Token) -> None:
    """``[mh:noexp]`` is ``[mh]``; ``[mh:exp]`` cannot be honoured offline."""
    said = " ".join(option.lower().split())
    if said == "noexp":
        return
    if said == "exp":
        raise QueryError(
            f"{tok.text} at column {tok.column}: searchlib cannot explode MeSH headings (the MeSH tree is not "
            f"available offline); [{tag}] matches the heading as indexed: join the narrower headings with OR, "
            f"or write [{tag}:noexp]"
        )
    raise QueryError(f"cannot read {tok.text} at column {tok.column}; write [{tag}] or [{tag}:noexp]")


def _dates(value: str, tok: Token) -> Range:
    """``2020``, ``2020:2024``, ``2020/03``, ``2020/01/15:2024/06/30`` as a year or date range."""
    parts = value.split(":")
    if len(parts) > 2 or not all(_DATE.fullmatch(p.strip()) for p in parts):
        raise QueryError(
            f"PubMed tag {tok.text} at column {tok.column}: cannot read the date {value!r}; "
            "use YYYY, YYYY/MM, YYYY/MM/DD or a range such as 2020:2024 (relative dates are not supported)"
        )
    ends = [_DATE.fullmatch(p.strip()).groups() for p in parts]  # type: ignore[union-attr]  # each matched above
    start, end = ends[0], ends[-1]
    if not any(start[1:]) and not any(end[1:]):
        return range_node("year", int(start[0]), int(end[0]), True, True, tok)
    lo = real_date("-".join(f"{int(x):02d}" if i else x for i, x in enumerate(start) if x), tok)
    hi = real_date("-".join(f"{int(x):02d}" if i else x for i, x in enumerate(end) if x), tok)
    if not end[2]:  # an open month or year: up to its last day (dates compare as text)
        hi += "-31" if end[1] else "-12-31"
    return range_node("date", lo, hi, True, True, tok)
