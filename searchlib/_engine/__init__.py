"""The engine room: how records become Whoosh segments on disk and how those files are read back safely.

Owns the index's fields (``schema.py``), streaming records into documents (``building.py``), writing segments a
term at a time (``segwriter.py``), builds over several processes (``parallel.py``), crash-safe commits, the
write lock and the checks made before a folder is opened (``storage.py``), and reading segment files straight
from their bytes where Whoosh's readers are slow (``postings.py``). Every private name of Whoosh's it uses is
reached through one module, ``whoosh_private.py``, checked against the installed Whoosh by the test suite.

Private: nothing here is part of searchlib's API. Imports :mod:`searchlib.records` and
:mod:`searchlib.analysis`, never :mod:`searchlib.search` or :mod:`searchlib.index`.
"""
