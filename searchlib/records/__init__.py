"""Records in and out: the first and last stage of the flow.

Owns the :class:`Record` (``record.py``), reading every export format into records (``readers/``, one module
per format, told apart by content), turning abstract markup into text (``markup.py``), finding an abstract's
sections and their categories (``sections.py``, ``labels.py`` and the label tables in ``data/``), naming MeSH
headings, publication types and languages one way whatever the source (``vocabulary.py``), writing records
out again (``export.py``), and the copies of one paper: merged without loss (``merge.py``), compared as sources
write them (``likeness.py``) and found where no identifier links them (``duplicates.py``).

Imports nothing of searchlib but :mod:`searchlib.errors`: records know nothing of analysis, indexes or queries.
"""

from __future__ import annotations

from .export import export_records
from .readers import bundled_records_path, load_records
from .record import Record, RecordList
from .sections import CATEGORIES, Section, parse_abstract
from .vocabulary import Mesh, MeshQualifier

__all__ = [
    "CATEGORIES",
    "Mesh",
    "MeshQualifier",
    "Record",
    "RecordList",
    "Section",
    "bundled_records_path",
    "export_records",
    "load_records",
    "parse_abstract",
]
