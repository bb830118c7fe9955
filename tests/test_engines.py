"""One knowledge base, any engine: `findings generate` writes the site as a project that MkDocs,
ProperDocs and Zensical build without the findings plugin, and each engine's site reads the same.

The parity test builds the sample site five ways: MkDocs and ProperDocs with the plugin, and the
generated project with Zensical, MkDocs and ProperDocs. Every engine must build the same pages,
and each page's article (the page's own content, without the theme's navigation) must give the
same text, whitespace folded, and the same links in the same order. The differences allowed,
all of Zensical's theme, and nothing else:

- the tags of a page (Material's ``nav.md-tags``) may stand elsewhere in the article (Material
  for MkDocs puts them above the title, Zensical below the content): they are taken out and
  compared on their own, the same tags linking to the same places;
- the tags index lists each tag under a heading with no permalink (``a.headerlink``) in Zensical.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from conftest import MKDOCS_YML, REPO, article, plain

GENERATED_BY_PLUGIN = ("mkdocs", "properdocs")  # the engines that run the findings plugin
ZENSICAL = [sys.executable, "-m", "zensical", "build", "--strict"]
# Zensical (in the test extras) needs Python 3.11; the tests that build with it are skipped before.
needs_zensical = pytest.mark.skipif(sys.version_info < (3, 11), reason="Zensical needs Python 3.11 or newer")


def _zensical(folder: Path) -> tuple[int, str]:
    """``zensical build --strict`` in ``folder``: (exit status, output); the site is folder/site."""
    result = subprocess.run(ZENSICAL, cwd=folder, capture_output=True, text=True, timeout=300)
    return result.returncode, re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)


@pytest.fixture(scope="session")
def engines(sample_root, built_site, build_site, run_cli, tmp_path_factory) -> SimpleNamespace:
    """The sample site built by every engine: ``.sites`` (engine → site folder), ``.generated``
    (the generated project) and ``.outputs`` (what building the generated project printed)."""
    work = tmp_path_factory.mktemp("engines")
    sites, outputs = {"mkdocs": built_site}, {}
    code, output, sites["properdocs"] = build_site(sample_root / "mkdocs.yml", work / "properdocs", "properdocs")
    assert code == 0, output
    generated = work / "generated"
    code, out, err = run_cli("generate", "--out", str(generated), cwd=sample_root)
    assert code == 0, out + err
    code, outputs["zensical"] = _zensical(generated)
    assert code == 0, outputs["zensical"]
    sites["zensical"] = generated / "site"
    for tool in GENERATED_BY_PLUGIN:
        code, outputs[f"generated-{tool}"], sites[f"generated-{tool}"] = build_site(
            generated / "mkdocs.yml", work / f"generated-{tool}", tool)
        assert code == 0, outputs[f"generated-{tool}"]
    return SimpleNamespace(sites=sites, generated=generated, outputs=outputs)


def _pages(site: Path) -> set[str]:
    return {path.relative_to(site).as_posix() for path in site.rglob("*.html")}


_TAGS = re.compile(r'<nav class="md-tags"\s*>.*?</nav>', re.S)
_TAG_PERMALINK = re.compile(r'(<h2 id="tag:[^"]*">(?:(?!</h2>).)*?)<a class="headerlink"[^>]*>[^<]*</a>', re.S)
_LINK = re.compile(r'<a\b[^>]*?\bhref="([^"]*)"')


def reading(html: str, page: str) -> dict:
    """What a reader gets of a page's article: its text, its links and its tags, with the
    differences the module's docstring allows set aside."""
    main = article(html) if "<article" in html else html  # a page sending readers on is read whole
    tags = [(plain(tag), _LINK.findall(tag)) for tag in _TAGS.findall(main)]
    main = _TAGS.sub("", main)
    if page == "tags/index.html":
        main = _TAG_PERMALINK.sub(r"\1", main)
    return {"text": plain(main), "links": _LINK.findall(main), "tags": tags}


@needs_zensical
def _data_files(site: Path) -> dict[str, bytes]:
    """The data files the plugin writes, as published: the whole lists and each source's downloads."""
    return {path.relative_to(site).as_posix(): path.read_bytes() for folder in ("data", "sources")
            for path in sorted((site / folder).rglob("*")) if path.suffix in (".json", ".csv", ".bib", ".ris")}


def test_every_engine_builds_every_page_and_data_file(engines):
    pages, data = _pages(engines.sites["mkdocs"]), _data_files(engines.sites["mkdocs"])
    assert {"index.html", "bibliography/index.html", "influence-local-decision-making/index.html",
            "findings/influence-local-decision-making/index.html"} <= pages  # the last sends readers on
    assert "data/findings.json" in data and "data/datapackage.json" in data
    for engine, site in engines.sites.items():
        assert _pages(site) == pages, engine
        assert _data_files(site) == data, engine


@needs_zensical
def test_every_page_reads_the_same_whatever_the_engine(engines):
    reference = engines.sites["mkdocs"]
    differences = []
    for page in sorted(_pages(reference)):
        expected = reading((reference / page).read_text(encoding="utf-8"), page)
        for engine, site in engines.sites.items():
            found = reading((site / page).read_text(encoding="utf-8"), page)
            differences += [f"{engine} {page}: {part}" for part in expected if found[part] != expected[part]]
    assert differences == []


@needs_zensical
def test_the_generated_project_builds_without_a_warning_on_every_engine(engines):
    assert "No issues found" in engines.outputs["zensical"]
    for tool in GENERATED_BY_PLUGIN:
        output = engines.outputs[f"generated-{tool}"]
        assert "WARNING" not in output and "Traceback" not in output, output


@needs_zensical
def test_the_generated_config_has_no_plugin_and_keeps_generated_pages_out_of_the_nav(engines):
    config = (engines.generated / "mkdocs.yml").read_text(encoding="utf-8")
    settings = yaml.safe_load(config)
    assert [next(iter(plugin)) if isinstance(plugin, dict) else plugin for plugin in settings["plugins"]] == [
        "search", "tags"]
    assert settings["markdown_extensions"] == ["attr_list", "md_in_html", "admonition", {"toc": {"permalink": True}},
                                              "findings.captions"]
    # Folders holding only such pages are listed whole, the findings (at the top level) one by one.
    assert "not_in_nav: |\n  /evidence/\n  /public-bodies/\n  /sources/\n  /access-to-new-community-groups.md\n" in config
    # A finding's page is reached from its theme, not from the navigation, on every engine.
    for engine in ("mkdocs", "zensical"):
        home = (engines.sites[engine] / "index.html").read_text(encoding="utf-8")
        nav = home[: home.index("<article")]
        assert re.search(r'href="(\./)?themes/power-dynamics/"', nav)
        assert not re.search(r'href="(\./)?access-to-new-community-groups/"', nav)


# Generating: repeatable, never in the wrong place, nothing written on problems ----------------

def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_generating_twice_gives_the_same_files_and_removes_those_no_longer_made(run_cli, project, tmp_path):
    extra = project.write("findings/power-dynamics/a-second-claim.yml", """\
        title: A second claim.
        theme: power-dynamics
        summary: A second claim [@kaye2020].
        citations: [kaye2020]
        """)
    out = tmp_path / "generated"
    assert run_cli("generate", "--out", str(out), cwd=project.root)[0] == 0
    first = _files(out)
    assert "docs/a-second-claim.md" in first and "docs/data/findings.json" in first
    (out / "site").mkdir()
    (out / "site" / "index.html").write_text("built by an engine", encoding="utf-8")
    code, _, err = run_cli("generate", "--out", str(out), cwd=project.root)
    assert code == 0 and "0 written or removed" in err
    assert {path: content for path, content in _files(out).items() if not path.startswith("site/")} == first
    extra.unlink()
    assert run_cli("generate", "--out", str(out), cwd=project.root)[0] == 0
    after = _files(out)
    assert "docs/a-second-claim.md" not in after and "docs/influence-local-decision-making.md" in after
    assert after["site/index.html"] == b"built by an engine"  # what the engine built is left alone
    listed = json.loads(after[".findings-generate.json"])["files"]
    assert sorted(path for path in after if not path.startswith("site/") and path != ".findings-generate.json") == listed


@pytest.mark.parametrize("where, message", [
    ("other", "is not empty and was not written by `findings generate`"),
    ("docs/out", "is inside the docs folder"),
    (".", "holds the project itself"),
    ("..", "holds the project itself"),
])
def test_generate_refuses_a_folder_it_must_not_write(run_cli, project, where, message):
    (project.root / "other").mkdir()
    (project.root / "other" / "notes.txt").write_text("mine", encoding="utf-8")
    before = _files(project.root)
    code, out, err = run_cli("generate", "--out", where, cwd=project.root)
    assert code == 2 and message in err and out == ""
    assert _files(project.root) == before


def test_problems_in_the_records_stop_generate_as_they_stop_lint(run_cli, project, tmp_path):
    project.write("findings/power-dynamics/bad.yml", """\
        title: A finding citing nothing known.
        theme: power-dynamic
        summary: It cites [@nobody2020].
        citations: [nobody2020]
        """)
    lint = run_cli("lint", cwd=project.root)
    code, out, err = run_cli("generate", "--out", str(tmp_path / "generated"), cwd=project.root)
    assert (code, out, err) == lint and code == 1 and "unknown citation key 'nobody2020'" in out
    assert not (tmp_path / "generated").exists()


def test_generate_refuses_config_only_mkdocs_reads_naming_its_line(run_cli, project, tmp_path):
    project.write("mkdocs.yml", MKDOCS_YML.replace(
        "  - md_in_html\n", "  - md_in_html\n  - toc:\n      permalink: true\n      title: !relative $config_dir\n"))
    code, out, err = run_cli("generate", "--out", str(tmp_path / "generated"), cwd=project.root)
    assert code == 1 and not (tmp_path / "generated").exists()
    assert "mkdocs.yml:10:14: !relative is read by MkDocs alone, and other engines stop on it" in out + err


# What the generated pages hold -------------------------------------------------------------

MATERIAL = MKDOCS_YML.replace("  name: mkdocs\n", "  name: material\n  features: [content.tooltips]\n")


@needs_zensical
def test_hand_written_pages_get_their_blocks_citations_and_snippets(run_cli, project, tmp_path):
    project.write("mkdocs.yml", MATERIAL.replace("  - md_in_html\n", "  - md_in_html\n  - pymdownx.snippets:\n"
                                                 "      base_path: .\n      check_paths: true\n"))
    project.write("GUIDE.md", "Included from the project's root, citing [@kaye2020] as written.\n")
    project.write("docs/guide/index.md", "# Guide\n\nSee @kaye2020.\n\n<!-- findings:themes -->\n\n--8<-- \"GUIDE.md\"\n")
    out = tmp_path / "generated"
    code, _, err = run_cli("generate", "--out", str(out), cwd=project.root)
    assert code == 0, err
    page = (out / "docs/guide/index.md").read_text(encoding="utf-8")
    # A narrative citation, as a Markdown link to the reference list that every engine resolves.
    assert 'See [Kaye (2020)](../bibliography.md#kaye2020 "Kaye, S. (2020)' in page
    assert "[Power dynamics](../themes/power-dynamics.md)" in page
    # The snippet is included after the citations are linked, as the build includes it.
    assert page.rstrip().endswith("\nIncluded from the project's root, citing [@kaye2020] as written.")
    assert not (out / "GUIDE.md").exists()
    code, output = _zensical(out)
    assert code == 0, output
    html = (out / "site/guide/index.html").read_text(encoding="utf-8")
    assert 'href="../bibliography/#kaye2020"' in html and "citing [@kaye2020] as written" in html


def test_a_missing_snippet_is_named_and_nothing_is_written(run_cli, project, tmp_path):
    project.write("mkdocs.yml", MKDOCS_YML.replace("  - md_in_html\n", "  - md_in_html\n  - pymdownx.snippets:\n"
                                                   "      check_paths: true\n"))
    project.write("docs/about.md", "# About\n\n--8<-- \"MISSING.md\"\n")
    code, out, err = run_cli("generate", "--out", str(tmp_path / "generated"), cwd=project.root)
    assert code == 1 and not (tmp_path / "generated").exists()
    assert "docs/about.md: Snippet at path 'MISSING.md' could not be found; correct the snippet's path" in out + err


EVIL = """\
title: A claim with <script>alert('title')</script> in it.
theme: power-dynamics
summary: |
  Ordinary **bold**, a [link](https://example.org) and a list follow [@kaye2020].
  <script>alert('summary')</script> <img src="x.png" onerror="alert('img')">
  <a href="javascript:alert('js')">bad link</a> <iframe src="https://example.org"></iframe>
  <form>
  [form link](javascript:alert('form'))
  </form>

  - first item
  - second item
citations: [kaye2020]
"""


@needs_zensical
def test_record_html_is_sanitised_before_it_is_written(run_cli, project, tmp_path):
    project.write("mkdocs.yml", MATERIAL)
    (project.root / "findings/power-dynamics/unsafe-html.yml").write_text(EVIL, encoding="utf-8")
    out = tmp_path / "generated"
    code, _, err = run_cli("generate", "--out", str(out), cwd=project.root)
    assert code == 0, err
    written = (out / "docs/unsafe-html.md").read_text(encoding="utf-8")
    assert "<script" not in written and "onerror" not in written and "<iframe" not in written
    # What the sanitiser keeps of a removed element is text in an HTML block, never read as Markdown.
    assert "<div>\n<p>Ordinary <strong>bold</strong>" in written and "\n[form link](javascript:" in written
    code, output = _zensical(out)
    assert code == 0, output
    for page in ("unsafe-html/index.html", "themes/power-dynamics/index.html"):
        main = article((out / "site" / page).read_text(encoding="utf-8"))
        assert "<script" not in main and "onerror" not in main and "<iframe" not in main, page
        assert not re.search(r"(href|src)=\"javascript", main), page
        assert "A claim with <script>alert('title')</script> in it." in plain(main)  # shown as text
        if page.startswith("themes/"):  # the lead sentence, as text
            assert "<p>Ordinary bold, a link and a list follow (Kaye, 2020)." in main
            continue
        assert "[form link](javascript:" in main
        assert "<strong>bold</strong>" in main and '<a href="https://example.org">link</a>' in main
        assert "<li>first item</li>" in main


@needs_zensical
def test_a_new_knowledge_base_builds_on_zensical_with_its_footer(run_cli, tmp_path):
    assert run_cli("init", str(tmp_path / "kb"), cwd=tmp_path)[0] == 0
    out = tmp_path / "generated"
    code, _, err = run_cli("generate", "--out", str(out), cwd=tmp_path / "kb")
    assert code == 0, err
    code, output = _zensical(out)
    assert code == 0, output
    home = (out / "site/index.html").read_text(encoding="utf-8")
    assert "Findings and data: <a href=\"https://creativecommons.org/licenses/by/4.0/\">" in home
    assert (out / "site/residents-lead-local-projects/index.html").is_file()


# The plugin over a docs folder that holds generated pages ----------------------------------

def test_the_plugin_accepts_generated_pages_identical_to_its_own_and_refuses_others(
        run_cli, project, build_site, tmp_path):
    """Pages `findings generate` wrote, or as the plugin makes them, may stand in the docs folder."""
    from findings.generate import make_site
    from findings.render import render_pages
    assert run_cli("generate", "--out", str(tmp_path / "generated"), cwd=project.root)[0] == 0
    for path in ("bibliography.md", "themes/power-dynamics.md", "data/findings.json"):
        (project.root / "docs" / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / "generated" / "docs" / path, project.root / "docs" / path)
    kb = project.knowledge_base()
    site = make_site(project.settings(), "Findings test site", "https://example.org/findings/", True, ["findings"],
                     False)
    (project.root / "docs" / "questions.md").write_text(render_pages(kb, site)["questions.md"], encoding="utf-8")
    code, output, built = build_site(project.config, tmp_path / "site")
    assert code == 0, output
    page = (built / "themes" / "power-dynamics" / "index.html").read_text(encoding="utf-8")
    assert 'href="../../bibliography/#localtrust2020survey"' in page
    project.write("docs/bibliography.md", "# My own reference list\n")
    code, output, _ = build_site(project.config, tmp_path / "site")
    assert code != 0
    assert ("findings: these files in the docs folder clash with generated pages; rename or remove them: "
            "bibliography.md") in output


# Configuration every engine reads ----------------------------------------------------------

def test_lint_warns_when_zensical_would_build_without_the_plugin(run_cli, project):
    project.write("zensical.toml", '[project]\nsite_name = "Findings"\n\n[project.plugins.findings]\n')
    code, out, err = run_cli("lint", cwd=project.root)
    assert code == 1
    assert out.startswith("zensical.toml:4: this engine will not run the findings plugin: use `findings generate`")
    assert out.rstrip().endswith("[warning]")
    code, out, _ = run_cli("--config", "zensical.toml", "lint", cwd=project.root)
    assert code == 1 and "zensical.toml:4: this engine will not run the findings plugin" in out


@pytest.mark.parametrize("config", ["mkdocs.yml", "tests/data/sample/mkdocs.yml",
                                    "plugins/findings/templates/init/mkdocs.yml.j2"])
def test_the_shipped_configs_use_only_what_every_engine_reads(config):
    """MkDocs' own tags other engines stop on (!relative) appear in no config this repository ships."""
    text = (REPO / config).read_text(encoding="utf-8")
    assert not re.search(r"(?m)^[^#\n]*:\s+!relative", text)
