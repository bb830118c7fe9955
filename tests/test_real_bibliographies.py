"""Real bibliographies from public repositories (tests/data/real, each file's origin and
licence in its header or in tests/data/real/README.md): every entry reads like a hand-made
Harvard reference list, checked two ways. Each file's whole reference list, in list order,
equals the reviewed rendering in tests/data/real/expected/ (set FINDINGS_UPDATE_EXPECTED=1 to
write it again after a deliberate change, then review the diff); and no entry has any defect
the checker below knows. A site citing all of them builds in strict mode."""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

import pytest

from findings.bibliography import Reference, parse_bibliography
from findings.style import MAX_NAMES, SERIES_WORDS, assign_labels, format_entry, sort_key

from conftest import bib_problems

REAL = Path(__file__).parent / "data" / "real"
FILES = sorted(REAL.glob("*.bib"))

# Punctuation no hand-made list has: ". .", ", ,", "In: .", "()", a space before a mark, ",."...
STRAY = re.compile(r"\. \.|, ,|In: \.|\(\)|\s[,.:;]|[,:;][.,]|\.\.|^[^\w\"'“‘\[(]|^\(|\s\s|\( | \)")
LATEX = re.compile(r"[\\{}$]|[\^_][{\d]")  # H_2O, 5^{th}; not an underscore in a name
ADDRESS = re.compile(r"(?:https?://|10\.\d{3,}/)\S*")


def _folded(value: str) -> str:
    value = unicodedata.normalize("NFKC", value).casefold()
    return re.sub(r"[\s\u2010-\u2015\u2212-]+", " ", value)


def defects(reference: Reference, shown: str) -> list[str]:
    """What is wrong with one entry as shown (``shown``: its plain text), by kind. The fields
    it is checked against are read by the parser under test, so a field it cannot read is
    caught by the expected renderings instead."""
    found = []
    words = ADDRESS.sub("", shown)
    if LATEX.search(words):
        found.append("LaTeX left in the text")
    if re.search(r"\bpp\. \S*\d-\d", shown):
        found.append("page range with a hyphen")
    if re.search(r"\bpp?\. [A-Za-z]+\d", shown):
        found.append("pp. before an article number")
    if STRAY.search(shown):
        found.append(f"stray punctuation ({STRAY.search(shown)[0]!r})")
    if shown.startswith("("):
        found.append("starts with the year: no creator and no title shown")
    if re.search(r"\((?:phd|masters|tech)\w*|\(thesis\b|\(report\b", shown):
        found.append("entry type printed raw")
    text = _folded(shown)
    get = reference.get
    wanted = ["title", "subtitle", "journal", "booktitle", "series", "eprint", "howpublished"]
    wanted += [] if reference.type == "article" else ["volume"]
    for name in wanted:
        value = SERIES_WORDS.get(get(name).lower(), get(name)) if name == "series" else get(name)
        if value and _folded(value) not in text:
            found.append(f"{name} dropped")
    if get("edition") and _folded(re.sub(r"\D", "", get("edition")) or get("edition")) not in text:
        found.append("edition dropped")
    issuers = [get(name) for name in ("publisher", "institution", "school", "organization") if get(name)]
    if reference.type != "article" and issuers and not any(_folded(value) in text for value in issuers):
        found.append("publisher dropped")
    for role, people in (("author", reference.authors), ("translator", reference.translators),
                         ("editor", reference.editors if reference.type != "article" else ())):  # a journal's editor is not cited
        if any(_folded(person.family) not in text for person in people[:MAX_NAMES]):  # then "et al."
            found.append(f"{role} name dropped or misread")
    if get("year") and _folded(get("year")) not in text:
        found.append("year dropped")
    return found


def rendered(path: Path) -> tuple[dict[str, Reference], list[str]]:
    """A file's references, and its reference list as lines ``key | (label) | reference``."""
    bibliography = parse_bibliography(path.read_text(encoding="utf-8"), path.name)
    references = bibliography.references
    labels = assign_labels(references.values())
    order = sorted(references, key=lambda key: sort_key(references[key], labels[key]))
    return references, [f"{key} | ({labels[key].parenthetical}) | {format_entry(key, references, labels).striptags()}"
                        for key in order]


def test_the_real_files_are_many_and_of_many_origins():
    entries = sum(len(parse_bibliography(path.read_text(encoding="utf-8"), path.name).references) for path in FILES)
    assert len(FILES) >= 5 and entries >= 300


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_every_entry_is_read_without_a_warning(path):
    bibliography = parse_bibliography(path.read_text(encoding="utf-8"), path.name)
    assert not bibliography.broken
    assert [str(p) for p in bib_problems(bibliography) if p.severity != "note"] == []


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_reference_list_equals_the_reviewed_rendering(path):
    _, lines = rendered(path)
    expected = REAL / "expected" / f"{path.stem}.txt"
    if os.environ.get("FINDINGS_UPDATE_EXPECTED"):
        expected.parent.mkdir(exist_ok=True)
        expected.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert lines == expected.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_no_entry_has_a_defect(path):
    references, lines = rendered(path)
    found = {line: defects(references[line.split(" | ")[0]], line.split(" | ", 2)[2]) for line in lines}
    assert {line: kinds for line, kinds in found.items() if kinds} == {}


@pytest.mark.parametrize("shown, kinds", [
    ("Smith, J. (2019). Title. Journal, 3, pp. 1-9.", ["page range with a hyphen"]),
    ("Smith, J. (2019). Title. Journal, 3, pp. e1008316.", ["pp. before an article number"]),
    ("Smith, J. (2019). Title. . Online.", ["stray punctuation ('. .')"]),
    ("(1997). Title.", ["stray punctuation ('(')", "starts with the year: no creator and no title shown"]),
    ("Smith, J. (2019). Title (phdthesis).", ["entry type printed raw"]),
    ("Smith, J. (2019). Title of H_2O.", ["LaTeX left in the text"]),
])
def test_the_defect_checker_finds_each_kind(shown, kinds):
    reference = parse_bibliography("@misc{k, author = {Smith, J.}, title = {Title}, year = {2019}}", "b.bib").references["k"]
    assert set(kinds) <= set(defects(reference, shown))


def test_the_defect_checker_finds_a_dropped_series_and_a_misread_organisation():
    reference = parse_bibliography("@book{k, author = {Mozilla Science Lab}, title = {T}, year = {2016}, "
                                   "series = {Lecture Notes}}", "b.bib").references["k"]
    assert defects(reference, "Lab, M. S. (2016). T.") == ["series dropped", "author name dropped or misread"]


def test_a_site_citing_every_real_entry_builds_strict(make_project, build_site, tmp_path):
    project = make_project()
    text = "\n".join(path.read_text(encoding="utf-8") for path in FILES)
    project.write("bibliography.bib", project.root.joinpath("bibliography.bib").read_text(encoding="utf-8") + text)
    keys = sorted(parse_bibliography(text, "all.bib").references)
    citations = "\n".join(f"  - {key!r}" for key in keys)
    project.write("findings/power-dynamics/every-source.yml",
                  f"title: A claim resting on every source.\ntheme: power-dynamics\n"
                  f"summary: Every source backs this.\ncitations:\n{citations}\n")
    code, output, site = build_site(project.config, tmp_path / "site")
    assert code == 0, output
    listing = (site / "bibliography" / "index.html").read_text(encoding="utf-8")
    assert listing.count('class="reference"') == len(keys) + 3  # and the fixture's own three sources
