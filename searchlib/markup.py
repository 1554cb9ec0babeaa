"""HTML and XML markup to plain text: the character-level stage before sections are found or text is tokenised.

Entities are decoded (also double-escaped ones such as ``&amp;lt;``), block-level tags become spaces so
words on either side never run together, inline tags vanish, and runs of white space (including
non-breaking and thin spaces) collapse to one space.

>>> html_to_text("<p><strong>Methods: </strong>We&nbsp;interviewed <i>n</i>=19 patients.</p>")
'Methods: We interviewed n=19 patients.'
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


def looks_like_markup(text: str) -> bool:
    """True when ``text`` holds a tag or an entity, so :func:`html_to_text` would change it."""
    return bool(_MARKUP_RE.search(text))


def html_to_text(text: str) -> str:
    """Return the plain text of an HTML or XML fragment, white space collapsed."""
    if not text:
        return ""
    # Entities escaped twice (``&amp;lt;i&amp;gt;``) are common in scraped exports: unescape until stable,
    # at most a few rounds, stripping tags after each round so decoded tags are removed too.
    for _ in range(3):
        text = _BLOCK_RE.sub(" ", text)
        text = _TAG_RE.sub("", text)
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    return _SPACE_RE.sub(" ", text).strip()
