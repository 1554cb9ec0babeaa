"""The stem table: a fresh process answers from an index without importing NLTK, with NLTK's stems."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from nltk.stem.snowball import EnglishStemmer

from searchlib import build_index, bundled_records_path, open_index
from searchlib.analysis.stemtable import TABLE_FILE

_FRESH = """
import sys, searchlib
index = searchlib.open_index(sys.argv[1])
dois = [hit.doi for hit in index.search(sys.argv[2])]
print(dois[:1], "nltk" in sys.modules)
"""


def _fresh(path: Path, query: str) -> str:
    src = str(Path(__file__).resolve().parents[2])
    out = subprocess.run(
        [sys.executable, "-c", _FRESH, str(path), query],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": src, "PATH": "/usr/bin:/bin", "SEARCHLIB_KEY_FILE": os.environ["SEARCHLIB_KEY_FILE"]},
    )
    return out.stdout.strip()


def test_a_fresh_process_answers_without_nltk(tmp_path) -> None:
    build_index(bundled_records_path(), tmp_path / "ix").close()
    assert _fresh(tmp_path / "ix", "inequalities") == "['10.1136/bmjqs-2024-017386'] False"


def test_a_word_the_index_never_saw_is_stemmed_by_nltk(tmp_path) -> None:
    build_index(bundled_records_path(), tmp_path / "ix").close()
    assert _fresh(tmp_path / "ix", "inequalities OR xylophones").endswith("True")


def test_the_saved_stems_are_nltks(tmp_path) -> None:
    build_index(bundled_records_path(), tmp_path / "ix").close()
    table = orjson.loads((tmp_path / "ix" / TABLE_FILE).read_bytes())
    snowball = EnglishStemmer()
    assert "inequalities" in table and len(table) > 500
    assert {word: snowball.stem(word) for word in table} == table


def test_an_index_without_a_table_still_opens_and_answers(tmp_path) -> None:
    build_index(bundled_records_path(), tmp_path / "ix").close()
    (tmp_path / "ix" / TABLE_FILE).unlink()
    assert open_index(tmp_path / "ix").search("inequalities")[0].doi == "10.1136/bmjqs-2024-017386"
    assert _fresh(tmp_path / "ix", "inequalities") == "['10.1136/bmjqs-2024-017386'] True"


@pytest.mark.parametrize("sorted_layout", [False, True])
def test_a_table_adds_words_and_never_overrides_known_ones(tmp_path, monkeypatch, sorted_layout) -> None:
    from searchlib.analysis import stemtable

    good = {"trials": "WRONG", "wordone": "stemone"}
    mixed = {"trials": "WRONG", "wordtwo": "stemtwo", "zebras": 5}
    for n, table in enumerate((good, mixed)):
        monkeypatch.setattr(stemtable, "_known", {"trials": "trial"})
        monkeypatch.setattr(stemtable, "_pending", [])
        folder = tmp_path / str(n)
        folder.mkdir()
        # As saved now, or sorted with an entry a line as earlier versions saved it.
        layout = orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2 if sorted_layout else None
        (folder / TABLE_FILE).write_bytes(orjson.dumps(table, option=layout))
        stemtable.register(folder)
        # The first word not known reads the table.
        assert stemtable.stem("wordone" if n == 0 else "wordtwo") == ("stemone" if n == 0 else "stemtwo")
        assert stemtable.stem("trials") == "trial"
        assert stemtable.stem("zebras") == "zebra"  # not a string in the table: NLTK's stem


def test_words_another_process_saved_are_kept(tmp_path) -> None:
    from searchlib.analysis import stemtable

    build_index(bundled_records_path(), tmp_path / "ix").close()
    index = open_index(tmp_path / "ix")
    assert "interviews" in index._words.sorted()  # the index's own words, read from its folder
    # Another process adds a paper and saves its words...
    words_file = tmp_path / "ix" / stemtable.WORDS_FILE
    saved = orjson.loads(words_file.read_bytes())
    words_file.write_bytes(orjson.dumps({**saved, "quokkas": 1}))
    # ...and this one adds another: its save keeps them.
    index.add([{"doi": "10.1/wombat", "title": "Wombats in primary care"}])
    saved = orjson.loads(words_file.read_bytes())
    assert "quokkas" in saved and "wombats" in saved
    assert {"quokkas", "wombats"} <= set(index._words.sorted())  # read again once replaced


def test_each_index_saves_its_own_words_counted_once(tmp_path) -> None:
    from searchlib.analysis import stemtable

    def saved(name: str) -> dict[str, int]:
        return orjson.loads((tmp_path / name / stemtable.WORDS_FILE).read_bytes())

    build_index(bundled_records_path(), tmp_path / "a").close()
    first = saved("a")
    assert first["interviews"] >= 1
    # Built again in the same process: the same list, not the counts of both builds.
    build_index(bundled_records_path(), tmp_path / "a", overwrite=True).close()
    assert saved("a") == first
    # Another index holds only its own words, not those of the index this process built before.
    wombats = {"doi": "10.1/wombat", "title": "Wombats in primary care", "abstract": "Wombats were counted."}
    build_index([wombats], tmp_path / "b").close()
    assert saved("b") == {"wombats": 2, "primary": 1, "care": 1, "counted": 1}
    # Papers added in three commits add their words once each, to what the list held.
    index = open_index(tmp_path / "a")
    index.add([{**wombats, "doi": f"10.1/wombat{n}"} for n in range(3)], batch_size=1)
    after = saved("a")
    assert after["wombats"] == first.get("wombats", 0) + 6 and after["interviews"] == first["interviews"]
    assert sum(after.values()) == sum(first.values()) + 15


_STEM_FRESH = """
import importlib.util, sys
from searchlib.analysis import stemtable
stemmed = stemtable.stem("xylophones")
kept_out = not any(name in sys.modules for name in ("scipy.stats", "scipy.sparse"))
print(stemmed, kept_out, importlib.util.find_spec("scipy") is not None)
from nltk.metrics import BigramAssocMeasures
try:
    print(round(BigramAssocMeasures.fisher(3, (5, 7), 100), 6))
except NotImplementedError:
    print("no scipy")
from nltk.parse import transitionparser
try:
    print(transitionparser.sparse.csr_matrix.__name__)
except ImportError:
    print("no scipy")
"""


def test_nltk_is_imported_without_scipy_and_what_uses_scipy_still_works() -> None:
    src = str(Path(__file__).resolve().parents[2])
    out = subprocess.run(
        [sys.executable, "-c", _STEM_FRESH],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": src, "SEARCHLIB_KEY_FILE": os.environ["SEARCHLIB_KEY_FILE"]},
    ).stdout.split("\n")
    stemmed, kept_out, has_scipy = out[0].split()
    assert stemmed == "xylophon" and kept_out == "True"
    if has_scipy == "True":  # the test extras install SciPy (through ir-measures)
        from scipy.stats import fisher_exact

        assert float(out[1]) == round(fisher_exact([[3, 2], [4, 91]], alternative="less")[1], 6)
        assert out[2] == "csr_matrix"  # the transition parser's SciPy, imported when first used
    else:
        assert out[1] == out[2] == "no scipy"
