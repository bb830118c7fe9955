"""Render stage: the generated pages, as Markdown from Jinja templates, keyed by their path in
the docs folder. A page's headings are Markdown (the engine makes the table of contents); what
lies between them is mostly HTML written by the template (``{% call html() %}``), which the
plugin keeps out of Python-Markdown (convert.py) and `findings generate` writes into the page
with Markdown links for the engine to resolve. Citations are linked here, once per summary."""

from __future__ import annotations

import json
import posixpath
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files as package_files
from itertools import chain
from typing import Callable, Iterable, Iterator

import nh3
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from .citations import Cite
from .datafiles import FEED_PATH, SOURCE_FILES, downloads
from .escaping import attribute, text, url
from .convert import Converter
from .forked import Stream, processes_for, shared, streamed
from .models import Citation, EvidenceMap
from .paths import (BIBLIOGRAPHY_PATH, BROWSE_PATH, EVIDENCE_MAP_PATH, QUESTIONS_PATH, STRENGTH_PATH,
                    THEMES_INDEX_PATH, UNLISTED_FOLDERS, facet_path, finding_path, page_url, relative_url, source_path,
                    theme_path)
from .pipeline import KnowledgeBase, cyclic_gc_paused
from .strength import JUDGED
from .validate import FindingRecord


@dataclass(frozen=True)
class Site:
    """What the pages need to know of the site itself."""

    name: str
    url: str = ""
    author: str = ""
    tags_page: str = ""  # the hand-written tags index (Material's tags plugin), if the site has one
    directory_urls: bool = True  # pages at folder/page/ rather than folder/page.html, as in MkDocs
    licence: tuple[str, str, str] = ("", "", "")  # the content's licence: id, name, address (Settings.licence_terms)
    file_links: bool = False  # citations link to bibliography.md, for the engine to resolve (reference_list_link)


def _environment() -> Environment:
    # auto_reload off: the templates ship with the package, so no file check per page rendered.
    env = Environment(loader=PackageLoader("findings", "templates"), autoescape=False, extensions=["jinja2.ext.do"],
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                      auto_reload=False)
    env.filters["text"] = text
    env.filters["attribute"] = attribute
    env.filters["url"] = url
    # Front-matter values: the theme prints them into <title> and <meta> unescaped.
    env.filters["yaml"] = lambda value: json.dumps(str(escape(value)), ensure_ascii=False)
    env.filters["number"] = lambda value: f"{int(value):,}" if float(value).is_integer() else f"{value:,}"
    env.filters["day"] = lambda day: f"{day.day} {day:%B %Y}"  # 1 December 2020
    env.filters["plain"] = plain_text
    env.filters["lead"] = lead_paragraph
    env.tests["contains"] = lambda sequence, item: item in sequence
    return env


def plain_text(markdown: str, limit: int | None = 160) -> str:
    """Markdown as plain text, cut after a word within ``limit`` characters (None: whole), for
    meta descriptions and the feed: citations and markup dropped."""
    words = re.sub(r"\[[^\]]*@[^\]]*\]|[*_`#>]|<[^>]+>|\[([^\]]*)\]\([^)]*\)", lambda m: m[1] or "", markdown)
    words = " ".join(words.split()).replace(" .", ".")
    return words if limit is None or len(words) <= limit else words[: limit - 1].rsplit(" ", 1)[0] + "…"


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def lead_paragraph(markdown: str) -> str:
    """The first block of a Markdown text."""
    return _PARAGRAPH_BREAK.split(markdown.strip(), 1)[0]


def lead_text(kb: KnowledgeBase, summary: str) -> str:
    """A summary's first paragraph as plain text, its citations as their labels: (Kaye, 2020)."""
    return Markup(plain_text(kb.linker.link(lead_paragraph(summary), ""), limit=None)).striptags()


# A sentence ends at . ! or ? before a space and a capital (or an opening quote).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z“‘\"'])")


def lead_sentence(kb: KnowledgeBase, summary: str) -> str:
    """A summary's first sentence as plain text: what theme pages show of each finding."""
    return plain_text(_SENTENCE_END.split(lead_text(kb, summary), 1)[0], limit=300)


_ENV = _environment()


def template(name: str):
    """One of the package's Markdown templates, with the filters pages use (``text`` escapes)."""
    return _ENV.get_template(name)


# HTML and XML the package writes itself (the feed, the footer, the pages at findings' old
# addresses, the page `mkdocs serve` shows while the files have problems): autoescape writes &,
# <, >, " and ' as references, so any record text stays text.
_MARKUP = Environment(loader=PackageLoader("findings", "templates"), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, auto_reload=False)


def markup_template(name: str):
    """One of the package's HTML or XML templates, escaping every value."""
    return _MARKUP.get_template(name)


# An evidence-map cell with this many findings or fewer is marked as thin evidence.
THIN = 1


def _planned_pages(kb: KnowledgeBase) -> dict[str, tuple[str, dict]]:
    """Every generated page: path in the docs folder → its template and what the template shows."""
    pages = {THEMES_INDEX_PATH: ("themes-index.md.j2", {})}
    for theme in kb.themes:
        pages[theme_path(theme.id)] = ("theme.md.j2", {"theme": theme, "records": kb.by_theme.get(theme.id, [])})
    for records in kb.by_theme.values():
        for index, record in enumerate(records):
            pages[finding_path(record.id)] = ("finding.md.j2", {
                "record": record, "finding": record.finding, "theme": kb.theme_by_id[record.finding.theme],
                "related": [kb.finding_by_id[i] for i in record.finding.related if i in kb.finding_by_id],
                "previous": records[index - 1] if index else None,
                "next": records[index + 1] if index + 1 < len(records) else None})
    facets = facet_records(kb)
    for facet in kb.facets:
        for value in facet.values:
            pages[facet_path(facet, value.id)] = ("facet.md.j2", {
                "heading": value.label, "intro": facet.intro.replace("{value}", value.label.lower()),
                "by_theme": facets[facet.id][value.id]})
    by_id = {facet.id: facet for facet in kb.facets}
    maps = list(zip(kb.maps, evidence_map_paths(kb)))
    titles = {path: f"{by_id[m.rows].title if m.rows in by_id else 'Themes'} by {by_id[m.columns].title.lower()}"
              for m, path in maps}
    for chosen, path in maps:
        pages[path] = ("evidence-map.md.j2", {
            "facet": by_id[chosen.columns], "row_facet": by_id.get(chosen.rows), "rows": map_rows(kb, facets, chosen),
            "others": [(titles[other], other) for _, other in maps if other != path]})
    filters = kb.memo.get("browse filters", (kb.findings_version, kb.settings_version), lambda: browse_filters(kb, facets))
    pages[BROWSE_PATH] = ("browse.md.j2", {"facets": facets, "filters": filters})
    for key, reference in kb.references.items():
        citing = [(record, [c.locator for c in record.finding.citations if c.key == key and c.locator])
                  for record in kb.cited_by.get(key, [])]
        pages[source_path(reference)] = ("source.md.j2", {"key": key, "reference": reference, "label": kb.labels[key],
                                                    "citing": citing})
    judged = Counter(s.id for s in kb.strength.values() if not s.rated)
    rated = Counter(s.id for s in kb.strength.values() if s.rated)
    pages[STRENGTH_PATH] = ("strength.md.j2", {
        "judged": JUDGED, "scale": kb.strength_settings.scale, "counts": judged, "rated": rated,
        "kinds": kb.kinds})
    pages[BIBLIOGRAPHY_PATH] = ("bibliography.md.j2", {})
    pages[QUESTIONS_PATH] = ("questions.md.j2", {})
    return pages


def _page_maker(kb: KnowledgeBase, site: Site, made_safe: Callable[[str], str] | None,
                converter: Converter | None) -> Callable[[str, str, dict], str]:
    """What makes a planned page's Markdown (path, template, context → Markdown): see render_pages."""
    summaries: dict[tuple[str, str], str] = {}  # a summary is linked once for all pages at the same depth

    def page(path: str, template: str, context: dict) -> str:
        def make() -> str:
            return _render(template, path, kb, site, context, summaries, made_safe, converter)
        if not kb.memo.keep:
            return make()
        version = kb.fingerprint((template, _site_version(site), kb.settings_version,
                                  _MADE_FROM.get(template, _CONTEXT)(kb, context)))
        markdown, marks = kb.memo.get("page", (path, version), lambda: _with_marks(make(), converter))
        if converter:
            converter.use(marks)
        return markdown
    return page


def _prepare(kb: KnowledgeBase, pages: dict[str, tuple[str, dict]]) -> None:
    """Make, before forking, what every process rendering pages reads: once, here."""
    kb.strength, kb.reference_html, kb.linker  # noqa: B018 (cached properties)
    for name in {template for template, _ in pages.values()}:
        _ENV.get_template(name)


def render_pages(kb: KnowledgeBase, site: Site, made_safe: Callable[[str], str] | None = None,
                 converter: Converter | None = None) -> dict[str, str]:
    """Every generated page: path in the docs folder → Markdown, its citations already linked.
    ``made_safe`` rewrites each summary that is not plain prose as it is written (`findings
    generate` makes it sanitised HTML); without it, the pages_to_sanitize are sanitised once
    converted to HTML, as the plugin does. With a ``converter`` (the plugin's), each plain
    summary and each HTML block of a page is a mark for its HTML, put in after MkDocs has
    converted the page around it; without one, they are written into the page."""
    pages = _planned_pages(kb)
    page = _page_maker(kb, site, made_safe, converter)

    def work(share: list[tuple[str, tuple[str, dict]]]) -> list[tuple[str, str]]:
        return [(path, page(path, template, context)) for path, (template, context) in share]

    items = list(pages.items())
    with cyclic_gc_paused():
        if processes_for(len(items)) > 1 and not kb.memo.keep:
            _prepare(kb, pages)
            made = dict(chain.from_iterable(shared(work, items, converter.state, converter.take) if converter
                                            else shared(work, items)))
        else:
            made = dict(work(items))
    return {path: made[path] for path in pages}


class StreamedPages:
    """The generated pages of a build that keeps nothing for the next, rendered by forked
    children (forked.py) while this process goes on: MkDocs reads the pages before them (and
    the plugin writes the data files) as they render. ``paths`` in the order they render, which
    is the order to hand MkDocs the pages in; ``markdown(path)``, once per page, waits for it.
    Each page comes with the HTML of its marks, which the plugin's converter is given."""

    def __init__(self, paths: list[str], stream: Stream[tuple[str, dict[str, str]]], converter: Converter) -> None:
        self.paths = paths
        self._index = {path: number for number, path in enumerate(paths)}
        self._stream, self._converter = stream, converter

    def markdown(self, path: str) -> str:
        markdown, html = self._stream.get(self._index[path])
        self._converter.receive(markdown, html)
        return markdown

    def close(self) -> None:
        """Stop rendering pages no one will read (the build failed)."""
        self._stream.close()


def stream_pages(kb: KnowledgeBase, site: Site, converter: Converter) -> StreamedPages | None:
    """The generated pages as render_pages makes them with the plugin's ``converter``, rendered
    beside this process (StreamedPages); None where it may not fork: render_pages then."""
    pages = _planned_pages(kb)
    items = list(pages.items())

    def make(share: list[tuple[str, tuple[str, dict]]]) -> Iterator[tuple[str, dict[str, str]]]:
        page = _page_maker(kb, site, None, converter)
        with cyclic_gc_paused():  # the child ends once its share is made
            for path, (template, context) in share:
                markdown = page(path, template, context)
                yield markdown, converter.carried(markdown)

    _prepare(kb, pages)
    stream = streamed(make, items)
    return StreamedPages(list(pages), stream, converter) if stream is not None else None


# What each page is made from, for its fingerprint (reuse.py), besides the settings: its
# context, or what the context is drawn from and what its template reads of the knowledge
# base. A record's version covers the labels and text of the references it names. Under
# `mkdocs serve` a page is made again only when this changed.
_CONTEXT = lambda kb, context: context  # noqa: E731
_MADE_FROM: dict[str, Callable[[KnowledgeBase, dict], object]] = {
    "finding.md.j2": lambda kb, c: (c["record"], c["theme"].id, c["related"], c["previous"], c["next"]),
    "theme.md.j2": lambda kb, c: (c["theme"].id, c["records"]),
    "source.md.j2": lambda kb, c: (c["key"], kb.reference_versions[c["key"]], c["citing"],
                                   kb.cited_in_pages.get(c["key"])),
    "themes-index.md.j2": lambda kb, c: kb.findings_version,
    "browse.md.j2": lambda kb, c: kb.findings_version,
    "strength.md.j2": lambda kb, c: kb.findings_version,
    "evidence-map.md.j2": lambda kb, c: (kb.findings_version, kb.questions),
    "questions.md.j2": lambda kb, c: (kb.findings_version, kb.questions),
    "bibliography.md.j2": lambda kb, c: (kb.reference_versions, kb.cited_by),
}


@lru_cache(maxsize=4)
def _site_version(site: Site) -> str:
    return repr(site)


def _with_marks(markdown: str, converter: Converter | None) -> tuple[str, tuple[str, ...]]:
    """A page's Markdown and the marks of the HTML it holds."""
    return markdown, converter.marks(markdown) if converter else ()


# The package's scripts, added to every site: the browse page's filters (each does nothing on
# pages it has no part in, as themes load extra_javascript on every page).
SCRIPTS = ("assets/findings/browse.js",)


def script_files() -> dict[str, str]:
    """The package's scripts, as files of the site: path → content."""
    assets = package_files("findings") / "assets"
    return {path: (assets / posixpath.basename(path)).read_text(encoding="utf-8") for path in SCRIPTS}


def moved_pages(kb: KnowledgeBase, site: Site) -> dict[str, str]:
    """Until version 0.3 a finding's page was at /findings/<id>/: a page there now sends the
    reader (and search engines, by its canonical link) to the finding's page at /<id>/."""
    def page(record: FindingRecord, old: str) -> str:
        target = posixpath.relpath("/" + page_url(finding_path(record.id), site.directory_urls),
                                   "/" + posixpath.dirname(old))
        return markup_template("moved.html.j2").render(title=record.finding.title,
                                                       target=target + ("/" if site.directory_urls else ""))
    moved = {}
    for record in kb.findings:
        old = f"findings/{record.id}/index.html" if site.directory_urls else f"findings/{record.id}.html"
        moved[old] = kb.memo.get("moved", (record.id, record.finding.title, site.directory_urls),
                                 lambda: page(record, old))
    return moved


FacetRecords = dict[str, dict[str, dict[str, list[FindingRecord]]]]


def facet_records(kb: KnowledgeBase) -> FacetRecords:
    """The findings of each value of each facet, by theme id, in one pass: facet id → value
    id → theme id → findings."""
    facets: FacetRecords = {facet.id: {value.id: defaultdict(list) for value in facet.values} for facet in kb.facets}
    for record in kb.findings:
        for facet in kb.facets:
            for value in facet.values_of(record.finding):
                facets[facet.id][value][record.finding.theme].append(record)
    return facets


@dataclass(frozen=True)
class BrowseFilter:
    """One way the browse page filters the findings. The page's script knows none of them: it
    reads the controls' names and each finding's ``data-filter-<name>`` attribute."""

    name: str  # the URL query's and the data attribute's name: the field's name in findings.json
    legend: str
    options: list[tuple[str, str, int]]  # value id, label, findings with that value
    values: dict[str, list[str]]  # finding id → its value ids
    several: bool = True  # tick any of several values (checkboxes), or choose one from a list


def browse_filters(kb: KnowledgeBase, facets: FacetRecords) -> list[BrowseFilter]:
    """The browse page's filters, in order: theme, each facet, strength of evidence, tag,
    source. Another way of sorting findings is one more entry here; the template and the script
    need no change."""
    filters = [BrowseFilter("theme", "Theme",
                            [(t.id, t.title, len(kb.by_theme.get(t.id, []))) for t in kb.themes],
                            {record.id: [record.finding.theme] for record in kb.findings})]
    for facet in kb.facets:
        filters.append(BrowseFilter(facet.field, facet.title, [
            (value.id, value.label, sum(map(len, facets[facet.id][value.id].values()))) for value in facet.values],
            {record.id: facet.values_of(record.finding) for record in kb.findings}))
    strengths = Counter(strength.id for strength in kb.strength.values())
    steps = {step.id: step.label for step in (*JUDGED, *kb.strength_settings.scale)}
    filters.append(BrowseFilter("strength", "Strength of evidence", [
        (step, label, strengths[step]) for step, label in steps.items() if strengths[step]],
        {record.id: [kb.strength[record.id].id] for record in kb.findings}))
    tags = Counter(tag for record in kb.findings for tag in record.finding.tags)
    filters.append(BrowseFilter("tags", "Tag", [(tag, tag, tags[tag]) for tag in sorted(tags)],
                                {record.id: list(record.finding.tags) for record in kb.findings}, several=False))
    slugs = {key: reference.slug for key, reference in kb.references.items()}
    filters.append(BrowseFilter("citations", "Source", [
        (slugs[key], kb.labels[key].parenthetical, len(kb.cited_by[key])) for key in kb.references if key in kb.cited_by],
        {record.id: [slugs[c.key] for c in record.finding.citations if c.key in slugs] for record in kb.findings},
        several=False))
    return [chosen for chosen in filters if chosen.options]


@dataclass(frozen=True)
class MapRow:
    """One row of an evidence map: a theme, or a value of the rows' facet."""
    title: str
    target: str  # the page the row's heading links to
    records: list  # every finding of the row
    cells: list[tuple[int, int, str]]  # per column value: findings, distinct sources, the page (and anchor) listing them
    questions: list  # the open questions on the row's theme

    @property
    def specific(self) -> bool:
        """Whether any of the row's findings names a value of the columns (if none does, its
        empty cells say "not specific", not "no evidence")."""
        return any(cell[0] for cell in self.cells)


def map_rows(kb: KnowledgeBase, facets: FacetRecords, chosen: EvidenceMap) -> list[MapRow]:
    columns = next(facet for facet in kb.facets if facet.id == chosen.columns)
    rows = []
    if chosen.rows == "themes":
        for theme in kb.themes:
            cells = [_cell(facets[columns.id][value.id].get(theme.id, []), f"{facet_path(columns, value.id)}#{theme.id}")
                     for value in columns.values]
            rows.append(MapRow(theme.title, theme_path(theme.id), kb.by_theme.get(theme.id, []), cells,
                               [question for question in kb.questions if theme.id in question.themes]))
        return rows
    row_facet = next(facet for facet in kb.facets if facet.id == chosen.rows)
    for value in row_facet.values:
        records = [record for records in facets[row_facet.id][value.id].values() for record in records]
        cells = [_cell([record for record in records if column.id in columns.values_of(record.finding)],
                       facet_path(columns, column.id)) for column in columns.values]
        rows.append(MapRow(value.label, facet_path(row_facet, value.id), records, cells, []))
    return rows


def _cell(records: list, target: str) -> tuple[int, int, str]:
    sources = {citation.key for record in records for citation in record.finding.citations}
    return len(records), len(sources), target


def evidence_map_paths(kb: KnowledgeBase) -> list[str]:
    """The first map at evidence-map.md (in the navigation), the others in evidence-maps/."""
    return [EVIDENCE_MAP_PATH if index == 0 else f"evidence-maps/{chosen.rows}-by-{chosen.columns}.md"
            for index, chosen in enumerate(kb.maps)]


def unlisted_pages(kb: KnowledgeBase, paths: Iterable[str]) -> set[str]:
    """Those of the generated ``paths`` reached from other pages, not from the navigation: the
    findings, and the pages in the sources', facets' and other evidence maps' folders."""
    folders = UNLISTED_FOLDERS + tuple(f"{facet.id}/" for facet in kb.facets)
    return {finding_path(record.id) for record in kb.findings} | {path for path in paths if path.startswith(folders)}


def listed_parents(kb: KnowledgeBase) -> dict[str, str]:
    """For each generated page kept out of the navigation, the page in it that it belongs under,
    which the navigation shows as current: a finding's theme, the reference list for a source,
    the browse page for a facet value, the first evidence map for the others."""
    parents = {finding_path(record.id): theme_path(record.finding.theme) for record in kb.findings}
    parents.update((source_path(reference), BIBLIOGRAPHY_PATH) for reference in kb.references.values())
    parents.update((facet_path(facet, value.id), BROWSE_PATH) for facet in kb.facets for value in facet.values)
    parents.update((path, EVIDENCE_MAP_PATH) for path in evidence_map_paths(kb)[1:])
    return parents


# Record Markdown written only with these characters, and without inline links, link definitions
# or URLs, can make nothing but paragraphs, emphasis and lists: no tag, attribute or URL of its own.
# (A reference link [text][id] needs a definition "[id]: url", which makes its page not plain.)
_PLAIN = re.compile(r"[\w\s.,;:!?'\"()\[\]@*%£€&+\-–—‘’“”…/]*")
_LINKING = re.compile(r"\]\s*[(:]|//")


def is_plain(markdown: str) -> bool:
    """Whether ``markdown`` is plain prose (see ``_PLAIN``): its page then needs no sanitising."""
    return _PLAIN.fullmatch(markdown) is not None and _LINKING.search(markdown) is None


def pages_to_sanitize(kb: KnowledgeBase) -> set[str]:
    """Generated pages that hold record Markdown which is not plain prose: the pages of findings
    whose summaries are not (every other record value is escaped, or shown as plain text)."""
    return {finding_path(record.id) for record in kb.findings
            if not kb.memo.get("plain", record.finding.summary, lambda: is_plain(record.finding.summary))}


BLOCK = re.compile(r"^<!-- findings:(?P<name>[a-z-]+) -->[ \t]*$", re.M)
BLOCKS = ("themes", "recent", "headlines", "licence", "downloads")


def render_blocks(markdown: str, page: str, kb: KnowledgeBase, site: Site) -> str:
    """Replace ``<!-- findings:themes -->`` (and the other BLOCKS) in a hand-written page."""
    return BLOCK.sub(lambda m: _render(f"block-{m['name']}.md.j2", page, kb, site, {}, {})
                     if m["name"] in BLOCKS else m[0], markdown)


def reference_list_url(page: str, directory_urls: bool = True) -> str:
    """The reference list's URL relative to the page ``page``, as MkDocs relates page URLs."""
    return relative_url(page, BIBLIOGRAPHY_PATH, directory_urls)


def reference_list_link(page: str, site: Site) -> str:
    """What the citations on the page ``page`` link to: the reference list's URL relative to the
    page, or (``site.file_links``, for `findings generate`) its file relative to the page's."""
    if site.file_links:
        return posixpath.relpath(BIBLIOGRAPHY_PATH, posixpath.dirname(page) or ".")
    return reference_list_url(page, site.directory_urls)


@lru_cache(maxsize=None)
def _relative_folder(folder: str, start: str) -> str:
    """The folder ``folder`` as seen from the folder ``start``, both inside the docs folder."""
    relative = posixpath.relpath(folder or ".", start or ".")
    return "" if relative == "." else relative


# pymdownx.snippets includes a file named after "--8<--" (any run of dashes either side) in any
# page's Markdown: in a summary it would publish any file of the project. Written "&lt;", the
# mark reads the same on the page and includes nothing.
_SNIPPET_MARK = re.compile(r"(-+8)<(-+)")


def _render(template: str, page: str, kb: KnowledgeBase, site: Site, context: dict,
            summaries: dict[tuple[str, str], str], made_safe: Callable[[str], str] | None = None,
            converter: Converter | None = None) -> str:
    here = posixpath.dirname(page)
    references = reference_list_link(page, site)
    site_version = (_site_version(site), kb.settings_version) if kb.memo.keep else ()

    def link(target: str) -> str:
        """A relative link from this page to another page in the docs folder."""
        path, _, anchor = target.partition("#")
        folder, name = posixpath.split(path)
        relative = posixpath.join(_relative_folder(folder, here), name) if path else ""
        return relative + (f"#{anchor}" if anchor else "")

    def a(target: str, words: str, **attributes: str) -> str:
        """A link to ``target`` (a file in the docs folder, with any #anchor) in an HTML block:
        an HTML link to its address, or for `findings generate` a Markdown link to the file,
        which the engine resolves (the block's elements then carry ``markdown`` attributes)."""
        if site.file_links:
            listed = " ".join(f".{value}" if name == "cls" else f"{name}={value}" for name, value in attributes.items())
            return f"[{words}]({link(target)})" + (f"{{: {listed} }}" if listed else "")
        listed = "".join(f' {"class" if name == "cls" else name}="{value}"' for name, value in attributes.items())
        return f'<a href="{relative_url(page, target, site.directory_urls)}"{listed}>{words}</a>'

    def html(caller: Callable[[], str], indexed: bool = True) -> str:
        """``{% call html() %}``: a block of HTML, kept for after conversion by the plugin;
        ``html(indexed=False)`` for one in a section search does not index."""
        block = caller().strip()
        return (converter.keep(block, indexed) if converter else block) + "\n"

    def cite(*citations: Citation | str) -> str:
        """The given citations (or keys) as one linked parenthetical citation."""
        return kb.linker.cite((Cite(c) if isinstance(c, str) else Cite(c.key, locator=c.locator or "")
                               for c in citations), references)

    def kept(macro: Callable[..., str], *values: object) -> str:
        """``{{ kept(item, record) }}``: what a macro makes of these values, kept while serving
        (reuse.py) until they, the settings or the site change. Not for a macro that calls
        ``html`` or ``summary``: their marks would not be kept with it."""
        if not kb.memo.keep:
            return macro(*values)
        if all(type(value) is FindingRecord for value in values):  # a listing's item: by the records' versions
            made_from = (site_version, *(kb.record_versions[value.id] for value in values))
        else:
            made_from = (site_version, kb.fingerprint(values))
        return kb.memo.get("piece", (template, page, macro.name, made_from),
                           lambda: macro(*values))

    def summary(record: FindingRecord) -> str:
        """The finding's summary with its inline citations linked."""
        cache_key = (record.id, references)
        if cache_key not in summaries:
            linked = _SNIPPET_MARK.sub(r"\1&lt;\2", kb.linker.link(record.finding.summary, references,
                                                                   kb.summary_citations.get(record.id)))
            rewrite = (converter and converter.mark) if is_plain(record.finding.summary) else made_safe
            summaries[cache_key] = rewrite(linked) if rewrite else linked
        return summaries[cache_key]

    return _ENV.get_template(template).render(
        kb=kb, site=site, page=page, link=link, a=a, html=html, md=' markdown="1"' if site.file_links else "",
        span=' markdown="span"' if site.file_links else "", url=lambda path: page_url(path, site.directory_urls), cite=cite, kept=kept,
        summary=summary, lead_sentence=lambda text: lead_sentence(kb, text), theme_path=theme_path, finding_path=finding_path, source_path=source_path,
        facet_path=facet_path, thin=THIN, bibliography=BIBLIOGRAPHY_PATH, questions=QUESTIONS_PATH,
        evidence_map=EVIDENCE_MAP_PATH, methodology=STRENGTH_PATH, feed=FEED_PATH if site.url else "",
        downloads=lambda: downloads(kb.facets, bool(site.url)), source_files=SOURCE_FILES, **context)


# What generated pages may contain once rendered: ordinary document markup, ids and classes, the
# mark keeping navigation out of the search index, and links with safe schemes. Scripts, frames,
# event handlers and javascript: URLs are removed.
_ATTRIBUTES = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
_ATTRIBUTES["*"] = _ATTRIBUTES.get("*", set()) | {"id", "class", "title", "aria-label", "aria-hidden", "data-search-exclude"}
_ATTRIBUTES["a"] = _ATTRIBUTES.get("a", set()) | {"rel"}


def sanitize_html(html: str) -> str:
    """Strip anything unsafe from a generated page's HTML (record text may hold raw HTML)."""
    return nh3.clean(html, attributes=_ATTRIBUTES, link_rel=None, url_schemes={"http", "https", "mailto"})
