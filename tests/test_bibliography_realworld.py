"""BibTeX as reference managers export it: every case of the house style, exports that
parse back, and a bibliography of hundreds of entries built in strict mode."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from findings.bibliography import parse_bibliography
from findings.export import csl_item, json_line, to_bibtex, to_ris
from findings.style import assign_labels, format_reference

DATA = Path(__file__).parent / "data" / "realworld.bib"
RAW = re.compile(r"[\\{}]|--")


@pytest.fixture(scope="module")
def realworld():
    bibliography = parse_bibliography(DATA.read_text(encoding="utf-8"), "realworld.bib")
    labels = assign_labels(bibliography.references.values())
    return bibliography, labels


def reference_text(realworld, key: str) -> str:
    bibliography, labels = realworld
    return format_reference(bibliography.references[key], labels[key]).striptags()


def test_every_export_shape_parses_without_problems(realworld):
    bibliography, _ = realworld
    assert bibliography.problems == []
    assert len(bibliography.references) == 13


@pytest.mark.parametrize("key, label, reference", [
    ("mccabeBigLocalReflections2019", "McCabe et al, 2019",
     "McCabe, A., Wilson, M. and Macmillan, R. (2019). Big Local: Reflections from 'the Outside In'. "
     "Birmingham: Third Sector Research Centre. Available at: https://www.tsrc.ac.uk/~papers/big_local%203.pdf "
     "(Accessed: 30 November 2020)."),
    ("muller2018gemeinschaft", "Müller et al, 2018",
     "Müller, J., van der Berg, J. and de la Fontaine, J.-P. (2018). Gemeinschaft und Öffentlichkeit: local "
     "action in England. Journal of Social Policy, 47(3), pp. 401–420."),
    ("Smith2018b", "Smith et al, 2018a",
     "Smith, J., Jr., Jones, M. and Patel, A. (2018a). Assets in common: NHS estates and neighbourhoods. "
     "Local Economy, 33(5), pp. 500–517."),
    ("Smith2018", "Smith et al, 2018b",
     "Smith, J., Jr., Jones, M. et al. (2018b). Cafés, & community spaces: a 50% rise? Local Economy, 33, "
     "pp. 12–30. doi: 10.1177/0269094218765432."),
    ("taylor2011chapter", "Taylor, 2012",
     "Taylor, M. (2012). Community organising and the Big Society. In: Ishkanian, A. and Szreter, S. (eds) "
     "The Big Society Debate: A New Agenda for Social Policy? 2nd edn. Cheltenham: Edward Elgar, pp. 3–17."),
    ("editedonly2015", "Brown and Green, 2015",
     "Brown, A. and Green, B. (eds) (2015). Neighbourhoods in Practice. Bristol: Policy Press."),
    ("ishkanian2011book", "Ishkanian and Szreter, 2012",
     "Ishkanian, A. and Szreter, S. (eds) (2012). The Big Society Debate: A New Agenda for Social Policy? "
     "2nd edn. Cheltenham: Edward Elgar."),
    ("okafor2016", "Okafor, 2016",
     "Okafor, C. (2016). Resident-led regeneration in three English towns (PhD thesis). University of Sheffield."),
    ("newlocal2021", "New Local, 2021",
     "New Local (2021). Community Power: the evidence. Available at: "
     "https://www.newlocal.org.uk/publications/community-power-the-evidence/ (Accessed: 1 February 2021)."),
    ("undated", "Local Trust, n.d.", "Local Trust (n.d.). Big Local areas: a map. Web page."),
    ("lee2019conf", "Lee and Kim, 2019",
     "Lee, H. and Kim, D.-J. (2019). Participatory budgeting at neighbourhood scale. In: Proceedings of the "
     "Urban Affairs Conference. Los Angeles: UAA, pp. 88–95."),
    ("localtrust2020a", "Local Trust, 2020a",
     "Local Trust (2020a). National Survey of Big Local partnership members 2020 (Survey report 7). "
     "London: Local Trust."),
    ("localtrust2020data", "Local Trust, 2020b",
     "Local Trust (2020b). Big Local rep quarterly report, 2020-21, Quarter 2. London: Local Trust "
     "(unpublished data)."),
])
def test_house_style_label_and_reference(realworld, key, label, reference):
    _, labels = realworld
    assert labels[key].parenthetical == label
    assert reference_text(realworld, key) == reference


def test_nothing_raw_reaches_a_reference(realworld):
    bibliography, _ = realworld
    for key in bibliography.references:
        text = reference_text(realworld, key)
        # URLs keep their own characters; everything else is decoded.
        assert not RAW.search(re.sub(r"https?://\S+", "", text)), (key, text)


def test_doi_and_url_become_links(realworld):
    bibliography, labels = realworld
    html = format_reference(bibliography.references["Smith2018"], labels["Smith2018"])
    assert '<a class="url" href="https://doi.org/10.1177/0269094218765432">' in html
    html = format_reference(bibliography.references["newlocal2021"], labels["newlocal2021"])
    assert '<a class="url" href="https://www.newlocal.org.uk/publications/community-power-the-evidence/">' in html


class _KB:
    """The part of a KnowledgeBase the CSL-JSON export reads."""

    def __init__(self, labels):
        self.labels = labels


def test_bibtex_export_parses_back_to_the_same_references(realworld):
    bibliography, labels = realworld
    again = parse_bibliography(to_bibtex(list(bibliography.references.values())), "export.bib")
    assert again.problems == []
    assert set(again.references) == set(bibliography.references)
    for key, reference in bibliography.references.items():
        copy = again.references[key]
        assert copy.authors == reference.authors and copy.editors == reference.editors, key
        assert copy.et_al == reference.et_al, key
        assert {k: v for k, v in copy.fields.items() if k != "crossref"} == \
               {k: v for k, v in reference.fields.items() if k != "crossref"}, key
        assert assign_labels(again.references.values())[key] == labels[key]


def _ris_records(text: str) -> list[dict[str, list[str]]]:
    records, current = [], {}
    for line in text.splitlines():
        match = re.match(r"^([A-Z][A-Z0-9])  - ?(.*)$", line)
        if not match:
            continue
        tag, value = match.groups()
        if tag == "ER":
            records.append(current)
            current = {}
        else:
            current.setdefault(tag, []).append(value)
    return records


def test_ris_export_parses_back(realworld):
    bibliography, _ = realworld
    records = {r["ID"][0]: r for r in _ris_records(to_ris(list(bibliography.references.values())))}
    assert set(records) == set(bibliography.references)
    muller = records["muller2018gemeinschaft"]
    assert muller["TY"] == ["JOUR"]
    assert muller["AU"] == ["Müller, Jörg", "van der Berg, Jan", "de la Fontaine, Jean-Pierre"]
    assert muller["TI"] == ["Gemeinschaft und Öffentlichkeit: local action in England"]
    assert (muller["PY"], muller["SP"], muller["EP"]) == (["2018"], ["401"], ["420"])
    assert records["localtrust2020a"]["AU"] == ["Local Trust"]
    assert records["localtrust2020a"]["KW"] == ["surveys", "partnerships", "relationships"]


def test_csl_json_export_parses_back(realworld):
    bibliography, labels = realworld
    items = {item["id"]: item for item in (json.loads(json_line(csl_item(r, _KB(labels))))
                                           for r in bibliography.references.values())}
    assert set(items) == set(bibliography.references)
    assert items["localtrust2020a"]["author"] == [{"literal": "Local Trust"}]
    assert items["localtrust2020a"]["citation-label"] == "Local Trust, 2020a"
    assert items["muller2018gemeinschaft"]["author"][1] == {
        "family": "Berg", "given": "Jan", "non-dropping-particle": "van der"}
    assert items["taylor2011chapter"]["type"] == "chapter"
    assert items["taylor2011chapter"]["container-title"] == "The Big Society Debate: A New Agenda for Social Policy?"
    assert items["Smith2018"]["DOI"] == "10.1177/0269094218765432"
    assert items["muller2018gemeinschaft"]["issued"] == {"date-parts": [[2018]]}


# Field text built from what real exports contain: words, LaTeX accents and escapes, dashes.
TOKENS = ["Big", "Local", "café", "NHS", "and", "of", " ", " ", ",", ":", "'", "?", "--", "---",
          r"{\"u}", r"\'e", r"{\'\i}", r"\&", r"\%", r"{\o}", r"\ss{}", "{NHS}", "{{Local Trust}}", "~", "`"]
FIELD = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=12).map("".join).filter(lambda s: s.strip(" ,:"))


@settings(max_examples=150, deadline=None)
@given(title=FIELD, journal=FIELD, family=FIELD, given_name=FIELD)
def test_no_field_text_makes_the_formatter_raise_or_emit_latex(title, journal, family, given_name):
    source = (f"@article{{k, author = {{{family}, {given_name} and {{Local Trust}}}}, title = {{{title}}}, "
              f"journal = {{{journal}}}, year = {{2020}}}}")
    bibliography = parse_bibliography(source, "p.bib")
    for key, reference in bibliography.references.items():
        labels = assign_labels([reference])
        text = format_reference(reference, labels[key]).striptags()
        assert "\\" not in text and "{" not in text and "}" not in text, text
        assert "\\" not in labels[key].parenthetical


SHAPES = [
    "@article{{{key}, author = {{M{{\\\"u}}ller, J{{\\\"o}}rg and Smith, Jr., John and others}}, "
    "title = {{Shape {n}: {{NHS}} trusts --- a {{\\'e}}tude}}, journal = {{Local Economy}}, year = {{{year}}}, "
    "volume = {{{n}}}, pages = {{1--{n}}}}}",
    "@book{{{key}, author = {{{{Local Trust}}}}, title = {{Annual review {n}}}, year = {{{year}}}, "
    "publisher = {{Local Trust}}, address = {{London}}}}",
    "@REPORT{{{key}, AUTHOR = {{van der Berg, Jan and de la Fontaine, J.}}, TITLE = \"Report {n}\", "
    "YEAR = {year}, INSTITUTION = {{IVAR}}, TYPE = {{Working paper}}, NUMBER = {{{n}}}}}",
    "@incollection{{{key}, author = {{Taylor, Marilyn}}, title = {{Chapter {n}}}, booktitle = {{Edited {n}}}, "
    "editor = {{Brown, A. and Green, B.}}, publisher = {{Policy Press}}, address = {{Bristol}}, "
    "year = {{{year}}}, pages = {{3--17}}}}",
]


def test_hundreds_of_entries_build_in_strict_mode(make_project, build_site, tmp_path, page_text):
    project = make_project()
    entries, keys = [], []
    for n in range(320):
        key = f"ref{n:03d}"
        keys.append(key)
        entries.append(SHAPES[n % len(SHAPES)].format(key=key, n=n, year=2000 + n % 7))
    project.write("bibliography.bib", "\n\n".join(entries) + "\n")
    for relative in list((project.root / "findings").rglob("*.yml")):
        relative.unlink()
    project.write("questions.yml", "[]\n")
    project.write("docs/index.md", "# Home\n\nSee [@ref000; @ref001, p. 4] and @ref002.\n")
    for n in range(0, 320, 4):
        cited = keys[n:n + 4]
        project.write(f"findings/power-dynamics/claim-{n:03d}.yml", (
            f"title: Claim {n}.\ntheme: power-dynamics\n"
            f"summary: |\n  Evidence [{'; '.join('@' + k for k in cited[:2])}] and [see @{cited[2]}, pp. 3-5].\n"
            f"citations: [{', '.join(cited)}]\n"))
    code, output, site = build_site(project.config, tmp_path / "site")
    assert code == 0, output

    bibliography = (site / "bibliography" / "index.html").read_text(encoding="utf-8")
    text = page_text.plain(page_text.article(bibliography))
    assert not RAW.search(text), RAW.search(text)
    for key in keys:
        assert f'id="{key}"' in bibliography
        assert (site / "sources" / key / "index.html").is_file()
    # The same work has the same label on every page that cites it, in whichever form it is cited.
    years: dict[str, set[str]] = {}
    for page in site.rglob("index.html"):
        html = page.read_text(encoding="utf-8")
        for key, words in re.findall(r'href="[^"]*bibliography/#(ref\d+)" title="[^"]*">([^<]+)</a>', html):
            years.setdefault(key, set()).add(re.search(r"(\d{4}[a-z]?|n\.d\.)\)?$", words)[1])
    assert len(years) == 320
    assert all(len(found) == 1 for found in years.values()), {k: v for k, v in years.items() if len(v) > 1}
    home = page_text.plain(page_text.article((site / "index.html").read_text(encoding="utf-8")))
    assert re.search(r"\(Müller et al, 2000a?; Local Trust, 2001a?, p\. 4\)", home), home
