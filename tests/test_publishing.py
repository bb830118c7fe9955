"""What reaches the public: record text is escaped or sanitised on the built pages, and the
pull-request and deploy workflows run the checks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

EVIL = """\
title: A claim with <script>alert('title')</script> in it.
theme: covid-19
summary: |
  Ordinary **bold**, a [link](https://example.org) and a list follow [@kaye2020].
  <script>alert('summary')</script> <img src="x.png" onerror="alert('img')">
  <a href="javascript:alert('js')">bad link</a> <iframe src="https://example.org"></iframe>
  <p onclick="alert('click')">paragraph</p>

  - first item
  - second item
citations: [kaye2020]
"""


def test_raw_html_in_records_is_sanitised_on_built_pages(tmp_path):
    project = tmp_path / "project"
    for name in ("docs", "findings", "schema", "overrides"):
        shutil.copytree(ROOT / name, project / name)
    for name in ("mkdocs.yml", "bibliography.bib", "questions.yml", "CONTRIBUTING.md"):
        shutil.copy(ROOT / name, project / name)
    (project / "findings" / "covid-19" / "unsafe-html.yml").write_text(EVIL, encoding="utf-8")
    site = tmp_path / "site"
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
                            cwd=project, capture_output=True, text=True,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stderr

    for page in ("findings/unsafe-html/index.html", "themes/covid-19/index.html"):
        html = (site / page).read_text(encoding="utf-8")
        article = html[html.index("<article"):html.index("</article>")]
        assert "<script" not in article, page
        assert "onerror" not in article and "onclick" not in article, page
        assert "javascript:" not in article and "<iframe" not in article, page
        # The title is shown as text, and ordinary Markdown still renders.
        assert "A claim with &lt;script&gt;alert(" in article
        assert "<strong>bold</strong>" in article
        assert '<a href="https://example.org">link</a>' in article
        # The theme page shows the summary's first paragraph; the finding's page all of it.
        assert ("<li>first item</li>" in article) == page.startswith("findings/")
        head = html[:html.index("</head>")]
        assert "<script>alert(" not in head


def _workflow(name: str) -> dict:
    return yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8"))


def test_pull_request_workflow_lints_tests_builds_and_uploads_a_preview():
    workflow = _workflow("pull-request.yml")
    # PyYAML reads the bare key `on` as True.
    assert set(workflow[True]) == {"pull_request"}
    steps = [step.get("run", step.get("uses", "")) for job in workflow["jobs"].values() for step in job["steps"]]
    # The pull request runs the same script as CI; that script holds every check.
    assert "bash .ci/run" in steps
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for expected in ("findings lint", "findings schema --check", "python3 -m pytest", "mkdocs build --strict"):
        assert expected in ci, expected
    assert any(step.startswith("actions/upload-artifact") for step in steps)


def test_deploy_workflow_publishes_main_to_pages():
    workflow = _workflow("deploy.yml")
    assert workflow[True] == {"push": {"branches": ["main"]}}
    steps = [step.get("run", step.get("uses", "")) for job in workflow["jobs"].values() for step in job["steps"]]
    assert any("mkdocs build --strict" in step for step in steps)
    assert any(step.startswith("actions/deploy-pages") for step in steps)


def test_pre_commit_hook_runs_findings_lint():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert any(hook["entry"] == "findings lint" for hook in hooks)
