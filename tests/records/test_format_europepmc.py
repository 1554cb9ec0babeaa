from __future__ import annotations

from searchlib import load_records
from tests.conftest import FIXTURES

FORMATS = FIXTURES / "formats"


def test_search_results_with_h4_sections():
    paper, preprint = load_records(FORMATS / "europepmc.json")
    assert paper.id == "10.1111/bjhp.12807" and (paper.pmid, paper.pmcid) == ("40468710", "PMC12120539")
    assert paper.authors == ("Alice B Smith", "C Jones")
    assert [s.category for s in paper.sections] == ["objective", "methods", "results", "conclusions"]
    assert (paper.journal, paper.volume, paper.pages, paper.date) == (
        "British journal of health psychology",
        "30",
        "e12807",
        "2025-06-05",
    )
    assert paper.pdf_url.endswith("?pdf=render")
    assert preprint.id == "epmc:PPR:PPR900001"  # no DOI or PMID: the source's id, saying which source
    assert preprint.authors == ("Lee A",) and preprint.year == 2024


def test_empty_search_is_not_an_error(tmp_path):
    path = tmp_path / "none.json"
    path.write_text('{"hitCount": 0, "resultList": {"result": []}}')
    records = load_records(path)
    assert records == [] and records.skipped == []
