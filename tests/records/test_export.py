from __future__ import annotations

import csv
import dataclasses
import io
import resource
import signal
import subprocess
import sys
import warnings

import orjson
import pytest

from searchlib import Record, build_index, export_records, load_records, open_index
from searchlib._engine.schema import to_document
from searchlib.cli import main
from searchlib.records.export import page_range
from searchlib.records.merge import merge_records
from tests.conftest import FIXTURES

FORMATS = FIXTURES / "formats"
FIELDS = ("id", "doi", "pmid", "pmcid", "title", "authors", "journal", "volume", "pages", "date", "year",
          "sections", "abstract", "pdf_url")  # fmt: skip


def _sources(seed_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [
            *load_records(seed_path),
            *load_records(FORMATS / "pubmed.xml"),
            *load_records(FORMATS / "europepmc.json"),
            *load_records(FORMATS / "semanticscholar.jsonl"),
            *load_records(FORMATS / "crossref.json"),
            *load_records(FORMATS / "references.bib"),
        ]


@pytest.mark.parametrize("fmt, ext", [("jsonl", "jsonl"), ("ris", "ris")])
def test_round_trip_gives_the_same_documents(tmp_path, seed_path, fmt, ext):
    records = _sources(seed_path)
    path = tmp_path / f"out.{ext}"
    path.write_text(export_records(records, fmt), encoding="utf-8")
    again = load_records(path)
    assert len(again) == len(records)
    for before, after in zip(records, again, strict=True):
        for name in FIELDS:
            if fmt == "ris" and name == "pdf_url":
                continue
            want = getattr(before, name)
            if fmt == "ris" and name == "pages" and want:  # written whole: MEDLINE's "259-65" is 259 to 265
                want = "-".join(p for p in page_range(want) if p)
            assert getattr(after, name) == want, (before.id, name)
        if fmt == "jsonl":
            assert after.abstract_html == before.abstract_html
            doc_before, doc_after = to_document(before), to_document(after)
            doc_before.pop("record"), doc_after.pop("record")
            assert doc_after == doc_before


def test_bibtex_round_trip_keeps_identity_and_text(tmp_path, seed_path):
    records = _sources(seed_path)
    path = tmp_path / "out.bib"
    path.write_text(export_records(records, "bibtex"), encoding="utf-8")
    again = load_records(path)
    assert [r.id for r in again] == [r.id for r in records]
    assert [r.title for r in again] == [r.title for r in records]
    assert [r.authors for r in again] == [r.authors for r in records]
    assert [r.sections for r in again] == [r.sections for r in records]


@pytest.mark.parametrize("kind", ["Book", "Thesis", "Report"])
def test_bibtex_keeps_the_container_of_a_book_thesis_or_report(tmp_path, kind):
    # Semantic Scholar types some proceedings papers as books; their proceedings name must survive the export.
    venue = "Proceedings of the 31st ACM International Conference on Multimedia"
    paper = Record("10.1145/3581783.3613764", "10.1145/3581783.3613764", "A paper", ("Ann Roe",), journal=venue)
    paper = dataclasses.replace(paper, publication_types=(kind,))
    path = tmp_path / "out.bib"
    path.write_text(export_records([paper], "bibtex"), encoding="utf-8")
    assert "booktitle = {" in path.read_text(encoding="utf-8")
    assert [r.journal for r in load_records(path)] == [venue]


def test_ris_has_what_zotero_and_endnote_expect(seed_records):
    ris = export_records(seed_records[:2], "ris")
    refs = ris.strip().split("\n\n")
    assert len(refs) == 2
    lines = refs[0].splitlines()
    assert lines[0] == "TY  - JOUR" and lines[-1] == "ER  - "
    tags = [line[:2] for line in lines if line[2:6] == "  - "]
    for tag in ("TI", "AU", "PY", "JO", "SP", "EP", "DO", "AB", "UR"):
        assert tag in tags, tag
    assert tags.count("AU") == 4 and "AU  - Hampton, Sarah" in lines
    assert "SP  - 92" in lines and "EP  - 99" in lines
    assert "DO  - 10.1136/bmjqs-2024-017268" in lines


def test_csv_is_one_row_per_paper_with_sections_as_columns(seed_records):
    rows = list(csv.DictReader(io.StringIO(export_records(seed_records, "csv"))))
    assert len(rows) == 10
    hybrid = rows[0]
    assert hybrid["doi"] == "10.1136/bmjqs-2024-017268"
    assert hybrid["authors"] == "Sarah Hampton; Jenni Murray; Rebecca Lawton; Laura Sheard"
    assert hybrid["methods"].startswith("The process evaluation took place")
    assert hybrid["conclusions"] and hybrid["objective"] == ""
    assert list(rows[0])[-7:] == [
        "background",
        "objective",
        "methods",
        "results",
        "conclusions",
        "other",
        "abstract",
    ]


def test_bibtex_keys_are_unique_and_specials_escaped(seed_records):
    bib = export_records([seed_records[0], seed_records[0]], "bibtex")
    assert "@article{hampton2025understanding," in bib and "@article{hampton2025understandinga," in bib
    assert "journal = {BMJ Quality \\& Safety}" in bib


def test_results_methods(seed_index):
    results = seed_index.search("methods:interviews")
    lines = results.to_jsonl().splitlines()
    assert [orjson.loads(line)["rank"] for line in lines] == [1, 2, 3]
    assert orjson.loads(lines[0])["doi"] == results[0].doi
    assert results.to_ris().count("TY  - JOUR") == 3
    assert results.to_bibtex().count("@article{") == 3
    rows = list(csv.DictReader(io.StringIO(results.to_csv())))
    assert [r["rank"] for r in rows] == ["1", "2", "3"] and rows[0]["doi"] == results[0].doi


def test_cli_search_formats_and_export(tmp_path, capsys, seed_path):
    idx = str(tmp_path / "ix")
    assert main(["index", str(seed_path), str(FORMATS / "pubmed.xml"), "--index", idx]) == 0
    capsys.readouterr()
    assert main(["search", "thyroid", "--index", idx, "--format", "ris"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("TY  - JOUR") and "AN  - 28775130" in out
    assert main(["search", "thyroid", "--index", idx, "--json"]) == 0
    assert orjson.loads(capsys.readouterr().out.splitlines()[0])["pmid"] == "28775130"
    out_file = tmp_path / "all.csv"
    assert main(["export", "--index", idx, "-o", str(out_file)]) == 0
    text = out_file.read_text(encoding="utf-8-sig")
    assert len(list(csv.DictReader(io.StringIO(text)))) == 13
    assert main(["export", "--index", idx, "--format", "jsonl"]) == 0
    exported = tmp_path / "all.jsonl"
    exported.write_text(capsys.readouterr().out)
    assert {r.id for r in load_records(exported)} == {r.id for r in open_index(idx)}


def _small_files_only() -> None:  # as a full disk or a quota would: writes past 4 KB fail (EFBIG)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))


def test_an_export_that_cannot_be_written_whole_leaves_the_previous_file(tmp_path, seed_path):
    idx = str(tmp_path / "ix")
    assert main(["index", str(seed_path), "--index", idx]) == 0
    previous = tmp_path / "review.ris"
    previous.write_text("TY  - JOUR\nTI  - Last week's export\nER  - \n")
    code = "import sys; from searchlib.cli import main; sys.exit(main(sys.argv[1:]))"
    run = subprocess.run(
        [sys.executable, "-c", code, "export", "--index", idx, "-o", str(previous)],
        preexec_fn=_small_files_only,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1 and run.stderr.startswith(f"searchlib: error: cannot write {previous}")
    assert previous.read_text() == "TY  - JOUR\nTI  - Last week's export\nER  - \n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_record_comes_back_equal_from_json_lines_and_from_an_index(tmp_path, seed_path):
    records = _sources(seed_path)
    path = tmp_path / "out.jsonl"
    path.write_text(export_records(records, "jsonl"), encoding="utf-8")
    assert list(load_records(path)) == records  # every field (all but raw, the source's own shape)
    assert [orjson.loads(line) for line in path.read_text().splitlines()] == [r.to_dict() for r in records]
    papers: dict = {}  # one paper is in two sources: the two records of it are merged
    for r in records:
        papers[r.id] = merge_records([papers[r.id], r]) if r.id in papers else r
    index = build_index(records, tmp_path / "ix")
    assert {r.id: r for r in index} == papers
    assert [index.get(i).raw for i in papers] == [r.raw for r in papers.values()]
    assert sorted(len(index.get(i).sources) for i in papers)[-2:] == [1, 2]
