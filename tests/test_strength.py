"""Evidence a reader can weigh: each finding's strength of evidence (judged from its sources, or
rated on the site's own scale), figures with their sample size and year, and the dates a
finding was first published and last reviewed (from its record or its file's git history)."""

from __future__ import annotations

import json
import subprocess

import pytest

from conftest import article, plain

MORE_SOURCES = """
@article{baker2016, author = {Baker, L. and Ellis, M.}, title = {Working together}, year = {2016},
  journal = {Community Journal}}
@report{mccabe2019, author = {McCabe, A.}, title = {Power in place}, year = {2019}, institution = {TSRC}}
"""

STRONG = """\
title: Partnerships that share outcomes with councils work better with them.
theme: relationship-quality
summary: |
  Shared outcomes help [@baker2016; @mccabe2019; @kaye2020].
citations: [baker2016, mccabe2019, kaye2020]
evidence: qualitative
"""


def finding_page(site, finding_id: str) -> str:
    return plain(article((site / finding_id / "index.html").read_text(encoding="utf-8")))


@pytest.fixture
def weighed(project, build_site, tmp_path):
    """The minimal project with a finding resting on three sources by three authors."""
    project.write("bibliography.bib", (project.root / "bibliography.bib").read_text(encoding="utf-8") + MORE_SOURCES)
    project.write("findings/relationship-quality/shared-outcomes.yml", STRONG)
    config = project.config.read_text(encoding="utf-8")
    project.write("mkdocs.yml", config.replace("      evidence_maps:\n", "      strength:\n        kinds: evidence\n"
                                               "      evidence_maps:\n", 1))
    return project


def test_each_finding_page_says_how_strong_its_evidence_is_and_what_that_rests_on(weighed, build_site, tmp_path):
    code, output, site = build_site(weighed.config, tmp_path / "site")
    assert code == 0, output
    strong = finding_page(site, "shared-outcomes")
    assert ("Evidence Strength of evidence: Strong — 3 sources by 3 authors (Qualitative research), the most recent "
            "from 2020. How strength is judged") in strong
    # Two sources by one organisation are two sources, but not independent ones.
    moderate = finding_page(site, "devolving-power-enables-local-solutions")
    assert "Strength of evidence: Moderate — 2 sources by 2 authors (Literature), the most recent from 2020." in moderate
    limited = finding_page(site, "influence-local-decision-making")
    assert "Strength of evidence: Limited — 1 source (Survey), from 2020." in limited
    html = (site / "shared-outcomes" / "index.html").read_text(encoding="utf-8")
    assert ('<span class="strength-icon" aria-hidden="true"><span class="on"></span><span class="on"></span>'
            '<span class="on"></span></span>') in html
    assert 'href="../strength-of-evidence/">How strength is judged</a>' in html
    # Theme and facet pages show it beside each finding.
    theme = plain(article((site / "themes" / "relationship-quality" / "index.html").read_text(encoding="utf-8")))
    assert "Strong evidence · Sources: (Baker and Ellis, 2016; McCabe, 2019; Kaye, 2020)" in theme
    facet = plain(article((site / "evidence" / "qualitative" / "index.html").read_text(encoding="utf-8")))
    assert "Partnerships that share outcomes with councils work better with them. · Strong evidence" in facet
    # The methodology page explains the scale and counts the findings at each step.
    method = plain(article((site / "strength-of-evidence" / "index.html").read_text(encoding="utf-8")))
    assert "Limited: one source. 2 findings." in method
    assert "Moderate: two or more distinct sources. 1 finding." in method
    assert "Strong: three or more distinct sources, by at least two different authors or organisations. 1 finding." in method
    assert "kind of evidence: the kind of evidence the finding rests on (Survey, Qualitative research" in method
    data = {row["id"]: row for row in json.loads((site / "data" / "findings.json").read_text(encoding="utf-8"))}
    assert data["shared-outcomes"]["strength"] == {"id": "strong", "label": "Strong", "level": 3, "levels": 3,
                                                   "rated": False, "sources": 3, "authors": 3, "latest": "2020"}
    table = (site / "data" / "findings.csv").read_text(encoding="utf-8").splitlines()
    assert table[0].split(",")[-2:] == ["strength", "url"]


def test_a_rating_scale_in_the_settings_lets_staff_rate_a_finding(weighed, build_site, run_cli, tmp_path):
    config = weighed.config.read_text(encoding="utf-8")
    weighed.write("mkdocs.yml", config.replace("        kinds: evidence\n", (
        "        kinds: evidence\n        scale:\n"
        "          - {id: low, label: Low, description: Small or single studies}\n"
        "          - {id: medium, label: Medium}\n"
        "          - {id: high, label: High}\n"
        "          - {id: very-high, label: Very high}\n"), 1))
    path = weighed.root / "findings/power-dynamics/influence-local-decision-making.yml"
    path.write_text(path.read_text(encoding="utf-8") + "strength: Medium\n", encoding="utf-8")
    code, out, _ = run_cli("lint", cwd=weighed.root)
    assert code == 1
    assert ("findings/power-dynamics/influence-local-decision-making.yml:15:1: strength: 'Medium' is not one of low, "
            "medium, high, very-high (did you mean 'medium'?)") in out
    path.write_text(path.read_text(encoding="utf-8").replace("strength: Medium", "strength: medium"), encoding="utf-8")
    code, output, site = build_site(weighed.config, tmp_path / "site")
    assert code == 0, output
    assert ("Strength of evidence: Medium (rated by the research team) — 1 source (Survey), from 2020."
            in finding_page(site, "influence-local-decision-making"))
    html = (site / "influence-local-decision-making" / "index.html").read_text(encoding="utf-8")
    assert html.count('<span class="on"></span>') == 2 and html.count('<span class="off"></span>') == 2
    method = plain(article((site / "strength-of-evidence" / "index.html").read_text(encoding="utf-8")))
    assert "The research team's rating" in method and "Low: Small or single studies. 0 findings." in method
    assert "Medium. 1 finding." in method
    assert run_cli("schema", cwd=weighed.root)[0] == 0
    schema = json.loads((weighed.root / "schema" / "finding.schema.json").read_text(encoding="utf-8"))
    assert schema["properties"]["strength"]["anyOf"][0]["enum"] == ["low", "medium", "high", "very-high"]


def test_without_a_scale_a_rating_is_an_unknown_field_and_a_bad_kinds_facet_is_named(project, run_cli):
    path = project.root / "findings/power-dynamics/influence-local-decision-making.yml"
    path.write_text(path.read_text(encoding="utf-8") + "strength: high\n", encoding="utf-8")
    config = project.config.read_text(encoding="utf-8")
    project.write("mkdocs.yml", config.replace("      evidence_maps:\n", "      strength:\n        kinds: evidnce\n"
                                               "      evidence_maps:\n", 1))
    code, out, _ = run_cli("lint", cwd=project.root)
    assert code == 1
    assert ("plugins.findings.strength: kinds 'evidnce' is not a facet declared here; the facets are evidence, "
            "public-bodies") in out


def test_figures_show_their_sample_size_population_and_year(project, build_site, tmp_path):
    path = project.root / "findings/power-dynamics/influence-local-decision-making.yml"
    text = path.read_text(encoding="utf-8").replace(
        "    source: localtrust2020survey\n",
        "    source: localtrust2020survey\n    n: 1,234\n    population: partnership members\n    year: 2020\n")
    path.write_text(text, encoding="utf-8")
    code, output, site = build_site(project.config, tmp_path / "site")
    assert code == 0, output
    assert ("64 per cent: partnership members who feel they can influence local decision-making "
            "(n = 1,234 partnership members, 2020) (Local Trust, 2020") in finding_page(site, "influence-local-decision-making")
    rows = {row["id"]: row for row in json.loads((site / "data" / "findings.json").read_text(encoding="utf-8"))}
    figure = rows["influence-local-decision-making"]["statistics"][0]
    assert (figure["n"], figure["population"], figure["year"]) == (1234, "partnership members", 2020)
    assert "64 per cent: partnership members who feel they can influence local decision-making (n = 1,234, 2020)" in (
        site / "data" / "findings.csv").read_text(encoding="utf-8")


def test_a_sample_size_that_is_not_a_count_is_an_error(project, run_cli):
    path = project.root / "findings/power-dynamics/influence-local-decision-making.yml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "    source: localtrust2020survey\n", "    source: localtrust2020survey\n    n: about 300\n    year: 20\n"),
        encoding="utf-8")
    code, out, _ = run_cli("lint", cwd=project.root)
    assert code == 1
    assert ("influence-local-decision-making.yml:14:5: statistics.n: 'about 300' is not a count; write the sample "
            "size as a whole number, such as 1234 or 1,234") in out
    assert ("influence-local-decision-making.yml:15:5: statistics.year: 20 is not a year; write it in four digits, "
            "such as 2020") in out


def _git(root, *args, date="2021-03-04T10:00:00"):
    env = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, "GIT_AUTHOR_NAME": "Staff",
           "GIT_AUTHOR_EMAIL": "staff@example.org", "GIT_COMMITTER_NAME": "Staff",
           "GIT_COMMITTER_EMAIL": "staff@example.org", "HOME": str(root), "PATH": "/usr/bin:/bin"}
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def test_dates_come_from_the_record_or_else_from_the_files_history(project, build_site, tmp_path):
    reviewed = project.root / "findings/power-dynamics/devolving-power-enables-local-solutions.yml"
    reviewed.write_text(reviewed.read_text(encoding="utf-8") + "added: 2020-12-01\nreviewed: 2022-05-06\n",
                        encoding="utf-8")
    _git(project.root, "init", "-q")
    _git(project.root, "add", ".")
    _git(project.root, "commit", "-qm", "First findings", date="2021-01-05T10:00:00")
    # A finding moved to another theme's folder and edited keeps its first date.
    moved = project.root / "findings/relationship-quality/influence-local-decision-making.yml"
    _git(project.root, "mv", "findings/power-dynamics/influence-local-decision-making.yml", str(moved))
    moved.write_text(moved.read_text(encoding="utf-8").replace("theme: power-dynamics", "theme: relationship-quality"),
                     encoding="utf-8")
    _git(project.root, "commit", "-qam", "Move a finding", date="2022-07-08T10:00:00")
    code, output, site = build_site(project.config, tmp_path / "site")
    assert code == 0, output
    assert "First published 1 December 2020 · Last reviewed 6 May 2022" in finding_page(
        site, "devolving-power-enables-local-solutions")
    assert "First published 5 January 2021 · Last reviewed 8 July 2022" in finding_page(
        site, "influence-local-decision-making")
    unchanged = finding_page(site, "good-relationships-with-external-partners")
    assert "First published 5 January 2021" in unchanged and "Last reviewed" not in unchanged
    assert "Findings test site (2021). 86 per cent" in unchanged and "(added 5 January 2021)" in unchanged
    rows = {row["id"]: row for row in json.loads((site / "data" / "findings.json").read_text(encoding="utf-8"))}
    assert (rows["influence-local-decision-making"]["added"], rows["influence-local-decision-making"]["reviewed"]) == (
        "2021-01-05", "2022-07-08")


def test_a_project_outside_git_or_with_history_off_shows_only_its_records_dates(project, build_site, tmp_path):
    code, output, site = build_site(project.config, tmp_path / "site")
    assert code == 0, output
    assert "First published" not in finding_page(site, "influence-local-decision-making")
    _git(project.root, "init", "-q")
    _git(project.root, "add", ".")
    _git(project.root, "commit", "-qm", "First findings")
    config = project.config.read_text(encoding="utf-8")
    project.write("mkdocs.yml", config.replace("      evidence_maps:\n", "      history: false\n      evidence_maps:\n", 1))
    code, output, site = build_site(project.config, tmp_path / "site2")
    assert code == 0, output
    assert "First published" not in finding_page(site, "influence-local-decision-making")
