"""What a fresh process imports for a search: Whoosh's unused imports stay out, and still work when used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from searchlib import build_index, bundled_records_path

_SRC = str(Path(__file__).resolve().parent.parent)

_SEARCH_FRESH = """
import sys
import searchlib
hits = [h.doi for h in searchlib.open_index(sys.argv[1]).search("interviews", match="any", plain=True)]
print(bool(hits), *(name in sys.modules for name in ("urllib.request", "http.client", "whoosh.lang.morph_en")))
from whoosh.query import terms
print("rendering" in terms.variations("render"))
import whoosh.compat
print(whoosh.compat.urlretrieve.__name__)
import urllib.request
print(callable(urllib.request.urlopen), sys.modules["urllib.request"].__file__ is not None)
"""


def _run(code: str, *args: str) -> list[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, env={"PYTHONPATH": _SRC}
    ).stdout.split("\n")


def test_a_search_imports_neither_urllib_request_nor_whooshs_word_variations_yet_both_work(tmp_path: Path) -> None:
    build_index(bundled_records_path(), tmp_path / "index").close()  # building imports NLTK, which needs urllib
    out = _run(_SEARCH_FRESH, str(tmp_path / "index"))
    found, *imported = out[0].split()
    assert found == "True"
    assert imported == ["False", "False", "False"]
    assert out[1] == "True"  # Whoosh's Variations finds its word forms, imported when first used
    assert out[2] == "urlretrieve"  # Whoosh's re-export names the real function when asked
    assert out[3] == "True True"  # the real module, not the stand-in, once imported


def test_modules_imported_before_searchlib_are_left_as_they_are() -> None:
    out = _run(
        "import urllib.request, sys\nreal = urllib.request\nimport searchlib, whoosh.compat\n"
        "print(sys.modules['urllib.request'] is real, whoosh.compat.urlretrieve is real.urlretrieve)"
    )
    assert out[0] == "True True"
