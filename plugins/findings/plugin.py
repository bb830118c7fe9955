"""The MkDocs plugin: a thin adapter from MkDocs events to the core stages.

on_config reads the settings; on_pre_build loads and checks every record (a problem stops the
build before anything is written); on_files adds the generated pages and data files;
on_page_markdown fills in the findings blocks and links inline citations on hand-written pages
(generated pages come with theirs linked); on_page_content puts each summary's HTML, converted
once (convert.py), and the HTML blocks its template wrote in its generated page, and sanitises the
pages that hold record Markdown other than plain prose; on_post_page puts in the blocks search
does not index, once the search plugin has read the page; on_post_build gives back the memory
the built pages held, then, after Material's search plugin has written its index, adds the
synonyms to it; on_serve watches the records (watch.py).

A plain build writes the data files straight into the site, so that their text is not held while
the pages are built: those MkDocs is not given (thousands) by a forked child. Its pages are
rendered by forked children too (render.StreamedPages), in the order MkDocs reads them, while
MkDocs reads the pages before them: MkDocs builds on one core.

While serving, each rebuild takes from the last what it can (reuse.py: the records, references
and pages whose inputs did not change; preview.py: the files and pages MkDocs need not build
again, the search index's entries, the theme's compiled templates).

Under ``mkdocs serve`` (on_startup) a problem does not stop the build: the site becomes one error
page listing the problems, written by on_post_build, until a rebuild finds the files fixed.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import sys
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel, set_exclusions

from .convert import Converter
from .datafiles import encoded
from .export import export_files
from .forked import in_background
from .generate import CLASH, REQUIRED_EXTENSIONS, clashes, footer, make_site, written_pages
from .models import Settings
from .paths import finding_path
from .pipeline import KnowledgeBase, build_knowledge_base
from .preview import CompiledTemplates, Contents, SearchIndex, clear, pause_collector, settle, setup_of
from .problems import FindingsError, Problem, check_settings, shown_path
from .reuse import Memo
from .render import (SCRIPTS, Site, listed_parents, markup_template, moved_pages, pages_to_sanitize,
                     reference_list_url, render_blocks, render_pages, sanitize_html, script_files, stream_pages,
                     StreamedPages, unlisted_pages)
from .search import add_synonyms, write_index
from .watch import watch_path

log = get_plugin_logger(__name__)

BULK_DATA = ("sources/", "findings/")  # the folders of a source's own files and of the pages at findings' old addresses

# Where a hand-written page's text names a path in one of the BULK_DATA folders: the path and
# what follows it up to a space, bracket or quote (a source's slug and a finding's id hold none).
_BULK_NAMED = re.compile(r"(?:%s)[^\s()<>\[\]\"'`]*" % "|".join(map(re.escape, BULK_DATA)))


def _bulk_data_named(pages: dict[str, str]) -> list[str] | None:
    """What the hand-written pages' Markdown says at each mention of a BULK_DATA folder: a data
    file such a page names is inside one of these (found once, not once per data file). None
    when a hand-written page is inside one: it may name a file there by its name alone."""
    if any(path.startswith(BULK_DATA) for path in pages):
        return None
    return [words for markdown in pages.values() for words in _BULK_NAMED.findall(markdown)]


def _present(files: Files, made: dict[str, str | bytes | None], rendered: Callable[[], dict[str, str]]) -> dict[str, bytes]:
    """The files of the docs folder at paths the plugin makes (``made``). Such a file written by
    `findings generate` (``rendered()``), or as the plugin makes it, is made again here; any
    other stops the build."""
    present = {file.src_uri: file.content_bytes for file in files if file.src_uri in made}
    if present and (clashing := clashes(present, made, rendered())):
        raise PluginError("findings: " + CLASH + ", ".join(clashing))
    return present


def _excluded(paths, config, serving: bool) -> set[str]:
    """The paths the site's exclude_docs (or, but while serving, draft_docs) keeps out of it, as
    MkDocs decides it."""
    if not config.exclude_docs and not config.draft_docs:
        return set()
    probes = [SimpleNamespace(src_uri=path, inclusion=InclusionLevel.UNDEFINED) for path in paths]
    set_exclusions(probes, config)
    return {probe.src_uri for probe in probes
            if not (probe.inclusion.is_in_serve() if serving else probe.inclusion.is_included())}


def _write_all(site: Path, data: dict[str, str | bytes]) -> None:
    """Write data files (path in the site → content) straight into the site folder, as MkDocs
    would (it leaves a file whose source is where it would copy it)."""
    for path, content in data.items():
        target = site / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(encoded(content))


class FindingsConfig(Config):
    """The settings as written: check_settings checks them in on_config, as `findings lint` does,
    so that the build and lint give the same messages."""

    def validate(self):
        return [], []


class GeneratedFile(File):
    """A generated file that a ``--dirty`` rebuild writes again only when its content changed
    or its built file is gone (``changed``, found once per build in on_files). Such a rebuild is
    given the same file, and its page, as the last: MkDocs then neither makes its page again
    nor, for the tags plugin, reads its source (_read_unbuilt)."""

    changed = True
    listed = InclusionLevel.UNDEFINED  # its inclusion as made, before MkDocs decides an undefined one

    def is_modified(self) -> bool:
        return self.changed


class StreamedFile(GeneratedFile):
    """A generated page that forked children render while MkDocs reads the pages before it
    (StreamedPages): its Markdown is theirs once MkDocs first reads it."""

    markdown_of: Callable[[str], str]

    @classmethod
    def streamed(cls, config, path: str, inclusion: InclusionLevel, markdown_of: Callable[[str], str]) -> StreamedFile:
        file = cls.generated(config, path, inclusion=inclusion, content="")
        file._content, file.markdown_of = None, markdown_of
        return file

    @property
    def content_string(self) -> str:
        if self._content is None:
            self._content = self.markdown_of(self.src_uri)
        return self._content

    @property
    def content_bytes(self) -> bytes:
        return self.content_string.encode("utf-8")


class FindingsPlugin(BasePlugin[FindingsConfig]):
    def __init__(self) -> None:
        self.kb: KnowledgeBase | None = None
        self.settings: Settings | None = None
        self.root = Path.cwd()
        self.generated: set[str] = set()
        self.to_sanitize: set[str] = set()
        self.parents: dict[str, str] = {}  # generated page out of the navigation -> the page it belongs under
        self.nav_pages: dict = {}  # src_uri -> the navigation's Page
        self.marked = None  # the navigation Page shown as current for the page being rendered
        self.site = Site("")
        self.serving = False
        self.dirty = False  # mkdocs serve --dirty: rebuild only the pages whose content changed
        self.contents = Contents()  # what each generated file held at the last build
        self.made: dict[str, GeneratedFile] = {}  # under --dirty: the generated files of the last build
        self.setup = ""  # under --dirty: the settings and theme files the last build was made with (setup_of)
        self.written: dict[str, str] = {}  # page or data file the plugin makes or fills in -> where it is built
        self.handwritten: dict[str, str] = {}  # hand-written page -> its Markdown as the plugin left it
        self.built: set[str] = set()  # URLs of the pages built this time
        self.index = SearchIndex()  # under --dirty: the search index's entries at the last build
        self.pages: dict[str, str] = {}  # hand-written page -> its Markdown as written
        self.page_urls: list[str] = []  # every page's URL, in the order MkDocs builds them
        self.problems: list[Problem] = []  # while serving: what the error page lists
        self.converter = Converter()  # kept across rebuilds while serving (MkDocs keeps a plugin with on_startup)
        self.stream: StreamedPages | None = None  # a plain build's pages, rendered beside it
        self.writing: Callable[[], None] = lambda: None  # waits until a plain build's data files are written
        self.memo = Memo()  # while serving: what each rebuild takes from the last (reuse.py)
        self.builds = 0  # while serving: the builds so far
        self.compiled = CompiledTemplates()  # while serving: the theme's templates, compiled once

    def on_startup(self, command, dirty):
        self.serving, self.dirty = command == "serve", dirty
        self.memo = Memo(keep=self.serving)
        self._forget_built()  # MkDocs may hand the same plugin to a later command in this process
        self.setup = ""

    def on_config(self, config):
        config_file = Path(config.config_file_path).resolve()
        self.root, self.problems = config_file.parent, []
        try:
            self.settings = check_settings(dict(self.config), config_file)
        except FindingsError as error:
            self._stop(error, config_file.name)
        for extension in REQUIRED_EXTENSIONS:
            if extension not in config.markdown_extensions:
                config.markdown_extensions.append(extension)
        if self.converter.configure(config.markdown_extensions, config.mdx_configs):
            self.memo.clear()  # the pages kept hold marks for HTML the converter no longer has
        for script in SCRIPTS:
            if script not in map(str, config.extra_javascript):
                config.extra_javascript.append(script)
        if not self.problems and self.settings.licence:  # the site's footer says under what terms it is published
            config.copyright = footer(config.copyright, self.settings.licence_terms)
        return config

    def on_pre_build(self, config):
        self.kb = None
        if self.problems:
            return
        docs = Path(config.docs_dir)
        self.pages = pages = {p.relative_to(docs).as_posix(): p.read_text(encoding="utf-8")
                              for p in sorted(docs.rglob("*.md"))}
        if self.dirty:
            if (search := config.plugins.get("material/search")) is not None:
                search.search_index_prev = None  # it would merge its own way; on_post_build merges
            setup = setup_of(Path(config.config_file_path), config.theme.custom_dir)
            if setup != self.setup:  # a setting or template changed: every page may read differently
                clear(Path(config.site_dir))
                self.setup = setup
                self._forget_built()
            elif self.builds:  # a rebuild of what changed: the cyclic garbage collector waits until after it
                pause_collector()
        try:
            self.kb = build_knowledge_base(self.root, self.settings, pages, shown_path(docs, self.root), memo=self.memo)
        except FindingsError as error:
            self._stop(error, "the records")
            return
        for warning in self.kb.warnings:  # a note says what looks odd in print: it never fails --strict
            (log.info if warning.severity == "note" else log.warning)(str(warning))

    def _forget_built(self) -> None:
        """Forget what the last build wrote (its built pages are gone): the next one makes all."""
        self.contents, self.handwritten, self.written, self.made = Contents(), {}, {}, {}

    def _stop(self, error: FindingsError, where: str) -> None:
        """Log every problem, then stop the build; when serving, show them on the error page instead."""
        for problem in error.problems:
            {"error": log.error, "warning": log.warning, "note": log.info}[problem.severity](str(problem))
        if self.serving:
            self.problems = error.problems
            return
        errors = sum(p.severity == "error" for p in error.problems)
        raise PluginError(f"findings: {errors} problem{'s' if errors != 1 else ''} in {where}; "
                          "nothing was built. Fix the files named above.") from None

    def on_files(self, files: Files, config):
        if self.problems:  # the site is the error page alone: no pages, and no nav naming missing ones
            config.nav = None
            return Files([file for file in files if not file.is_documentation_page()])
        self.site = make_site(self.settings, config.site_name, config.site_url, config.use_directory_urls,
                              config.plugins, files.get_file_from_path("tags.md") is not None)
        stream = None if self.serving or self.dirty else stream_pages(self.kb, self.site, self.converter)
        if stream is not None and any(files.get_file_from_path(path) for path in stream.paths):
            stream.close()  # a file of the docs folder at a page's path is compared with the page (_present)
            stream = None
        self.stream = stream
        rendered = cache(lambda: written_pages(self.kb, self.site, config.markdown_extensions, config.mdx_configs))
        data: dict[str, str | bytes | None] = export_files(self.kb, self.site) | moved_pages(self.kb, self.site) | script_files()
        present = _present(files, data, rendered)
        named = _bulk_data_named(self.pages)
        if not self.dirty:  # written into the site now, so their text is not held while the pages are made and built
            excluded = _excluded(data, config, self.serving)  # handed to MkDocs as before, which leaves them out
            site = Path(config.site_dir)
            kept = {path: content for path, content in data.items() if path not in excluded}
            # Those MkDocs is not given are written by a forked child (and kept here until it is done).
            bulk = {path: content for path, content in kept.items() if self._left_out(path, True, True, named)}
            _write_all(site, {path: content for path, content in kept.items() if path not in bulk})
            self.writing = in_background(lambda: _write_all(site, bulk))
            # No content: MkDocs finds each file where it would copy it to.
            data = {path: content if path in excluded else None for path, content in data.items()}
        pages = dict.fromkeys(stream.paths, "") if stream else render_pages(self.kb, self.site, converter=self.converter)
        present |= _present(files, pages, rendered)
        if not self.serving:
            self.converter.release_after(pages.values())
        generated = pages | data
        if not self.site.url:  # said once per build, as a note: a site may well have no address yet
            log.info("no Atom feed (feed.xml): site_url is not set in mkdocs.yml, and a feed's links must be "
                     "absolute; set site_url to publish it")
        self.converter.forget_unused()
        self.generated = set(generated)
        unlisted = unlisted_pages(self.kb, generated)
        self.to_sanitize = pages_to_sanitize(self.kb)
        self.parents = listed_parents(self.kb)
        # A build that is not --dirty makes every file, on a site folder MkDocs has emptied.
        changed, gone = self.contents.update(generated) if self.dirty else (set(generated), set())
        for path in gone:  # a finding deleted while serving: its built page goes too
            Path(self.written.pop(path)).unlink(missing_ok=True)
        made: dict[str, GeneratedFile] = {}
        for path, content in generated.items():
            if path in present:
                files.remove(files.get_file_from_path(path))
            if self._left_out(path, content is None, path not in changed, named):
                continue
            inclusion = InclusionLevel.NOT_IN_NAV if path in unlisted else InclusionLevel.UNDEFINED
            file = self.made.get(path)
            if stream is not None and path in pages:
                file = StreamedFile.streamed(config, path, inclusion, stream.markdown)
            elif file is None or path in changed or file.listed is not inclusion:
                source = {"content": content} if content is not None else {"abs_src_path": os.path.join(config.site_dir, path)}
                file = GeneratedFile.generated(config, path, inclusion=inclusion, **source)
            file.listed = inclusion
            file.changed = path in changed or (self.dirty and not os.path.isfile(file.abs_dest_path))
            self.written[path] = file.abs_dest_path
            files.append(file)
            made[path] = file
        if self.dirty:  # the next build keeps the files (and pages) whose content stays the same
            self.made = made
            self._redo_handwritten(files)
        return files

    def _left_out(self, path: str, in_site: bool, unchanged: bool, named: list[str] | None) -> bool:
        """Whether a data file of a bulk kind (a source's .bib, .ris and .json, a page at a
        finding's old address) is left out of the files MkDocs is given, as this plain build put
        it ``in_site``, or as the last --dirty build left it ``unchanged``: MkDocs would look at
        each of the tens of thousands of them in every step of every build. Kept in if a
        hand-written page names it (``named``), so that MkDocs can check the page's link."""
        if named is None or not path.startswith(BULK_DATA) or path.endswith(".md"):
            return False
        target = path.removesuffix("index.html")
        if any(target in words for words in named):
            return False
        return in_site or (unchanged and os.path.isfile(self.written.get(path, "")))

    def _redo_handwritten(self, files: Files) -> None:
        """A hand-written page whose blocks or citations now read differently (a new finding in
        its "recent" block) is built again: its built page is removed, so MkDocs counts it changed."""
        for path, markdown in self.pages.items():
            if (file := files.get_file_from_path(path)) is None or path in self.generated:
                continue
            made = self._handwritten(markdown, path)
            if self.handwritten.get(path) != made:
                Path(file.abs_dest_path).unlink(missing_ok=True)
            self.handwritten[path], self.written[path] = made, file.abs_dest_path

    def _handwritten(self, markdown: str, path: str) -> str:
        """A hand-written page's Markdown with its blocks filled in and its citations linked."""
        markdown = render_blocks(markdown, path, self.kb, self.site)
        return self.kb.linker.link(markdown, reference_list_url(path, self.site.directory_urls))

    def on_nav(self, nav, config, files):
        self.nav_pages = {page.file.src_uri: page for page in nav.pages}
        if self.dirty and not self.problems:  # the error page alone has no pages to read
            self._read_unbuilt(config, files)
        self.page_urls = [file.page.url for file in files.documentation_pages() if file.page is not None]
        self.built = set()
        return nav

    def _read_unbuilt(self, config, files: Files) -> None:
        """Under --dirty MkDocs reads only the pages it builds, so the plugins learn nothing of
        the others: read those the menu names (for their titles); give Material's tags plugin
        the tags of those not built, and its index page, so that the pages built link their tags
        to it; and build the index page again whenever another page is built."""
        tags = [plugin for name, plugin in config.plugins.items() if name.endswith("tags")]
        index = files.get_file_from_path(self.site.tags_page) if tags and self.site.tags_page else None
        pages = files.documentation_pages()
        unbuilt = [file for file in pages if file.page is not None and not file.is_modified()]
        if index in unbuilt and len(unbuilt) < len(pages):  # another page is built
            Path(index.abs_dest_path).unlink(missing_ok=True)
            unbuilt.remove(index)
        tagged = {finding_path(record.id) for record in self.kb.findings if record.finding.tags}
        for file in unbuilt:
            page = file.page
            tagged_page = bool(tags) and (file is index or file.src_uri in tagged
                                          or "tags:" in self.pages.get(file.src_uri, ""))
            if page.markdown is None and (file.src_uri in self.nav_pages or tagged_page):
                page.read_source(config)
            if tagged_page:
                for plugin in tags:
                    plugin.on_page_markdown(page.markdown, page=page, config=config, files=files)

    @event_priority(200)  # before other plugins load templates
    def on_env(self, env, config, files):
        if self.serving:
            env.bytecode_cache = self.compiled
        return env

    def on_page_context(self, context, page, config, nav):
        """A page kept out of the navigation shows the page it belongs under (a finding, its theme)
        as current: MkDocs marks only the page being rendered active, and its sections with it."""
        self.built.add(page.url)
        self.marked = self.nav_pages.get(self.parents.get(page.file.src_uri))
        if self.marked is not None:
            self.marked.active = True
        return context

    @event_priority(100)  # before other plugins read the page
    def _fill_late(self, output, page, config):
        if self.marked is not None:  # the navigation is shared by every page: unmark it
            self.marked.active = False
            self.marked = None
        return self.converter.fill(output, late=True) if page.file.src_uri in self.generated else output

    @event_priority(-100)  # after every other plugin has read the page
    def _forget_html(self, output, page, config):
        """A generated page's HTML is written: MkDocs would hold it (and every other page's) until
        the build ends, which at 5,000 findings is most of the build's memory."""
        if page.file.src_uri in self.generated:
            page.content = None
        return output

    on_post_page = CombinedEvent(_fill_late, _forget_html)

    def on_page_markdown(self, markdown, page, config, files):
        if page.file.src_uri in self.generated:
            return markdown  # rendered with its citations linked
        return self._handwritten(markdown, page.file.src_uri)

    def on_page_content(self, html, page, config, files):
        if page.file.src_uri not in self.generated:
            return html
        html = self.converter.fill(html)
        if page.file.src_uri not in self.to_sanitize:
            return html  # the blocks search does not index are put in by on_post_page
        return sanitize_html(self.converter.fill(html, late=True))  # the sanitiser would drop their marks

    @event_priority(100)  # before the search plugin writes its index
    def _return_memory(self, config):
        """Give back the memory the built pages' HTML held: glibc's malloc keeps what Python frees,
        in pieces that the large blocks made next (the search index as text) cannot use, so those
        came on top (a tenth of the peak at 16,000 findings). Not while serving: the next rebuild
        would only take it back."""
        if self.serving:
            return
        trim = getattr(ctypes.CDLL(None), "malloc_trim", None) if sys.platform.startswith("linux") else None
        if trim is not None:
            trim(0)

    @event_priority(-100)  # after the search plugin, wherever the plugins list it
    def _finish(self, config):
        self._end_forked_work()
        if self.problems:  # the home page, and (as 404.html) every other page, while serving
            page = markup_template("serve-error.html.j2").render(site_name=config.site_name, problems=self.problems)
            for built in self.written.values():  # no page but the error page (--dirty keeps built pages)
                Path(built).unlink(missing_ok=True)
            for name in ("index.html", "404.html"):
                (Path(config.site_dir) / name).write_text(page, encoding="utf-8")
            self._forget_built()  # once fixed, all is built again
            settle(self.builds)
            return
        self.memo.prune()
        index = Path(config.site_dir) / "search" / "search_index.json"
        groups = self.settings.synonym_groups if self.settings.synonyms else []
        data = json.loads(index.read_text(encoding="utf-8")) if index.is_file() and (groups or self.dirty) else None
        material = data is not None and (add_synonyms(data, groups) if groups else True)
        if groups and not material:
            log.warning("synonyms: this site has no index from Material's search plugin (theme: material, "
                        "plugins: - search), so search cannot use them; add the plugin or remove the setting")
        if data is not None and (material or self.dirty):
            if self.dirty:
                self.index.write(data, self.built, self.page_urls, index)
            else:
                write_index(data, index)
        if self.serving:
            settle(self.builds)
            self.builds += 1

    on_post_build = CombinedEvent(_return_memory, _finish)

    def _end_forked_work(self) -> None:
        """Stop rendering pages MkDocs will not read (a build that failed, or left some out), and
        wait until the data files are written."""
        if self.stream is not None:
            self.stream.close()
            self.stream = None
        self.writing()
        self.writing = lambda: None

    def on_build_error(self, error):
        self._end_forked_work()
        if self.serving:
            settle(self.builds)

    def on_serve(self, server, config, builder):
        settings = self.settings or Settings.model_construct()  # invalid settings: watch the default places
        docs = Path(config.docs_dir).resolve()
        for name in (settings.findings, settings.bibliography, settings.questions):
            path = self.root / name
            if path.exists() and docs not in path.resolve().parents:  # MkDocs polls the docs folder anyway
                watch_path(server, path)
        return server

