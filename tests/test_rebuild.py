"""Rebuilds as `mkdocs serve` does them: one edited finding shows up, the parsed bibliography
is reused, memory stays flat; and two builds of the same input are byte-identical."""

from __future__ import annotations

import filecmp
import gc
import tracemalloc
import weakref
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from mkdocs.commands.build import build
from mkdocs.config import load_config

import findings.bibliography as bibliography_module
import findings.forked as forked
import findings.preview as preview

FINDING = "findings/power-dynamics/influence-local-decision-making.yml"


def test_twenty_rebuilds_pick_up_edits_reuse_the_bibliography_and_keep_memory_flat(project, tmp_path, monkeypatch):
    parses = []
    real_parse = bibliography_module.parse_bibliography
    monkeypatch.setattr(bibliography_module, "parse_bibliography",
                        lambda *args: parses.append(args) or real_parse(*args))
    bibliography_module._parse_cached.cache_clear()
    site = tmp_path / "site"
    config = load_config(str(project.config), site_dir=str(site))
    # `mkdocs serve` rebuilds with its server's thread running, so no work is forked (forked.py)
    # and the bibliography parsed by one build is there for the next.
    monkeypatch.setattr(forked, "_threads_running", lambda: True)
    original = (project.root / FINDING).read_text(encoding="utf-8")
    memory = []
    tracemalloc.start()
    try:
        for rebuild in range(20):
            edited = original.replace("64 per cent of partnership members", f"Edit {rebuild} - 64 per cent of members")
            (project.root / FINDING).write_text(edited, encoding="utf-8")
            build(config)  # every plugin event, as a serve rebuild runs them
            page = (site / "influence-local-decision-making" / "index.html").read_text(encoding="utf-8")
            assert f"Edit {rebuild} - 64 per cent of members" in page
            gc.collect()
            memory.append(tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()
    assert len(parses) == 1, "the unchanged bibliography was parsed again"
    # After the first few rebuilds warm the caches, memory does not grow with each rebuild.
    growth = memory[-1] - memory[4]
    assert growth < 2_000_000, [round(m / 1e6, 2) for m in memory]


def test_two_builds_of_the_same_input_are_byte_identical(sample_root, built_site, build_site, tmp_path):
    code, output, again = build_site(sample_root / "mkdocs.yml", tmp_path / "again")
    assert code == 0, output
    first = sorted(p.relative_to(built_site) for p in built_site.rglob("*") if p.is_file())
    second = sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert first == second
    compared = [p for p in first if p.name not in ("sitemap.xml", "sitemap.xml.gz")]
    _, mismatch, errors = filecmp.cmpfiles(built_site, again, [str(p) for p in compared], shallow=False)
    assert mismatch == [] and errors == []


def test_a_serve_rebuild_reads_only_the_finding_files_that_changed(copy_sample, monkeypatch):
    import findings.validate as validate_module
    from conftest import Project
    from findings.pipeline import build_knowledge_base
    from findings.reuse import Memo

    project, read = Project(copy_sample), []
    real_read = validate_module.read_yaml
    monkeypatch.setattr(validate_module, "read_yaml", lambda path, display: read.append(display) or real_read(path, display))
    memo = Memo(keep=True)
    first = build_knowledge_base(project.root, project.settings(), project.pages(), memo=memo)
    assert len([path for path in read if path.startswith("findings/")]) == len(first.findings) + first.drafts
    read.clear()
    build_knowledge_base(project.root, project.settings(), project.pages(), memo=memo)
    assert "findings/" not in " ".join(read)
    text = (project.root / FINDING).read_text(encoding="utf-8")
    (project.root / FINDING).write_text(text.replace("title: ", "title: Edited, ", 1), encoding="utf-8")
    kb = build_knowledge_base(project.root, project.settings(), project.pages(), memo=memo)
    assert [path for path in read if path.startswith("findings/")] == [FINDING]
    assert kb.finding_by_id["influence-local-decision-making"].finding.title.startswith("Edited, ")


def test_a_serve_rebuild_makes_again_only_the_pages_that_show_what_changed(copy_sample, monkeypatch):
    import findings.render as render_module
    from conftest import Project
    from findings.pipeline import build_knowledge_base
    from findings.reuse import Memo

    project, made = Project(copy_sample), []
    real_render = render_module._render
    monkeypatch.setattr(render_module, "_render", lambda template, page, *rest: made.append(page)
                        or real_render(template, page, *rest))
    memo, site = Memo(keep=True), render_module.Site("Site")
    first = render_module.render_pages(build_knowledge_base(project.root, project.settings(), project.pages(), memo=memo), site)
    assert len(made) == len(first)
    made.clear()
    assert render_module.render_pages(build_knowledge_base(project.root, project.settings(), project.pages(), memo=memo),
                                      site) == first
    assert made == []
    text = (project.root / FINDING).read_text(encoding="utf-8")
    (project.root / FINDING).write_text(text.replace("title: ", "title: Edited, ", 1), encoding="utf-8")
    kb = build_knowledge_base(project.root, project.settings(), project.pages(), memo=memo)
    pages = render_module.render_pages(kb, site)
    assert {"influence-local-decision-making.md", "themes/power-dynamics.md", "browse.md"} <= set(made)
    assert {path for path in pages if pages[path] != first[path]} <= set(made)
    other_theme = next(theme.id for theme in kb.themes if theme.id != "power-dynamics")
    assert f"themes/{other_theme}.md" not in made and len(made) < len(pages) / 2
    assert "Edited, " in pages["themes/power-dynamics.md"]


def test_a_fingerprint_changes_with_any_value_it_holds_and_never_matches_an_address():
    from dataclasses import dataclass

    from findings.reuse import fingerprint

    @dataclass
    class Shown:
        title: str
        items: list

    same = fingerprint(Shown("A", [1, {"b": 2}]), {})
    assert same == fingerprint(Shown("A", [1, {"b": 2}]), {})
    assert same != fingerprint(Shown("A", [1, {"b": 3}]), {})
    assert fingerprint(object(), {}) != fingerprint(object(), {})  # its repr names its address
    assert fingerprint([Shown("A", [])], {Shown: lambda item: "v1"}) != fingerprint([Shown("A", [])], {Shown: lambda item: "v2"})


def test_a_fingerprint_leaves_no_garbage_for_the_cyclic_collector(copy_sample):
    """Each page is fingerprinted at every rebuild while serving; what that leaves behind must
    go as soon as it is done with, not wait (with the page's parts) for the collector's pass."""
    from conftest import Project
    from findings.pipeline import build_knowledge_base
    from findings.reuse import Memo

    project = Project(copy_sample)
    kb = build_knowledge_base(project.root, project.settings(), project.pages(), memo=Memo(keep=True))
    gc.collect()
    gc.disable()
    try:
        for record in kb.findings:
            kb.fingerprint((record, [record.finding.title], {"theme": record.finding.theme}))
        assert gc.collect() == 0  # nothing unreachable was waiting for it
    finally:
        gc.enable()


def test_a_reparsed_bibliography_converts_only_the_entries_that_changed_and_reports_every_problem(monkeypatch):
    converted = []
    real_reference = bibliography_module._reference
    monkeypatch.setattr(bibliography_module, "_reference", lambda key, *rest: converted.append(key)
                        or real_reference(key, *rest))
    text = ("@book{kept, author = {Kaye, Sarah}, title = {Kept}, publisher = {P}, year = {2020}}\n"
            "@book{edited, author = {Ball, Ann}, title = {Edited}, publisher = {P}, year = {2019}}\n"
            "@book{odd, author = {Lee, Jo}, title = {Odd} # undefinedname, publisher = {P}, year = {2018}}\n")
    first = bibliography_module.parse_bibliography(text, "unique-to-this-test.bib")
    assert sorted(converted) == ["edited", "kept", "odd"]
    converted.clear()
    second = bibliography_module.parse_bibliography(text.replace("{2019}", "{2017}"), "unique-to-this-test.bib")
    assert converted == ["edited"]
    assert second.references["edited"].year == "2017" and second.references["kept"] == first.references["kept"]
    assert [p.message for p in second.entry_problems["odd"]] == [p.message for p in first.entry_problems["odd"]]
    assert "undefinedname" in second.entry_problems["odd"][0].message


# Pieces of a .bib file, good and bad, for reading a file piece by piece against reading it whole.
_BIB_PIECES = [
    "@book{a, author = {Kaye, Sarah}, title = {A}, year = {2020}}\n",
    "@article{b,\n  author = {Ball, Ann},\n  title = {Mail me @ {home}},\n  year = 2019\n}\n",
    "@book{a, title = {Same key again}, year = {2021}}\n",
    "@misc{c, title = {One}, Title = {Two}, title = {Three}}\n",
    "@string{lt = {Local Trust}}\n",
    "@report(d, author = lt # { and others}, year = {2018})\n",
    "@comment{a note @article{x, title={not an entry}}}\n",
    "@preamble{\"\\newcommand{\\x}{y}\"}\n",
    "Free text between entries, and an address: me@example.org\n",
    "@book{open, title = {Never closed, year = {2020}\n",
    "@book{nocomma title = {No comma after the key}}\n",
    "@misc{at, note = {a line inside the entry\n@ that begins with an at sign}}\n",
    "  @Book{Spaced,\r\n  Title = {Indented, with CRLF},\r\n}\r\n",
    "@misc{e}\n",
    "@\n",
    "}\n",
]


@given(st.lists(st.sampled_from(_BIB_PIECES), max_size=12))
@settings(max_examples=300, deadline=None)
def test_a_bibliography_read_piece_by_piece_reads_as_the_whole_file_does(pieces):
    from bibtexparser import middlewares, parse_string

    text = "".join(pieces).replace("\r\n", "\n")

    def read(library):
        return ([(e.key, e.entry_type, e.start_line, [(f.key, f.value) for f in e.fields]) for e in library.entries],
                [(s.key, s.value, s.start_line) for s in library.strings],
                [(type(b).__name__, b.start_line, getattr(b, "key", None)) for b in library.failed_blocks])

    whole = parse_string(text, parse_stack=[middlewares.NormalizeFieldKeys()])
    assert read(bibliography_module.split_entries(text)) == read(whole)


@pytest.mark.parametrize("path", sorted((Path(__file__).parent / "data").rglob("*.bib")), ids=lambda path: path.name)
def test_real_bibliographies_read_piece_by_piece_give_the_same_references_and_problems(path, monkeypatch):
    text = path.read_text(encoding="utf-8")

    def parsed():
        found = bibliography_module.parse_bibliography(text, path.name)
        return (found.references, [str(p) for p in found.problems], found.broken,
                {key: [str(p) for p in problems] for key, problems in found.entry_problems.items()})

    by_pieces = parsed()
    monkeypatch.setattr(bibliography_module, "split_entries", bibliography_module._parse)
    assert by_pieces == parsed()


def test_an_edited_entry_is_the_only_piece_of_the_file_read_again(monkeypatch):
    text = "".join(f"@book{{k{number}, title = {{Book {number}}}, year = {{2020}}}}\n" for number in range(50))
    bibliography_module.split_entries(text)
    read = []
    real_parse = bibliography_module._parse
    monkeypatch.setattr(bibliography_module, "_parse", lambda piece: read.append(piece) or real_parse(piece))
    library = bibliography_module.split_entries("% a new first line\n" + text.replace("Book 7}", "Book 7, edited}"))
    assert read == ["% a new first line\n", "@book{k7, title = {Book 7, edited}, year = {2020}}\n"]
    assert [entry.start_line for entry in library.entries][6:9] == [7, 8, 9]  # the lines of the whole file


def test_a_build_writes_the_data_files_itself_and_still_gives_mkdocs_those_a_page_links_to(copy_sample, tmp_path,
                                                                                             caplog):
    """A plain build writes its data files straight into the site, and leaves the thousands of
    bulk ones (each source's files) out of what MkDocs is given, but for one a hand-written page
    links to, so that MkDocs finds the link."""
    import logging

    from conftest import Project

    project = Project(copy_sample)
    about = project.root / "docs" / "about.md"
    about.write_text(about.read_text(encoding="utf-8") + "\nKaye's book [in BibTeX](sources/kaye2020.bib), all "
                     "[findings](data/findings.csv).\n", encoding="utf-8")
    site = tmp_path / "site"
    with caplog.at_level(logging.INFO):
        build(load_config(str(project.config), site_dir=str(site)))
    assert not [record.getMessage() for record in caplog.records if "kaye2020.bib" in record.getMessage()
                or "findings.csv" in record.getMessage()]
    assert (site / "sources" / "kaye2020.bib").read_text(encoding="utf-8").startswith("@")
    assert (site / "data" / "findings.csv").read_text(encoding="utf-8").startswith("id,title,theme")
    assert 'href="../sources/kaye2020.bib"' in (site / "about" / "index.html").read_text(encoding="utf-8")


def test_a_build_leaves_out_a_data_file_the_site_excludes_and_keeps_those_a_page_beside_them_names(
        copy_sample, tmp_path, caplog):
    """A data file matching exclude_docs is not written; a hand-written page inside sources/ may
    link to a source's file by its name alone, and MkDocs still finds it."""
    import logging

    from conftest import Project

    project = Project(copy_sample)
    project.config.write_text(project.config.read_text(encoding="utf-8") + "\nexclude_docs: |\n  *.ris\n",
                              encoding="utf-8")
    project.write("docs/sources/reading.md", "# Reading\n\nKaye's book [in BibTeX](kaye2020.bib).\n")
    site = tmp_path / "site"
    with caplog.at_level(logging.INFO):
        build(load_config(str(project.config), site_dir=str(site)))
    assert not [record.getMessage() for record in caplog.records if "kaye2020.bib" in record.getMessage()]
    assert (site / "sources" / "kaye2020.bib").is_file() and (site / "sources" / "kaye2020.json").is_file()
    assert (site / "data" / "bibliography.bib").is_file() and not (site / "data" / "bibliography.ris").exists()


def test_a_dirty_rebuild_still_gives_mkdocs_a_source_file_a_hand_written_page_links_to(copy_sample, tmp_path, caplog):
    """Unchanged source files are left as built, out of a --dirty rebuild's files; one that a
    hand-written page names stays in, so MkDocs finds the page's link to it."""
    import logging

    from conftest import Project

    project = Project(copy_sample)
    about = project.root / "docs" / "about.md"
    about.write_text(about.read_text(encoding="utf-8") + "\nKaye's book [in BibTeX](sources/kaye2020.bib).\n",
                     encoding="utf-8")
    site = tmp_path / "site"
    config = load_config(str(project.config), site_dir=str(site))
    config.plugins.on_startup(command="serve", dirty=True)
    try:
        build(config, dirty=True)
        about.write_text(about.read_text(encoding="utf-8") + "\nEdited.\n", encoding="utf-8")  # built again
        with caplog.at_level(logging.INFO):
            build(load_config(str(project.config), site_dir=str(site)), dirty=True)
    finally:  # MkDocs keeps the plugin for the process's later builds: as `mkdocs build` starts it
        config.plugins.on_startup(command="build", dirty=False)
    assert "Edited." in (site / "about" / "index.html").read_text(encoding="utf-8")
    assert not [record.getMessage() for record in caplog.records if "kaye2020.bib" in record.getMessage()]
    assert (site / "sources" / "kaye2020.bib").is_file() and (site / "sources" / "kaye2020.ris").is_file()


class _Cycle:
    """An object that only the cyclic garbage collector frees once dropped."""

    def __init__(self) -> None:
        self.me = self


def test_a_rebuilds_cyclic_garbage_waits_for_its_end_and_is_collected_then_not_frozen():
    preview.pause_collector()  # a rebuild begins
    try:
        assert not gc.isenabled()
        garbage = weakref.ref(_Cycle())
        kept = [[index] for index in range(50_000)]  # what would have set off the collector's passes
        assert garbage() is not None and kept
        preview.settle(builds=1)  # the rebuild is over; not one whose settling scans the frozen
        assert garbage() is None and gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()
