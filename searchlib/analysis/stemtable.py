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
to the index's list (:func:`save`). This process's suggestions draw on the words of every index it opened or
wrote (:func:`words`); each index's list holds only its own.

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
_words: dict[str, int] = {}
_pending_words: list[Path] = []
_sorted: list[str] = []


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
