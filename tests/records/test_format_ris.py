from __future__ import annotations

import pytest

from searchlib import LoadError, build_index, load_records
from tests.conftest import FIXTURES

FORMATS = FIXTURES / "formats"


def test_references_and_their_fields():
    records = load_records(FORMATS / "same_as_pubmed.ris")
    first = records[0]
    assert first.id == "10.1136/oemed-2017-104431" and first.pmid == "28775130"
    assert first.authors[:2] == ("Catherine C Lerro", "Laura E Beane Freeman")
    assert (first.journal, first.volume, first.pages, first.date) == (
        "Occupational and environmental medicine",
        "75",
        "79-89",
        "2018-02",
    )
    assert [(s.label, s.category) for s in first.sections][1] == ("METHODS", "methods")
    assert "TSH >4.5 mIU/L" in first.sections[1].text
    assert records[1].id == "pmid:2930949" and records[1].pmcid == "PMC1306303"  # AN  - PMID:..., C2
    assert records[2].doi == "10.9999/bmjqs-falls"  # DO given as a URL
    assert records[0].raw["AU"][0] == "Lerro, Catherine C"


def test_same_papers_from_pubmed_xml_and_ris_are_one_document_each():
    xml = load_records(FORMATS / "pubmed.xml")
    ris = load_records(FORMATS / "same_as_pubmed.ris")
    assert [r.id for r in xml] == [r.id for r in ris]
    index = build_index(FORMATS / "pubmed.xml")
    index.add(FORMATS / "same_as_pubmed.ris")
    index.add(FORMATS / "pubmed.xml")
    assert len(index) == 3
    assert index.get("pmid:2930949").date == "1985-08"  # the last load wins


def test_broken_references_are_reported_with_their_lines():
    with pytest.raises(LoadError, match=r"broken\.ris:7: reference starting here has no ER"):
        load_records(FORMATS / "broken.ris")
    with pytest.warns(UserWarning, match="skipped 3"):
        records = load_records(FORMATS / "broken.ris", errors="skip")
    assert [r.title for r in records] == ["A complete reference", "A third reference"]
    assert [e.line for e in records.skipped] == [7, 14, 15]
    assert "outside a reference" in str(records.skipped[1])
    assert "cut short" in str(records.skipped[2])
    assert "2 records loaded, 3 skipped" in records.report()


def test_bare_ids_are_not_trusted_but_prefixed_ones_are(tmp_path):
    path = tmp_path / "ids.ris"
    path.write_text("TY  - JOUR\nID  - 17\nTI  - Library record 17\nER  - \n\n"
                    "TY  - JOUR\nID  - s2:abc\nTI  - An S2 paper\nER  - \n")  # fmt: skip
    a, b = load_records(path)
    assert a.id.startswith("sha1:") and b.id == "s2:abc"


def test_windows_1252_export_is_read(tmp_path):
    path = tmp_path / "endnote.txt"
    path.write_bytes("TY  - JOUR\r\nTI  - Caf\xe9 culture\r\nAU  - H\xf8ie, Bent\r\nER  - \r\n".encode("cp1252"))
    [r] = load_records(path)
    assert (r.title, r.authors) == ("Café culture", ("Bent Høie",))


def test_a_utf8_export_with_one_bad_byte_keeps_its_accents(tmp_path):
    path = tmp_path / "export.ris"
    good = "TY  - JOUR\nTI  - Café culture in Tromsø\nAU  - Høie, Bent\nAU  - Müller, Jörg\nER  - \n"
    path.write_bytes(good.encode() + b"TY  - JOUR\nTI  - Caf\xe9 society\nER  - \n")
    first, second = load_records(path)
    assert (first.title, first.authors) == ("Café culture in Tromsø", ("Bent Høie", "Jörg Müller"))
    assert second.title == "Caf\ufffd society"  # the one byte that is not UTF-8, marked where it was
