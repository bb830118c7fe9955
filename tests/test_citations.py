"""Inline citations in Markdown: pandoc's syntax becomes linked labels in the house style, and
everything that merely contains an @ is left as the author wrote it."""

from __future__ import annotations

import re
from html import unescape

import markdown as python_markdown
import pytest

from findings.bibliography import parse_bibliography
from findings.citations import CitationLinker, find_citations
from findings.style import assign_labels, format_reference, tooltip

BIB = """
@report{mccabe2019, author = {McCabe, A. and Wilson, M. and Macmillan, R.},
  title = {Big Local: Reflections from 'the Outside In'}, year = {2019},
  institution = {Third Sector Research Centre}, address = {Birmingham}}
@book{kaye2020, author = {Kaye, S.}, title = {Think big, act small}, year = {2020},
  publisher = {New Local}, address = {London}}
@unpublished{localtrust2020survey, author = {{Local Trust}}, title = {National Survey 2020},
  year = {2020}, yearlabel = {2020a}}
"""


@pytest.fixture(scope="module")
def linker() -> CitationLinker:
    references = parse_bibliography(BIB, "bibliography.bib").references
    labels = assign_labels(references.values())
    tooltips = {key: tooltip(format_reference(ref, labels[key])) for key, ref in references.items()}
    return CitationLinker(labels, tooltips, {key: ref.slug for key, ref in references.items()})


def known(key: str) -> bool:
    return key in {"mccabe2019", "kaye2020", "localtrust2020survey"}


def rendered(linker: CitationLinker, text: str, reference_list: str = "bibliography/") -> str:
    """The HTML a reader gets for a Markdown paragraph on a page that sees the reference list
    at ``reference_list``."""
    return python_markdown.markdown(linker.link(text, reference_list))


@pytest.mark.parametrize("source, visible", [
    ("See [@mccabe2019].", "See (McCabe et al, 2019)."),
    ("[@mccabe2019; @kaye2020]", "(McCabe et al, 2019; Kaye, 2020)"),
    ("[@mccabe2019, p. 12]", "(McCabe et al, 2019, p. 12)"),
    ("[see @mccabe2019, pp. 3-5]", "(see McCabe et al, 2019, pp. 3-5)"),
    ("McCabe and colleagues [-@mccabe2019] found", "McCabe and colleagues (2019) found"),
    ("As @mccabe2019 argue, it matters.", "As McCabe et al (2019) argue, it matters."),
    ("Ends with @kaye2020.", "Ends with Kaye (2020)."),
    ("[@localtrust2020survey]", "(Local Trust, 2020a)"),
    ("[e.g. @mccabe2019, p. 4; see also @kaye2020]", "(e.g. McCabe et al, 2019, p. 4; see also Kaye, 2020)"),
])
def test_citation_forms(linker, page_text, source, visible):
    html = rendered(linker, source)
    assert page_text.plain(html) == visible
    assert 'href="bibliography/#' in html


def test_citation_links_carry_the_full_reference_as_tooltip(linker):
    html = rendered(linker, "[@kaye2020]")
    assert html == ('<p>(<a href="bibliography/#kaye2020" title="Kaye, S. (2020). Think big, act small. '
                    'London&#58; New Local.">Kaye, 2020</a>)</p>')


def test_link_targets_use_the_reference_list_url_given_for_the_page(linker):
    assert 'href="../../bibliography/#mccabe2019"' in rendered(linker, "[@mccabe2019]", "../../bibliography/")


def test_tooltips_are_escaped_for_an_attribute_and_never_parsed_as_markdown():
    references = parse_bibliography('@book{k, author = {Kaye, S.}, title = {<b>[x](onmouseover=alert(1)//)</b> "\\& co"'
                                    ' *stars* \\_under\\_ ==mark== :smile:}, year = {2020}}', "b.bib").references
    labels = assign_labels(references.values())
    linker = CitationLinker(labels, {"k": tooltip(format_reference(references["k"], labels["k"]))}, {"k": "k"})
    html = python_markdown.markdown(linker.link("[@k]", "bibliography/"), extensions=["attr_list", "md_in_html"])
    title = re.search(r'title="([^"]*)"', html)[1]
    assert unescape(title) == 'Kaye, S. (2020). <b>[x](onmouseover=alert(1)//)</b> "& co" *stars* _under_ ==mark== :smile:.'
    assert html.count("<a ") == 1 and "<b>" not in html and "onmouseover=" not in html.replace(title, "")


def test_find_citations_reports_keys_lines_and_locators():
    cites = find_citations("Intro.\n\nSee [@mccabe2019, p. 12] and\n[-@kaye2020; @nope].\nAs @kaye2020 says.", known)
    assert [(c.key, c.line, c.locator, c.suppress_author, c.narrative) for c in cites] == [
        ("mccabe2019", 3, "p. 12", False, False),
        ("kaye2020", 4, "", True, False),
        ("nope", 4, "", False, False),
        ("kaye2020", 5, "", False, True),
    ]


@pytest.mark.parametrize("source", [
    "Write to research@localtrust.org.uk for the data.",
    "Write to us (research@localtrust.org.uk).",
    "The key is written `[@mccabe2019]` or `@kaye2020`.",
    "``code with a ` and @kaye2020``",
    "```\n[@mccabe2019]\n@kaye2020\n```",
    "~~~yaml\ncitations: [@kaye2020]\n~~~",
    "See https://example.org/@kaye2020 and <https://example.org/[@mccabe2019]>.",
    "[the profile](https://example.org/@kaye2020)",
    "Ask @someone or @localtrust on social media.",
])
def test_left_alone(linker, source):
    assert find_citations(source, known) == []
    assert linker.link(source, "bibliography/") == source


def test_fenced_code_does_not_hide_citations_after_it(linker):
    source = "```\n@kaye2020\n```\n\nAfter the code [@kaye2020]."
    assert [(c.key, c.line) for c in find_citations(source, known)] == [("kaye2020", 5)]
    assert linker.link(source, "bibliography/").startswith(
        '```\n@kaye2020\n```\n\nAfter the code (<a href="bibliography/#kaye2020"')


def test_unknown_bracketed_key_is_found_for_validation_but_not_linked(linker):
    assert [c.key for c in find_citations("[@mccabe2091]", known)] == ["mccabe2091"]
    assert linker.link("[@mccabe2091]", "bibliography/") == "[@mccabe2091]"


def test_email_in_brackets_is_left_alone(linker):
    source = "Questions about the data? [research@localtrust.org.uk]"
    assert find_citations(source, known) == []
    assert linker.link(source, "bibliography/") == source
