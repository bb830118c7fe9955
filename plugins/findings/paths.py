"""Where each generated page lives in the docs folder, and the URL MkDocs gives a page. A
finding's page is at the top of the site (``/<id>/``), so its id may not be a name the site
uses for anything else (``SITE_NAMES``, the facets' folders, the hand-written pages)."""

from __future__ import annotations

import posixpath
from functools import lru_cache
from typing import Iterable

from .bibliography import Reference
from .models import Facet


def theme_path(theme_id: str) -> str:
    return f"themes/{theme_id}.md"


def finding_path(finding_id: str) -> str:
    return f"{finding_id}.md"


def source_path(reference: Reference) -> str:
    return f"sources/{reference.slug}.md"


def facet_path(facet: Facet, value: str) -> str:
    """The page of one value of a facet: ``public-bodies/police.md``."""
    return f"{facet.id}/{value}.md"


BIBLIOGRAPHY_PATH = "bibliography.md"
QUESTIONS_PATH = "questions.md"
THEMES_INDEX_PATH = "themes/index.md"
EVIDENCE_MAP_PATH = "evidence-map.md"
BROWSE_PATH = "browse.md"
STRENGTH_PATH = "strength-of-evidence.md"
# Pages reached from other pages rather than the navigation (with each facet's folder and the findings).
UNLISTED_FOLDERS = ("sources/", "evidence-maps/")
# The names at the top of the site that the plugin, MkDocs or the theme use (besides the facets').
SITE_NAMES = frozenset({"index", "themes", "sources", "data", "evidence-maps", "findings", "assets", "search",
                        "404"} | {posixpath.splitext(path)[0] for path in (
                            BIBLIOGRAPHY_PATH, QUESTIONS_PATH, EVIDENCE_MAP_PATH, BROWSE_PATH, STRENGTH_PATH)})


def taken_names(facets: Iterable[Facet], pages: Iterable[str]) -> dict[str, str]:
    """The names at the top of the site a finding's id may not take → what takes each: the
    site's own, the facets' folders and the hand-written pages (paths in the docs folder)."""
    taken = {name: "a page of the site" for name in SITE_NAMES}
    taken.update((facet.id, f"the folder of the facet '{facet.id}'") for facet in facets)
    for page in pages:
        top = page.split("/", 1)[0]
        taken.setdefault(posixpath.splitext(top)[0] if "/" not in page else top, f"the page docs/{page}")
    return taken


def page_url(page: str, directory_urls: bool = True) -> str:
    """The URL, from the site's root, at which MkDocs publishes the docs page ``page``."""
    stem = page[: -len(".md")]
    folder, name = posixpath.split(stem)
    if name in ("index", "README"):
        return (folder + "/" if folder else "./") if directory_urls else posixpath.join(folder, "index.html")
    return stem + "/" if directory_urls else stem + ".html"


@lru_cache(maxsize=None)
def relative_url(page: str, target: str, directory_urls: bool = True) -> str:
    """The address of ``target`` (a file in the docs folder, with any #anchor) as a link on the
    page ``page`` gives it: what MkDocs makes of a Markdown link between the two."""
    path, _, anchor = target.partition("#")
    here = page_url(page, directory_urls)
    folder = here if here.endswith("/") else posixpath.dirname(here)
    address = page_url(path, directory_urls) if path.endswith(".md") else path
    relative = posixpath.relpath("/" + address, "/" + folder)
    return (relative + "/" if address.endswith("/") else relative) + (f"#{anchor}" if anchor else "")
