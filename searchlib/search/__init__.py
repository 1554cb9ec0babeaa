"""Searching: from a query string to ranked papers, and what a user does with them.

Owns the query language (``query.py``, PubMed's field tags in ``pubmed_tags.py``), how papers are scored
(``ranking.py``, ranked term by term in ``termwise.py``), pseudo-relevance feedback (``feedback.py``), filters,
sort orders and facets (``facets.py``), more-like-this (``similar.py``), did-you-mean (``suggest.py``), score
explanations (``explain.py``) and ranking evaluation against judgments (``evaluation.py``).

Reads indexes through :mod:`searchlib._engine` and text through :mod:`searchlib.analysis`; never imports
:mod:`searchlib.index`, the facade that puts these steps in order.
"""
