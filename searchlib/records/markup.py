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
import unicodedata
from collections.abc import Callable

# Tags whose boundaries separate words. Everything else (i, b, sup, sub, span, ...) is inline.
_BLOCK_TAGS = (
    "p|div|br|hr|li|ul|ol|dl|dt|dd|h[1-6]|tr|td|th|table|thead|tbody|section|article|header|footer|"
    "blockquote|pre|title|sec|abstract|list|list-item|caption|label|fig|table-wrap|disp-quote|"
    "(?:[a-z]+:)?(?:p|sec|title|list|list-item|label|caption)"
)
_BLOCK_RE = re.compile(rf"</?(?:{_BLOCK_TAGS})\b[^<>]*>", re.IGNORECASE)
_TAG_RE = re.compile(r"</?[A-Za-z][^<>]*>|<!\[CDATA\[|\]\]>")
_MARKUP_RE = re.compile(r"</?[A-Za-z!][^<>]*>|&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);")
_TAG_START_RE = re.compile(r"<[A-Za-z0-9/!]")
_SPACE_RE = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000]+")

# An emphasis tag squeezed between two letters: the source meant a word break there.
_EMPHASIS_GLUE_RE = re.compile(
    r"(?<=[^\W\d_])(</?(?:[a-z]+:)?(?:i|em|b|strong|u|italic|bold|underline|sc|monospace)\b[^<>]*>)(?=[^\W\d_])",
    re.IGNORECASE,
)
# MathML: drop the TeX/MathML annotations (a second copy of the formula) and the pretty-printing between tags.
# Found by _replace_elements, which finds each closing tag once, so unclosed tags cost linear time, not quadratic.
_MATH_OPEN_RE = re.compile(r"<(?P<p>(?:[a-z0-9]+:)?)math\b", re.IGNORECASE)
_MATH_ANNOTATION_OPEN_RE = re.compile(r"<(?P<p>(?:[a-z0-9]+:)?)(?P<n>annotation(?:-xml)?)\b", re.IGNORECASE)
_MATH_GAP_RE = re.compile(r">\s+<")


def _has_tags(text: str) -> bool:
    """Whether the tag-stripping steps of :func:`html_to_text` could change ``text``: each needs a "<" before a
    letter, digit, "/" or "!" (or a "]]>" with a "<" anywhere). A "<" in prose ("p < 0.05") skips them."""
    return "<" in text and ("]]>" in text or _TAG_START_RE.search(text) is not None)


def looks_like_markup(text: str) -> bool:
    """True when ``text`` holds a tag or an entity, so :func:`html_to_text` would change it."""
    # Most texts are plain: a search for two characters rules them out 50 times faster than the pattern.
    return ("<" in text or "&" in text) and _MARKUP_RE.search(text) is not None


def _replace_elements(text: str, opener: re.Pattern[str], replace: Callable[[str], str]) -> str:
    """``text`` with each element ``opener`` starts, up to its first matching closing tag, passed to ``replace``.

    Like ``re.sub(r"<x\\b.*?</x>", ...)`` but linear: an opening tag with no closing tag after it is left
    as it is, and the search for that closing tag is not repeated for every later opening tag.
    """
    out: list[str] = []
    pos = 0
    unclosed: set[str] = set()
    for m in opener.finditer(text):
        if m.start() < pos:
            continue
        closing = f"</{m.group('p')}{m.groupdict().get('n') or 'math'}"
        if closing.lower() in unclosed:
            continue
        close = re.compile(re.escape(closing) + r"\s*>", re.IGNORECASE).search(text, m.end())
        if close is None:
            unclosed.add(closing.lower())
            continue
        out += [text[pos : m.start()], replace(text[m.start() : close.end()])]
        pos = close.end()
    return "".join(out) + text[pos:] if out else text


def _remove_comments(text: str) -> str:
    """``text`` without ``<!-- ... -->`` comments; an unclosed one is left as text (linear, unlike a regex)."""
    out: list[str] = []
    pos = 0
    while (start := text.find("<!--", pos)) >= 0:
        end = text.find("-->", start + 4)
        if end < 0:
            break
        out.append(text[pos:start])
        pos = end + 3
    return "".join(out) + text[pos:]


def _math_to_text(math: str) -> str:
    inner = _replace_elements(math, _MATH_ANNOTATION_OPEN_RE, lambda _: "")
    return _TAG_RE.sub("", _MATH_GAP_RE.sub("><", inner))


def html_to_text(text: str) -> str:
    """Return the plain text of an HTML or XML fragment, white space collapsed, in Unicode's composed form (NFC:
    an accent kept as a combining mark, as macOS writes ``Mu\u0308ller``, joined to its letter, or it would
    split the word)."""
    if not text:
        return ""
    if "&" not in text and "\u200b" not in text and not _has_tags(text):
        # Plain text (most calls, and "p < 0.05"): str.split splits where _SPACE_RE does, but at U+200B.
        return unicodedata.normalize("NFC", " ".join(text.split()))
    # Entities escaped twice (``&amp;lt;i&amp;gt;``) are common in scraped exports: unescape until stable,
    # at most a few rounds, stripping tags after each round so decoded tags are removed too.
    for _ in range(3):
        if _has_tags(text):
            if "math" in text:
                text = _replace_elements(text, _MATH_OPEN_RE, _math_to_text)
            text = _BLOCK_RE.sub(" ", text)
            text = _EMPHASIS_GLUE_RE.sub(" ", text)
            text = _TAG_RE.sub("", _remove_comments(text) if "<!--" in text else text)
        if "&" not in text:
            break
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    return unicodedata.normalize("NFC", _SPACE_RE.sub(" ", text).strip())
