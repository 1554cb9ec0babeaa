from __future__ import annotations

import pytest

from searchlib import LoadError, export_records, load_records
from searchlib.records.readers.bibtex import latex_to_text
from searchlib.records.readers.seed import record_from_dict
from tests.conftest import FIXTURES

FORMATS = FIXTURES / "formats"


def test_entries_macros_and_latex():
    hybrid, muller = load_records(FORMATS / "references.bib")  # @comment and @string are not records
    assert hybrid.id == "10.1136/bmjqs-2024-017268"
    assert hybrid.title == "Understanding the challenges of implementing 'hybrid' interventions"
    assert hybrid.authors == ("Sarah Hampton", "Jenni Murray", "Rebecca Lawton", "Bent Høie")
    assert (hybrid.journal, hybrid.volume, hybrid.pages, hybrid.date) == (
        "BMJ Quality & Safety",
        "34",
        "92-99",
        "2025-01",
    )
    assert [(s.label, s.category) for s in hybrid.sections] == [
        ("Introduction", "background"),
        ("Methods", "methods"),
        ("Results", "results"),
        ("Conclusions", "conclusions"),
    ]
    assert muller.title == "Café culture and 50% of Müller's ward rounds"
    assert muller.authors == ("Jörg Müller", "World Health Organization")
    assert (muller.id, muller.journal, muller.year) == ("pmid:31000001", "Proceedings of Tests", 2019)
    assert muller.raw["ENTRYTYPE"] == "inproceedings" and muller.raw["ID"] == "muller2019"


def test_broken_entries_are_reported_and_the_rest_read():
    with pytest.raises(LoadError, match=r"broken\.bib:3: @article entry: unbalanced braces"):
        load_records(FORMATS / "broken.bib")
    with pytest.warns(UserWarning, match="skipped 2"):
        records = load_records(FORMATS / "broken.bib", errors="skip")
    assert [r.title for r in records] == ["A good entry", "Another good entry"]
    assert [e.line for e in records.skipped] == [3, 7]


@pytest.mark.parametrize(
    "latex, text",
    [
        (r"{\"O}sterreich", "Österreich"),
        (r"\c{c}a va", "ça va"),
        (r"Ha\v{s}ek", "Hašek"),
        (r"\textit{in vitro}", "in vitro"),
        (r"R\&D 5\% \_x", "R&D 5% _x"),
        (r"\{braces\}", "{braces}"),
    ],
)
def test_latex_to_text(latex, text):
    assert latex_to_text(latex) == text


def test_hyphens_run_together_survive_a_round_trip(tmp_path):
    # MEDLINE titles join parts with "--", which BibTeX would read back as an en dash.
    paper = {"title": "Chiari-like malformation--syringomyelia --- a review", "pages": "12-19", "doi": "10.1/c"}
    path = tmp_path / "again.bib"
    path.write_text(export_records([record_from_dict(paper)], "bibtex"))
    [again] = load_records(path)
    assert (again.title, again.pages) == (paper["title"], "12-19")
