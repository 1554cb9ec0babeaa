"""Modules a dependency imports but searchlib never uses, kept out of a fresh process until something uses them.

A REPL user's first answer waits for the imports (see the cold starts in docs/benchmarks.md). Two of Whoosh's
imports, about half of its import time, are never used by a search:

- ``whoosh.compat`` imports ``urllib.request`` only to re-export ``urlretrieve``, which Whoosh never calls;
  it brings in ``http.client``, ``email``, ``ssl`` and ``socket``.
- ``whoosh.query.terms`` imports ``whoosh.lang.morph_en`` (a table of English word forms and suffix rules,
  built when imported) for its ``Variations`` query, which searchlib's query language does not make.

:func:`import_whoosh`, run when searchlib is imported (this module first), imports Whoosh with those names
standing in for what they name (:class:`OnFirstUse`), then forgets the stand-in modules, so that a later
``import urllib.request`` (by the user, by NLTK) loads the real module as usual; ``Variations`` and
``whoosh.compat.urlretrieve`` work as before, importing their module when first called.
:mod:`searchlib.analysis.stemtable` uses :class:`OnFirstUse` the same way for NLTK's import.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

#: What Whoosh's import is spared: module -> the names Whoosh takes from it.
WHOOSH_DEFERRED = {
    "urllib.request": ("urlretrieve",),
    "whoosh.lang.morph_en": ("variations",),
}


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


def import_whoosh() -> None:
    """Import the Whoosh modules every search uses, without the modules in :data:`WHOOSH_DEFERRED` (unless
    Whoosh or they are already imported)."""
    if "whoosh.compat" in sys.modules:
        return
    stand_ins = {}
    for module, names in WHOOSH_DEFERRED.items():
        if module not in sys.modules:
            stand_in = types.ModuleType(module, "A stand-in while searchlib imports Whoosh.")
            for name in names:
                setattr(stand_in, name, OnFirstUse(module, name))
            stand_ins[module] = stand_in
    sys.modules.update(stand_ins)
    try:
        import whoosh.query  # noqa: F401  (imports whoosh.compat and whoosh.query.terms)
    finally:
        for module, stand_in in stand_ins.items():
            if sys.modules.get(module) is stand_in:
                del sys.modules[module]


import_whoosh()  # on import, so that importing searchlib imports this module first
