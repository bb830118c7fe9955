"""Publish a research team's findings as a citable MkDocs site.

The core runs in stages, one module each: ``records`` (load YAML), ``validate``
(check records against the model and each other), ``bibliography`` and ``labels``
(resolve citations), ``render`` (generated pages) and ``export`` (data files).
``pipeline`` runs them in order; ``plugin`` (MkDocs) and ``cli`` are thin adapters.
"""
