"""BibTeX (Zotero, JabRef, Google Scholar, publishers): each entry as a :class:`Record`.

A small parser for what reference managers write: ``@type{key, field = {value} | "value" | number | macro,
...}`` with nested braces, ``#`` concatenation, ``@string`` macros, month macros (``jan``...), and ``@comment``
and ``@preamble`` skipped; text between entries is a comment, as in BibTeX itself. LaTeX in values is turned
into text: accents (``{\\"o}``, ``\\'e``, ``\\c{c}``), escaped specials (``\\&``, ``\\%``), ``--`` in pages, and
the protective braces around words. Read: title, author (``and``-separated, "Last, First" or "First Last"), journal
(or booktitle), volume, number (or issue), pages, eid (the article number), year, month, date, doi, pmid, pmcid,
issn, abstract, ``pdf``, keywords (``,`` or ``;`` between them), language (or langid), affiliation, the entry
type as the publication type (``@inproceedings`` a conference paper) with any in a ``type`` field of an
``@article`` or ``@misc`` (as :mod:`searchlib.records.export` writes a review's), and ``id`` when it is one of our
prefixed ids (as :mod:`searchlib.records.export` writes it).
``raw`` is the entry: ``{"ENTRYTYPE": ..., "ID": ..., field: value}`` (values as written, before LaTeX is read).

>>> text = rb'''@article{lee2021, title = {A {Bayesian} trial of caf{\\'e}s},
...   author = {Lee, Ann and Bob van Dyke}, journal = {J Tests}, year = 2021, month = mar,
...   pages = {1--9}, doi = {10.1/ABC}}'''
>>> [r] = read(text, "x.bib")
>>> r.id, r.title, r.authors, r.date, r.pages
('10.1/abc', 'A Bayesian trial of cafés', ('Ann Lee', 'Bob van Dyke'), '2021-03', '1-9')
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator

from ...errors import LoadError
from ..record import Record
from ._fields import OWN_ID_RE, build_record, decode_text, free_date, inverted_name, iso_date, split_list
from .ris import labelled_parts

_ENTRY_RE = re.compile(r"@[ \t]*([A-Za-z]+)[ \t\n]*([{(])")
_KEY_RE = re.compile(r"[^,\s{}()]*")
_NAME_RE = re.compile(r"[^\s=,#{}()\"]+")
_MONTHS = {m: str(i) for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}


def read(data: bytes, name: str) -> Iterator[Record | LoadError]:
    """Every entry in a BibTeX file, or a :class:`LoadError` naming the line of each unreadable one."""
    text = decode_text(data)
    macros = dict(_MONTHS)
    pos = 0
    while m := _ENTRY_RE.search(text, pos):
        kind = m.group(1).lower()
        line = text.count("\n", 0, m.start()) + 1
        close = "}" if m.group(2) == "{" else ")"
        if kind in ("comment", "preamble"):
            pos = _skip_group(text, m.end(), close)
            continue
        try:
            key, fields, pos = _entry(text, m.end(), close, macros, kind == "string")
        except _Syntax as exc:
            yield LoadError(f"@{kind} entry: {exc}", name, text.count("\n", 0, exc.pos) + 1)
            pos = _resync(text, m.end())
            continue
        if kind == "string":
            macros.update({k.lower(): v for k, v in fields.items() if k != "ENTRYTYPE"})
            continue
        try:
            yield _record(kind, key, fields)
        except LoadError as exc:
            yield LoadError(f"@{kind}{{{key}: {exc.reason}", name, line)


class _Syntax(Exception):
    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.pos = pos


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def _skip_group(text: str, i: int, close: str) -> int:
    """Position after the group opened just before ``i`` (braces nest)."""
    depth = 1
    while i < len(text):
        c = text[i]
        if c == "{" or (c == "(" and close == ")"):
            depth += 1
        elif c == "}" or (c == ")" and close == ")"):
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


def _resync(text: str, i: int) -> int:
    """After a broken entry, carry on at the next line that starts an entry."""
    m = re.compile(r"^[ \t]*@", re.MULTILINE).search(text, i)
    return m.start() if m else len(text)


def _entry(
    text: str, i: int, close: str, macros: dict[str, str], is_string: bool
) -> tuple[str, dict[str, str], int]:
    """Parse ``key, field = value, ...`` up to the closing delimiter; return (key, fields, end)."""
    i = _skip_ws(text, i)
    key = ""
    if not is_string:
        m = _KEY_RE.match(text, i)
        key = m.group(0) if m else ""
        i = _skip_ws(text, m.end() if m else i)
        if i < len(text) and text[i] == close:
            return key, {}, i + 1
        if i >= len(text) or text[i] != ",":
            raise _Syntax(f"expected ',' after the key {key!r}", i)
        i += 1
    fields: dict[str, str] = {}
    while True:
        i = _skip_ws(text, i)
        if i >= len(text):
            raise _Syntax("the entry is never closed (is the file cut short?)", i)
        if text[i] == close:
            return key, fields, i + 1
        m = _NAME_RE.match(text, i)
        if not m:
            raise _Syntax(f"expected a field name, found {text[i : i + 20]!r}", i)
        field = m.group(0).lower()
        i = _skip_ws(text, m.end())
        if i >= len(text) or text[i] != "=":
            raise _Syntax(f"expected '=' after {field!r}", i)
        value, i = _value(text, _skip_ws(text, i + 1), macros)
        fields[field] = value
        i = _skip_ws(text, i)
        if i < len(text) and text[i] == ",":
            i += 1
        elif i < len(text) and text[i] != close:
            raise _Syntax(f"expected ',' or the end of the entry after {field!r}", i)


def _value(text: str, i: int, macros: dict[str, str]) -> tuple[str, int]:
    pieces = []
    while True:
        if i >= len(text):
            raise _Syntax("a value is never closed", i)
        c = text[i]
        if c == "{":
            end = _skip_group(text, i + 1, "}")
            if end > len(text) or text[end - 1] != "}":
                raise _Syntax("unbalanced braces in a value", i)
            pieces.append(text[i + 1 : end - 1])
            i = end
        elif c == '"':
            j, depth = i + 1, 0
            while j < len(text) and not (text[j] == '"' and depth == 0):
                depth += (text[j] == "{") - (text[j] == "}")
                j += 1
            if j >= len(text):
                raise _Syntax("a quoted value is never closed", i)
            pieces.append(text[i + 1 : j])
            i = j + 1
        else:
            m = _NAME_RE.match(text, i)
            if not m:
                raise _Syntax(f"expected a value, found {text[i : i + 20]!r}", i)
            word = m.group(0)
            pieces.append(word if word.isdigit() else macros.get(word.lower(), word))
            i = m.end()
        i = _skip_ws(text, i)
        if i < len(text) and text[i] == "#":
            i = _skip_ws(text, i + 1)
            continue
        return "".join(pieces), i


# -- LaTeX to text ------------------------------------------------------------------------------------------

_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304", ".": "\u0307",
    "c": "\u0327", "v": "\u030c", "u": "\u0306", "H": "\u030b", "k": "\u0328", "r": "\u030a", "d": "\u0323",
}  # fmt: skip
_SYMBOLS = {
    "ss": "ß", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å", "l": "ł",
    "L": "Ł", "i": "ı", "j": "ȷ", "textbackslash": "\\", "textasciitilde": "~", "textasciicircum": "^",
    "textendash": "–", "textemdash": "—", "textquoteright": "’", "textquoteleft": "‘", "textregistered": "®",
    "textdegree": "°", "textbar": "|", "textless": "<", "textgreater": ">", "textunderscore": "_", "dag": "†",
    "S": "§", "P": "¶", "copyright": "©", "pounds": "£", "euro": "€", "textmu": "µ", "ldots": "…", "dots": "…",
}  # fmt: skip
_ACCENT_RE = re.compile(
    r"""\\([`'^"~=.])\s*(?:\{\s*(\\?[A-Za-z])\s*\}|(\\?[A-Za-z]))|\\([cvuHkrd])(?:\s*\{\s*(\\?[A-Za-z])\s*\}|\s+([A-Za-z]))"""
)
_SYMBOL_RE = re.compile(r"\\([A-Za-z]+)(?:\{\}|\s?)(?![A-Za-z])")
_SPECIAL_RE = re.compile(r"\\([&%$#_{}])")
_FORMAT_RE = re.compile(r"\\(?:emph|textit|textbf|textsc|textrm|textsf|texttt|mathrm|mathit|text|url)\s*\{")


def latex_to_text(value: str) -> str:
    """A BibTeX value as plain text: accents composed, specials unescaped, protective braces removed.

    >>> latex_to_text(r"Schr{\\"o}dinger's \\emph{cat} \\& {M{\\"u}ller} -- 50\\% {\\ss}")
    "Schrödinger's cat & Müller – 50% ß"
    """

    def accent(m: re.Match[str]) -> str:
        mark = _ACCENTS[m.group(1) or m.group(4)]
        letter = next(g for g in m.groups()[1:3] + m.groups()[4:6] if g)
        letter = {"\\i": "i", "\\j": "j"}.get(letter, letter.lstrip("\\"))
        return unicodedata.normalize("NFC", letter + mark)

    text = _FORMAT_RE.sub("{", value)
    text = _ACCENT_RE.sub(accent, text)
    text = _SYMBOL_RE.sub(lambda m: _SYMBOLS.get(m.group(1), m.group(0)), text)
    text = text.replace("---", "—").replace("--", "–").replace("~", "\u00a0")
    text = _SPECIAL_RE.sub(lambda m: {"{": "\x01", "}": "\x02"}.get(m.group(1), m.group(1)), text)
    text = text.replace("{", "").replace("}", "").replace("\x01", "{").replace("\x02", "}")
    return " ".join(text.split())


def _record(kind: str, key: str, f: dict[str, str]) -> Record:
    def get(*names: str) -> str | None:
        return next((latex_to_text(f[n]) for n in names if f.get(n, "").strip()), None)

    raw = {"ENTRYTYPE": kind, "ID": key, **f}
    authors = [inverted_name(a) for a in re.split(r"\s+and\s+", get("author") or get("editor") or "") if a]
    date = free_date(get("date"))
    if date[1] is None:
        date = iso_date(get("year"), get("month"))
    pages = (get("pages") or "").replace("–", "-").replace("—", "-") or None
    abstract = f.get("abstract", "")
    return build_record(
        raw=raw,
        title=html.escape(get("title") or "", quote=False),
        authors=authors,
        parts=labelled_parts(_abstract_text(abstract)) if abstract.strip() else [],
        doi=get("doi"),
        pmid=get("pmid"),
        pmcid=get("pmcid"),
        source_id=own if (own := f.get("id", "").strip()) and OWN_ID_RE.match(own) else None,
        journal=html.escape(get("journal", "journaltitle", "booktitle") or "", quote=False) or None,
        volume=get("volume"),
        pages=pages,
        date=date,
        pdf_url=get("pdf"),
        publication_types=[
            kind,
            *(split_list(get("type")) if kind in ("article", "misc") else []),
            "Preprint" if kind == "misc" and (f.get("eprint") or f.get("archiveprefix")) else None,
        ],
        languages=split_list(get("language", "langid"), ";,"),
        keywords=split_list(get("keywords", "keyword"), ";,"),
        affiliations=split_list(get("affiliation", "affiliations"), ";\n"),
        issue=get("number", "issue"),
        article_number=get("eid", "articleno"),
        issn=get("issn"),
    )


def _abstract_text(value: str) -> str:
    """An abstract's text with its line structure: one line per paragraph (blank lines or ``\\par``)."""
    paragraphs = re.split(r"\n\s*\n|\\par\b", value)
    return "\n".join(latex_to_text(p) for p in paragraphs if p.strip())
