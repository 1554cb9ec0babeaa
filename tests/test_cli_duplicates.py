"""``searchlib index`` says what became of each record; ``searchlib duplicates`` lists copies and merges them."""

from __future__ import annotations

import orjson

from searchlib import open_index
from searchlib.cli import main
from tests.conftest import FIXTURES

DEDUP = FIXTURES / "dedup"


def test_index_counts_new_merged_and_unchanged_records(tmp_path, capsys):
    idx = str(tmp_path / "ix")
    assert main(["index", str(DEDUP / "pubmed.xml"), "--index", idx]) == 0
    assert "1 paper in the index (1 new, 0 merged, 0 unchanged)" in capsys.readouterr().out
    assert main(["index", str(DEDUP / "zotero.bib"), str(DEDUP / "pubmed.xml"), "--index", idx]) == 0
    assert (
        "2 records indexed from 2 files; 1 paper in the index (0 new, 1 merged, 1 unchanged)"
        in capsys.readouterr().out
    )
    assert open_index(idx).get("10.9999/ophtha.2014.0612").pmid == "25466483"
    assert main(["show", "pmid:25466483", "--index", idx]) == 0
    merged_from = capsys.readouterr().out.splitlines()[4]
    assert merged_from.startswith("merged from: ") and "pubmed.xml, record 1 (pubmed); " in merged_from
    assert merged_from.endswith("zotero.bib, record 1 (bibtex)")


def test_duplicates_in_files_and_in_an_index(tmp_path, capsys):
    export = str(DEDUP / "export.ris")
    assert main(["duplicates", export]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2 groups of duplicates (4 records), 4 related pairs")
    assert "1 = 2: same DOI" in out and "a preprint and its published version:" in out
    assert main(["duplicates", export, "--json"]) == 0
    items = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [i["kind"] for i in items] == ["duplicates"] * 2 + ["related"] * 4
    assert [r["number"] for r in items[0]["records"]] == [1, 2]
    idx = str(tmp_path / "ix")
    assert main(["index", export, "--index", idx]) == 0
    assert (
        "19 records indexed from 1 file; 18 papers in the index (18 new, 1 merged, 0 unchanged)"
        in capsys.readouterr().out
    )
    assert main(["duplicates", "--index", idx, "--merge"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("1 group of duplicates (2 records)") and "merged 1 group; 17 papers in" in err
    assert main(["duplicates", "--index", idx]) == 0
    assert capsys.readouterr().out.startswith("0 groups of duplicates")


def test_merging_files_is_refused_in_one_line(capsys):
    assert main(["duplicates", str(DEDUP / "export.ris"), "--merge"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("searchlib: error: --merge merges papers of an index") and err.count("\n") == 1
