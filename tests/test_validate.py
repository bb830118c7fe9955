"""The validate stage on small projects: each bad record gets a problem naming its file, its
line and what to change, and every problem in the project is reported at once."""

from __future__ import annotations

import gc

import pytest

from findings.models import Theme
from findings.validate import check_references, load_findings, record_files

GOOD = "findings/power-dynamics/influence-local-decision-making.yml"
BAD = "findings/power-dynamics/bad-finding.yml"


def problems_in(problems, path):
    return [p for p in problems if p.path == path]


def one_problem(problems, path):
    found = problems_in(problems, path)
    assert len(found) == 1, [str(p) for p in problems]
    return found[0]


def test_the_minimal_project_is_valid(project):
    assert project.problems() == []
    kb = project.knowledge_base()
    assert sorted(r.id for r in kb.findings) == [
        "devolving-power-enables-local-solutions",
        "good-relationships-with-external-partners",
        "influence-local-decision-making",
    ]


def test_load_findings_returns_records_with_ids_from_file_names(project):
    files, problems = record_files(project.root / "findings", project.root)
    settings = project.settings()
    records, problems = load_findings(files, project.root, settings.themes, settings.facets)
    assert problems == []
    by_id = {r.id: r for r in records}
    assert by_id["influence-local-decision-making"].path == GOOD
    assert by_id["influence-local-decision-making"].finding.statistics[0].value == 64


def test_missing_title(project):
    project.write(BAD, """\
        theme: power-dynamics
        summary: Text.
        citations: [kaye2020]
        """)
    problem = one_problem(project.problems(), BAD)
    assert problem.line == 1
    assert problem.message == "'title' is required but missing"


def test_citations_as_a_number(project):
    project.write(BAD, """\
        title: A claim.
        theme: power-dynamics
        summary: Text.
        citations: 12
        """)
    problem = one_problem(project.problems(), BAD)
    assert (problem.line, problem.column) == (4, 1)
    assert problem.message.startswith("citations:")
    assert "list" in problem.message


def test_empty_citations(project):
    project.write(BAD, """\
        title: A claim.
        theme: power-dynamics
        summary: Text.
        citations: []
        """)
    problem = one_problem(project.problems(), BAD)
    assert problem.line == 4
    assert "at least one" in problem.message


def test_title_as_a_list(project):
    project.write(BAD, """\
        theme: power-dynamics
        summary: Text.
        citations: [kaye2020]
        title:
          - First claim.
          - Second claim.
        """)
    problem = one_problem(project.problems(), BAD)
    assert problem.line == 4
    assert problem.message == "title: must be text, not a list"


def test_title_on_two_lines(project):
    project.write(BAD, """\
        title: |
          First line
          second line
        theme: power-dynamics
        summary: Text.
        citations: [kaye2020]
        """)
    problem = one_problem(project.problems(), BAD)
    assert problem.line == 1 and problem.message == "title: must be one line"


def test_unknown_field_suggests_the_known_one(project):
    project.write(BAD, """\
        title: A claim.
        theme: power-dynamics
        summary: Text.
        citaton:
          - kaye2020
        """)
    problems = problems_in(project.problems(), BAD)
    messages = {p.line: p.message for p in problems}
    assert messages[4] == "'citaton' is not a known field (did you mean 'citations'?)"
    assert "'citations' is required but missing" in messages.values()


def test_unknown_field_without_a_close_match_lists_known_fields(project):
    project.write(BAD, """\
        title: A claim.
        theme: power-dynamics
        summary: Text.
        citations: [kaye2020]
        colour: blue
        """)
    problem = one_problem(project.problems(), BAD)
    assert problem.line == 5
    assert "'colour' is not a known field" in problem.message
    assert "known fields:" in problem.message and "citations" in problem.message


def test_unknown_field_inside_a_citation(project):
    project.write(BAD, """\
        title: A claim.
        theme: power-dynamics
        summary: Text.
        citations:
          - key: kaye2020
            locatr: p. 4
        """)
    problem = one_problem(project.problems(), BAD)
    assert (problem.line, problem.column) == (6, 5)
    assert problem.message == "'locatr' is not a known field (did you mean 'locator'?)"


def test_enum_value_lists_the_choices(project):
    project.write(BAD, """\
        title: A claim.
        theme: power-dynamics
        summary: Text.
        citations: [kaye2020]
        evidence: surveys
        public_bodies: [councils]
        """)
    problems = problems_in(project.problems(), BAD)
    messages = {p.line: p.message for p in problems}
    assert messages[5] == ("evidence: 'surveys' is not one of survey, qualitative, evaluation, internal-data, "
                           "literature (did you mean 'survey'?)")
    assert messages[6].startswith("public_bodies: 'councils' is not one of local-authorities, housing-associations")


def test_a_facet_value_given_by_its_label_gets_the_id(project):
    project.write(BAD, "title: A claim.\ntheme: power-dynamics\nsummary: Text.\ncitations: [kaye2020]\n"
                       "public_bodies: [Police, Health agencies]\n")
    messages = [p.message for p in problems_in(project.problems(), BAD)]
    assert messages == ["public_bodies: 'Police' is not one of local-authorities, housing-associations, education, "
                        "health, police (did you mean 'police'?)",
                        "public_bodies: 'Health agencies' is not one of local-authorities, housing-associations, "
                        "education, health, police (did you mean 'health'?)"]


def test_statistic_value_not_a_number_is_one_problem_naming_the_field(project):
    project.write(BAD, """\
        title: A claim.
        theme: power-dynamics
        summary: Text.
        citations: [kaye2020]
        statistics:
          - value: many
            unit: partnerships
            measure: partnerships doing things
            source: kaye2020
        """)
    problem = one_problem(project.problems(), BAD)
    assert problem.line == 6
    assert "statistics.value" in problem.message
    assert ".int" not in problem.message and ".float" not in problem.message


@pytest.mark.parametrize("content, kind", [("- one\n- two\n", "list"), ("just a sentence\n", "single value")])
def test_file_not_holding_a_mapping(project, content, kind):
    project.write(BAD, content)
    problem = one_problem(project.problems(), BAD)
    assert problem.line == 1
    assert "a finding must be a mapping of fields" in problem.message
    assert problem.message.endswith(f"not a {kind}")


@pytest.mark.parametrize("name, suggestion", [
    ("Bad-Finding.yml", "bad-finding.yml"),
    ("bad finding.yml", "bad-finding.yml"),
    ("bad.finding.yml", "bad-finding.yml"),
])
def test_bad_file_name(project, name, suggestion):
    path = f"findings/power-dynamics/{name}"
    project.write(path, """\
        title: A claim.
        theme: power-dynamics
        summary: Text.
        citations: [kaye2020]
        """)
    problem = one_problem(project.problems(), path)
    assert problem.line == 1
    assert f"file name '{name}' is not a valid finding id" in problem.message
    assert f"'{suggestion}'" in problem.message


def test_same_id_in_two_folders(project):
    copy = "findings/relationship-quality/influence-local-decision-making.yml"
    project.write(copy, (project.root / GOOD).read_text().replace("theme: power-dynamics", "theme: relationship-quality"))
    problem = one_problem(project.problems(), copy)
    assert problem.line == 1
    assert problem.message == (f"finding id 'influence-local-decision-making' is already used by {GOOD}; "
                               "rename one of the files")


def test_unknown_theme_suggests_a_declared_one(project):
    project.write(BAD, """\
        title: A claim.
        theme: power-dynamic
        summary: Text.
        citations: [kaye2020]
        """)
    problem = one_problem(project.problems(), BAD)
    assert problem.line == 2
    assert problem.message == "unknown theme 'power-dynamic' (did you mean 'power-dynamics'?)"


def test_unknown_theme_without_a_close_match_lists_the_themes(project):
    project.write(BAD, """\
        title: A claim.
        theme: covid
        summary: Text.
        citations: [kaye2020]
        """)
    problem = one_problem(project.problems(), BAD)
    assert problem.line == 2
    assert "unknown theme 'covid'" in problem.message
    assert "power-dynamics, relationship-quality" in problem.message


def test_unknown_citation_key_in_citations(project):
    project.write(BAD, """\
        title: A claim.
        theme: power-dynamics
        summary: Text.
        citations:
          - kaye2020
          - kaye2021
        """)
    problem = one_problem(project.problems(), BAD)
    assert (problem.line, problem.column) == (6, 5)
    assert problem.message.startswith("unknown citation key 'kaye2021' (did you mean 'kaye2020'?)")


def test_unknown_citation_key_inline_in_the_summary(project):
    project.write(BAD, """\
        title: A claim.
        theme: power-dynamics
        summary: |
          The first line is fine [@kaye2020].
          The second cites a work we do not have [@mccabe2019].
        citations: [kaye2020]
        """)
    problem = one_problem(project.problems(), BAD)
    assert problem.line == 5
    assert "unknown citation key 'mccabe2019'" in problem.message


@pytest.mark.parametrize("summary", [
    "summary: >\n  Folded text that\n  goes on.\n\n  A new paragraph [@nokey].\n",
    "summary: Plain text\n  that continues\n  and cites [@nokey].\n",
    "summary: |\n\n\n  After two blank lines [@nokey].\n",
], ids=["folded", "plain", "blank-led"])
def test_inline_citation_line_in_other_summary_styles(project, summary):
    project.write(BAD, "title: A claim.\ntheme: power-dynamics\n" + summary + "citations: [kaye2020]\n")
    problem = one_problem(project.problems(), BAD)
    assert "unknown citation key 'nokey'" in problem.message
    assert problem.line == 3 + summary.count("\n") - 1  # the summary's last line


def test_unknown_citation_key_in_a_docs_page(project):
    project.write("docs/about.md", "# About\n\nSee the paper.\n\nAs shown [@mccabe2019, p. 3].\n")
    problem = one_problem(project.problems(), "docs/about.md")
    assert problem.line == 5
    assert "unknown citation key 'mccabe2019'" in problem.message


def test_unknown_related_finding(project):
    project.write(BAD, """\
        title: A claim.
        theme: power-dynamics
        summary: Text.
        citations: [kaye2020]
        related:
          - influence-local-decision-making
          - good-relationship-with-external-partners
        """)
    problem = one_problem(project.problems(), BAD)
    assert (problem.line, problem.column) == (7, 5)
    assert problem.message == ("unknown related finding 'good-relationship-with-external-partners' "
                               "(did you mean 'good-relationships-with-external-partners'?)")


def test_statistic_source_not_cited(project):
    project.write(BAD, """\
        title: A claim.
        theme: power-dynamics
        summary: Text.
        citations: [kaye2020]
        statistics:
          - value: 64
            unit: per cent
            measure: members who feel they can influence decisions
            source: localtrust2020survey
        """)
    problem = one_problem(project.problems(), BAD)
    assert problem.line == 9
    assert problem.message == ("statistic source 'localtrust2020survey' is not among this finding's "
                               "citations; add it to citations")


def test_question_naming_unknown_theme_and_finding(project):
    project.write("questions.yml", """\
        - id: working-better-together
          question: How can communities and public bodies work better together?
          themes: [power-dynamic]
          findings:
            - influence-local-decision-making
            - no-such-finding
        """)
    problems = problems_in(project.problems(), "questions.yml")
    assert {(p.line, p.message.split(" (")[0].split(";")[0]) for p in problems} == {
        (3, "unknown theme 'power-dynamic'"),
        (6, "unknown finding 'no-such-finding'"),
    }


def test_repeated_question_id(project):
    project.write("questions.yml", """\
        - id: working-better-together
          question: How can communities and public bodies work better together?
        - id: working-better-together
          question: Why do some relationships work better than others?
        """)
    problem = one_problem(project.problems(), "questions.yml")
    assert problem.line == 3
    assert "working-better-together" in problem.message


def test_check_references_directly(project):
    files, problems = record_files(project.root / "findings", project.root)
    settings = project.settings()
    records, problems = load_findings(files, project.root, settings.themes, settings.facets)
    assert problems == []
    themes = [Theme(id="power-dynamics", title="Power dynamics", description="Power.")]
    ids = [record.id for record in records]
    found = check_references(records, ids, themes, {"kaye2020", "localtrust2020reps"}, [], None)
    messages = sorted((p.path.rsplit("/", 1)[-1], p.line, p.message.split(";")[0].split(" (")[0]) for p in found)
    assert messages == [
        ("good-relationships-with-external-partners.yml", 2, "unknown theme 'relationship-quality'"),
        ("good-relationships-with-external-partners.yml", 7, "unknown citation key 'localtrust2020survey'"),
        ("influence-local-decision-making.yml", 7, "unknown citation key 'localtrust2020survey'"),
    ]


def test_a_broken_finding_is_reported_once_not_again_by_what_links_to_it(project):
    # Both other findings and the questions link to this one; only its own file is reported.
    project.write("findings/power-dynamics/influence-local-decision-making.yml", "title: [unclosed\n")
    problems = project.problems()
    assert [p.path for p in problems] == ["findings/power-dynamics/influence-local-decision-making.yml"]


def test_every_problem_is_reported_at_once(project):
    project.write(BAD, """\
        title: A claim.
        theme: power-dynamics
        summary: Text.
        citations: [nokey]
        """)
    other = "findings/relationship-quality/another-bad-one.yml"
    project.write(other, """\
        title: Another claim.
        theme: relationship-quality
        citations: [kaye2020]
        """)
    problems = project.problems()
    assert [(p.path, p.line) for p in problems] == [(BAD, 4), (other, 1)]
    assert "unknown citation key 'nokey'" in problems[0].message
    assert "'summary' is required" in problems[1].message


def test_draft_findings_are_checked_but_not_published(project):
    project.write("findings/power-dynamics/a-draft.yml", """\
        title: A draft claim.
        theme: power-dynamics
        summary: Text [@kaye2020].
        citations: [kaye2020]
        status: draft
        """)
    kb = project.knowledge_base()
    assert "a-draft" not in {r.id for r in kb.findings}
    project.write("findings/power-dynamics/a-draft.yml", "title: A draft.\nstatus: draft\n")
    assert {p.message for p in project.problems()} >= {"'theme' is required but missing"}


def test_the_garbage_collector_runs_again_after_loading_even_when_it_fails(project):
    project.write(BAD, "title: A claim.\ntheme: power-dynamics\n")  # summary and citations missing
    assert gc.isenabled()
    assert project.problems()  # build_knowledge_base raised FindingsError
    assert gc.isenabled()


def tagged(project, name: str, folder: str, tags: str, theme: str = "power-dynamics") -> str:
    path = f"findings/{folder}/{name}.yml"
    project.write(path, f"title: Claim {name}.\ntheme: {theme}\nsummary: Text [@kaye2020].\n"
                        f"citations: [kaye2020]\ntags: {tags}\n")
    return path


def test_a_tag_one_letter_off_a_tag_others_use_is_a_warning(project):
    for name in ("a", "b"):
        tagged(project, name, "power-dynamics", "[relationships, police]")
    lone = tagged(project, "c", "power-dynamics", "[relationship, policy]")
    warnings = [p for p in project.knowledge_base().warnings if p.path == lone]
    assert [(p.line, p.severity, p.message) for p in warnings] == [(5, "warning", (
        "tag 'relationship' is used by no other finding, but 'relationships' is used by 2; if they mean the same, "
        "use 'relationships' so the findings are listed together"))]  # policy beside police is no near miss


def test_a_finding_in_another_themes_folder_is_a_warning(project):
    path = tagged(project, "moved", "relationship-quality", "[]")
    [warning] = [p for p in project.knowledge_base().warnings if p.path == path]
    assert (warning.line, warning.severity) == (2, "warning")
    assert "the theme is 'power-dynamics' but the file is in the folder 'relationship-quality'" in warning.message
