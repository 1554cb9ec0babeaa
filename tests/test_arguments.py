"""Every argument a user can get wrong is refused with an error that says what is allowed, never a raw Python
exception or a silent guess; and the values a form or a record may hold are read as they mean."""

from __future__ import annotations

import orjson
import pytest

import searchlib
from searchlib import ArgumentError, LoadError, QueryError

DOI = "10.1136/bmjqs-2024-017268"


@pytest.fixture(scope="module")
def index():
    return searchlib.build_index(searchlib.bundled_records_path())


SEARCH_ARGUMENTS = [
    *({"limit": bad} for bad in (0, -1, 1.5, True, "10")),
    *({"year": bad} for bad in (True, "2024", (2024, 2020), (2024,), (2020, 2022, 2024), (True, 2024), 2024.0)),
    *({"journal": bad} for bad in ([None], 5, b"BMJ", ["BMJ", 7])),
    *({"publication_type": bad} for bad in ([None], 5, b"Review", ["Review", 7])),
    *({"language": bad} for bad in (5, {"eng": True})),
    *({"sort": bad} for bad in ("newest", None, ["date"])),
    *({"feedback": bad} for bad in ("no", "yes", 1, 0)),
    *({"match": bad} for bad in ("some", None)),
    *({"plain": bad} for bad in ("no", 1, None)),
]


@pytest.mark.parametrize("arguments", SEARCH_ARGUMENTS, ids=repr)
def test_a_search_refuses_arguments_it_cannot_read(index, arguments):
    [(name, value)] = arguments.items()
    with pytest.raises(QueryError, match=rf"^{name}[ \w]* must be"):
        index.search("safety", **arguments)


@pytest.mark.parametrize(
    "call",
    [
        lambda ix: ix.get(None),
        lambda ix: ix.get(5),
        lambda ix: ix.similar(None),
        lambda ix: ix.similar(DOI, limit=0),
        lambda ix: ix.explain("safety", 10.1136),
        lambda ix: ix.explain("safety", DOI, plain="no"),
        lambda ix: ix.delete(None),
        lambda ix: ix.delete([DOI, None]),
        lambda ix: ix.search("safety").facets(["year"]),
    ],
)
def test_lookups_refuse_what_is_not_an_id(index, call):
    with pytest.raises(QueryError, match="must be|as a string|takes a DOI|named by a string"):
        call(index)
    assert len(index) == 10  # nothing was deleted on the way


@pytest.mark.parametrize(
    "call",
    [
        lambda ix: ix.add([{"title": "T"}], errors="ignore"),
        lambda ix: ix.add([{"title": "T"}], batch_size=0),
        lambda ix: ix.add([{"title": "T"}], batch_size=2.5),
        lambda ix: ix.add([{"title": "T"}], timeout=None),
        lambda ix: ix.add([{"title": "T"}], timeout=-1),
        lambda ix: ix.add(None),
        lambda ix: ix.add({"title": "One record, not in a list"}),
        lambda ix: ix.delete(DOI, timeout="5"),
        lambda ix: searchlib.build_index([{"title": "T"}], errors=False),
        lambda ix: searchlib.build_index([{"title": "T"}], "unused-path", procs=0),
        lambda ix: searchlib.build_index([{"title": "T"}], "unused-path", procs="2"),
        lambda ix: searchlib.build_index([{"title": "T"}], "unused-path", overwrite="no"),
        lambda ix: searchlib.build_index([{"title": "T"}], 5),
        lambda ix: searchlib.open_index(None),
        lambda ix: searchlib.load_records(searchlib.bundled_records_path(), errors="ignore"),
        lambda ix: searchlib.load_records(searchlib.bundled_records_path(), format="refworks"),
        lambda ix: searchlib.load_records(None),
        lambda ix: searchlib.export_records(list(ix), "docx"),
        lambda ix: searchlib.export_records([{"title": "a dict"}], "ris"),
    ],
)
def test_writing_and_loading_refuse_arguments_they_do_not_take(index, call, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ArgumentError, match="must be|takes|one record goes in a list"):
        call(index)
    assert len(index) == 10 and list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize("name", ["journal", "publication_type", "language"])
def test_an_empty_filter_list_filters_nothing(index, name):
    # A web form's boxes, none ticked.
    everything = [h.id for h in index.search("safety", limit=None)]
    for nothing_asked in ([], (), [""]):
        assert [h.id for h in index.search("safety", **{name: nothing_asked}, limit=None)] == everything
    assert index.search("safety", **{name: ["No Such Name"]}).total == 0


def test_an_abstract_of_one_or_two_words_is_found(tmp_path):
    index = searchlib.build_index(
        [
            {"doi": "10.1/retracted", "title": "Falls on wards", "abstract": "Retraction notice"},
            {"doi": "10.1/corrected", "title": "Sepsis audits", "abstract": "<p>Erratum.</p>"},
        ]
    )
    assert [h.doi for h in index.search("abstract:retraction")] == ["10.1/retracted"]
    assert [h.doi for h in index.search("erratum")] == ["10.1/corrected"]
    assert index.get("10.1/corrected").abstract == "Erratum."


def test_a_doi_given_as_a_number_is_an_error_naming_the_field(tmp_path):
    for key, record in [
        ("doi", {"title": "T", "doi": 10.1136}),
        ("DOI", {"DOI": 10.1136, "title": ["T"], "member": "78"}),  # Crossref
        ("DOI", {"paperId": "abc", "title": "T", "externalIds": {"DOI": 10.1136}}),  # Semantic Scholar
    ]:
        path = tmp_path / "records.jsonl"
        path.write_bytes(orjson.dumps(record) + b"\n")
        with pytest.raises(LoadError, match=rf"records.jsonl:1: '{key}' should be a string"):
            searchlib.load_records(path)
    with pytest.raises(LoadError, match="record 1: 'doi' should be a string"):
        searchlib.build_index([{"title": "T", "doi": 10.1136}])
