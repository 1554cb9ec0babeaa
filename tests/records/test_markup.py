"""Tests for searchlib.records.markup: markup to plain text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchlib.records.markup import html_to_text, looks_like_markup


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("at the<i>TERT</i>gene region", "at the TERT gene region"),  # glued emphasis gets its word breaks
        ("the <i>TERT</i> gene", "the TERT gene"),
        ("H<sub>2</sub>O and 10<sup>5</sup> cells", "H2O and 105 cells"),  # sub/sup never split a token
        ("θ<jats:sub>cone</jats:sub>where", "θconewhere"),
        ("(<i>n</i>=19)", "(n=19)"),
        ("<jats:italic>E. coli</jats:italic>strains", "E. coli strains"),
        ("p &lt; 0.05 &amp; more", "p < 0.05 & more"),
        ("(&amp;lt;1 M⊙)", "(<1 M⊙)"),  # escaped twice
        ("&amp;lt;i&amp;gt;in vivo&amp;lt;/i&amp;gt; data", "in vivo data"),
        ("2\u2009years\u00a0ago\u202fnow", "2 years ago now"),
        ("<p>One.</p><p>Two.</p>", "One. Two."),
        ("values <u>&lt;</u> 5", "values < 5"),
    ],
)
def test_html_to_text(html, text):
    assert html_to_text(html) == text


def test_mathml_is_reduced_to_its_text():
    html = (
        "a rate of <mml:math xmlns:mml='http://www.w3.org/1998/Math/MathML'>\n  <mml:mrow>\n"
        "    <mml:mi>k</mml:mi>\n    <mml:mo>=</mml:mo>\n    <mml:mn>2</mml:mn>\n  </mml:mrow>\n"
        "  <mml:annotation encoding='TeX'>k=2</mml:annotation>\n</mml:math> per hour"
    )
    assert html_to_text(html) == "a rate of k=2 per hour"


def test_looks_like_markup():
    assert looks_like_markup("a <i>b</i>")
    assert looks_like_markup("a &amp; b")
    assert not looks_like_markup("p < 0.05 & q > 1")


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            list("ab .\t\n\r\x0b\x0c\x1c\x1f\x85\u00a0\u1680\u2000\u200a\u200b\u2028\u202f\u205f\u3000\ufeff")
        )
    )
)
def test_plain_text_collapses_the_same_white_space_as_markup(text: str) -> None:
    # Text without markup takes a shorter path; it must give what the markup path gives.
    assert html_to_text(text) == html_to_text(text + "<br>").strip()
