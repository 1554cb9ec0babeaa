"""Stems an index already knows, so that opening it and answering a query need not import NLTK; and its words.

Importing NLTK takes up to a second (its package imports SciPy and NumPy when they are installed, though
:func:`stem` keeps most of SciPy out: see :func:`_snowball_stemmer`), most of a fresh process's wait for its first
answer. Every word stemmed while an index is built is kept in a table that is saved in the index folder
(``stems.json``: word -> Snowball stem) after each commit; opening the index registers the table, and
:func:`stem` reads it the first time a stem is asked for. NLTK's Snowball English stemmer is imported only for
a word the table lacks, so stems are NLTK's in every case: the table is a cache of that one function, never a
different stemmer.

The table is saved sorted, an entry a line (still plain JSON). A fresh process's first search looks up its few
hundred words in it by bisection (:func:`_find`) rather than reading its tens of thousands of entries; past
:data:`LOOKUPS_BEFORE_LOAD` words, as when papers are added, the table is read whole.

The same folder keeps the index's words (``words.json``: word -> occurrences): every word of three letters or
more in its titles, abstracts and sections as written, lower-cased and accent-folded, stopwords left out.
"Did you mean" suggests from them (:mod:`searchlib.search.suggest`); each commit adds the words its documents held
to the index's list (:func:`save`). This process's suggestions draw on the words of every index it opened or
wrote (:func:`words`); each index's list holds only its own.

>>> stem("hospitalizations"), stem("interviews")
('hospit', 'interview')
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from contextlib import suppress
from itertools import islice
from pathlib import Path
from typing import Any

import orjson

from .deferred import OnFirstUse

#: The table's name in an index folder.
TABLE_FILE = "stems.json"
#: The word list's name in an index folder.
WORDS_FILE = "words.json"
#: Words remembered at most (stems, and words of indexed text); past this, new ones are not saved.
MAX_WORDS = 2_000_000

#: Words looked up in a sorted table (:func:`_find`) before it is read whole instead.
LOOKUPS_BEFORE_LOAD = 3000

_known: dict[str, str] = {}
_pending: list[Path] = []
_searched: list[bytes] = []  # tables read in the sorted layout, not yet taken into _known
_lookups = 0
_snowball: Any = None
_words: dict[str, int] = {}
_pending_words: list[Path] = []
_sorted: list[str] = []


def stem(word: str) -> str:
    """NLTK's Snowball ("Porter2") English stem of ``word``, from the tables of opened indexes when known."""
    found = _known.get(word)
    if found is not None:
        return found
    if _pending or _searched:
        found = _from_tables(word)
        if found is not None:
            return found
    global _snowball
    if _snowball is None:
        _snowball = _snowball_stemmer()
    found = _snowball.stem(word)
    if len(_known) < MAX_WORDS:
        _known[word] = found
    return found


def _snowball_stemmer() -> Any:
    """NLTK's Snowball English stemmer, with NLTK imported in a third of the time where SciPy is installed.

    NLTK's package imports two parts of SciPy it rarely uses: ``scipy.stats`` (most of NLTK's import time) for
    Fisher's exact test in its collocation measures, and ``scipy.sparse`` in its transition parser,
    which imports scikit-learn's SVM only after it. While NLTK is imported here, neither can be, so NLTK takes its
    fallbacks; then the measure and the parser are given stand-ins that import what they name when first used,
    so ``BigramAssocMeasures.fisher`` and ``TransitionParser.train`` work as before. When NLTK or SciPy's parts
    are already imported, or NLTK fails to import this way, NLTK is imported as usual.
    """
    if "nltk" not in sys.modules and not any(name in sys.modules for name in _KEPT_OUT):
        for name in _KEPT_OUT:
            sys.modules[name] = None  # type: ignore[assignment]  # typeshed omits it: None makes imports fail
        try:
            from nltk.metrics import association
            from nltk.parse import transitionparser

            association.fisher_exact = _fisher_exact
            for name, (module, attr) in _PARSER_IMPORTS.items():
                if not hasattr(transitionparser, name):
                    setattr(transitionparser, name, OnFirstUse(module, attr))
        except ImportError:  # some part of NLTK needs them after all: forget it, and import it as usual
            for name in [n for n in sys.modules if n == "nltk" or n.startswith("nltk.")]:
                del sys.modules[name]
        finally:
            for name in _KEPT_OUT:
                del sys.modules[name]
    from nltk.stem.snowball import EnglishStemmer

    return EnglishStemmer()


#: What NLTK's import is kept from (see :func:`_snowball_stemmer`).
_KEPT_OUT = ("scipy.stats", "scipy.sparse")
#: The optional imports of ``nltk.parse.transitionparser`` that follow its ``from scipy import sparse``.
_PARSER_IMPORTS = {
    "sparse": ("scipy.sparse", None),
    "svm": ("sklearn.svm", None),
    "load_svmlight_file": ("sklearn.datasets", "load_svmlight_file"),
}


def _fisher_exact(*args: Any, **kwargs: Any) -> Any:
    """``scipy.stats.fisher_exact``, imported when first called (NotImplementedError without SciPy, as NLTK's own
    fallback)."""
    try:
        from scipy.stats import fisher_exact
    except ImportError:
        raise NotImplementedError("Fisher's exact test needs SciPy") from None
    return fisher_exact(*args, **kwargs)


def register(folder: str | os.PathLike[str]) -> None:
    """Use the stem table and words of the index at ``folder`` (each read when first needed)."""
    for path, pending in ((Path(folder) / TABLE_FILE, _pending), (Path(folder) / WORDS_FILE, _pending_words)):
        if path not in pending:
            pending.append(path)


def save(folder: str | os.PathLike[str], counts: Mapping[str, int]) -> None:
    """Write the stems known in this process to the index at ``folder``, and add ``counts`` (the words a writer
    has just indexed there, with how often each occurred) to the index's word list, replacing both files
    atomically. The word list keeps what it held, including words another process saved there since this one
    read it, and never takes in the words of other indexes this process knows."""
    _load_pending()
    add_words(counts)
    words_file = Path(folder) / WORDS_FILE
    saved = _saved_words(words_file)
    _count(saved, counts, add=True)
    _replace(Path(folder) / TABLE_FILE, orjson.dumps(_known, option=_SORTED_LAYOUT))
    _replace(words_file, orjson.dumps(saved))


def _replace(target: Path, data: bytes) -> None:
    temp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    try:
        temp.write_bytes(data)
        os.replace(temp, target)
    except BaseException:
        with suppress(OSError):  # a full disk: no part-written copy left taking space
            temp.unlink()
        raise


def known(since: int = 0) -> dict[str, str]:
    """The stems this process knows (a copy), to hand to another process's :func:`learn`; with ``since``, only
    those it learned after it knew ``since`` (stems are kept in the order learned, and never dropped).

    >>> before = len(known()); _ = stem("quokkas"); known(before) == {"quokkas": "quokka"}
    True
    """
    return dict(islice(_known.items(), since, None)) if since else dict(_known)


def known_count() -> int:
    """How many stems this process knows (see :func:`known`)."""
    return len(_known)


def learn(stems: dict[str, str]) -> None:
    """Remember stems found elsewhere (another process of the same build), so :func:`save` keeps them."""
    _merge(dict(stems))


def add_words(counts: Mapping[str, int], *, add: bool = True) -> None:
    """Count words of indexed text (up to :data:`MAX_WORDS` words), for :func:`words` and :func:`occurrences`.

    ``add=False`` keeps the larger of the two counts instead of adding them: for a saved list read again.

    >>> add_words({"trial": 3, "hospital": 1}); add_words({"trial": 2})
    >>> occurrences("trial") >= 5 and "hospital" in words()
    True
    """
    _count(_words, counts, add=add)


def _count(table: dict[str, int], counts: Mapping[str, int], *, add: bool) -> None:
    """Add ``counts`` to ``table`` (or keep the larger count, ``add=False``), taking at most :data:`MAX_WORDS`
    words."""
    for word, n in counts.items():
        old = table.get(word)
        if old is not None:
            table[word] = old + n if add else max(old, n)
        elif len(table) < MAX_WORDS:
            table[word] = n


def occurrences(word: str) -> int:
    """How often ``word`` occurs in the indexed text this process knows (0 if never)."""
    _load_pending_words()
    return _words.get(word, 0)


def words() -> list[str]:
    """Every word of the indexed text this process knows (of indexes opened or written here), sorted."""
    global _sorted
    _load_pending_words()
    if len(_sorted) != len(_words):  # words are only ever added
        _sorted = sorted(_words)
    return _sorted


def _from_tables(word: str) -> str | None:
    """``word``'s stem in the tables registered and not yet read whole, or None if none has it."""
    global _lookups
    _read_pending()
    found = _known.get(word)  # tables in another layout are read whole
    if found is None and _searched:
        _lookups += 1
        if _lookups <= LOOKUPS_BEFORE_LOAD:
            key = word.encode("utf-8", "surrogatepass")
            try:
                found = next(filter(None, (_find(table, key) for table in _searched)), None)  # last opened first
            except ValueError:  # a line not in the sorted layout
                pass
            else:
                if found is not None and len(_known) < MAX_WORDS:
                    _known[word] = found
                return found
        _load_pending()  # enough words asked, or a table not in the sorted layout: read the tables whole
        return _known.get(word)
    return found


def _read_pending() -> None:
    """Read the registered tables: those in the sorted layout are kept to search, others merged whole."""
    while _pending:
        path = _pending.pop()
        try:
            data = path.read_bytes()
        except OSError:
            continue  # no table (an older index): NLTK stems those words
        if _searchable(data):
            _searched.append(data)
        else:
            _merge_saved(data)


def _load_pending() -> None:
    """Take every registered table into the known stems."""
    _read_pending()
    for data in _searched:  # the index opened last first; a word already known keeps its stem
        _merge_saved(data)
    _searched.clear()


def _merge_saved(data: bytes) -> None:
    try:
        table = orjson.loads(data)
    except orjson.JSONDecodeError:
        return  # an unreadable table: NLTK stems those words
    if isinstance(table, dict):
        _merge(table)


#: How tables are saved: sorted by word, an entry a line (``  "word": "stem",``), as :func:`_find` reads them.
_SORTED_LAYOUT = orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2
_SEPARATOR = b'": "'


def _searchable(data: bytes) -> bool:
    """Whether ``data`` looks like a table in the sorted layout, with nothing escaped (no quote or line break
    within a word or stem); :func:`_find` checks each line it reads."""
    return data.startswith(b'{\n  "') and data.endswith(b"\n}") and b"\\" not in data


def _find(data: bytes, word: bytes) -> str | None:
    """The stem of ``word`` (UTF-8) in a table in the sorted layout, by bisection over its lines; None if the
    table lacks it. Raises ValueError at a line not in that layout.

    >>> table = orjson.dumps({"trials": "trial", "cohorts": "cohort", "über": "über"}, option=_SORTED_LAYOUT)
    >>> _find(table, b"trials"), _find(table, "über".encode()), _find(table, b"trial")
    ('trial', 'über', None)
    """
    lo, hi = 2, len(data) - 1  # the entries' lines, each ending in a line break
    while lo < hi:
        mid = (lo + hi) // 2
        start = data.rfind(b"\n", lo, mid) + 1 or lo
        end = data.find(b"\n", mid)
        sep = data.find(_SEPARATOR, start, end)
        if sep < 0 or data[start : start + 3] != b'  "':
            raise ValueError(f"not a line of a sorted stem table: {data[start:end]!r}")
        key = data[start + 3 : sep]  # past the indent and the opening quote
        if key == word:
            raw = data[sep + 4 : end]
            value = raw[:-2] if raw.endswith(b'",') else raw[:-1] if raw.endswith(b'"') else None
            if value is None:
                raise ValueError(f"not a line of a sorted stem table: {data[start:end]!r}")
            return value.decode("utf-8", "surrogatepass")
        if key < word:
            lo = end + 1
        else:
            hi = start
    return None


def _load_pending_words() -> None:
    while _pending_words:
        add_words(_saved_words(_pending_words.pop()), add=False)


def _saved_words(path: Path) -> dict[str, int]:
    """The word list saved at ``path``; empty for an index written before words were kept, or an unreadable
    list (no suggestions from it)."""
    try:
        table = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    if not isinstance(table, dict):
        return {}
    return {w: n for w, n in table.items() if type(n) is int}


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
