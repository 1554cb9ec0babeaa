"""Loading a file with bad records: the first one raises, and skipping lists each one."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchlib import LoadError, RecordList, load_records


def load_skipping(path: Path, first_error: str, skipped: int) -> RecordList:
    """The records of ``path``, after checking that loading it raises ``first_error`` (a pattern) and that
    skipping warns of, and lists, ``skipped`` bad records."""
    with pytest.raises(LoadError, match=first_error):
        load_records(path)
    with pytest.warns(UserWarning, match=f"skipped {skipped} "):
        records = load_records(path, errors="skip")
    assert len(records.skipped) == skipped
    return records
