"""HTML and XML markup to plain text: the character-level stage before sections are found or text is tokenised.

Entities are decoded (also double-escaped ones such as ``&amp;lt;``), block-level tags become spaces so
words on either side never run together, inline tags vanish, MathML is reduced to its text, and runs of white
space (including non-breaking and thin spaces) collapse to one space.

Emphasis tags (``<i>``, ``<b>``, ``<jats:italic>``, ...) written with no space around them, as in
``the<i>TERT</i>gene``, get one where letters would otherwise glue into a new word ("the TERT gene"); the
rendered page shows a word break there. ``<sub>`` and ``<sup>`` never do, so ``H<sub>2</sub>O`` stays "H2O"
and ``10<sup>5</sup>`` stays "105".

>>> html_to_text("<p><strong>Methods: </strong>We&nbsp;interviewed <i>n</i>=19 patients.</p>")
'Methods: We interviewed n=19 patients.'
>>> html_to_text("variants at the<i>TERT</i>gene; H<sub>2</sub>O")
'variants at the TERT gene; H2O'
"""

from __future__ import annotations

import html
import re

__all__ = ["html_to_text", "looks_like_markup"]

# Tags whose boundaries separate words. Everything else (i, b, sup, sub, span, ...) is inline.
_BLOCK_TAGS = (
    "p|div|br|hr|li|ul|ol|dl|dt|dd|h[1-6]|tr|td|th|table|thead|tbody|section|article|header|footer|"
    "blockquote|pre|title|sec|abstract|list|list-item|caption|label|fig|table-wrap|disp-quote|"
    "(?:[a-z]+:)?(?:p|sec|title|list|list-item|label|caption)"
)
_BLOCK_RE = re.compile(rf"</?(?:{_BLOCK_TAGS})\b[^<>]*>", re.IGNORECASE)
_TAG_RE = re.compile(r"</?[A-Za-z][^<>]*>|<!--.*?-->|<!\[CDATA\[|\]\]>", re.DOTALL)
_MARKUP_RE = re.compile(r"</?[A-Za-z!][^<>]*>|&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);")
_SPACE_RE = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000]+")

# An emphasis tag squeezed between two letters: the source meant a word break there.
_EMPHASIS_GLUE_RE = re.compile(
    r"(?<=[^\W\d_])(</?(?:[a-z]+:)?(?:i|em|b|strong|u|italic|bold|underline|sc|monospace)\b[^<>]*>)(?=[^\W\d_])",
    re.IGNORECASE,
)
# MathML: drop the TeX/MathML annotations (a second copy of the formula) and the pretty-printing between tags.
_MATH_RE = re.compile(r"<(?P<p>(?:[a-z0-9]+:)?)math\b.*?</(?P=p)math\s*>", re.IGNORECASE | re.DOTALL)
_MATH_ANNOTATION_RE = re.compile(
    r"<(?P<p>(?:[a-z0-9]+:)?)annotation(?:-xml)?\b.*?</(?P=p)annotation(?:-xml)?\s*>", re.IGNORECASE | re.DOTALL
)
_MATH_GAP_RE = re.compile(r">\s+<")


def looks_like_markup(text: str) -> bool:
    """True when ``text`` holds a tag or an entity, so :func:`html_to_text` would change it."""
    return bool(_MARKUP_RE.search(text))


def _math_to_text(match: re.Match[str]) -> str:
    inner = _MATH_ANNOTATION_RE.sub("", match.group(0))
    return _TAG_RE.sub("", _MATH_GAP_RE.sub("><", inner))


def html_to_text(text: str) -> str:
    """Return the plain text of an HTML or XML fragment, white space collapsed."""
    if not text:
        return ""
    # Entities escaped twice (``&amp;lt;i&amp;gt;``) are common in scraped exports: unescape until stable,
    # at most a few rounds, stripping tags after each round so decoded tags are removed too.
    for _ in range(3):
        if "<" in text:
            if "math" in text:
                text = _MATH_RE.sub(_math_to_text, text)
            text = _BLOCK_RE.sub(" ", text)
            text = _EMPHASIS_GLUE_RE.sub(" ", text)
            text = _TAG_RE.sub("", text)
        if "&" not in text:
            break
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    return _SPACE_RE.sub(" ", text).strip()
