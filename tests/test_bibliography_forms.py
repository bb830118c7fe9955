"""What reference managers write, read as BibTeX and biber read it and printed as a
hand-made Harvard list would print it: biblatex names, LaTeX, every entry type's fields, works
with no creator, list order; and a whole library whose odd entries never block the site."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from findings.bibliography import parse_bibliography
from findings.style import assign_labels, format_entry, sort_key

from conftest import BIBLIOGRAPHY, bib_problems


def read(text: str):
    bibliography = parse_bibliography(text, "bibliography.bib")
    return bibliography, assign_labels(bibliography.references.values())


def shown(text: str, key: str = "k") -> str:
    bibliography, labels = read(text)
    return format_entry(key, bibliography.references, labels).striptags()


def cited(text: str, key: str = "k") -> str:
    return read(text)[1][key].parenthetical


def messages(text: str) -> list[str]:
    return [p.message for p in bib_problems(parse_bibliography(text, "bibliography.bib"))]


# Names ---------------------------------------------------------------------------------------

def test_biblatex_extended_names_are_read():
    entry = ("@book{k, author = {family=Vries, given=Andrie, prefix=de, useprefix=true and "
             "given=Jan, family={Berg}, prefix={van der}}, title = {T}, year = {2019}, publisher = {P}}")
    assert shown(entry).startswith("de Vries, A. and van der Berg, J. (2019).")
    assert cited(entry) == "de Vries and van der Berg, 2019"
    assert messages(entry) == []


def test_a_list_written_with_commas_only_is_read_as_pairs_with_a_warning():
    entry = "@article{k, Author = {Begley, C., Ellis, L.}, title = {T}, journal = {Nature}, year = {2012}}"
    assert shown(entry).startswith("Begley, C. and Ellis, L. (2012).")
    assert messages(entry) == ["entry 'k': author 'Begley, C., Ellis, L.' lists 2 names with commas; read as "
                               "Begley, C. and Ellis, L.: separate names with 'and'"]


def test_an_unbraced_organisation_is_kept_whole_with_the_exact_fix():
    entry = "@misc{k, author = {Mozilla Science Lab}, title = {Study Group}, year = {2016}, howpublished = {GitHub}}"
    assert shown(entry) == "Mozilla Science Lab (2016). Study Group. GitHub."
    assert cited(entry) == "Mozilla Science Lab, 2016"
    [note] = bib_problems(parse_bibliography(entry, "bibliography.bib"))
    assert note.severity == "note" and "write author = {{Mozilla Science Lab}}" in note.message


def test_a_person_with_an_organisation_word_written_family_first_stays_a_person_with_a_hint():
    entry = "@misc{k, author = {Agency, Norwegian Digitalisation}, title = {Licence}, year = {2020}}"
    assert shown(entry).startswith("Agency, N. D. (2020).")
    assert "looks like an organisation" in messages(entry)[0]


# BibTeX's own rules ----------------------------------------------------------------------------

def test_a_duplicate_key_keeps_the_first_entry_with_a_warning_naming_both_lines():
    text = ("@book{k, author = {Kaye, S.}, title = {First}, year = {2020}}\n\n"
            "@book{k, author = {Kaye, S.}, title = {Second}, year = {2021}}\n")
    bibliography, _ = read(text)
    assert bibliography.references["k"].get("title") == "First"
    [problem] = bib_problems(bibliography)
    assert (problem.line, problem.severity) == (3, "warning")
    assert problem.message.startswith("entry key 'k' is used again here (first on line 1); the first entry is kept")


def test_strings_join_with_hash_and_months_are_macros():
    text = ('@string{dtv = {Deutscher Taschenbuch-Verlag}}\n'
            '@book{k, author = {Kaye, S.}, title = {T}, year = 1988, month = jan,\n'
            '  publisher = dtv # { and Walter de Gruyter}, address = "M{\\"u}nchen" # { and Berlin}}')
    bibliography, _ = read(text)
    reference = bibliography.references["k"]
    assert reference.get("publisher") == "Deutscher Taschenbuch-Verlag and Walter de Gruyter"
    assert (reference.get("address"), reference.get("month")) == ("München and Berlin", "January")


def test_an_undefined_string_is_shown_as_written_with_a_warning():
    assert messages("@book{k, author = {Kaye, S.}, title = {T}, year = {2020}, publisher = nowhere}") == [
        "entry 'k': field 'publisher' uses 'nowhere', which no @string defines; it is shown as written: "
        "put the text in braces, publisher = {nowhere}, or define it"]


def test_crossref_children_inherit_date_and_every_field_biber_inherits():
    text = ("@inbook{part, author = {Kant, I.}, title = {Kritik}, pages = {1--163}, crossref = {whole}}\n"
            "@book{whole, title = {Werke}, subtitle = {Akademie-Ausgabe}, volume = {5}, date = {1968},\n"
            "  publisher = {de Gruyter}, location = {Berlin}}")
    assert shown(text, "part") == ("Kant, I. (1968). Kritik. In: Werke: Akademie-Ausgabe. Vol. 5. "
                                   "Berlin: de Gruyter, pp. 1–163.")


def test_a_set_is_shown_as_its_members_and_cited_as_the_first():
    text = ("@set{both, entryset = {a,b}}\n"
            "@article{a, author = {Glashow, S.}, title = {Partial Symmetries}, journal = {Nucl. Phys.}, volume = {22},"
            " pages = {579--588}, year = {1961}}\n"
            "@article{b, author = {Weinberg, S.}, title = {A Model of Leptons}, journal = {Phys. Rev. Lett.},"
            " volume = {19}, pages = {1264--1266}, year = {1967}}")
    assert shown(text, "both") == ("Glashow, S. (1961). Partial Symmetries. Nucl. Phys., 22, pp. 579–588. "
                                   "Weinberg, S. (1967). A Model of Leptons. Phys. Rev. Lett., 19, pp. 1264–1266.")
    assert cited(text, "both") == "Glashow, 1961"


# LaTeX ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("latex, text", [
    (r"{\TeX}: The Program", "TeX: The Program"),
    (r"The {\TeX}book and \LaTeX", "The TeXbook and LaTeX"),
    (r"The 5\({}^{\mbox{th}}\) edition", "The 5ᵗʰ edition"),
    (r"5\textsuperscript{th} meeting", "5ᵗʰ meeting"),
    (r"H$_2$O and CO\textsubscript{2}", "H₂O and CO₂"),
    (r"$^{13}$C labelling", "¹³C labelling"),
    (r"The $\alpha$-helix", "The α-helix"),
    (r"\mbox{Big Local} and \texttt{code}", "Big Local and code"),
    (r"\emph{Community} power", "Community power"),
    (r"Self\hyphen help", "Self-help"),
    (r"1\,000 residents", "1\u202f000 residents"),
])
def test_latex_reads_as_readers_expect(latex, text):
    bibliography, _ = read(f"@misc{{k, author = {{Kaye, S.}}, title = {{{latex}}}, year = {{2020}}}}")
    assert bibliography.references["k"].get("title") == text
    assert bib_problems(bibliography) == []


def test_addresses_keep_their_characters():
    text = (r"@misc{k, author = {Kaye, S.}, title = {T}, year = {2020}, note = {See \url{http://x.org/~me/a_b}},"
            "\n" r"  url = {https://x.org/q?a=1\&b=2\%20}}")
    bibliography, _ = read(text)
    reference = bibliography.references["k"]
    assert reference.get("note") == "See http://x.org/~me/a_b"
    assert reference.get("url") == "https://x.org/q?a=1&b=2%20"


def test_howpublished_holding_only_an_address_is_the_works_address():
    text = r"@misc{k, author = {Kaye, S.}, title = {T}, year = {2020}, howpublished = {\url{https://x.org/~a}}}"
    assert shown(text) == "Kaye, S. (2020). T. Available at: https://x.org/~a."


# Fields per type, in the house style ---------------------------------------------------------------

@pytest.mark.parametrize("entry, text", [
    ("@book{k, author = {Knuth, D. E.}, title = {Computers}, subtitle = {Typesetting}, edition = {2},"
     " series = {Lecture Notes in Computer Science}, volume = {1234}, publisher = {Springer}, address = {Berlin},"
     " year = {1999}}",
     "Knuth, D. E. (1999). Computers: Typesetting. 2nd edn. Lecture Notes in Computer Science, 1234. Berlin: Springer."),
    ("@book{k, author = {Aristotle}, editor = {Lucas, D. W.}, translator = {Cornford, F. M.}, title = {Poetics},"
     " publisher = {Clarendon Press}, address = {Oxford}, year = {1968}}",
     "Aristotle (1968). Poetics. Edited by D. W. Lucas. Translated by F. M. Cornford. Oxford: Clarendon Press."),
    ("@techreport{k, author = {Padhye, J.}, title = {A Model}, number = {99-02}, institution = {UMass}, year = {1999}}",
     "Padhye, J. (1999). A Model (Technical report 99-02). UMass."),
    ("@report{k, author = {Chiu, W.}, title = {A Model}, type = {resreport}, number = {RC-6947}, institution = {IBM},"
     " year = {1978}}",
     "Chiu, W. (1978). A Model (Research report RC-6947). IBM."),
    ("@phdthesis{k, author = {Geer, I.}, title = {Earl, Saint, Bishop}, school = {Uppsala Universitet}, year = {1985}}",
     "Geer, I. (1985). Earl, Saint, Bishop (PhD thesis). Uppsala Universitet."),
    ("@thesis{k, author = {Loh, N.}, title = {Accelerometer}, type = {mathesis}, institution = {MIT}, year = {1992}}",
     "Loh, N. (1992). Accelerometer (Master's thesis). MIT."),
    ("@online{k, author = {{World Health Organisation}}, title = {Events as they happen},"
     " organization = {WHO}, url = {https://who.int/e}, urldate = {2020-07-07}, year = {2020}}",
     "World Health Organisation (2020). Events as they happen. WHO. Available at: https://who.int/e "
     "(Accessed: 7 July 2020)."),
    ("@misc{k, author = {Bryan, J.}, title = {Names}, note = {[Online; accessed 19 Nov 2020]}, year = {2015}}",
     "Bryan, J. (2015). Names. [Online; accessed 19 Nov 2020]."),
    ("@online{k, author = {Baez, J.}, title = {2-Groups}, eprint = {math/0307200v3}, eprinttype = {arxiv},"
     " year = {2004}}",
     "Baez, J. (2004). 2-Groups. arXiv: math/0307200v3."),
    ("@article{k, author = {Nüst, D.}, title = {Ten rules}, journal = {PLOS Comp. Biol.}, volume = {16},"
     " number = {11}, pages = {e1008316}, year = {2020}}",
     "Nüst, D. (2020). Ten rules. PLOS Comp. Biol., 16(11), e1008316."),
    ("@article{k, author = {Aksın, Ö.}, title = {Effect}, journal = {J. Chem.}, volume = {691}, pages = {3027-3036},"
     " year = {2006}}",
     "Aksın, Ö. (2006). Effect. J. Chem., 691, pp. 3027–3036."),
    ("@inproceedings{k, author = {Morrill, R.}, title = {On the measure}, pages = {25--36}, year = {1991}}",
     "Morrill, R. (1991). On the measure. pp. 25–36."),
    ("@article{k, author = {Gillies, A.}, title = {Herder}, journal = {Publications}, series = {newseries},"
     " volume = {9}, pages = {46--67}, year = {1933}}",
     "Gillies, A. (1933). Herder. Publications, new series, 9, pp. 46–67."),
])
def test_each_type_gives_every_field_a_reader_needs(entry, text):
    assert shown(entry) == text


def test_a_work_with_no_creator_is_listed_and_cited_by_its_title():
    entry = ("@book{k, title = {The Chicago Manual of Style: The Essential Guide}, publisher = {UCP}, "
             "year = {2003}, edition = {15}}")
    assert shown(entry) == "The Chicago Manual of Style: The Essential Guide (2003). 15th edn. UCP."
    assert cited(entry) == "The Chicago Manual of Style, 2003"
    bibliography, labels = read(entry)
    html = format_entry("k", bibliography.references, labels)
    assert html.startswith("<em>The Chicago Manual of Style")


def test_the_list_is_sorted_by_name_as_printed_with_accents_folded():
    text = "\n".join(f"@book{{{key}, author = {{{name}}}, title = {{T}}, year = {{2000}}}}" for key, name in [
        ("butler", "Butler, A."), ("batiz", "Bátiz-Lazo, B."), ("berg", "van der Berg, J."), ("vaughan", "Vaughan, C."),
        ("trust", "{The Trust}")])
    bibliography, labels = read(text)
    order = sorted(bibliography.references, key=lambda key: sort_key(bibliography.references[key], labels[key]))
    assert order == ["batiz", "butler", "trust", "berg", "vaughan"]


# Harvard punctuation, for any combination of fields ---------------------------------------------------

TYPES = ["article", "book", "inbook", "incollection", "inproceedings", "proceedings", "collection", "report",
         "techreport", "thesis", "phdthesis", "mastersthesis", "online", "misc", "unpublished", "manual", "booklet",
         "patent", "software", "dataset", "mvbook", "reference", "inreference", "periodical"]
FIELDS = ["title", "subtitle", "titleaddon", "booktitle", "booksubtitle", "maintitle", "journal", "journaltitle",
          "series", "volume", "number", "issue", "pages", "eid", "chapter", "edition", "type", "howpublished", "note",
          "publisher", "institution", "school", "organization", "address", "location", "year", "date", "urldate",
          "eventtitle", "venue", "doi", "url", "eprint", "eprinttype", "eprintclass", "pubstate", "shorttitle"]
WORD = st.sampled_from(["Alpha", "beta", "2nd", "12", "e1008316", "101-120", "3--17", "IV", "Ltd.", "What?",
                        "Yes!", "London", "phdthesis", "techreport", "arxiv", "2019", "x-y", "https://x.org/a",
                        "10.1000/xyz", "null"])
VALUE = st.lists(WORD, max_size=4).map(" ".join) | st.sampled_from([" ", ".", "?", "()", ","])
NAME = st.sampled_from(["Smith, J.", "{Local Trust}", "van der Berg, Jan", "Jones, A. and Brown, B.", "others",
                        "family=Vries, given=Andrie, prefix=de", "Mozilla Science Lab", "Smith, J. and others"])
STRAY = re.compile(r"\. \.|, ,|In: \.|\(\)|\s[,.:;]|[,:;][.,]|\.\.|^\W|\s\s|\( | \)")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(TYPES), fields=st.dictionaries(st.sampled_from(FIELDS), VALUE, max_size=12),
       people=st.dictionaries(st.sampled_from(["author", "editor", "translator"]), NAME, max_size=3))
def test_no_combination_of_fields_gives_stray_punctuation(kind, fields, people):
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in {**fields, **people}.items())
    bibliography, labels = read(f"@{kind}{{k,\n{body}\n}}\n")
    text = format_entry("k", bibliography.references, labels).striptags()
    assert not STRAY.search(text), text
    assert text.endswith((".", "?", "!")), text
    label = labels["k"].parenthetical
    assert label == label.strip() and not STRAY.search(label), label


# A whole library on the site -------------------------------------------------------------------------

LIBRARY = BIBLIOGRAPHY + """
@misc{webpage, title = {A page with no author or year}, url = {https://example.org/page}}
@book{brokenentry, title = {Unclosed, year = {2020}
@article{uncited, author = {Smith, J.}, title = {A}, journal = {J}, year = {2019}}
@article{uncited, author = {Smith, J.}, title = {B}, journal = {J}, year = {2019}}
@misc{latex, author = {Kaye, S.}, title = {Roots \\sqrt}, year = {2020}}
"""


def test_problems_in_entries_nothing_cites_never_fail_the_build(project, build_site, tmp_path):
    project.write("bibliography.bib", LIBRARY)
    code, output, site = build_site(project.config, tmp_path / "site")
    assert code == 0, output
    assert re.search(r"INFO .*bibliography\.bib: 3 problems in entries that nothing cites \(lines \d+, \d+, \d+\)",
                     output), output
    listing = (site / "bibliography" / "index.html").read_text(encoding="utf-8")
    assert "Think big, act small" in listing and "A page with no author" not in listing
    assert not (site / "sources" / "uncited").exists()


def test_the_references_setting_lists_every_entry(project, build_site, tmp_path):
    project.write("bibliography.bib", BIBLIOGRAPHY + "\n@book{tjoa2018, author = {Tjoa, P.}, title = {Rebalancing"
                  " the power}, year = {2018}, publisher = {New Local}}\n")
    project.write("mkdocs.yml", project.config.read_text(encoding="utf-8").replace(
        "  - findings:\n", "  - findings:\n      references: all\n"))
    code, output, site = build_site(project.config, tmp_path / "site")
    assert code == 0, output
    assert "Rebalancing the power" in (site / "bibliography" / "index.html").read_text(encoding="utf-8")
    assert (site / "sources" / "tjoa2018" / "index.html").is_file()


def test_citing_a_broken_entry_is_one_error_at_its_line(project, build_site, tmp_path):
    project.write("bibliography.bib", LIBRARY)
    project.write("docs/index.md", "# Home\n\nSee [@kaye2020] and [@brokenentry].\n")
    code, output, _ = build_site(project.config, tmp_path / "site")
    line = LIBRARY.splitlines().index("@book{brokenentry, title = {Unclosed, year = {2020}") + 1
    assert code != 0
    assert f"bibliography.bib:{line}:1: entry 'brokenentry' could not be read; check its braces" in output
    assert "unknown citation key" not in output


def test_lint_notes_what_looks_wrong_in_print_for_cited_entries_and_passes(project, run_cli):
    project.write("bibliography.bib", LIBRARY)
    project.write("docs/index.md", "# Home\n\nSee [@kaye2020] and [@webpage].\n")
    code, out, err = run_cli("lint", cwd=project.root)
    assert code == 0, out + err
    line = LIBRARY.splitlines().index("@misc{webpage, title = {A page with no author or year}, "
                                      "url = {https://example.org/page}}") + 1
    assert (f"bibliography.bib:{line}:1: entry 'webpage' has no year or date, so it is shown as (n.d.): add "
            "year = {…} if the work has one [note]") in out
    assert f"bibliography.bib:{line}:1: entry 'webpage' has no author or editor, so it is listed and cited by its title" in out
    code, out, _ = run_cli("lint", "--all-entries", cwd=project.root)
    assert code == 1
    assert "entry key 'uncited' is used again here" in out and "could not be read" in out


def test_translators_reach_every_download():
    from findings.export import to_bibtex, to_ris

    bibliography, _ = read("@book{k, author = {Maron, M.}, translator = {Goldstein, B.}, title = {Animal Triste},"
                           " year = {2000}, publisher = {UNP}}")
    reference = bibliography.references["k"]
    again = parse_bibliography(to_bibtex([reference]), "export.bib").references["k"]
    assert again.translators == reference.translators
    assert "A4  - Goldstein, B." in to_ris([reference])
