"""The render stage's own rules: the URLs it writes for citations agree with MkDocs, theme pages
show each summary's first paragraph, and only pages holding record Markdown other than plain prose
need the HTML sanitiser — because plain prose cannot make a tag, attribute or URL of its own."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import markdown as python_markdown
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from mkdocs.config import load_config
from mkdocs.structure.files import File

from findings.convert import Converter
from findings.plugin import REQUIRED_EXTENSIONS
from findings.render import (finding_path, is_plain, lead_paragraph, page_url, pages_to_sanitize,
                             reference_list_url, sanitize_html, theme_path)

PAGES = ["index.md", "about.md", "bibliography.md", "themes/index.md", "themes/covid-19.md",
         "findings/a-claim.md", "sources/mccabe2019.md", "a/b/c/deep.md", "a/README.md", "README.md"]


@pytest.mark.parametrize("directory_urls", [True, False])
@pytest.mark.parametrize("page", PAGES)
def test_urls_agree_with_mkdocs(page, directory_urls):
    file = File(page, "docs", "site", directory_urls)
    reference_list = File("bibliography.md", "docs", "site", directory_urls)
    assert page_url(page, directory_urls) == file.url
    assert reference_list_url(page, directory_urls) == reference_list.url_relative_to(file)


def test_lead_paragraph_is_the_first_block():
    assert lead_paragraph("One line\nand its second line.\n\nSecond paragraph.") == "One line\nand its second line."
    assert lead_paragraph("\nOnly one.\n") == "Only one."
    assert lead_paragraph("First.\n   \nSecond after a line of spaces.") == "First."


def test_theme_page_shows_the_first_paragraph_and_the_finding_page_all(project, build_site):
    project.write("findings/power-dynamics/two-paragraphs.yml", """\
        title: A finding with two paragraphs.
        theme: power-dynamics
        summary: |
          The first paragraph, which the theme page shows [@kaye2020].

          The second paragraph, only on the finding's own page.
        citations: [kaye2020]
        """)
    code, output, site = build_site(project.config, project.root / "site")
    assert code == 0, output
    theme = (site / "themes" / "power-dynamics" / "index.html").read_text(encoding="utf-8")
    finding = (site / "two-paragraphs" / "index.html").read_text(encoding="utf-8")
    assert "The first paragraph, which the theme page shows (" in theme
    assert "The second paragraph" not in theme
    assert "The first paragraph" in finding and "The second paragraph, only on the finding" in finding
    # The citation in the summary links to the reference list from both pages.
    assert theme.count('href="../../bibliography/#kaye2020"') >= 2  # the summary and the Sources line
    assert 'href="../bibliography/#kaye2020"' in finding


@pytest.mark.parametrize("summary", [
    "See <b>this</b>.", "A [link](https://example.org).", "A [link] (javascript:alert(1)).",
    "[x]: javascript:alert(1)", "Text {: onclick=alert(1) }", '--8<-- "secrets.txt"', "https://example.org",
    "A `code` span.", "~~~\nfenced\n~~~", "Maths $x$.", "# Heading", "a | table", "x = y", "a\\b",
])
def test_markup_is_not_plain(summary):
    assert not is_plain(summary)


@pytest.mark.parametrize("summary", [
    "Partnerships work with councils [@mccabe2019, p. 12]; *some* find it **hard** (86%).",
    "As @kaye2020 shows, it's \"mixed\" — and/or slow… £1.15m!\n\n- first\n- second\n\n1. one",
    "A shortcut [reference] or [a][b] without a definition stays text.",
])
def test_prose_is_plain(summary):
    assert is_plain(summary)


def test_only_pages_with_markup_in_a_summary_are_sanitised(project):
    project.write("findings/power-dynamics/link-in-second-paragraph.yml", """\
        title: A finding with a link further down.
        theme: power-dynamics
        summary: |
          Plain lead [@kaye2020].

          More at [the report](https://example.org/report).
        citations: [kaye2020]
        """)
    project.write("findings/relationship-quality/link-in-lead.yml", """\
        title: A finding with a link in its lead.
        theme: relationship-quality
        summary: See <em>the report</em> [@kaye2020].
        citations: [kaye2020]
        """)
    assert pages_to_sanitize(project.knowledge_base()) == {
        finding_path("link-in-second-paragraph"), finding_path("link-in-lead")}  # theme pages show the lead as text


# Property: sanitising plain prose changes nothing a browser would see --------------------------

def _site_markdown() -> python_markdown.Markdown:
    """A Markdown converter with the real site's extensions, as MkDocs converts its pages."""
    config = load_config(str(Path(__file__).resolve().parents[1] / "mkdocs.yml"))
    extensions = list(config.markdown_extensions) + [e for e in REQUIRED_EXTENSIONS if e not in config.markdown_extensions]
    return python_markdown.Markdown(extensions=extensions, extension_configs=config.mdx_configs)


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, tuple]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, tuple(sorted(attrs))))


def elements(html: str) -> list[tuple[str, tuple]]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.elements


TOKENS = ["word", "Council", "86", "é", " ", " ", "\n", "\n\n", "- ", "1. ", "* ", "!!! note ", "!!! ", '"',
          "'", "*", "**", "_", "__", "[", "]", "(", ")", "[@key]", "@key", ":", ";", ",", ".", "!", "?", "%", "£",
          "&", "&amp;", "&#60;", "+", "-", "--", "—", "/", "    ", "\t"]
PROSE = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)
CONVERTER = _site_markdown()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=PROSE)
def test_plain_prose_makes_no_markup_the_sanitiser_would_remove(text):
    assume(is_plain(text))
    html = CONVERTER.reset().convert(text)
    assert elements(sanitize_html(html)) == elements(html), html
    # No address of its own: the only links are the headings' permalinks (#slug) made by the toc.
    urls = [value for _, attrs in elements(html) for name, value in attrs if name in ("href", "src")]
    assert all(url.startswith("#") for url in urls), html


def test_a_finding_page_is_at_the_top_of_the_site_and_its_old_address_leads_there(project, build_site):
    code, output, site = build_site(project.config, project.root / "site")
    assert code == 0, output
    assert (site / "influence-local-decision-making" / "index.html").is_file()
    moved = (site / "findings" / "influence-local-decision-making" / "index.html").read_text(encoding="utf-8")
    assert '<link rel="canonical" href="../../influence-local-decision-making/">' in moved
    assert '<meta http-equiv="refresh" content="0; url=../../influence-local-decision-making/">' in moved
    assert '<meta name="robots" content="noindex">' in moved


@pytest.mark.parametrize("finding_id, taken_by", [
    ("browse", "a page of the site"), ("evidence", "the folder of the facet 'evidence'"),
    ("index", "a page of the site"), ("about", "the page docs/about.md")])
def test_a_finding_id_the_site_already_uses_is_an_error(project, run_cli, finding_id, taken_by):
    project.write("docs/about.md", "# About\n")
    project.write(f"findings/power-dynamics/{finding_id}.yml", "title: A claim.\ntheme: power-dynamics\n"
                  "summary: Text.\ncitations: [kaye2020]\n")
    code, out, _ = run_cli("lint", cwd=project.root)
    assert code == 1
    assert (f"findings/power-dynamics/{finding_id}.yml:1:1: finding id '{finding_id}' is taken by {taken_by}, and a "
            f"finding's page is at /{finding_id}/; rename the file, e.g. to '{finding_id}-finding.yml'") in out


def test_a_build_that_keeps_nothing_fills_every_page_holding_a_block_then_lets_it_go():
    """A block's HTML is dropped once the last page holding its mark is filled, not before: one
    block on two pages, and one a page holds both where search indexes it and where it does not."""
    converter = Converter()
    converter.configure([], {})
    shared, both, late = converter.keep("<p>shared</p>"), converter.keep("<p>both</p>"), \
        converter.keep("<p>both</p>", indexed=False)
    first, second = f"{shared}\n{both}\n{late}", f"<h1>Two</h1>\n{shared}"
    converter.release_after([first, second])
    assert converter.fill(converter.fill(first), late=True) == "<p>shared</p>\n<p>both</p>\n<p>both</p>"
    assert converter.fill(second) == "<h1>Two</h1>\n<p>shared</p>"
    assert converter.state()[0] == {}
