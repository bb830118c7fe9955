"""The house style: citation labels as Local Trust prints them, and full references in the
paper's Harvard style, read as plain text the way a reader sees them."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from findings.bibliography import parse_bibliography, read_bibliography
from findings.style import assign_labels, format_reference, text

from conftest import bib_problems


def bib(text: str):
    bibliography = parse_bibliography(text, "bibliography.bib")
    assert bibliography.problems == [], [str(p) for p in bibliography.problems]
    return bibliography.references


def labels_of(text: str) -> dict[str, str]:
    return {key: label.parenthetical for key, label in assign_labels(bib(text).values()).items()}


def reference_text(text: str, key: str) -> str:
    references = bib(text)
    labels = assign_labels(references.values())
    return format_reference(references[key], labels[key]).striptags()


@pytest.fixture(scope="module")
def real_references(sample_root):
    bibliography = read_bibliography(sample_root / "bibliography.bib", "bibliography.bib")
    assert bibliography.problems == []
    labels = assign_labels(bibliography.references.values())
    return {key: format_reference(ref, labels[key]).striptags() for key, ref in bibliography.references.items()}, labels


# Labels ------------------------------------------------------------------------------------

def test_one_author():
    assert labels_of("@book{kaye2020, author = {Kaye, S.}, title = {T}, year = {2020}}") == {"kaye2020": "Kaye, 2020"}


def test_two_authors_joined_by_and():
    labels = labels_of("@article{x, author = {Smith, John and Doe, Jane}, title = {T}, year = {2018}}")
    assert labels == {"x": "Smith and Doe, 2018"}


@pytest.mark.parametrize("authors", ["McCabe, A. and Wilson, M. and Macmillan, R.",
                                     "McCabe, A. and Wilson, M. and Macmillan, R. and Kaye, S."])
def test_three_or_more_authors_are_et_al(authors):
    labels = labels_of(f"@report{{mccabe2019, author = {{{authors}}}, title = {{T}}, year = {{2019}}}}")
    assert labels == {"mccabe2019": "McCabe et al, 2019"}


@pytest.mark.parametrize("authors", ["McCabe, A. and others", "McCabe, A. and Wilson, M. and others"])
def test_and_others_is_et_al(authors):
    labels = labels_of(f"@report{{m, author = {{{authors}}}, title = {{T}}, year = {{2019}}}}")
    assert labels == {"m": "McCabe et al, 2019"}


def test_and_others_in_the_reference_list():
    text = reference_text("@book{m, author = {McCabe, A. and others}, title = {T}, year = {2019}}", "m")
    assert text.startswith("McCabe, A. et al. (2019).")


def test_corporate_author_is_kept_whole():
    entry = ("@unpublished{lt, author = {{Local Trust}}, title = {National Survey of Big Local "
             "partnership members 2018}, year = {2018}, publisher = {Local Trust}, address = {London}}")
    assert labels_of(entry) == {"lt": "Local Trust, 2018"}
    text = reference_text(entry, "lt")
    assert text.startswith("Local Trust (2018). National Survey")
    assert "Trust, L." not in text


def test_narrative_form():
    labels = assign_labels(bib("@report{m, author = {McCabe, A. and Wilson, M. and Macmillan, R.}, "
                               "title = {T}, year = {2019}}").values())
    assert labels["m"].narrative == "McCabe et al (2019)"


SAME_YEAR = {
    "zeta": "@book{lt-zeta, author = {{Local Trust}}, title = {Zeta report}, year = {2019}}",
    "alpha": "@book{lt-alpha, author = {{Local Trust}}, title = {Alpha report}, year = {2019}}",
    "other": "@book{kaye, author = {Kaye, S.}, title = {Other}, year = {2019}}",
}


@pytest.mark.parametrize("order", [("zeta", "alpha", "other"), ("alpha", "other", "zeta"), ("other", "zeta", "alpha")])
def test_same_author_and_year_get_letters_by_title_whatever_the_file_order(order):
    labels = labels_of("\n".join(SAME_YEAR[name] for name in order))
    assert labels == {"lt-alpha": "Local Trust, 2019a", "lt-zeta": "Local Trust, 2019b", "kaye": "Kaye, 2019"}


def test_yearlabel_pin_is_kept_and_the_other_work_gets_the_next_letter():
    labels = labels_of("""
        @unpublished{reps, author = {{Local Trust}}, title = {Big Local rep quarterly report}, year = {2020}}
        @unpublished{survey, author = {{Local Trust}}, title = {National Survey}, year = {2020}, yearlabel = {2020a}}
    """)
    # By title order "Big Local…" would come first; the pin keeps the published 2020a.
    assert labels == {"survey": "Local Trust, 2020a", "reps": "Local Trust, 2020b"}


def test_real_bibliography_labels(real_references):
    _, labels = real_references
    assert labels["mccabe2019"].parenthetical == "McCabe et al, 2019"
    assert labels["localtrust2020survey"].parenthetical == "Local Trust, 2020a"
    assert labels["kaye2020"].parenthetical == "Kaye, 2020"
    assert labels["localtrust2018survey"].parenthetical == "Local Trust, 2018"
    assert labels["tjoa2018"].parenthetical == "Tjoa, 2018"
    # Every label is distinct: a reader can always tell two works apart.
    assert len({label.parenthetical for label in labels.values()}) == len(labels)


# References ---------------------------------------------------------------------------------

@pytest.mark.parametrize("key, expected", [
    ("mccabe2019", "McCabe, A., Wilson, M. and Macmillan, R. (2019). Big Local: Reflections from 'the Outside In' "
                   "(Paper Three of a series). Birmingham: Third Sector Research Centre."),
    ("baker2016", "Baker, L., Garforth, H., Taylor, M. and Turner, K. (2016). People, places and health agencies: "
                  "Lessons from Big Local residents. London: IVAR."),
    ("localtrust2020survey", "Local Trust (2020a). National Survey of Big Local partnership members 2020. "
                             "London: Local Trust (unpublished data)."),
])
def test_paper_references_exactly(real_references, key, expected):
    references, _ = real_references
    assert references[key] == expected


def test_latex_is_decoded_to_plain_text():
    text = reference_text(r"""
        @book{m, author = {M{\"u}ller, J{\'e}r{\^o}me},
          title = {Caf\'es \& Bars -- a {H}istory of {\"U}berlingen},
          year = {2019}, publisher = {Verlag {\"A}rger}, address = {Z{\"u}rich}}
    """, "m")
    assert text == "Müller, J. (2019). Cafés & Bars – a History of Überlingen. Zürich: Verlag Ärger."
    assert "\\" not in text and "{" not in text and "}" not in text


def test_article():
    references = bib("""@article{smith2018,
        author = {Smith, John and Doe, Jane}, title = {On partnerships},
        journal = {Journal of Community Studies}, volume = {12}, number = {3}, pages = {1--10}, year = {2018}}""")
    html = format_reference(references["smith2018"], assign_labels(references.values())["smith2018"])
    assert "<em>Journal of Community Studies</em>" in html
    assert html.striptags() == "Smith, J. and Doe, J. (2018). On partnerships. Journal of Community Studies, 12(3), pp. 1–10."


def test_incollection():
    text = reference_text("""@incollection{brown2015,
        author = {Brown, A.}, title = {A chapter on councils}, booktitle = {The Book of Places},
        editor = {Green, B. and White, C.}, publisher = {Policy Press}, address = {Bristol},
        pages = {3--20}, year = {2015}}""", "brown2015")
    assert text == ("Brown, A. (2015). A chapter on councils. In: Green, B. and White, C. (eds) The Book of Places. "
                    "Bristol: Policy Press, pp. 3–20.")


def test_no_year_is_nd():
    entry = "@report{lt, author = {{Local Trust}}, title = {Undated note}, institution = {Local Trust}}"
    assert labels_of(entry) == {"lt": "Local Trust, n.d."}
    assert reference_text(entry, "lt").startswith("Local Trust (n.d.). Undated note.")


def test_markup_in_fields_stays_text():
    html = format_reference(*(lambda refs: (refs["x"], assign_labels(refs.values())["x"]))(
        bib("@book{x, author = {Kaye, S.}, title = {<script>alert(1)</script> *bold* [link]}, year = {2020}}")))
    assert "<script>" not in html
    assert html.striptags() == "Kaye, S. (2020). <script>alert(1)</script> *bold* [link]."


# Property: no text, however odd, breaks a reference or leaks LaTeX ---------------------------

PIECES = list("abcXYZ 09.,:;()'\"-@=&%$#_^~\\") + ["é", "\n", " and ", "\\'", '\\"', "--", "\\&", "\\textit", '\\"u']
# Braces come in pairs, as in a .bib file that parses; a backslash may still escape one.
ATOM = st.recursive(st.sampled_from(PIECES) | st.characters(blacklist_characters="{}", blacklist_categories=["Cs"]),
                    lambda inner: st.lists(inner, max_size=4).map(lambda xs: "{" + "".join(xs) + "}"), max_leaves=12)
FIELD_TEXT = st.lists(ATOM, max_size=12).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=FIELD_TEXT, journal=FIELD_TEXT, author=FIELD_TEXT,
       kind=st.sampled_from(["article", "book", "incollection", "report", "unpublished", "misc"]))
def test_format_reference_never_raises_and_leaks_no_backslash(title, journal, author, kind):
    entry = (f"@{kind}{{k,\n  author = {{{author}}},\n  title = {{{title}}},\n  journal = {{{journal}}},\n"
             f"  booktitle = {{{journal}}},\n  year = {{2020}}\n}}\n")
    bibliography = parse_bibliography(entry, "bibliography.bib")
    if "k" not in bibliography.references:
        assert "k" in bibliography.broken  # an entry that cannot be read is reported, never dropped silently
        assert bibliography.entry_problems["k"][0].severity == "error"
    assume("k" in bibliography.references)
    references = bibliography.references
    text = format_reference(references["k"], assign_labels(references.values())["k"]).striptags()
    assert "\\" not in text


def test_only_web_addresses_become_links():
    bibliography = parse_bibliography(
        "@misc{web, author = {Kaye, S.}, title = {Page}, year = {2020}, url = {https://example.org/a_b}}\n"
        "@misc{bad, author = {Kaye, S.}, title = {Other}, year = {2021}, url = {javascript:alert(1)}}", "b.bib")
    references = bibliography.references
    labels = assign_labels(references.values())
    assert '<a class="url" href="https://example.org/a_b">' in format_reference(references["web"], labels["web"])
    bad = format_reference(references["bad"], labels["bad"])
    assert "<a" not in bad and "javascript" not in bad and bad.striptags() == "Kaye, S. (2021). Other."
    assert [str(p) for p in bib_problems(bibliography)] == [
        "b.bib:2:1: entry 'bad': url is not a web address (http or https); it is left out"]


def test_text_leaves_no_markdown_attribute_list():
    # Python-Markdown's attr_list would read a trailing {: ...} as attributes for the element.
    assert str(text("A claim {: onclick=alert(1) }")) == "A claim &#123;: onclick=alert(1) &#125;"
