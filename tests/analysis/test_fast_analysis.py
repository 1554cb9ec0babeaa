"""The cached analyzers give exactly the tokens of the filter chains they are made from."""

from __future__ import annotations

import pickle
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchlib.analysis import author_analyzer, paper_analyzer, plain_analyzer, surface_analyzer
from searchlib.analysis.fast import CachedAnalyzer
from searchlib.records.readers import load_records
from tests.conftest import FIXTURES as FIXTURES_DIR

FIXTURES = FIXTURES_DIR
MAKERS = [paper_analyzer, plain_analyzer, surface_analyzer]
OPTIONS = [
    {"mode": "index", "positions": True, "chars": True},
    {"mode": "query", "positions": True, "chars": True},
    {"mode": "index", "positions": True, "chars": True, "removestops": False},
    {"mode": "query", "positions": True, "removestops": False, "start_pos": 7, "start_char": 3},
    {"mode": "", "positions": False},
]

TRICKY = [
    "<p><strong>Background: </strong>The randomised trial of paediatric COVID-19 care, 95% CI (p&lt;0.05).</p>",
    "An open-label, double-blind, placebo-controlled study of the anti-TNF in-hospital set\u2010up",
    "Patient-centred care in the behaviour of the colours; the 12-month and 5%-10% rates; IL-6",
    "It is the one that the of a an: Æsir Ærø façade naïve coöperate ÉCOLE über-cool",
    "the-of it's of-the and/or -- - %  12.5% 1,000,000 x-",
    "",
]


def tokens(analyzer, text, **opts):
    return [
        (t.text, t.stopped, getattr(t, "pos", None), getattr(t, "startchar", None), getattr(t, "endchar", None))
        for t in analyzer(text, **opts)
    ]


def sample_texts() -> list[str]:
    texts = list(TRICKY)
    for path in sorted((FIXTURES / "formats").iterdir()):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                records = load_records(path, errors="skip")[:30]
            for record in records:
                texts += [record.title, record.abstract_html or "", record.abstract, "; ".join(record.authors)]
        except Exception:  # a fixture of another format: not needed here
            continue
    from searchlib import bundled_records_path

    for record in load_records(bundled_records_path()):
        texts += [record.title, record.abstract_html or "", record.abstract]
    return texts


@pytest.mark.parametrize("make", MAKERS)
@pytest.mark.parametrize("opts", OPTIONS)
def test_cached_matches_chain(make, opts) -> None:
    fast, slow = make(), make(cached=False)
    assert isinstance(fast, CachedAnalyzer) and not isinstance(slow, CachedAnalyzer)
    for text in sample_texts():
        assert tokens(fast, text, **opts) == tokens(slow, text, **opts), text[:80]
        # twice: the second time every word comes from the cache
        assert tokens(fast, text, **opts) == tokens(slow, text, **opts), text[:80]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(list("aeiouáéNTtrs -\u2010%.,019<>/") + ["the ", "of ", "ise", "our"])).map("".join)
)
def test_cached_matches_chain_on_any_text(text: str) -> None:
    fast, slow = paper_analyzer(), paper_analyzer(cached=False)
    for opts in OPTIONS:
        assert tokens(fast, text, **opts) == tokens(slow, text, **opts)


def test_cached_analyzer_pickles_without_its_cache() -> None:
    analyzer = paper_analyzer()
    list(analyzer("randomised trials"))
    copy = pickle.loads(pickle.dumps(analyzer))
    assert copy._caches == {}
    assert [t.text for t in copy("randomised trials")] == ["random", "trial"]


def test_no_morph_skips_stemming_as_the_chain_does() -> None:
    assert [t.text for t in paper_analyzer()("randomised trials", no_morph=True)] == ["randomized", "trials"]


def test_an_added_filter_gets_a_plain_chain() -> None:
    from whoosh.analysis import StripFilter

    extended = paper_analyzer() | StripFilter()
    assert not isinstance(extended, CachedAnalyzer)
    assert [t.text for t in extended("randomised trials")] == ["random", "trial"]


@pytest.mark.parametrize("make", MAKERS)
def test_positions_and_terms_are_the_chains_tokens(make) -> None:
    fast, slow = make(), make(cached=False)
    for text in sample_texts():
        table: dict[str, list[int]] = {}
        for t in slow(text, mode="index", positions=True):
            table.setdefault(t.text, []).append(t.pos)
        assert fast.positions(text) == table, text[:80]
        assert fast.terms(text) == set(table), text[:80]


def test_indexed_words_counts_the_texts_words_as_written() -> None:
    """The words "Did you mean" suggests from: lower-cased and accent-folded, three letters or more, no stopwords
    or numbers, each counted as often as it occurred, whatever the cache saw first."""
    from searchlib.analysis.filters import PAPER_CHARMAP
    from searchlib.analysis.stopwords import STOPWORDS

    analyzer = paper_analyzer()
    texts = sample_texts()
    analyzer.positions("TRIAL", mode="query")  # a word first met in a query is counted once indexed
    for text in texts:
        analyzer.positions(text)
    expected: dict[str, int] = {}
    for text in texts:
        for word in analyzer.items[0].words(text):
            word = word.lower().translate(PAPER_CHARMAP)
            if len(word) >= 3 and word.isalpha() and word not in STOPWORDS:
                expected[word] = expected.get(word, 0) + 1
    assert analyzer.indexed_words() == expected
    assert expected["trial"] > 1 and "the" not in expected and "covid" not in expected


NAME_LISTS = [
    "Bent Høie; Ann Lee",
    "Johannes G van der Hoeven; Arantza López de Munain; Rodríguez-Barranco M; Lawton, Rebecca J",
    "Li An; Theresa May;; ; Kim Do",
    "Smith J; Smith J; Graham P Martin",  # the same name twice: its terms twice, further on
    "",
]


def test_name_list_positions_are_the_chains_tokens() -> None:
    fast, slow = author_analyzer(), author_analyzer(cached=False)
    lists = NAME_LISTS + [t for t in sample_texts() if ";" in t]
    for _ in range(2):  # the second time every name comes from the cache
        for value in lists:
            table: dict[str, list[int]] = {}
            for t in slow(value, mode="index", positions=True):
                table.setdefault(t.text, []).append(t.pos)
            assert fast.positions(value) == table, value[:80]
            assert fast.terms(value) == set(table), value[:80]
    assert fast.positions("Lawton R", mode="query") is None  # queries go through the chain
    assert [t.text for t in fast("Lawton R")] == [t.text for t in slow("Lawton R")]


def test_name_list_analyzer_pickles_without_its_cache() -> None:
    analyzer = author_analyzer()
    analyzer.positions("Bent Høie")
    copy = pickle.loads(pickle.dumps(analyzer))
    assert copy._names == {} and copy == analyzer
    assert copy.positions("Bent Høie") == analyzer.positions("Bent Høie")


def test_names_past_the_cache_limit_are_still_the_chains(monkeypatch) -> None:
    from searchlib.analysis import fast

    monkeypatch.setattr(fast, "CACHE_NAMES", 1)
    analyzer, slow = author_analyzer(), author_analyzer(cached=False)
    for value in NAME_LISTS * 2:
        table: dict[str, list[int]] = {}
        for t in slow(value, mode="index", positions=True):
            table.setdefault(t.text, []).append(t.pos)
        assert analyzer.positions(value) == table, value
    assert len(analyzer._names) == 1
