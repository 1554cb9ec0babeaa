"""searchlib: full-text, section-aware search for scholarly paper records.

>>> import searchlib
>>> index = searchlib.build_index(searchlib.bundled_records_path(), "/tmp/searchlib-doctest", overwrite=True)
>>> index.search("methods:interviews")[0].doi
'10.1136/bmjqs-2024-017268'
"""

from __future__ import annotations

from .errors import IndexLockedError, LoadError, QueryError, SearchlibError
from .records import Record, RecordList, bundled_records_path, load_records
from .sections import CATEGORIES, Section, parse_abstract

__all__ = [
    "CATEGORIES",
    "IndexLockedError",
    "LoadError",
    "QueryError",
    "Record",
    "RecordList",
    "SearchlibError",
    "Section",
    "bundled_records_path",
    "load_records",
    "parse_abstract",
]
