"""Docstrings as MkDocs renders them: the library writes them for ``help()`` and doctest, in reST habits.

Three habits would render badly in Markdown, so they are rewritten when the API reference is built: Sphinx roles
(:func:`load_records`) become code spans, reST links become Markdown links, and doctest examples (``>>>`` lines,
which Markdown reads as nested quotes) become fenced ``pycon`` blocks. The source stays as it is.
"""

from __future__ import annotations

import re

import griffe

_ROLE = re.compile(r":(?:func|class|meth|mod|attr|data|exc|obj):`~?([^`]+)`")
_LINK = re.compile(r"`([^`<]+?) <([^>`]+)>`_")


def markdown_docstring(text: str) -> str:
    """``text`` with roles as code spans, reST links as Markdown links and doctest lines fenced as ``pycon``."""
    text = _LINK.sub(r"[\1](\2)", text)
    text = _ROLE.sub(lambda m: f"`{m.group(1).rsplit('.', 1)[-1] if '~' in m.group(0) else m.group(1)}`", text)
    out: list[str] = []
    in_example = False
    for line in text.splitlines():
        if line.startswith(">>>") and not in_example:
            out.append("```pycon")
            in_example = True
        elif in_example and not line.strip():
            out.append("```")
            in_example = False
        out.append(line)
    if in_example:
        out.append("```")
    return "\n".join(out)


class MarkdownDocstrings(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: object) -> None:
        if obj.docstring is not None and "```pycon" not in obj.docstring.value:
            obj.docstring.value = markdown_docstring(obj.docstring.value)
