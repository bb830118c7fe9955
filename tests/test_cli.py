"""The `findings` command: lint, new and schema, judged by exit code and what it prints."""

from __future__ import annotations

import datetime
import json
import re

import pytest
import yaml

LINT_LINE = re.compile(r"^(?P<path>[^:\s]+):(?P<line>\d+):(?P<column>\d+): (?P<message>.+)$")
BAD_THEME = "findings/power-dynamics/bad-theme.yml"
BAD_KEY = "findings/relationship-quality/bad-key.yml"


@pytest.fixture
def broken(project):
    """The minimal project with two bad findings."""
    project.write(BAD_THEME, """\
        title: A claim in a theme that does not exist.
        theme: power-dynamic
        summary: Text.
        citations: [kaye2020]
        """)
    project.write(BAD_KEY, """\
        title: A claim citing a source that does not exist.
        theme: relationship-quality
        summary: Text.
        citations:
          - kaye2021
        """)
    return project


# lint ---------------------------------------------------------------------------------------

def test_lint_is_clean_on_the_sample_site(run_cli, sample_root):
    code, out, err = run_cli("lint", cwd=sample_root)
    assert (code, out) == (0, ""), out + err
    assert "valid" in err


def test_lint_is_clean_on_the_minimal_project(run_cli, project):
    code, out, err = run_cli("lint", cwd=project.root)
    assert (code, out) == (0, ""), out + err


def test_lint_reports_every_problem_as_path_line_column(run_cli, broken):
    code, out, err = run_cli("lint", cwd=broken.root)
    assert code == 1
    lines = out.splitlines()
    assert [LINT_LINE.match(line).group("path", "line", "column") for line in lines] == [
        (BAD_THEME, "2", "1"),
        (BAD_KEY, "5", "5"),
    ]
    assert lines[0].endswith("unknown theme 'power-dynamic' (did you mean 'power-dynamics'?)")
    assert "unknown citation key 'kaye2021' (did you mean 'kaye2020'?)" in lines[1]
    assert "2 problems found." in err
    assert "Traceback" not in err


def test_lint_writes_github_annotations_in_actions(run_cli, broken):
    code, out, _ = run_cli("lint", cwd=broken.root, env={"GITHUB_ACTIONS": "true"})
    assert code == 1
    assert out.splitlines() == [
        f"::error file={BAD_THEME},line=2,col=1::unknown theme 'power-dynamic' (did you mean 'power-dynamics'?)",
        f"::error file={BAD_KEY},line=5,col=5::unknown citation key 'kaye2021' (did you mean 'kaye2020'?)",
    ]


def test_github_annotations_cannot_be_ended_by_text_from_a_file():
    from findings.cli import _annotation
    from findings.problems import Problem

    problem = Problem("findings/a,b:c.yml", 3, 1, "title 'x\n::error file=x::forged 100%' is wrong", "warning")
    assert _annotation(problem) == ("::warning file=findings/a%2Cb%3Ac.yml,line=3,col=1::"
                                    "title 'x%0A::error file=x::forged 100%25' is wrong")


@pytest.mark.parametrize("absolute", [False, True])
def test_lint_paths_filter_the_output(run_cli, broken, absolute):
    path = str(broken.root / BAD_KEY) if absolute else BAD_KEY
    code, out, _ = run_cli("lint", path, cwd=broken.root)
    assert code == 1
    assert [line.split(":")[0] for line in out.splitlines()] == [BAD_KEY]


def test_lint_paths_of_clean_files_pass(run_cli, broken):
    code, out, _ = run_cli("lint", "findings/power-dynamics/influence-local-decision-making.yml", cwd=broken.root)
    assert (code, out) == (0, "")


def test_lint_with_config_from_another_folder(run_cli, broken, tmp_path):
    code, out, _ = run_cli("--config", str(broken.config), "lint", cwd=tmp_path)
    assert code == 1
    assert len(out.splitlines()) == 2 and out.startswith(BAD_THEME + ":2:1:")


def test_lint_without_mkdocs_yml_is_a_usage_error(run_cli, tmp_path):
    code, out, err = run_cli("lint", cwd=tmp_path)
    assert code == 2
    assert out == ""
    assert "mkdocs.yml" in err and "not found" in err
    assert "Traceback" not in err


def test_unknown_command_is_a_usage_error(run_cli, tmp_path):
    code, _, err = run_cli("frobnicate", cwd=tmp_path)
    assert code == 2 and "usage:" in err


def test_lint_refuses_a_repeated_theme_id(run_cli, project):
    config = project.config.read_text(encoding="utf-8")
    project.write("mkdocs.yml", config.replace(
        "        - id: relationship-quality\n",
        "        - id: power-dynamics\n          title: Power again\n          description: A copy.\n"
        "        - id: relationship-quality\n", 1))
    code, out, err = run_cli("lint", cwd=project.root)
    assert code != 0
    assert "power-dynamics" in out + err


def test_lint_notes_uncited_bibliography_entries_without_failing(run_cli, project):
    bibliography = (project.root / "bibliography.bib").read_text(encoding="utf-8")
    project.write("bibliography.bib", bibliography + "\n@book{tjoa2018, author = {Tjoa, P.}, "
                  "title = {Rebalancing the power}, year = {2018}}\n")
    code, out, err = run_cli("lint", cwd=project.root)
    assert code == 0
    [line] = out.splitlines()
    assert line.startswith("bibliography.bib: 1 of ") and "cited nowhere, so the site does not list them" in line
    assert line.endswith("[note]") and "(1 note)" in err


# lint reads mkdocs.yml as the build does ---------------------------------------------------

def test_lint_and_build_resolve_mkdocs_tags(run_cli, build_site, project, tmp_path):
    config = project.config.read_text(encoding="utf-8")
    project.write("mkdocs.yml", config.replace(
        "  - md_in_html\n", "  - md_in_html\n  - pymdownx.snippets:\n      base_path: !relative $config_dir\n").replace(
        "      themes:\n", "      author: !ENV [FINDINGS_TEST_AUTHOR, 'Local Trust']\n      themes:\n"))
    code, out, err = run_cli("lint", cwd=project.root)
    assert (code, out) == (0, ""), out + err
    code, output, site = build_site(project.config, tmp_path / "site")
    assert code == 0, output
    assert "Local Trust" in (site / "influence-local-decision-making" / "index.html").read_text()


@pytest.mark.parametrize("old, new, message", [
    ("        - id: power-dynamics\n", "        - id: Power dynamics\n",
     "mkdocs.yml:11: plugins.findings.themes.0.id: 'Power dynamics' must be lower-case letters, digits and "
     "hyphens, e.g. 'power-dynamics'"),
    ("      themes:\n", "      author: 2020\n      themes:\n",
     "mkdocs.yml:10: plugins.findings.author: must be text; write it in quotes"),
    ("      themes:\n", "      theme:\n",
     "mkdocs.yml:10: plugins.findings.theme: not a known setting (did you mean 'themes'?); "
     "the settings are findings, bibliography, questions, author, references, style, licence, licence_url, themes, "
     "facets, evidence_maps, strength, history, synonyms"),
    ("          title: Power dynamics\n", "          titel: Power dynamics\n",
     "mkdocs.yml:11: plugins.findings.themes.0.title: missing; each theme needs an id, a title and a description"),
], ids=["theme-id", "author-number", "unknown-setting", "theme-title-missing"])
def test_lint_and_build_give_the_same_message_for_bad_settings(run_cli, build_site, project, tmp_path,
                                                               old, new, message):
    config = project.config.read_text(encoding="utf-8")
    assert old in config
    project.write("mkdocs.yml", config.replace(old, new, 1))
    code, out, err = run_cli("lint", cwd=project.root)
    assert code == 1
    assert message in out.splitlines(), out + err
    code, output, site = build_site(project.config, tmp_path / "site")
    assert code != 0 and not site.exists()
    assert f"findings: {message}" in output
    for text in (out + err, output):
        assert "Traceback" not in text and "pydantic" not in text


def test_lint_names_the_line_of_a_mkdocs_yml_that_is_not_yaml(run_cli, project):
    config = project.config.read_text(encoding="utf-8")
    project.write("mkdocs.yml", config.replace("plugins:\n", "plugins: [\n", 1))
    code, out, err = run_cli("lint", cwd=project.root)
    assert code == 1
    assert out.splitlines() == ["mkdocs.yml:9:3: not valid YAML: while parsing a flow node, expected the node "
                                "content, but found '-'; correct the text here (MkDocs cannot read the file)"]
    assert "Traceback" not in err


# new ----------------------------------------------------------------------------------------

def new_args(title="Councils vary in how they work with partnerships.", theme="power-dynamics", *keys):
    args = ["new", "--title", title, "--theme", theme]
    for key in keys or ("kaye2020",):
        args += ["--cite", key]
    return args


def test_new_writes_a_finding_that_lints_clean(run_cli, project):
    code, out, err = run_cli(*new_args("Councils vary: a lot!", "power-dynamics", "kaye2020", "localtrust2020survey"),
                             cwd=project.root)
    assert code == 0, err
    assert out.strip() == "findings/power-dynamics/councils-vary-a-lot.yml"
    data = yaml.safe_load((project.root / out.strip()).read_text(encoding="utf-8"))
    assert data["title"] == "Councils vary: a lot!"
    assert data["theme"] == "power-dynamics"
    assert data["citations"] == ["kaye2020", "localtrust2020survey"]
    assert "[@kaye2020; @localtrust2020survey]" in data["summary"]
    code, lint_out, lint_err = run_cli("lint", cwd=project.root)
    assert (code, lint_out) == (0, ""), lint_out + lint_err


def test_new_with_an_explicit_id(run_cli, project):
    code, out, _ = run_cli(*new_args(), "--id", "councils-vary", "--status", "published", cwd=project.root)
    assert code == 0
    assert out.strip() == "findings/power-dynamics/councils-vary.yml"
    assert project.knowledge_base().finding_by_id["councils-vary"].finding.status == "published"


def test_new_refuses_an_existing_id(run_cli, project):
    before = (project.root / "findings/power-dynamics/influence-local-decision-making.yml").read_text()
    code, out, err = run_cli(*new_args("Influence local decision-making", "relationship-quality"), cwd=project.root)
    assert code != 0
    assert out == ""
    assert "'influence-local-decision-making' exists already" in err
    assert "findings/power-dynamics/influence-local-decision-making.yml" in err
    assert not (project.root / "findings/relationship-quality/influence-local-decision-making.yml").exists()
    assert (project.root / "findings/power-dynamics/influence-local-decision-making.yml").read_text() == before


def test_new_refuses_an_unknown_theme(run_cli, project):
    code, out, err = run_cli(*new_args("A claim.", "power-dynamic"), cwd=project.root)
    assert code != 0 and out == ""
    assert "unknown theme 'power-dynamic' (did you mean 'power-dynamics'?)" in err
    assert not list(project.root.rglob("a-claim.yml"))


def test_new_refuses_an_unknown_key(run_cli, project):
    code, out, err = run_cli(*new_args("A claim.", "power-dynamics", "kaye2020", "kaye2021"), cwd=project.root)
    assert code != 0 and out == ""
    assert "unknown citation key 'kaye2021' (did you mean 'kaye2020'?)" in err
    assert not list(project.root.rglob("a-claim.yml"))


def test_new_without_a_title_is_a_usage_error(run_cli, project):
    code, _, err = run_cli("new", "--theme", "power-dynamics", "--cite", "kaye2020", cwd=project.root)
    assert code == 2 and "--title" in err


def test_new_with_a_multi_line_summary_lints_clean(run_cli, project):
    code, out, _ = run_cli(*new_args(), "--summary", "First line [@kaye2020].\nSecond line.", cwd=project.root)
    assert code == 0
    code, lint_out, _ = run_cli("lint", cwd=project.root)
    assert (code, lint_out) == (0, "")


@pytest.mark.parametrize("bad_id", ["My Finding", "../../escaped"])
def test_new_refuses_an_invalid_id(run_cli, project, bad_id):
    before = set(project.root.parent.rglob("*.yml"))
    code, _, err = run_cli(*new_args(), "--id", bad_id, cwd=project.root)
    assert code != 0 and "id" in err
    assert set(project.root.parent.rglob("*.yml")) == before  # nothing written, inside or out


# schema -------------------------------------------------------------------------------------

@pytest.fixture
def sample_schema(run_cli, copy_sample) -> dict:
    """The editor schema ``findings schema`` writes for the sample site."""
    code, out, err = run_cli("schema", cwd=copy_sample)
    assert code == 0, err
    return json.loads((copy_sample / "schema" / "finding.schema.json").read_text(encoding="utf-8"))


def test_schema_check_fails_after_a_theme_is_added(run_cli, copy_sample):
    root = copy_sample
    assert run_cli("schema", "--check", cwd=root)[0] == 1  # no schema yet
    assert run_cli("schema", cwd=root)[0] == 0
    assert run_cli("schema", "--check", cwd=root)[0] == 0
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    assert "      themes:\n" in config
    config = config.replace("      themes:\n", "      themes:\n        - id: housing\n          title: Housing\n"
                                                "          description: Homes and the people who manage them.\n", 1)
    (root / "mkdocs.yml").write_text(config, encoding="utf-8")
    code, out, err = run_cli("schema", "--check", cwd=root)
    assert code == 1
    assert "schema/finding.schema.json is out of date" in err
    code, out, _ = run_cli("schema", cwd=root)
    assert code == 0 and out.strip() == "schema/finding.schema.json"
    schema = json.loads((root / "schema" / "finding.schema.json").read_text(encoding="utf-8"))
    assert schema["properties"]["theme"]["enum"][0] == "housing"
    assert run_cli("schema", "--check", cwd=root)[0] == 0


def _as_editor_reads_it(value):
    """YAML data as an editor's JSON Schema validator sees it: dates are strings."""
    if isinstance(value, dict):
        return {k: _as_editor_reads_it(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_editor_reads_it(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def schema_errors(schema: dict, data: dict) -> list[str]:
    try:
        import jsonschema
    except ImportError:
        jsonschema = None
    if jsonschema is not None:
        return [error.message for error in jsonschema.Draft202012Validator(schema).iter_errors(data)]
    errors = [f"unknown field {key}" for key in data if key not in schema["properties"]]
    errors += [f"missing {key}" for key in schema.get("required", []) if key not in data]
    if data.get("theme") not in schema["properties"]["theme"]["enum"]:
        errors.append(f"theme {data.get('theme')} not in enum")
    return errors


def test_schema_validates_every_finding_file(sample_schema, sample_root):
    schema = sample_schema
    files = sorted((sample_root / "findings").rglob("*.yml"))
    assert len(files) >= 40
    for path in files:
        data = _as_editor_reads_it(yaml.safe_load(path.read_text(encoding="utf-8")))
        assert schema_errors(schema, data) == [], path


@pytest.mark.parametrize("change", [{"citaton": ["kaye2020"]}, {"theme": "housing"}])
def test_schema_rejects_a_bad_finding(sample_schema, change):
    schema = sample_schema
    data = {"title": "A claim.", "theme": "power-dynamics", "summary": "Text.", "citations": ["kaye2020"]}
    assert schema_errors(schema, data) == []
    assert schema_errors(schema, {**data, **change}) != []


def test_new_matches_the_guide_published_by_default_word_cut_name_citation_before_the_stop(run_cli, project):
    title = ("Partnerships that meet council officers every month report better working relationships "
             "with councillors.")
    code, out, err = run_cli(*new_args(title, "power-dynamics", "kaye2020"), cwd=project.root)
    assert code == 0, err
    path = project.root / out.strip()
    assert path.stem == "partnerships-that-meet-council-officers-every-month-report"
    assert len(path.stem) <= 60
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert record["status"] == "published"
    assert record["summary"].strip().endswith("with councillors [@kaye2020].")
    code, _, err = run_cli("lint", cwd=project.root)
    assert code == 0 and "(4 published findings)" in err


def test_lint_counts_drafts_apart(run_cli, project):
    code, out, err = run_cli(*new_args(), "--status", "draft", cwd=project.root)
    assert code == 0, err
    code, _, err = run_cli("lint", cwd=project.root)
    assert code == 0 and "All records are valid (3 published findings, 1 draft)." in err


def test_every_option_of_new_has_help(run_cli, tmp_path):
    code, out, _ = run_cli("new", "--help", cwd=tmp_path)
    assert code == 0 and "``" not in out
    for option in ("--title", "--theme", "--cite", "--id", "--summary", "--status"):
        line = next(line for line in out.splitlines() if line.strip().startswith(option))
        assert len(line.split(maxsplit=2)) == 3 or option == "--status", line  # option, metavar, help
    assert "published (the default)" in out
