"""Render stage: the generated pages, as Markdown from Jinja templates, keyed by their path in
the docs folder. Links between pages are relative ``.md`` links, so MkDocs checks them."""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass
from functools import lru_cache

import nh3
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import escape

from .models import EvidenceKind, PublicBody
from .pipeline import KnowledgeBase
from .style import text


@dataclass(frozen=True)
class Site:
    """What the pages need to know of the site itself."""

    name: str
    url: str = ""
    author: str = ""
    tags_page: str = ""  # the hand-written tags index (Material's tags plugin), if the site has one


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("findings", "templates"), autoescape=False, extensions=["jinja2.ext.do"],
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["text"] = text
    # Front-matter values: the theme prints them into <title> and <meta> unescaped.
    env.filters["yaml"] = lambda value: json.dumps(str(escape(value)), ensure_ascii=False)
    env.filters["number"] = lambda value: f"{int(value):,}" if float(value).is_integer() else f"{value:,}"
    env.filters["plain"] = plain_text
    env.tests["contains"] = lambda sequence, item: item in sequence
    return env


def plain_text(markdown: str, limit: int = 160) -> str:
    """Markdown as a short plain sentence for meta descriptions: citations and markup dropped."""
    words = re.sub(r"\[[^\]]*@[^\]]*\]|[*_`#>]|<[^>]+>|\[([^\]]*)\]\([^)]*\)", lambda m: m[1] or "", markdown)
    words = " ".join(words.split()).replace(" .", ".")
    return words if len(words) <= limit else words[: limit - 1].rsplit(" ", 1)[0] + "…"


_ENV = _environment()


def theme_path(theme_id: str) -> str:
    return f"themes/{theme_id}.md"


def finding_path(finding_id: str) -> str:
    return f"findings/{finding_id}.md"


def source_path(key: str) -> str:
    return f"sources/{key}.md"


def public_body_path(body: PublicBody) -> str:
    return f"public-bodies/{body.value}.md"


def evidence_path(kind: EvidenceKind) -> str:
    return f"evidence/{kind.value}.md"


BIBLIOGRAPHY_PATH = "bibliography.md"
QUESTIONS_PATH = "questions.md"
THEMES_INDEX_PATH = "themes/index.md"
EVIDENCE_MAP_PATH = "evidence-map.md"
BROWSE_PATH = "browse.md"
# Pages reached from other pages rather than the navigation.
UNLISTED_FOLDERS = ("findings/", "sources/", "public-bodies/", "evidence/")
# An evidence-map cell with this many findings or fewer is marked as thin evidence.
THIN = 1


def render_pages(kb: KnowledgeBase, site: Site) -> dict[str, str]:
    """Every generated page: path in the docs folder → Markdown."""
    pages = {THEMES_INDEX_PATH: ("themes-index.md.j2", {})}
    for theme in kb.themes:
        pages[theme_path(theme.id)] = ("theme.md.j2", {"theme": theme, "records": kb.by_theme.get(theme.id, [])})
    for records in kb.by_theme.values():
        for index, record in enumerate(records):
            pages[finding_path(record.id)] = ("finding.md.j2", {
                "record": record, "finding": record.finding, "theme": kb.theme_by_id[record.finding.theme],
                "previous": records[index - 1] if index else None,
                "next": records[index + 1] if index + 1 < len(records) else None})
    for body in PublicBody:
        pages[public_body_path(body)] = ("facet.md.j2", {
            "heading": body.label, "intro": f"Findings that concern {body.label.lower()}, by theme.",
            "records": [r for r in kb.findings if body in r.finding.public_bodies]})
    for kind in EvidenceKind:
        pages[evidence_path(kind)] = ("facet.md.j2", {
            "heading": kind.label, "intro": f"Findings resting on {kind.label.lower()}, by theme.",
            "records": [r for r in kb.findings if r.finding.evidence == kind]})
    pages[EVIDENCE_MAP_PATH] = ("evidence-map.md.j2", {})
    pages[BROWSE_PATH] = ("browse.md.j2", {})
    for key, reference in kb.references.items():
        pages[source_path(key)] = ("source.md.j2", {"key": key, "reference": reference, "label": kb.labels[key]})
    pages[BIBLIOGRAPHY_PATH] = ("bibliography.md.j2", {})
    pages[QUESTIONS_PATH] = ("questions.md.j2", {})
    return {path: _render(template, path, kb, site, context) for path, (template, context) in pages.items()}


BLOCK = re.compile(r"^<!-- findings:(?P<name>[a-z-]+) -->[ \t]*$", re.M)
BLOCKS = ("themes", "recent", "headlines")


def render_blocks(markdown: str, page: str, kb: KnowledgeBase, site: Site) -> str:
    """Replace ``<!-- findings:themes -->`` (and recent, headlines) in a hand-written page."""
    return BLOCK.sub(lambda m: _render(f"block-{m['name']}.md.j2", page, kb, site, {})
                     if m["name"] in BLOCKS else m[0], markdown)


@lru_cache(maxsize=None)
def _relative_folder(folder: str, start: str) -> str:
    """The folder ``folder`` as seen from the folder ``start``, both inside the docs folder."""
    relative = posixpath.relpath(folder or ".", start or ".")
    return "" if relative == "." else relative


def _render(template: str, page: str, kb: KnowledgeBase, site: Site, context: dict) -> str:
    here = posixpath.dirname(page)

    def link(target: str) -> str:
        """A relative link from this page to another page in the docs folder."""
        path, _, anchor = target.partition("#")
        folder, name = posixpath.split(path)
        relative = posixpath.join(_relative_folder(folder, here), name) if path else ""
        return relative + (f"#{anchor}" if anchor else "")

    return _ENV.get_template(template).render(
        kb=kb, site=site, page=page, link=link, theme_path=theme_path, finding_path=finding_path,
        source_path=source_path, public_body_path=public_body_path, evidence_path=evidence_path,
        public_bodies=list(PublicBody), evidence_kinds=list(EvidenceKind), thin=THIN,
        bibliography=BIBLIOGRAPHY_PATH, questions=QUESTIONS_PATH, evidence_map=EVIDENCE_MAP_PATH, **context)


# What generated pages may contain once rendered: ordinary document markup, ids and classes, and
# links with safe schemes. Scripts, frames, event handlers and javascript: URLs are removed.
_ATTRIBUTES = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
_ATTRIBUTES["*"] = _ATTRIBUTES.get("*", set()) | {"id", "class", "title", "aria-label"}
_ATTRIBUTES["a"] = _ATTRIBUTES.get("a", set()) | {"rel"}


def sanitize_html(html: str) -> str:
    """Strip anything unsafe from a generated page's HTML (record text may hold raw HTML)."""
    return nh3.clean(html, attributes=_ATTRIBUTES, link_rel=None, url_schemes={"http", "https", "mailto"})
