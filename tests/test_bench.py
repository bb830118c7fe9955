"""The benchmark's generators (bench/): the findings project and the plain site of as many pages
build without warnings and publish the same number of pages; the serve edits apply to the
generated files."""

from __future__ import annotations

import re

from bench.corpus import generate_plain_site, generate_project
from bench.measure import build
from bench.serve import TOKEN, YEAR, edits


def pages_in_sitemap(site) -> int:
    return len(re.findall(r"<loc>", (site / "sitemap.xml").read_text(encoding="utf-8")))


def test_plain_site_has_as_many_pages_as_the_findings_site(tmp_path):
    generate_project(tmp_path / "findings-site", 20, 8)
    _, _, warnings = build(tmp_path / "findings-site", tmp_path / "site-a", tmp_path / "a.log")
    assert warnings == 0, (tmp_path / "a.log").read_text()
    pages = pages_in_sitemap(tmp_path / "site-a")
    assert pages > 20 + 8  # a page per finding and per source, and the site's own pages

    generate_plain_site(tmp_path / "plain-site", pages)
    _, _, warnings = build(tmp_path / "plain-site", tmp_path / "site-p", tmp_path / "p.log")
    assert warnings == 0, (tmp_path / "p.log").read_text()
    assert pages_in_sitemap(tmp_path / "site-p") == pages


def test_serve_edits_change_the_generated_files(tmp_path):
    project = tmp_path / "findings-site"
    generate_project(project, 20, 8)
    before = {path: path.read_text(encoding="utf-8") for path in project.rglob("*") if path.is_file()}
    for _, save, _ in edits(project):
        save()  # each edit raises if its pattern no longer matches the generated files
    after = {path: path.read_text(encoding="utf-8") for path in project.rglob("*") if path.is_file()}
    changed = [path for path in before if after.get(path) != before[path]]
    assert sorted(path.suffix for path in changed) == [".bib", ".yml"]
    finding = next(path for path in changed if path.suffix == ".yml")
    assert f"{TOKEN}1" in after[finding] and f"summary: |\n  Now {TOKEN}2: " in after[finding]
    assert re.search(rf"^  year\s*= \{{{YEAR}\}}", after[project / "bibliography.bib"], re.M)
    assert set(after) == set(before)  # the added finding was deleted again
