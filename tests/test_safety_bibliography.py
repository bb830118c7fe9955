"""Bibliography entries from strangers: no script reaches a page through a title, URL, DOI or
key; any key BibTeX accepts names a page; private fields never leave the repository; LaTeX that
cannot be read, repeated years and huge author lists never stop or stall the build."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st

from findings.bibliography import parse_bibliography
from findings.escaping import key_slug, web_url
from findings.style import TOOLTIP_LENGTH, assign_labels

from conftest import BIBLIOGRAPHY, bib_problems

DATA = Path(__file__).parent / "data"
SAFE_SCHEMES = {"", "http", "https", "mailto"}


class _Attributes(HTMLParser):
    """Every (tag, attribute, value) of a page, values decoded as a browser decodes them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.found += [(tag, name, value or "") for name, value in attrs]


def attributes(html: str) -> list[tuple[str, str, str]]:
    parser = _Attributes()
    parser.feed(html)
    return parser.found


def unsafe(html: str) -> list[tuple[str, str, str]]:
    """Event handlers, and addresses with a scheme other than http(s) or mailto."""
    return [(tag, name, value) for tag, name, value in attributes(html)
            if name.startswith("on") or (name in ("href", "src", "action", "formaction")
                                         and urlsplit(value.strip()).scheme.lower() not in SAFE_SCHEMES)]


def test_hostile_entries_build_and_no_page_carries_script(hostile_site, page_text):
    assert hostile_site.code == 0, hostile_site.output
    pages = sorted(hostile_site.site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        content = page.read_text(encoding="utf-8")
        assert unsafe(content) == [], page
        assert "<img" not in content and "<b>" not in content, page
    finding = (hostile_site.site / "hostile-sources/index.html").read_text(encoding="utf-8")
    article = page_text.article(finding)
    # The markup stays visible text, and each citation is one link with its reference as tooltip.
    # (BibTeX's own braces are dropped, as BibTeX drops them.)
    assert "[x](onmouseover=alert(1)//) and <img src=x onerror=alert(2)>: onclick=alert(3)" in page_text.plain(article)
    titles = [value for tag, name, value in attributes(article) if tag == "a" and name == "title"]
    assert any(value.startswith("Kaye, S. (2020a). [x](onmouseover=alert(1)//)") for value in titles), titles


def test_hostile_urls_and_dois_are_links_to_what_they_say(hostile_site):
    page = (hostile_site.site / "bibliography/index.html").read_text(encoding="utf-8")
    hrefs = [value for tag, name, value in attributes(page) if tag == "a" and name == "href"]
    assert "https://example.org/%5Bx%5D(javascript:alert(4))%22onmouseover=%22alert(5)" in hrefs
    assert "https://doi.org/10.1000/%5Bx%5D(onmouseover%3Dalert(6)//)%22%3Cb%3E" in hrefs


def test_a_key_that_looks_like_a_scheme_names_an_ordinary_page(hostile_site):
    source = hostile_site.site / "sources/javascript-alert"
    assert (source / "index.html").is_file()
    assert {p.name for p in (hostile_site.site / "sources").glob("javascript-alert.*")} == {
        "javascript-alert.bib", "javascript-alert.ris", "javascript-alert.json"}
    page = (source / "index.html").read_text(encoding="utf-8")
    hrefs = [value for tag, name, value in attributes(page) if name == "href"]
    assert "../javascript-alert.bib" in hrefs and not [h for h in hrefs if h.startswith("javascript")]
    # The key itself is still the key in the downloads.
    assert "@misc{javascript:alert," in (hostile_site.site / "sources/javascript-alert.bib").read_text(encoding="utf-8")


@pytest.mark.parametrize("value, expected", [
    ("https://example.org/a_b?c=1&d=2", "https://example.org/a_b?c=1&d=2"),
    ("  http://example.org  ", "http://example.org"),
    ("doi:10.1000/xyz", "https://doi.org/10.1000/xyz"),
    ("javascript:alert(1)", None),
    ("JaVaScRiPt:alert(1)", None),
    ("java\tscript:alert(1)", None),
    ("java&#115;cript:alert(1)", None),
    ("&#106;avascript:alert(1)", None),
    ("%6Aavascript:alert(1)", None),
    ("\u200bjavascript:alert(1)", None),
    ("data:text/html,<script>alert(1)</script>", None),
    ("vbscript:msgbox", None),
    ("file:///home/someone/x.pdf", None),
    ("https:alert(1)", None),
    ("//evil.example/x", None),
    ("https://exa mple.org/", None),
    ("https://[::1", None),
])
def test_only_web_addresses_pass_in_any_spelling(value, expected):
    assert web_url(value) == expected


@pytest.mark.parametrize("key, slug", [
    ("mccabe2017", "mccabe2017"), ("baez/article", "baez-article"), ("Chambers'2014", "chambers-2014"),
    ("javascript:void", "javascript-void"), ("Müller2019", "müller2019"), ("Mu\u0308ller2019", "müller2019"),
    ("ＡＢＣ2020", "abc2020"), ("a_b", "a-b"), ("..", "source"),
])
def test_key_slugs_are_stable_and_hold_no_address_syntax(key, slug):
    assert key_slug(key) == slug
    assert not re.search(r"[:/.#?%\\]", key_slug(key))


def test_every_key_bibtex_accepts_names_a_page_and_can_be_cited(project, build_site, tmp_path, page_text):
    project.write("bibliography.bib", BIBLIOGRAPHY + """
        @article{baez/article, author = {Baez, J.}, title = {Slash}, journal = {J}, year = {2001}}
        @book{Chambers'2014, author = {Chambers, R.}, title = {Quote}, publisher = {P}, year = {2014}}
        @misc{javascript:void, author = {Void, V.}, title = {Scheme}, year = {2015}}
        @book{Müller2019, author = {Müller, M.}, title = {Umlaut}, publisher = {P}, year = {2019}}
        """)
    project.write("findings/power-dynamics/odd-keys.yml", """\
        title: Odd keys are cited like any other.
        theme: power-dynamics
        summary: |
          As @Müller2019 found [@baez/article; @{Chambers'2014}, p. 3; @javascript:void].
        citations: [baez/article, "Chambers'2014", "javascript:void", Müller2019]
        """)
    code, output, site = build_site(project.config, tmp_path / "site")
    assert code == 0, output
    for slug in ("baez-article", "chambers-2014", "javascript-void", "müller2019"):
        assert (site / "sources" / slug / "index.html").is_file(), slug
    html = page_text.article((site / "odd-keys/index.html").read_text(encoding="utf-8"))
    assert "As Müller (2019) found (Baez, 2001; Chambers, 2014, p. 3; Void, 2015)." in page_text.plain(html)
    hrefs = [value for tag, name, value in attributes(html) if tag == "a" and name == "href"]
    for anchor in ("#baez-article", "#chambers-2014", "#javascript-void", "#müller2019"):
        assert f"../bibliography/{anchor}" in hrefs
    bibliography = (site / "bibliography/index.html").read_text(encoding="utf-8")
    assert 'id="chambers-2014"' in bibliography and 'id="müller2019"' in bibliography


def test_keys_that_would_share_a_page_are_an_error_naming_both_lines(project, run_cli):
    project.write("bibliography.bib", BIBLIOGRAPHY + "\n@misc{Smith2020, author = {Smith, A.}, title = {A}, year = {2020}}\n"
                  "@misc{smith2020, author = {Smith, B.}, title = {B}, year = {2020}}\n")
    lines = (project.root / "bibliography.bib").read_text(encoding="utf-8").splitlines()
    first, second = (lines.index(line) + 1 for line in lines if "mith2020," in line)
    code, out, err = run_cli("lint", "--all-entries", cwd=project.root)
    assert code == 1 and "Traceback" not in out + err
    assert (f"bibliography.bib:{second}:1: entry key 'smith2020' gives the same page address (sources/smith2020/) "
            f"as 'Smith2020' on line {first}") in out
    # Nothing cites either: the plain check notes the problem and passes.
    code, out, err = run_cli("lint", cwd=project.root)
    assert code == 0 and f"1 problem in entries that nothing cites (lines {second})" in out


@pytest.mark.parametrize("latex, shown", [
    (r"Links \href", "Links"),
    (r"Roots \sqrt", "Roots"),
    (r"A note\footnote", "A note"),
    (r"Verbatim \verb", "Verbatim"),
])
def test_latex_the_decoder_cannot_read_falls_back_to_text_with_a_warning(latex, shown):
    bibliography = parse_bibliography("% first line\n@misc{k, author = {Kaye, S.}, year = {2020},\n"
                                      f"  title = {{{latex}}}}}\n", "bibliography.bib")
    assert bibliography.references["k"].get("title") == shown
    assert [str(p) for p in bib_problems(bibliography)] == [
        f"bibliography.bib:2:1: entry 'k': field 'title' holds LaTeX that could not be read; shown as plain text: {shown}"]
    assert bib_problems(bibliography)[0].severity == "warning"


def test_unreadable_latex_in_lint_and_build_is_a_message_not_a_traceback(project, run_cli, build_site, tmp_path):
    project.write("bibliography.bib", BIBLIOGRAPHY.replace("Community Power}", r"Community Power\sqrt}"))
    code, out, err = run_cli("lint", cwd=project.root)
    assert code == 1 and "Traceback" not in out + err
    assert re.search(r"^bibliography\.bib:\d+:1: entry 'kaye2020': field 'title' holds LaTeX that could not be read",
                     out, re.M), out
    code, output, _ = build_site(project.config, tmp_path / "site")
    assert "Traceback" not in output and "holds LaTeX that could not be read" in output


def test_href_and_url_macros_give_their_text():
    bibliography = parse_bibliography(
        r"@misc{k, author = {Kaye, S.}, year = {2020}, title = {See \href{https://x.org}{the site} on {\TeX} and \LaTeX},"
        r" url = {\url{https://example.org/a}}}", "b.bib")
    reference = bibliography.references["k"]
    assert (reference.get("title"), reference.get("url")) == ("See the site on TeX and LaTeX", "https://example.org/a")
    assert bib_problems(bibliography) == []


def test_year_letters_go_on_past_z_as_biblatex_does():
    entries = "\n".join(f"@misc{{k{n:02}, author = {{{{Local Trust}}}}, title = {{Report {n:02}}}, year = {{2019}}}}"
                        for n in range(28))
    labels = assign_labels(parse_bibliography(entries, "b.bib").references.values())
    assert [labels[f"k{n:02}"].year for n in (0, 1, 25, 26, 27)] == ["2019a", "2019b", "2019z", "2019aa", "2019ab"]
    assert len({label.parenthetical for label in labels.values()}) == 28


def test_two_entries_pinned_to_one_year_label_are_an_error_naming_both(project, run_cli):
    project.write("bibliography.bib", BIBLIOGRAPHY.replace("note      = {unpublished data},",
                                                           "note      = {unpublished data},\n  yearlabel = {2020a},"))
    text = (project.root / "bibliography.bib").read_text(encoding="utf-8").splitlines()
    survey, reps = (text.index(line) + 1 for line in text if line.startswith("@unpublished"))
    code, out, err = run_cli("lint", cwd=project.root)
    assert code == 1 and "Traceback" not in out + err
    assert (f"bibliography.bib:{reps}:1: entry 'localtrust2020reps' pins yearlabel = {{2020a}}, as "
            f"'localtrust2020survey' on line {survey} does: both would be cited as (Local Trust, 2020a)") in out


def test_a_zotero_library_publishes_no_private_field(project, build_site, tmp_path, page_text):
    """A real Better BibTeX export (timestamps, annotations, a \\href-wrapped URL) plus Zotero's
    attachment field: none of it reaches a page or a download."""
    export = (DATA / "zotero-bbt.bib").read_text(encoding="utf-8")
    keys = re.findall(r"^@\w+\{([^,]+),", export, re.M)
    project.write("bibliography.bib", BIBLIOGRAPHY + export)
    project.write("findings/power-dynamics/from-zotero.yml", f"""\
        title: A claim from a Zotero library.
        theme: power-dynamics
        summary: Sources from Zotero [{'; '.join('@' + key for key in keys)}].
        citations: [{', '.join(keys)}]
        """)
    code, output, site = build_site(project.config, tmp_path / "site")
    assert code == 0, output
    private = ("Zotero/storage", "/home/someone", "application/pdf", "note 1", "my private reading notes",
               "2015-02-24", "someone", "to-read", "timestamp", "annote", "owner", "mendeley", "langid", "pagetotal")
    published = [p for p in site.rglob("*") if p.suffix in (".bib", ".ris", ".json", ".csv") and p.is_file()]
    published += [p for p in site.rglob("*.html") if "sources" in p.parts or p.parent.name in ("bibliography",)]
    assert len(published) > 20
    for path in published:
        content = path.read_text(encoding="utf-8")
        if path.suffix == ".html":
            content = page_text.article(content)
        assert [word for word in private if word in content] == [], path
    rawls = (site / "sources/rawls2009/index.html").read_text(encoding="utf-8")
    assert 'href="http://www.google.com"' in rawls
    entry = json.loads((site / "sources/rawls2009.json").read_text(encoding="utf-8"))[0]
    assert entry["URL"] == "http://www.google.com" and entry["publisher"] == "Harvard University Press"


def test_a_file_path_in_a_public_field_is_left_out_with_a_warning():
    bibliography = parse_bibliography("@misc{k, author = {Kaye, S.}, title = {T}, year = {2020},\n"
                                      "  note = {Saved at C:\\Users\\me\\Documents\\k.pdf}}", "b.bib")
    assert "note" not in bibliography.references["k"].fields
    assert [p.message for p in bib_problems(bibliography)] == [
        "entry 'k': field 'note' names a file on a computer, not a published work; it is left out of the site "
        "(remove it, or give a web address)"]


def test_ten_thousand_authors_cited_a_hundred_times_keep_pages_small(project, build_site, tmp_path, page_text):
    authors = " and ".join(f"Author{n}, A." for n in range(10_000))
    project.write("bibliography.bib", BIBLIOGRAPHY + f"\n@misc{{crowd2020, author = {{{authors}}}, title = {{Crowd}}, year = {{2020}}}}\n")
    for n in range(100):
        project.write(f"findings/power-dynamics/crowd-{n}.yml", f"""\
            title: Claim {n} resting on a crowd.
            theme: power-dynamics
            summary: The crowd found it [@crowd2020].
            citations: [crowd2020]
            """)
    code, output, site = build_site(project.config, tmp_path / "site")
    assert code == 0, output
    page = (site / "crowd-7/index.html").read_text(encoding="utf-8")
    assert len(page) < 60_000
    titles = [value for tag, name, value in attributes(page_text.article(page)) if tag == "a" and name == "title"]
    assert titles and all(len(title) <= TOOLTIP_LENGTH for title in titles)
    assert titles[0].startswith("Author0, A., Author1, A., Author2, A. et al. (2020). Crowd.")
    assert "(Author0 et al, 2020)" in page_text.plain(page_text.article(page))
    reference = page_text.plain(page_text.article((site / "sources/crowd2020/index.html").read_text(encoding="utf-8")))
    assert "Author19, A. et al. (2020)" in reference and "Author20," not in reference


# Property: whatever the files hold, the pipeline ends in clean messages or in clean pages -------

BIB_TOKENS = ["word", " ", "{", "}", "\\", "\\href", "\\url", "\\sqrt", "\\footnote", "\\verb", "$", "^", "_",
              "~", "%", "&", "#", "[x](javascript:alert(1))", "<script>", '"', "'", "@", ",", "=", "--", "é",
              "\\'e", "\u0000", "\u202e", "javascript:", "https://", "doi:", "10.1/", "and", " and ", "others", "\n"]
YAML_TOKENS = ["A claim", " ", ":", ": ", "#", "'", '"', "-", "[", "]", "{", "}", "&a", "*a", "!!python/name:os",
               "\t", "\u0000", "\u007f", "\u0085", "\u2028", "\ufffe", "\r", "<b onmouseover=alert(1)>", "[@k]",
               "[@{k}]", "@k", "javascript:alert(1)", "é", ".nan", "\n", "\n  "]
# Each value is sometimes an ordinary one, so that examples reach the built pages as well as the messages.
FIELD_VALUE = st.just("A title") | st.lists(st.sampled_from(BIB_TOKENS), max_size=12).map("".join)
KEY = st.just("k0") | st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=' \t\r\n,{}()=%"#'),
                              min_size=1, max_size=12)
YAML_TEXT = st.just("A claim.") | st.lists(st.sampled_from(YAML_TOKENS), max_size=12).map("".join)
PROBLEM_LINE = re.compile(r"^[^\n]+?(?::\d+){0,2}: [^\n]+$")


def _site_markdown():
    import markdown as python_markdown
    from mkdocs.config import load_config

    from findings.plugin import REQUIRED_EXTENSIONS
    config = load_config(str(Path(__file__).resolve().parents[1] / "mkdocs.yml"))
    extensions = list(config.markdown_extensions) + [e for e in REQUIRED_EXTENSIONS if e not in config.markdown_extensions]
    return python_markdown.Markdown(extensions=extensions, extension_configs=config.mdx_configs)


@pytest.fixture(scope="module")
def converter():
    return _site_markdown()


def _pages(root: Path, converter) -> list[str]:
    """Run load → validate → resolve → render → export on ``root``: the rendered pages converted
    to HTML as MkDocs converts them (sanitised where the site would), or none when the files hold
    errors, which must then be one-line ``path:line: message`` problems."""
    from findings.export import export_files
    from findings.pipeline import build_knowledge_base
    from findings.problems import FindingsError
    from findings.render import Site, pages_to_sanitize, render_pages, sanitize_html
    from conftest import Project

    try:
        kb = build_knowledge_base(root, Project(root).settings())
    except FindingsError as error:
        lines = [str(problem) for problem in error.problems]
        assert lines and all(PROBLEM_LINE.match(line) and "\u0000" not in line for line in lines), lines
        event("refused with messages")
        return []
    event("built")
    site = Site("Test", "https://example.org/")
    to_sanitize = pages_to_sanitize(kb)
    for path, content in export_files(kb, site).items():
        if path.endswith(".json"):
            json.loads(content, parse_constant=lambda name: pytest.fail(f"{path} holds {name}"))
    pages = []
    for path, markdown in render_pages(kb, site).items():
        html = converter.reset().convert(markdown.split("\n---\n", 1)[-1])
        pages.append(sanitize_html(html) if path in to_sanitize else html)
    return pages


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(key=KEY, title=FIELD_VALUE, url=FIELD_VALUE, author=FIELD_VALUE, finding_title=YAML_TEXT, summary=YAML_TEXT)
def test_any_file_content_gives_clean_messages_or_clean_pages(make_project, converter, key, title, url, author,
                                                              finding_title, summary):
    project = make_project()
    project.write("bibliography.bib", BIBLIOGRAPHY)
    with (project.root / "bibliography.bib").open("a", encoding="utf-8") as bib:
        bib.write(f"\n@misc{{{key},\n  author = {{{author}}},\n  title = {{{title}}},\n  year = {{2020}},\n"
                  f"  url = {{{url}}},\n  doi = {{{url}}},\n}}\n")
    indented = "\n".join("  " + line for line in (summary + " [@kaye2020]").split("\n"))
    (project.root / "findings/power-dynamics/random.yml").write_text(
        f"title: {finding_title}\ntheme: power-dynamics\nsummary: |\n{indented}\ncitations:\n  - kaye2020\n"
        f"  - {json.dumps(key)}\n", encoding="utf-8")
    for output in _pages(project.root, converter):
        assert unsafe(output) == [], output
        assert "<script" not in output and "\u0000" not in output, output


def test_control_characters_in_the_bibliography_are_left_out_with_a_warning():
    bibliography = parse_bibliography("@misc{k,\n  author = {Kaye,\u0000 S.},\n  title = {T\u007fitle},\r\n  year = {2020}}",
                                      "b.bib")
    reference = bibliography.references["k"]
    assert (reference.authors[0].family, reference.get("title")) == ("Kaye", "Title")
    assert [str(p) for p in bib_problems(bibliography)] == [
        "b.bib:2:1: this line holds the control character U+0000, which is left out; delete it",
        "b.bib:3:1: this line holds the control character U+007F, which is left out; delete it"]
