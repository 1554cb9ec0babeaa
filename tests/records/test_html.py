"""The notebook view of results: compact, highlighted, and safe with hostile records."""

from __future__ import annotations

import re

import searchlib

HOSTILE = {
    "doi": '10.1/x"><script>alert(1)</script>',
    "title": "Falls <script>alert('title')</script> & <b>bold</b> claims",
    "authors": ['<img src=x onerror="alert(2)">', "Ann O'Neil & Co"],
    "journal": "<iframe src='evil'></iframe>",
    "date": "2024-01-01",
    "abstract": "<p>Falls <script>alert(3)</script> rose; <a href='javascript:alert(4)'>click</a> "
    "**not a mark** falls again.</p>",
}


def test_html_table_escapes_every_value_from_the_record():
    index = searchlib.build_index([HOSTILE])
    results = index.search("falls")
    out = results._repr_html_()
    # No markup from the record survives as markup: only the table's own tags are present.
    tags = set(re.findall(r"<\s*([a-zA-Z]+)", out))
    assert tags <= {
        "div",
        "p",
        "code",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "a",
        "br",
        "small",
        "b",
        "mark",
    }
    assert "<script" not in out and "<img" not in out and "<iframe" not in out
    assert "onerror=" not in out.replace("onerror=&quot;", "")  # only escaped
    assert "alert(&#x27;title&#x27;) &amp; bold claims" in out  # markup in titles is dropped on loading
    assert "&lt;iframe src=&#x27;evil&#x27;&gt;" in out  # a journal is shown as written, escaped
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in out
    # The record's own ** is text, not a highlight; the matched words are.
    assert "**not a mark**" in out and "<mark>not a mark</mark>" not in out and "<mark>falls</mark>" in out
    assert "Ann O&#x27;Neil &amp; Co" in out
    # The one link is the DOI's, escaped and quoted, on doi.org.
    hrefs = re.findall(r'href="([^"]*)"', out)
    assert len(hrefs) == 1 and hrefs[0].startswith("https://doi.org/") and "<" not in hrefs[0]


def test_html_marks_matched_words_in_snippets(seed_index):
    out = seed_index.search("methods:interviews")._repr_html_()
    assert "<mark>" in out and "</mark>" in out
    assert re.search(r"<mark>[^<]*interview[^<]*</mark>", out, re.IGNORECASE)
    assert out.count("<tr>") == 1 + 3  # header row and three hits
    assert "3 papers match" in out


def test_html_of_no_results_and_a_suggestion(seed_index):
    out = seed_index.search("randmized trail")._repr_html_()
    assert "0 papers match" in out and "<table" not in out
    assert "did you mean <code>randomised trial</code>" in out
