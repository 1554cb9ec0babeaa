"""PubMed field tags in a query: ``lawton r[au]``, ``"patient involvement"[tiab]``, ``2020:2024[dp]``.

A search strategy copied from PubMed runs as is: each tagged term is rewritten into searchlib's own
``field:term`` syntax before the query is checked and parsed, so tags mix freely with ``field:term``,
``AND``/``OR``/``NOT`` and parentheses. A tag searchlib cannot honour (``[mh]``: the records carry no MeSH
headings) raises :class:`~searchlib.errors.QueryError` naming it, rather than quietly searching something else.

Which words a tag takes, as in PubMed: the quoted phrase just before it, or else every unquoted word back to
the nearest operator, parenthesis, quoted phrase, ``field:term`` or earlier tag. Several words under one tag
are a phrase (``patient involvement[tiab]`` = ``"patient involvement"[tiab]``), except when one has a
wildcard (then every word must match) and for ``[ta]`` and ``[dp]`` (below).

``[ta]`` (journal title abbreviation): PubMed's abbreviations ("BMJ Qual Saf") are not stored, only full
names ("BMJ Quality & Safety"), so each word of the abbreviation must begin a word of the journal name:
``BMJ Qual Saf[ta]`` is ``journal:(bmj* AND qual* AND saf*)``. A full name works the same way.

>>> translate("lawton r[au] AND safety[ti]")
'authors:"lawton r" AND title:safety'
>>> translate('"patient involvement"[tiab] AND 2020:2024[dp]')
'(title:"patient involvement" OR abstract:"patient involvement") AND year:[2020 TO 2024]'
>>> translate("BMJ Qual Saf[ta]")
'journal:(bmj* AND qual* AND saf*)'
>>> translate("asthma[mh]")
Traceback (most recent call last):
...
searchlib.errors.QueryError: PubMed tag [mh] (MeSH terms) is not supported: the records carry no MeSH headings; \
supported tags: [1au], [ab], [aid], [all], [au], [author], [dp], [fau], [jour], [journal], [lastau], [pdat], \
[pmcid], [pmid], [ta], [ti], [tiab], [title], [title/abstract], [uid]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import QueryError
from ..records.record import normalise_pmcid, normalise_pmid

#: The tags searchlib honours, and the searchlib field(s) each searches.
TAGS: dict[str, tuple[str, ...]] = {
    "au": ("authors",),
    "author": ("authors",),
    "fau": ("authors",),
    "1au": ("first_author",),
    "lastau": ("last_author",),
    "ti": ("title",),
    "title": ("title",),
    "tiab": ("title", "abstract"),
    "title/abstract": ("title", "abstract"),
    "ab": ("abstract",),
    "ta": ("journal",),
    "jour": ("journal",),
    "journal": ("journal",),
    "dp": ("year",),
    "pdat": ("year",),
    "aid": ("doi",),
    "pmid": ("pmid",),
    "uid": ("pmid",),
    "pmcid": ("pmcid",),
    "all": (),
}

#: PubMed tags searchlib cannot honour, with what they search and why not.
UNSUPPORTED_TAGS: dict[str, str] = {
    "mh": "MeSH terms) is not supported: the records carry no MeSH headings",
    "mesh": "MeSH terms) is not supported: the records carry no MeSH headings",
    "majr": "MeSH major topic) is not supported: the records carry no MeSH headings",
    "mesh major topic": "MeSH major topic) is not supported: the records carry no MeSH headings",
    "sh": "MeSH subheading) is not supported: the records carry no MeSH headings",
    "tw": "text word: title, abstract, MeSH and more) is not supported: use [tiab] for title and abstract",
    "text word": "title, abstract, MeSH and more) is not supported: use [tiab] for title and abstract",
    "pt": "publication type) is not supported: the records carry no publication type",
    "la": "language) is not supported: the records carry no language",
    "ad": "affiliation) is not supported: the records carry no affiliations",
    "affiliation": "affiliation) is not supported: the records carry no affiliations",
    "ot": "other term) is not supported: the records carry no keywords",
    "sb": "subset) is not supported",
    "filter": "filter) is not supported",
}

_TAG_RE = re.compile(r"\[\s*([A-Za-z0-9][A-Za-z0-9 /_-]*?)\s*\]")
_TOKEN_RE = re.compile(
    r"""(?P<phrase>"[^"]*")
      | (?P<tag>\[\s*[A-Za-z0-9][A-Za-z0-9 /_-]*\s*\])
      | (?P<range>[\[{][^\]}]*[\]}])
      | (?P<field>[A-Za-z_][A-Za-z_0-9]*:(?=[^\s]))
      | (?P<paren>[()])
      | (?P<word>[^\s()"\[\]{}]+)
    """,
    re.VERBOSE,
)
_OPERATOR_WORDS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})
_DATE = re.compile(r"(\d{4})(?:[/-](\d{1,2})(?:[/-](\d{1,2}))?)?")


@dataclass(frozen=True, slots=True)
class Token:
    """One piece of a query: ``kind`` is phrase, tag, range, field, paren, op or word; ``bound`` when it is
    the term of a ``field:`` just before it."""

    kind: str
    text: str
    start: int
    bound: bool = False


def scan(text: str) -> list[Token]:
    """The query's pieces, in order.

    >>> [(t.kind, t.text) for t in scan('ti:safety lawton r[au] OR "a b"')]
    [('field', 'ti:'), ('word', 'safety'), ('word', 'lawton'), ('word', 'r'), ('tag', '[au]'), ('op', 'OR'), \
('phrase', '"a b"')]
    """
    tokens: list[Token] = []
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup or "word"
        value = m.group()
        if kind == "word" and value in _OPERATOR_WORDS:
            kind = "op"
        prev = tokens[-1] if tokens else None
        bound = prev is not None and prev.kind == "field" and prev.start + len(prev.text) == m.start()
        if kind == "tag" and prev is not None and prev.kind == "field" and bound:
            kind = "range"  # year:[2020 TO 2024] is a range, not a tag
        tokens.append(Token(kind, value, m.start(), bound))
    return tokens


def translate(text: str) -> str:
    """``text`` with every PubMed-tagged term rewritten as searchlib ``field:term`` syntax.

    Raises :class:`QueryError` for a tag searchlib cannot honour, or a tag with no term before it.
    """
    if "[" not in text:
        return text
    tokens = scan(text)
    if not any(t.kind == "tag" for t in tokens):
        return text
    out: list[tuple[str, bool]] = []  # (piece, glued to the next piece)
    pending: list[Token] = []  # words and phrases not yet claimed by a tag
    for tok in tokens:
        if tok.kind == "tag":
            tag = _TAG_RE.fullmatch(tok.text).group(1).lower()  # type: ignore[union-attr]
            term = _claim(pending)
            if not term:
                raise QueryError(f"PubMed tag {tok.text} at column {tok.start + 1} has no term before it")
            out.extend((p.text, False) for p in pending)
            pending.clear()
            out.append((_rewrite(tag, term, tok), False))
        elif tok.kind in ("word", "phrase") and not tok.bound:
            pending.append(tok)
        else:
            out.extend((p.text, False) for p in pending)
            pending.clear()
            out.append((tok.text, tok.kind == "field"))
    out.extend((p.text, False) for p in pending)
    pieces: list[str] = []
    glue = False
    for piece, glued in out:
        if pieces and (glue or (pieces[-1] == "(") or piece == ")"):
            pieces[-1] += piece
        else:
            pieces.append(piece)
        glue = glued
    return " ".join(pieces)


def _claim(pending: list[Token]) -> list[Token]:
    """Take the tag's term off the end of ``pending``: the phrase just before the tag, or the words."""
    if not pending:
        return []
    if pending[-1].kind == "phrase":
        return [pending.pop()]
    n = len(pending)
    while n > 0 and pending[n - 1].kind == "word":
        n -= 1
    term = pending[n:]
    del pending[n:]
    return term


def _rewrite(tag: str, term: list[Token], tok: Token) -> str:
    if tag not in TAGS:
        reason = UNSUPPORTED_TAGS.get(tag, "unknown) is not supported")
        supported = ", ".join(f"[{t}]" for t in sorted(TAGS))
        raise QueryError(f"PubMed tag [{tag}] ({reason}; supported tags: {supported}")
    fields = TAGS[tag]
    words = [w for t in term for w in (t.text.strip('"').split() if t.kind == "phrase" else [t.text])]
    if not words:
        raise QueryError(f"PubMed tag {tok.text} at column {tok.start + 1} follows an empty phrase")
    if fields == ("year",):
        return _dates(" ".join(words), tok)
    if fields == ("journal",):
        prefixes = [w.rstrip("*").lower() + "*" for w in re.findall(r"[^\W_]+\*?", " ".join(words))]
        if not prefixes:
            raise QueryError(f"PubMed tag {tok.text} at column {tok.start + 1} has no journal words before it")
        return f"journal:({' AND '.join(prefixes)})" if len(prefixes) > 1 else f"journal:{prefixes[0]}"
    if fields == ("doi",):
        words = [w.lower().removeprefix("https://doi.org/").removeprefix("doi:") for w in words]
    elif fields in (("pmid",), ("pmcid",)):
        normalise = normalise_pmid if fields == ("pmid",) else normalise_pmcid
        words = [normalise(w) or w for w in words]
    if len(words) == 1:
        value = words[0] if term[0].kind == "word" else f'"{words[0]}"'
    elif any(ch in w for w in words for ch in "*?"):
        value = "(" + " AND ".join(words) + ")"
    else:
        value = '"' + " ".join(words) + '"'
    if not fields:  # [all]: the default fields
        return value
    if len(fields) == 1:
        return f"{fields[0]}:{value}"
    return "(" + " OR ".join(f"{f}:{value}" for f in fields) + ")"


def _dates(value: str, tok: Token) -> str:
    """``2020``, ``2020:2024``, ``2020/03``, ``2020/01/15:2024/06/30`` as a year or date range."""
    parts = value.split(":")
    if len(parts) > 2 or not all(_DATE.fullmatch(p.strip()) for p in parts):
        raise QueryError(
            f"PubMed tag {tok.text} at column {tok.start + 1}: cannot read the date {value!r}; "
            "use YYYY, YYYY/MM, YYYY/MM/DD or a range such as 2020:2024"
        )
    ends = [_DATE.fullmatch(p.strip()).groups() for p in parts]  # type: ignore[union-attr]
    start, end = ends[0], ends[-1]
    if not any(start[1:]) and not any(end[1:]):
        return f"year:{start[0]}" if start[0] == end[0] else f"year:[{start[0]} TO {end[0]}]"
    lo = "-".join(f"{int(x):02d}" if i else x for i, x in enumerate(start) if x)
    hi = "-".join(f"{int(x):02d}" if i else x for i, x in enumerate(end) if x)
    if not end[2]:  # an open month or year: up to its last day (dates compare as text)
        hi += "-31" if end[1] else "-12-31"
    return f"date:[{lo} TO {hi}]"
