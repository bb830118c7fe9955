"""Render stage: the generated pages, as Markdown from Jinja templates, keyed by their path in
the docs folder. Links between pages are relative ``.md`` links, so MkDocs checks them."""

from __future__ import annotations

import json
import posixpath

import nh3
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import escape

from .pipeline import KnowledgeBase
from .style import text


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("findings", "templates"), autoescape=False,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["text"] = text
    # Front-matter values: the theme prints them into <title> and <meta> unescaped.
    env.filters["yaml"] = lambda value: json.dumps(str(escape(value)), ensure_ascii=False)
    env.filters["number"] = lambda value: f"{value:,}" if float(value).is_integer() else f"{value:,.1f}"
    return env


_ENV = _environment()


def theme_path(theme_id: str) -> str:
    return f"themes/{theme_id}.md"


def finding_path(finding_id: str) -> str:
    return f"findings/{finding_id}.md"


def source_path(key: str) -> str:
    return f"sources/{key}.md"


BIBLIOGRAPHY_PATH = "bibliography.md"
QUESTIONS_PATH = "questions.md"
THEMES_INDEX_PATH = "themes/index.md"


def render_pages(kb: KnowledgeBase) -> dict[str, str]:
    """Every generated page: path in the docs folder → Markdown."""
    pages = {THEMES_INDEX_PATH: ("themes-index.md.j2", {})}
    for theme in kb.themes:
        pages[theme_path(theme.id)] = ("theme.md.j2", {"theme": theme, "records": kb.by_theme.get(theme.id, [])})
    for record in kb.findings:
        pages[finding_path(record.id)] = ("finding.md.j2", {"record": record, "finding": record.finding,
                                                            "theme": kb.theme_by_id[record.finding.theme]})
    for key, reference in kb.references.items():
        pages[source_path(key)] = ("source.md.j2", {"key": key, "reference": reference, "label": kb.labels[key]})
    pages[BIBLIOGRAPHY_PATH] = ("bibliography.md.j2", {})
    pages[QUESTIONS_PATH] = ("questions.md.j2", {})
    return {path: _render(template, path, kb, context) for path, (template, context) in pages.items()}


def _render(template: str, page: str, kb: KnowledgeBase, context: dict) -> str:
    def link(target: str) -> str:
        """A relative link from this page to another page in the docs folder."""
        path, _, anchor = target.partition("#")
        relative = posixpath.relpath(path, posixpath.dirname(page) or ".") if path else ""
        return relative + (f"#{anchor}" if anchor else "")

    return _ENV.get_template(template).render(
        kb=kb, link=link, theme_path=theme_path, finding_path=finding_path, source_path=source_path,
        bibliography=BIBLIOGRAPHY_PATH, questions=QUESTIONS_PATH, **context)


# What generated pages may contain once rendered: ordinary document markup, ids and classes, and
# links with safe schemes. Scripts, frames, event handlers and javascript: URLs are removed.
_ATTRIBUTES = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
_ATTRIBUTES["*"] = _ATTRIBUTES.get("*", set()) | {"id", "class", "title"}


def sanitize_html(html: str) -> str:
    """Strip anything unsafe from a generated page's HTML (record text may hold raw HTML)."""
    return nh3.clean(html, attributes=_ATTRIBUTES, link_rel=None, url_schemes={"http", "https", "mailto"})
