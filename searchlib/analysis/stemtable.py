"""Stems an index already knows, so that opening it and answering a query need not import NLTK; and its words.

Importing NLTK is most of a fresh process's wait for its first answer (its package imports SciPy when it is
installed, though :func:`stem` keeps most of SciPy out: see :func:`_snowball_stemmer`). Every word stemmed while
an index is built is kept in a table that is saved in the index folder (``stems.json``: word -> Snowball stem)
after each commit; opening the index registers the table, and :func:`stem` reads it the first time a stem is
asked for. NLTK's Snowball English stemmer is imported only for a word the table lacks, so stems are NLTK's in
every case: the table is a cache of that one function, never a different stemmer.

The same folder keeps the index's words (``words.json``: word -> occurrences): every word of three letters or
more in its titles, abstracts and sections as written, lower-cased and accent-folded, stopwords left out.
"Did you mean" suggests from them (:mod:`searchlib.search.suggest`); each commit adds the words its documents held
to the index's list (:func:`save`). Each index's suggestions draw on its own list alone (:class:`WordList`), so
what one index suggests never depends on which other indexes the process has opened.

>>> stem("hospitalizations"), stem("interviews")
('hospit', 'interview')
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Mapping
from contextlib import suppress
from itertools import islice
from pathlib import Path
from typing import Any

import orjson

#: The table's name in an index folder.
TABLE_FILE = "stems.json"
#: The word list's name in an index folder.
WORDS_FILE = "words.json"
#: Words remembered at most (stems, and words of indexed text); past this, new ones are not saved.
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
        _snowball = _snowball_stemmer()
    found = _snowball.stem(word)
    if len(_known) < MAX_WORDS:
        _known[word] = found
    return found


def _snowball_stemmer() -> Any:
    """NLTK's Snowball English stemmer; where SciPy is installed, NLTK is imported without two parts of SciPy.

    NLTK's package imports ``scipy.stats`` (for Fisher's exact test in its collocation measures) and
    ``scipy.sparse`` (in its transition parser, which imports scikit-learn's SVM only after it) when SciPy is
    installed, though stemming uses neither: they are most of NLTK's import time there, and a first search with a
    word its index never saw waited twice as long for its answer. While NLTK is imported here neither can be, so
    NLTK takes its fallbacks; then the measure and the parser are given stand-ins that import what they name when
    first used, so ``BigramAssocMeasures.fisher`` and ``TransitionParser.train`` work as before. When NLTK or
    SciPy's parts are already imported, or NLTK fails to import this way, NLTK is imported as usual.
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


class OnFirstUse:
    """A module, or a name in one, imported when first used (ImportError then if it is not installed).

    >>> quote = OnFirstUse("urllib.parse", "quote")
    >>> quote("a b")
    'a%20b'
    """

    def __init__(self, module: str, attr: str | None) -> None:
        self._module = module
        self._attr = attr

    def _target(self) -> Any:
        found = importlib.import_module(self._module)
        return found if self._attr is None else getattr(found, self._attr)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target(), name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._target()(*args, **kwargs)


def register(folder: str | os.PathLike[str]) -> None:
    """Use the stem table of the index at ``folder`` (read when first needed)."""
    path = Path(folder) / TABLE_FILE
    if path not in _pending:
        _pending.append(path)


def save(folder: str | os.PathLike[str], counts: Mapping[str, int]) -> None:
    """Write the stems known in this process to the index at ``folder``, and add ``counts`` (the words a writer
    has just indexed there, with how often each occurred) to the index's word list, replacing both files
    atomically. The word list keeps what it held, including words another process saved there since this one
    read it."""
    _load_pending()
    words_file = Path(folder) / WORDS_FILE
    saved = _saved_words(words_file)
    _count(saved, counts)
    _replace(Path(folder) / TABLE_FILE, orjson.dumps(_known))
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


class WordList:
    """One index's words as written, with how often each occurs: what its suggestions draw on.

    In a folder, the list saved there (:data:`WORDS_FILE`), read when first needed and again when a commit has
    replaced it; in memory, the words added to it.

    >>> words = WordList(None); words.add({"trial": 3, "hospital": 1}); words.add({"trial": 2})
    >>> words.occurrences("trial"), words.sorted()
    (5, ['hospital', 'trial'])
    """

    def __init__(self, folder: str | os.PathLike[str] | None) -> None:
        self._file = Path(folder) / WORDS_FILE if folder is not None else None
        self._seen: tuple[int, int] | None = None  # the saved list's (mtime, size) when last read
        self._counts: dict[str, int] = {}
        self._sorted: list[str] = []

    def add(self, counts: Mapping[str, int]) -> None:
        """Count the words of papers just indexed in memory (at most :data:`MAX_WORDS` words)."""
        _count(self._counts, counts)
        self._sorted = []

    def occurrences(self, word: str) -> int:
        """How often ``word`` occurs in this index's text (0 if never)."""
        return self._current().get(word, 0)

    def sorted(self) -> list[str]:
        """Every word of this index's text, sorted."""
        counts = self._current()
        if len(self._sorted) != len(counts):
            self._sorted = sorted(counts)
        return self._sorted

    def _current(self) -> dict[str, int]:
        if self._file is not None:
            try:
                stat = self._file.stat()
                seen: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
            except OSError:
                seen = None
            if seen != self._seen:
                self._counts, self._sorted, self._seen = _saved_words(self._file), [], seen
        return self._counts


class WordLists(WordList):
    """Several indexes' words as one list, each word's occurrences added up: a sharded index's shards'."""

    def __init__(self, parts: list[WordList]) -> None:
        super().__init__(None)
        self._parts = parts
        self._read: tuple[object, ...] | None = None  # the parts' saved lists' states when last added up

    def add(self, counts: Mapping[str, int]) -> None:
        raise TypeError("a sharded index's words are its shards'")

    def _current(self) -> dict[str, int]:
        tables = [part._current() for part in self._parts]
        read = tuple(part._seen for part in self._parts)
        if read != self._read:
            self._counts, self._sorted, self._read = {}, [], read
            for table in tables:
                _count(self._counts, table)
        return self._counts


def _count(table: dict[str, int], counts: Mapping[str, int]) -> None:
    """Add ``counts`` to ``table``, taking at most :data:`MAX_WORDS` words."""
    for word, n in counts.items():
        old = table.get(word)
        if old is not None:
            table[word] = old + n
        elif len(table) < MAX_WORDS:
            table[word] = n


def _load_pending() -> None:
    """Take every registered table into the known stems (the index opened last first; a word already known
    keeps its stem)."""
    while _pending:
        try:
            data = _pending.pop().read_bytes()
        except OSError:
            continue  # no table (an older index): NLTK stems those words
        _merge_saved(data)


def _merge_saved(data: bytes) -> None:
    try:
        table = orjson.loads(data)
    except orjson.JSONDecodeError:
        return  # an unreadable table: NLTK stems those words
    if isinstance(table, dict):
        _merge(table)


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
