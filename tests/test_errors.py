"""The build path with broken files: `mkdocs build` stops, names every problem with its file
and line on a line of its own, shows no traceback and writes no pages."""

from __future__ import annotations

import re


PROBLEM_LINE = re.compile(r"(?P<path>[\w./-]+\.(?:yml|yaml|bib|md)):(?P<line>\d+)(?::(?P<column>\d+))?: (?P<message>.+)$")


def reported(output: str) -> list[tuple[str, int, str]]:
    """(path, line, message) of every error and warning the build printed (notes, logged as
    INFO, never fail a build)."""
    found = []
    for line in output.splitlines():
        match = None if line.startswith("INFO") else PROBLEM_LINE.search(line)
        if match:
            found.append((match["path"], int(match["line"]), match["message"]))
    return found


def html_pages(site_dir) -> list:
    return sorted(site_dir.rglob("*.html")) if site_dir.exists() else []


def minimal_page(minimal_site, page_text, page: str) -> str:
    assert minimal_site.code == 0, minimal_site.output
    return page_text.article((minimal_site.site / page / "index.html").read_text(encoding="utf-8"))


def test_the_minimal_project_builds(minimal_site, page_text):
    assert minimal_site.code == 0, minimal_site.output
    assert "Traceback" not in minimal_site.output
    assert reported(minimal_site.output) == []
    assert "(Kaye, 2020)" in page_text.plain(minimal_page(minimal_site, page_text, "."))
    assert (minimal_site.site / "themes" / "power-dynamics" / "index.html").is_file()


def test_the_minimal_projects_finding_pages(minimal_site, page_text):
    text = page_text.plain(minimal_page(minimal_site, page_text, "influence-local-decision-making"))
    assert "64 per cent of partnership members feel they can influence local decision-making." in text
    assert "(Local Trust, 2020b)" in text  # 'Big Local rep…' takes 2020a by title order
    assert ("Local Trust (2020b). National Survey of Big Local partnership members 2020. "
            "London: Local Trust (unpublished data).") in text
    devolving = page_text.plain(minimal_page(minimal_site, page_text, "devolving-power-enables-local-solutions"))
    assert "As Kaye (2020) argues" in devolving
    assert "(Kaye, 2020, p. 12; Local Trust, 2020a)" in devolving


def test_finding_page_evidence_renders_on_a_site_without_admonition(minimal_site, page_text):
    html = minimal_page(minimal_site, page_text, "influence-local-decision-making")
    assert "!!!" not in page_text.plain(html)
    assert "<pre>" not in html
    assert re.search(r"<li><strong>64 per cent</strong>", html)


def test_broken_project_stops_the_build_and_names_every_problem(project, build_site, tmp_path):
    project.write("findings/power-dynamics/unknown-key.yml", """\
        title: A claim citing a missing source.
        theme: power-dynamics
        summary: Text.
        citations:
          - kaye2020
          - mccabe2019
        """)
    project.write("findings/power-dynamics/unknown-theme.yml", """\
        title: A claim in a missing theme.
        theme: covid-19
        summary: Text [@kaye2020].
        citations: [kaye2020]
        """)
    project.write("findings/relationship-quality/influence-local-decision-making.yml",
                  (project.root / "findings/power-dynamics/influence-local-decision-making.yml").read_text()
                  .replace("theme: power-dynamics", "theme: relationship-quality"))
    project.write("findings/relationship-quality/no-title.yml", """\
        theme: relationship-quality
        summary: Text.
        citations: [kaye2020]
        """)
    project.write("findings/relationship-quality/bad-yaml.yml", """\
        title: A claim.
        theme: relationship-quality
        summary: "Text that never ends
        citations: [kaye2020]
        """)
    project.write("docs/index.md", "# Home\n\nSee [@kaye2020].\n\nAnd [@nokey2020].\n")

    code, output, site_dir = build_site(project.config, tmp_path / "site")

    assert code != 0
    assert "Traceback" not in output
    problems = reported(output)
    assert sorted((path, line) for path, line, _ in problems) == sorted([
        ("findings/power-dynamics/unknown-key.yml", 6),
        ("findings/power-dynamics/unknown-theme.yml", 2),
        ("findings/relationship-quality/influence-local-decision-making.yml", 1),
        ("findings/relationship-quality/no-title.yml", 1),
        ("findings/relationship-quality/bad-yaml.yml", 3),
        ("docs/index.md", 5),
    ])
    messages = {path.rsplit("/", 1)[-1]: message for path, _, message in problems}
    assert "unknown citation key 'mccabe2019'" in messages["unknown-key.yml"]
    assert "unknown theme 'covid-19'" in messages["unknown-theme.yml"]
    assert "already used by findings/power-dynamics/influence-local-decision-making.yml" in \
        messages["influence-local-decision-making.yml"]
    assert "'title' is required but missing" in messages["no-title.yml"]
    assert "never closed" in messages["bad-yaml.yml"]
    assert "unknown citation key 'nokey2020'" in messages["index.md"]
    assert html_pages(site_dir) == []


def test_one_broken_file_among_good_ones_writes_no_pages(project, build_site, tmp_path):
    project.write("findings/power-dynamics/bad-theme.yml", """\
        title: A claim.
        theme: power-dynamic
        summary: Text.
        citations: [kaye2020]
        """)
    code, output, site_dir = build_site(project.config, tmp_path / "site")
    assert code != 0
    assert reported(output) == [("findings/power-dynamics/bad-theme.yml", 2,
                                 "unknown theme 'power-dynamic' (did you mean 'power-dynamics'?)")]
    assert "Traceback" not in output
    assert html_pages(site_dir) == []


BROKEN_BIBLIOGRAPHY = """\
@book{kaye2020,
  author    = {Kaye, S.},
  title     = {Think big, act small},
  year      = {2020},
}

@unpublished{localtrust2020survey,
  author    = {{Local Trust}},
  title     = {National Survey of Big Local partnership members 2020,
  year      = {2020},
}

@unpublished{kaye2020,
  author    = {Kaye, S.},
  title     = {A second work under the same key},
  year      = {2021},
}

@unpublished{localtrust2020reps,
  author    = {{Local Trust}},
  title     = {Big Local rep quarterly report},
  title     = {Big Local rep quarterly report, 2020-21},
  year      = {2020},
}

@report{tjoa2018,
  author      = {Tjoa, P.},
  title       = {Rebalancing the power},
  year        = {2018},
  institution = {New Local},
}
"""


def test_broken_bibtex_entries_are_each_reported_and_the_rest_still_parse(project, build_site, tmp_path):
    project.write("bibliography.bib", BROKEN_BIBLIOGRAPHY)
    project.write("docs/index.md", "# Home\n\nSee [@kaye2020] and [@tjoa2018].\n")
    code, output, site_dir = build_site(project.config, tmp_path / "site")
    assert code != 0
    assert "Traceback" not in output
    problems = reported(output)
    bib_problems = sorted((line, message) for path, line, message in problems if path == "bibliography.bib")
    assert [line for line, _ in bib_problems] == [7, 13, 19]
    assert "entry 'localtrust2020survey' could not be read" in bib_problems[0][1]
    assert "'kaye2020' is used again here (first on line 1); the first entry is kept" in bib_problems[1][1]
    assert "repeats a field: title; the first is kept" in bib_problems[2][1]
    # Every entry is cited, so each problem is reported in full; the broken one is the error, and
    # the keys are not reported again as unknown where the findings cite them.
    assert not [m for _, _, m in problems if "unknown" in m]
    assert not [m for _, _, m in problems if "tjoa2018" in m]
    assert html_pages(site_dir) == []


def test_impossible_date_is_reported_not_a_traceback(project, build_site, tmp_path):
    project.write("findings/power-dynamics/bad-date.yml", """\
        title: A claim.
        theme: power-dynamics
        summary: Text [@kaye2020].
        citations: [kaye2020]
        added: 2020-13-01
        """)
    code, output, _ = build_site(project.config, tmp_path / "site")
    assert code != 0
    assert "Traceback" not in output
    assert [(path, line) for path, line, _ in reported(output)] == [("findings/power-dynamics/bad-date.yml", 5)]


def test_cite_this_finding_has_no_double_full_stop(project, build_site, tmp_path, page_text):
    project.write("mkdocs.yml", project.config.read_text().replace("site_url: https://example.org/findings/\n", ""))
    code, output, site_dir = build_site(project.config, tmp_path / "site")
    assert code == 0, output
    html = (site_dir / "devolving-power-enables-local-solutions" / "index.html").read_text()
    citation = re.search(r'id="cite-this-finding".*?</h2>\s*<p>(.*?)</p>', html, re.S)[1]
    text = page_text.plain(citation)
    assert "Devolving power to communities would let them address local problems." in text
    assert ".." not in text


def test_a_value_with_line_breaks_is_quoted_on_the_problems_one_line():
    """A message may quote a value that holds line breaks (an unclosed brace in an author reads
    the rest of the entry into it, as a random test found): the problem stays one line."""
    from findings.problems import Problem
    problem = Problem("bibliography.bib", 29, 1, "entry 'k0': author '{},\n  title = {A title},\r\n  year = {2020}' "
                      "has more commas than a name can")
    assert str(problem) == ("bibliography.bib:29:1: entry 'k0': author '{}, title = {A title}, year = {2020}' "
                            "has more commas than a name can")
    assert PROBLEM_LINE.match(str(problem))
