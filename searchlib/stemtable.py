"""Stems an index already knows, so that opening it and answering a query need not import NLTK.

Importing NLTK takes up to a second (its package imports SciPy and NumPy when they are installed), most of a
fresh process's wait for its first answer. Every word stemmed while an index is built is kept in a table that
is saved in the index folder (``stems.json``: word -> Snowball stem) after each commit; opening the index
registers the table, and :func:`stem` reads it the first time a stem is asked for. NLTK's Snowball English
stemmer is imported only for a word the table lacks, so stems are NLTK's in every case: the table is a cache
of that one function, never a different stemmer.

>>> stem("hospitalizations"), stem("interviews")
('hospit', 'interview')
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson

__all__ = ["stem", "register", "save", "known", "learn", "TABLE_FILE"]

#: The table's name in an index folder.
TABLE_FILE = "stems.json"
#: Words remembered at most; past this, new words are still stemmed, just not saved.
MAX_WORDS = 2_000_000

_known: dict[str, str] = {}
_pending: list[Path] = []
_snowball: Any = None


def stem(word: str) -> str:
    """NLTK's Snowball ("Porter2") English stem of ``word``, from the tables of opened indexes when known."""
    found = _known.get(word)
    if found is not None:
        return found
    if _pending:
        _load_pending()
        found = _known.get(word)
        if found is not None:
            return found
    global _snowball
    if _snowball is None:
        from nltk.stem.snowball import EnglishStemmer

        _snowball = EnglishStemmer()
    found = _snowball.stem(word)
    if len(_known) < MAX_WORDS:
        _known[word] = found
    return found


def register(folder: str | os.PathLike) -> None:
    """Use the stem table of the index at ``folder`` (read when a stem is first needed)."""
    path = Path(folder) / TABLE_FILE
    if path not in _pending:
        _pending.append(path)


def save(folder: str | os.PathLike) -> None:
    """Write the stems known in this process to the index at ``folder``, replacing its table atomically."""
    _load_pending()
    target = Path(folder) / TABLE_FILE
    temp = target.with_name(f"{TABLE_FILE}.tmp-{os.getpid()}")
    temp.write_bytes(orjson.dumps(_known))
    os.replace(temp, target)


def known() -> dict[str, str]:
    """Every stem this process knows (a copy), to hand to another process's :func:`learn`."""
    return dict(_known)


def learn(stems: dict[str, str]) -> None:
    """Remember stems worked out elsewhere (another process of the same build), so :func:`save` keeps them."""
    _merge(dict(stems))


def _load_pending() -> None:
    while _pending:
        path = _pending.pop()
        try:
            table = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            continue  # no table (an older index) or an unreadable one: NLTK stems those words
        if isinstance(table, dict):
            _merge(table)


def _merge(table: dict) -> None:
    """Add ``table``'s stems to the known ones (``table`` is used up): words already known keep their stems,
    values that are not strings are left out, and at most :data:`MAX_WORDS` are kept."""
    if len(_known) + len(table) <= MAX_WORDS and set(map(type, table.values())) <= {str}:
        table.update(_known)  # the usual case, in C
        _known.update(table)
        return
    for word, value in table.items():
        if isinstance(value, str) and word not in _known and len(_known) < MAX_WORDS:
            _known[word] = value
