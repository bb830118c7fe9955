"""Run the core stages in order: load → validate → resolve citations, giving a KnowledgeBase
that the render and export stages (and the MkDocs plugin) read from."""

from __future__ import annotations

import datetime
import gc
import re
from collections import defaultdict
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterator

from markupsafe import Markup

from .bibliography import Bibliography, Reference, read_bibliography
from .citations import Cite, CitationLinker, CitationMatch, find_citations, find_matches
from .csl import CitationStylesStyle, StyleError, apply_style, load_style
from .forked import beside
from .history import file_dates
from .models import EvidenceMap, Facet, Question, Settings, StrengthSettings, Theme
from .problems import FindingsError, Problem, did_you_mean
from .strength import Strength, weigh
from .style import (MAX_NAMES, TOOLTIP_NAMES, Label, assign_labels, check_year_labels, format_entry, print_notes,
                    sort_key, tooltip)
from .paths import taken_names
from .reuse import Memo, digest, fingerprint
from .validate import (FindingRecord, check_page_names, check_references, load_findings, load_questions, locate,
                       record_files)


@dataclass
class KnowledgeBase:
    themes: list[Theme]
    findings: list[FindingRecord]
    references: dict[str, Reference]
    labels: dict[str, Label]
    questions: list[Question]
    warnings: list[Problem] = field(default_factory=list)
    drafts: int = 0  # findings checked but not published
    cited_by: dict[str, list[FindingRecord]] = field(default_factory=dict)
    cited_in_pages: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    summary_citations: dict[str, list[CitationMatch]] = field(default_factory=dict)  # found once, linked per page
    facets: list[Facet] = field(default_factory=list)
    maps: list[EvidenceMap] = field(default_factory=list)  # the first is the page /evidence-map/
    styled_html: dict[str, Markup] = field(default_factory=dict)  # references in a CSL style, when one is set
    strength_settings: StrengthSettings = field(default_factory=StrengthSettings)
    memo: Memo = field(default_factory=Memo)  # pieces kept across `mkdocs serve` rebuilds (reuse.py)

    def __post_init__(self) -> None:
        self.finding_by_id = {r.id: r for r in self.findings}
        self.theme_by_id = {t.id: t for t in self.themes}
        self.by_theme: dict[str, list[FindingRecord]] = defaultdict(list)
        for record in self.findings:
            self.by_theme[record.finding.theme].append(record)

    @cached_property
    def kinds(self) -> Facet | None:
        """The facet whose values are kinds of evidence (``strength: kinds:``), if the site names one."""
        return next((f for f in self.facets if f.id == self.strength_settings.kinds), None)

    @cached_property
    def strength(self) -> dict[str, Strength]:
        """Each finding's strength of evidence, by id."""
        return {r.id: self.memo.get("strength", (self.record_versions.get(r.id), self.settings_version),
                                    lambda: weigh(r, self.references, self.strength_settings, self.kinds))
                for r in self.findings}

    @cached_property
    def reference_html(self) -> dict[str, Markup]:
        """Each reference in full, in the house style (formatted only when pages are made)."""
        return {key: self.formatted(key) for key in self.references}

    @cached_property
    def reference_text(self) -> dict[str, str]:
        """Each reference in full as plain text (for data files and page descriptions)."""
        return {key: html.striptags() for key, html in self.reference_html.items()}

    @cached_property
    def linker(self) -> CitationLinker:
        return self.memo.get("linker", self.references_version, lambda: CitationLinker(
            self.labels, {key: tooltip(self.formatted(key, TOOLTIP_NAMES)) for key in self.references},
            {key: ref.slug for key, ref in self.references.items()}))

    def formatted(self, key: str, name_limit: int = MAX_NAMES) -> Markup:
        """One reference in full: in the CSL style when the site sets one, else the house style."""
        if key in self.styled_html:
            return self.styled_html[key]
        return self.memo.get("entry", (self.reference_versions.get(key), name_limit),
                             lambda: format_entry(key, self.references, self.labels, name_limit))

    @cached_property
    def reference_versions(self) -> dict[str, str]:
        """A digest of all a page shows of each reference: its fields, label, the members of an
        @set, its text in the CSL style."""
        def version(key: str) -> str:
            reference = self.references[key]
            members = [(self.references.get(m), self.labels.get(m)) for m in reference.members]
            shown = repr((reference, self.labels[key], members, self.styled_html.get(key)))
            return digest(shown)
        return {key: version(key) for key in self.references} if self.memo.keep else {}

    @cached_property
    def record_versions(self) -> dict[str, str]:
        """A digest of all a page shows of each finding: its file as read, its dates, and the
        version of each reference it names (their labels and text are on its pages)."""
        def version(record: FindingRecord) -> str:
            keys = ({c.key for c in record.finding.citations} | {s.source for s in record.finding.statistics}
                    | {c.key for match in self.summary_citations.get(record.id, ()) for c in match.cites})
            shown = [record.id, record.version, str(record.published_on), str(record.reviewed_on)]
            shown += [f"{key}={self.reference_versions.get(key)}" for key in sorted(keys)]
            return digest("|".join(shown))
        return {record.id: version(record) for record in self.findings} if self.memo.keep else {}

    @cached_property
    def references_version(self) -> str:
        """A digest of every reference's version, in order."""
        return digest(" ".join(self.reference_versions.values()))

    def fingerprint(self, value: object) -> str:
        """A digest of what ``value`` holds (reuse.fingerprint), its records and references by version."""
        return fingerprint(value, {FindingRecord: self._record_version, Reference: self._reference_version})

    def _record_version(self, record: FindingRecord) -> str:
        return self.record_versions[record.id]

    def _reference_version(self, reference: Reference) -> str:
        return self.reference_versions[reference.key]

    @cached_property
    def findings_version(self) -> str:
        """A digest of every finding's version, in order: of any page that lists them all."""
        return digest(" ".join(self.record_versions.values()))

    @cached_property
    def settings_version(self) -> str:
        """A digest of the settings every page may show: themes, facets, maps, strength."""
        shown = repr((self.themes, self.facets, self.maps, self.strength_settings))
        return digest(shown)


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a stage. The stages make hundreds of thousands
    of objects that nearly all stay alive (records) or hold no cycles (page text); the collector
    would scan them again and again: 0.7 s of 2.5 s loading 5,000 findings, 0.25 s of 2 s
    rendering them. Garbage with cycles is collected once the stage is done."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def page_title(markdown: str, path: str) -> str:
    """A hand-written page's title: its front-matter title, else its first heading, else its path."""
    match = re.search(r"^title:\s*(.+)$", markdown.split("\n---", 1)[0], re.M) if markdown.startswith("---") else None
    match = match or re.search(r"^#\s+(.+?)\s*#*$", markdown, re.M)
    return match[1].strip().strip("\"'") if match else path


def check_citations(cites: list[Cite], path: str, keys: set[str],
                    line_of: Callable[[Cite], int] = lambda cite: cite.line) -> tuple[list[Problem], set[str]]:
    """Unknown keys among a text's citations, and the keys it cites; ``line_of`` places a
    citation in its file when the text is a value inside one."""
    problems, cited = [], set()
    for cite in cites:
        if cite.key in keys:
            cited.add(cite.key)
        else:
            problems.append(Problem(path, line_of(cite), 0, f"unknown citation key '{cite.key}'"
                                    f"{did_you_mean(cite.key, keys)}; add it to bibliography.bib or correct it"))
    return problems, cited


def build_knowledge_base(root: Path, settings: Settings, pages: dict[str, str] | None = None,
                         docs_dir: str = "docs", every_entry: bool = False, memo: Memo | None = None) -> KnowledgeBase:
    """Load and check every record; ``pages`` maps hand-written Markdown pages (paths inside
    ``docs_dir``) to their text so their citations are checked and counted too.
    Raises FindingsError with every error found. The problems of bibliography entries that
    nothing cites are one summary note, unless ``every_entry`` asks for each of them. A
    ``memo`` kept from the last build (under `mkdocs serve`) saves reading unchanged files."""
    with cyclic_gc_paused():
        return _build_knowledge_base(root, settings, pages or {}, docs_dir, every_entry, memo or Memo())


def _build_knowledge_base(root: Path, settings: Settings, pages: dict[str, str], docs_dir: str,
                          every_entry: bool, memo: Memo) -> KnowledgeBase:
    folder, problems = locate(root, "findings", settings.findings, folder=True)
    files, found = record_files(folder, root) if folder else ([], [])
    bibliography_path, found_bibliography = locate(root, "bibliography", settings.bibliography)

    def read() -> Bibliography:
        return read_bibliography(bibliography_path, settings.bibliography) if bibliography_path else Bibliography()
    # A plain build parses the bibliography in a forked child while the findings load (forked.py);
    # while serving, read_bibliography keeps what it parsed for the next rebuild, so it runs here.
    with beside(read) if not memo.keep else nullcontext(read) as bibliography_read:
        records, loaded = load_findings(files, root, settings.themes, settings.facets, settings.strength.labels, memo)
        bibliography = bibliography_read()
    problems += found + loaded + found_bibliography + bibliography.problems
    questions_path, found = locate(root, "questions", settings.questions)
    questions, questions_doc, loaded = load_questions(questions_path, root) if questions_path else ([], None, [])
    problems += found + loaded
    # An entry that could not be read can be cited: its own problem says what is wrong.
    keys = set(bibliography.references) | bibliography.broken
    # A missing folder or bibliography is reported once, not again by everything naming what it holds.
    finding_ids = sorted({path.stem for path in files}) if folder else None
    problems += check_page_names(records, taken_names(settings.facets, pages))
    problems += check_references(records, finding_ids, settings.themes, keys if bibliography_path else None,
                                 questions, questions_doc)
    if bibliography_path is None:
        raise FindingsError(problems)

    cited_keys: dict[str, frozenset[str]] = {}
    cited_anywhere: set[str] = set()
    summary_citations: dict[str, list[CitationMatch]] = {}
    known = digest("\n".join(sorted(keys))) if memo.keep else ""

    def checked(record: FindingRecord) -> tuple[list[CitationMatch], list[Problem], frozenset[str]]:
        """A finding's citations in its summary, what is wrong with them, and the keys it cites."""
        matches = find_matches(record.finding.summary, keys.__contains__)
        document = record.document
        found, cited = check_citations([cite for match in matches for cite in match.cites], record.path, keys,
                                       lambda cite: document.line_of(("summary",), "@" + cite.key))
        listed = {c.key for c in record.finding.citations}
        # What the page shows as its sources, the data files and "cited by" all take from citations.
        found += [Problem(record.path, document.line_of(("summary",), "@" + key), 0, f"the summary cites "
                          f"'{key}' but citations does not list it; add it to citations")
                  for key in sorted(cited - listed)]
        return matches, found, frozenset(cited | (listed & keys))

    for record in records:  # while serving, checked again only when its file or the keys changed
        matches, found, cited = memo.get("citations", (known, record.path, record.version), lambda: checked(record))
        summary_citations[record.id] = matches
        problems += found
        cited_anywhere |= cited
        cited_keys[record.id] = cited
    cited_in_pages: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for path, markdown in sorted(pages.items()):
        page_problems, cited = check_citations(find_citations(markdown, keys.__contains__), f"{docs_dir}/{path}", keys)
        problems += page_problems
        cited_anywhere |= cited
        for key in sorted(cited):
            cited_in_pages[key].append((path, page_title(markdown, path)))

    listed = _listed(bibliography, cited_anywhere, settings.references)
    problems += _entry_problems(bibliography, set(bibliography.entry_problems) | set(bibliography.references)
                                if every_entry else cited_anywhere, listed, settings.bibliography)
    problems += check_year_labels(listed.values(), settings.bibliography)
    warnings = [p for p in problems if p.severity != "error"]
    errors = [p for p in problems if p.severity == "error"]
    style, found = _style(root, settings)
    errors += found
    if errors:  # notes wait until the errors are fixed
        raise FindingsError(errors + [p for p in warnings if p.severity == "warning"])

    styled = apply_style(style, listed) if style is not None else None
    if styled:  # the order and labels the CSL style gives
        labels = styled.labels
        references = {key: listed[key] for key in styled.order}
    else:
        labels = assign_labels(listed.values())
        references = dict(sorted(listed.items(), key=lambda item: sort_key(item[1], labels[item[0]])))
    theme_order = {t.id: i for i, t in enumerate(settings.themes)}
    history = file_dates(folder) if settings.history and folder else {}
    # The parsed files' line tables are only needed for messages: the published records drop them.
    published = sorted((_dated(r, history.get(root / r.path) if history else None)
                        for r in records if r.finding.status == "published"),
                       key=lambda r: (theme_order[r.finding.theme], r.id))
    cited_by: dict[str, list[FindingRecord]] = defaultdict(list)
    for record in published:
        for key in sorted(cited_keys[record.id]):
            cited_by[key].append(record)
    return KnowledgeBase(settings.themes, published, references, labels, questions, warnings,
                         len(records) - len(published), dict(cited_by), dict(cited_in_pages),
                         {r.id: summary_citations[r.id] for r in published}, settings.facets, settings.maps,
                         styled.html if styled else {}, settings.strength, memo)


def _dated(record: FindingRecord, history: tuple[datetime.date, datetime.date] | None) -> FindingRecord:
    """A published record: its dates (its own, else its file's first and last commits), without
    its file's line table, which only messages need."""
    first, last = history or (None, None)
    published = record.finding.added or first
    reviewed = record.finding.reviewed or (last if last and (not published or last > published) else None)
    return replace(record, document=None, published_on=published, reviewed_on=reviewed)


def _style(root: Path, settings: Settings) -> tuple[CitationStylesStyle | None, list[Problem]]:
    """The CSL style the ``style`` setting names, or None for the house style."""
    if settings.style == "house":
        return None, []
    path, problems = locate(root, "style", settings.style)
    if path is None:
        return None, problems
    try:
        return load_style(path), []
    except StyleError as error:
        return None, [Problem(settings.style, 0, 0, f"not a CSL style the processor can read ({error}); give a .csl "
                              "file from the CSL styles repository, or set style: house")]


def _listed(bibliography: Bibliography, cited: set[str], which: str) -> dict[str, Reference]:
    """The references the site lists: those cited (with the members of a cited @set), or every
    entry when the ``references`` setting is ``all``."""
    if which == "all":
        return dict(bibliography.references)
    wanted = set(cited)
    for key in cited & set(bibliography.references):
        wanted |= set(bibliography.references[key].members)
    return {key: ref for key, ref in bibliography.references.items() if key in wanted}


def _entry_problems(bibliography: Bibliography, cited: set[str], listed: dict[str, Reference],
                    path: str) -> list[Problem]:
    """Everything odd about the entries the site cites, each with its fix; the problems of
    entries nothing cites in one line, which never fails a build."""
    found, elsewhere = [], []
    for key, entry_problems in bibliography.entry_problems.items():
        (found if key in cited else elsewhere).extend(entry_problems)
    for key in sorted(cited & set(bibliography.references)):
        reference = bibliography.references[key]
        found += [Problem(path, reference.line, 1, f"entry '{key}' {note}", "note") for note in print_notes(reference)]
    uncited = set(bibliography.references) - set(listed)
    if uncited:
        found.append(Problem(path, 0, 0, (
            f"{len(uncited)} of {len(bibliography.references)} entries are cited nowhere, so the site does not list "
            "them (set references: all in the findings plugin's settings to list every entry)"), "note"))
    if elsewhere:
        lines = sorted({p.line for p in elsewhere})
        shown = ", ".join(map(str, lines[:10])) + (", …" if len(lines) > 10 else "")
        found.append(Problem(path, 0, 0, (
            f"{len(elsewhere)} problem{'s' if len(elsewhere) != 1 else ''} in entries that nothing cites (lines {shown}); "
            "they are not on the site, and `findings lint --all-entries` lists them"), "note"))
    return found
