"""What a fresh process imports for a search: neither NLTK nor SciPy while the index knows the words, SciPy's
stats and sparse parts not even when NLTK is needed; and every other module is the real one, as imported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from searchlib import build_index, bundled_records_path

_SRC = str(Path(__file__).resolve().parent.parent)

_SEARCH_FRESH = """
import sys
import searchlib
hits = [h.doi for h in searchlib.open_index(sys.argv[1]).search(sys.argv[2], match="any", plain=True)]
print(bool(hits), *(name in sys.modules for name in ("nltk", "scipy.stats", "scipy.sparse")))
import urllib.request, whoosh.compat
from whoosh.lang import morph_en
from whoosh.query import terms
print(whoosh.compat.urlretrieve is urllib.request.urlretrieve, terms.variations is morph_en.variations)
"""


def _run(code: str, *args: str) -> list[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": _SRC, "SEARCHLIB_KEY_FILE": os.environ["SEARCHLIB_KEY_FILE"]},
    ).stdout.split("\n")


def test_a_search_of_words_the_index_knows_imports_neither_nltk_nor_scipy(tmp_path: Path) -> None:
    build_index(bundled_records_path(), tmp_path / "index").close()
    out = _run(_SEARCH_FRESH, str(tmp_path / "index"), "interviews")
    assert out[0] == "True False False False"
    assert out[1] == "True True"  # no module stands in for another: Whoosh's names are the real ones


def test_a_word_the_index_never_saw_imports_nltk_but_not_scipys_stats_or_sparse(tmp_path: Path) -> None:
    build_index(bundled_records_path(), tmp_path / "index").close()
    out = _run(_SEARCH_FRESH, str(tmp_path / "index"), "interviews zorbulations")
    assert out[0] == "True True False False"
