"""`findings changes`: what a pull request does to the knowledge base, from two git revisions
of a project, as the Markdown a reviewer reads in the pull-request comment."""

from __future__ import annotations

import subprocess

import pytest

from conftest import BIBLIOGRAPHY

FINDING = "findings/power-dynamics/devolving-power-enables-local-solutions.yml"


def git(root, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=Staff", "-c", "user.email=staff@example.org", *args], cwd=root,
                   check=True, capture_output=True)


@pytest.fixture
def repo(project):
    git(project.root, "init", "-q", "-b", "main")
    git(project.root, "add", "-A")
    git(project.root, "commit", "-q", "-m", "base")
    return project


def commit(project, message: str) -> None:
    git(project.root, "add", "-A")
    git(project.root, "commit", "-q", "-m", message)


def test_added_changed_and_removed_findings_and_sources_are_listed(repo, run_cli):
    repo.write("bibliography.bib", BIBLIOGRAPHY + "\n@book{tjoa2018, author = {Tjoa, P.}, title = {Rebalancing the "
               "power}, year = {2018}, publisher = {New Local}, address = {London}}\n")
    repo.write("findings/power-dynamics/councils-listen.yml", "title: Councils listen to partnerships.\n"
               "theme: power-dynamics\nsummary: Councils listen [@tjoa2018].\ncitations: [tjoa2018]\n")
    influence = repo.root / "findings/power-dynamics/influence-local-decision-making.yml"
    influence.write_text(influence.read_text(encoding="utf-8").replace("64 per cent feel", "64 per cent said they"),
                         encoding="utf-8")
    (repo.root / FINDING).unlink()
    commit(repo, "change")
    code, out, err = run_cli("changes", "HEAD~1", "HEAD", cwd=repo.root)
    assert code == 0, err
    assert "1 finding added, 1 changed, 1 removed; 1 source added, 1 removed. Now 3 published findings." in out
    assert "- Councils listen to partnerships. (`councils-listen`, Power dynamics)" in out
    assert "(`influence-local-decision-making`): summary" in out
    assert "(`devolving-power-enables-local-solutions`)" in out.split("**Removed**")[1]
    assert "- Tjoa, P. (2018). Rebalancing the power. London: New Local. (`tjoa2018`)" in out
    # cited only by the removed finding, so no longer on the site
    assert "(`localtrust2020reps`)" in out.split("**Sources no longer listed**")[1]
    assert "Compared HEAD&#126;1 with HEAD" in out


def test_the_files_as_they_are_now_are_compared_by_default_and_new_warnings_shown(repo, run_cli):
    repo.write("findings/relationship-quality/misplaced.yml", "title: A claim.\ntheme: power-dynamics\n"
               "summary: Text [@kaye2020].\ncitations: [kaye2020]\n")
    code, out, _ = run_cli("changes", "HEAD", cwd=repo.root)
    assert code == 0
    assert "1 finding added" in out and "**New warnings**" in out
    assert "findings/relationship-quality/misplaced.yml:2:1: the theme is 'power-dynamics'" in out


def test_a_revision_that_cannot_be_built_lists_its_errors(repo, run_cli):
    text = (repo.root / FINDING).read_text(encoding="utf-8")
    (repo.root / FINDING).write_text(text.replace("- localtrust2020reps", "- localtrust2020rep"), encoding="utf-8")
    commit(repo, "typo")
    code, out, _ = run_cli("changes", "main~1", "main", cwd=repo.root)
    assert code == 0
    assert "**main cannot be built**: 2 problems. Fix these first:" in out
    assert f"`{FINDING}:" in out and "unknown citation key 'localtrust2020rep'" in out


def test_an_unknown_revision_is_a_usage_error(repo, run_cli):
    code, out, err = run_cli("changes", "no-such-branch", cwd=repo.root)
    assert code == 2 and out == ""
    assert err.startswith("findings: git archive:") and "Traceback" not in err
