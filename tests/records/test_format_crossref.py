from __future__ import annotations

from searchlib import load_records
from tests.conftest import FIXTURES

FORMATS = FIXTURES / "formats"


def test_work_list_envelope():
    geb, report = load_records(FORMATS / "crossref.json")
    assert geb.id == "10.1111/geb.12345"
    assert geb.authors == ("Ana Souza", "Island Ecology Consortium")
    assert (geb.journal, geb.volume, geb.pages) == ("Global Ecology and Biogeography", "30", "1-12")
    assert geb.date == "2021-03"  # published-print before issued
    assert geb.pdf_url == "https://example.org/geb.pdf"
    # JATS sections by their own titles; the leading "Abstract" title is not a section
    assert [(s.label, s.category, s.text) for s in geb.sections] == [
        ("Aim", "objective", "To map diversity."),
        ("Location", "methods", "Pacific islands."),
        ("Main conclusions", "conclusions", "Area matters."),
    ]
    assert geb.abstract_html.startswith("<jats:title>Abstract")
    assert geb.raw["publisher"] == "Wiley"
    assert (report.title, report.year, report.sections) == ("A report with no abstract", 2019, ())


def test_single_work_envelope_is_the_same_paper():
    [work] = load_records(FORMATS / "crossref_work.json")
    assert work.id == "10.1111/geb.12345" and work.date == "2020-11-02"


def test_works_as_json_lines_are_detected_per_object(tmp_path):
    path = tmp_path / "works.jsonl"
    path.write_text(
        '{"DOI": "10.1/A", "title": ["One"], "member": "1"}\n{"title": "Seed shaped", "doi": "10.1/b"}\n'
    )
    a, b = load_records(path)
    assert (a.id, a.title, b.id, b.title) == ("10.1/a", "One", "10.1/b", "Seed shaped")
