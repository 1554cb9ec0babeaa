"""searchlib: full-text, section-aware search for scholarly paper records.

>>> import searchlib
>>> index = searchlib.build_index(searchlib.bundled_records_path())
>>> index.search("methods:interviews")[0].doi
'10.1136/bmjqs-2024-017268'
"""

from __future__ import annotations

__version__ = "0.1.0"

from ._engine.building import AddReport
from ._engine.ray_executor import RayExecutor
from .errors import (
    ArgumentError,
    IndexLockedError,
    LoadError,
    ModelMissingError,
    QueryError,
    SearchlibError,
    StorageError,
    UntrustedIndexError,
)
from .index import Index
from .indexes import build_index, open_index
from .records import (
    CATEGORIES,
    Mesh,
    MeshQualifier,
    Record,
    RecordList,
    Section,
    bundled_records_path,
    export_records,
    load_records,
    parse_abstract,
)
from .records.duplicates import Duplicates, find_duplicates
from .records.record import Origin
from .results import Hit, Results
from .search.evaluation import Evaluation, evaluate
from .search.explain import Explanation

__all__ = [
    "AddReport",
    "ArgumentError",
    "CATEGORIES",
    "Duplicates",
    "Origin",
    "find_duplicates",
    "Explanation",
    "Hit",
    "Index",
    "Results",
    "build_index",
    "evaluate",
    "Evaluation",
    "open_index",
    "IndexLockedError",
    "LoadError",
    "Mesh",
    "MeshQualifier",
    "ModelMissingError",
    "QueryError",
    "RayExecutor",
    "Record",
    "RecordList",
    "SearchlibError",
    "StorageError",
    "UntrustedIndexError",
    "Section",
    "bundled_records_path",
    "export_records",
    "load_records",
    "parse_abstract",
]
