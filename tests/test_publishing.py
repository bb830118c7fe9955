"""What reaches the public: record text is escaped or sanitised on the built pages, and the
pull-request and deploy workflows run the checks."""

from __future__ import annotations

import os
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


def test_raw_html_in_records_is_sanitised_on_built_pages(copy_sample, tmp_path):
    project = copy_sample
    (project / "findings" / "covid-19" / "unsafe-html.yml").write_text(EVIL, encoding="utf-8")
    site = tmp_path / "site"
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
                            cwd=project, capture_output=True, text=True,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stderr

    for page in ("unsafe-html/index.html", "themes/covid-19/index.html"):
        html = (site / page).read_text(encoding="utf-8")
        article = html[html.index("<article"):html.index("</article>")]
        assert "<script" not in article, page
        assert "onerror" not in article and "onclick" not in article, page
        assert "javascript:" not in article and "<iframe" not in article, page
        # The title is shown as text (escaped one way or the other).
        assert "A claim with &lt;script&gt;alert(" in article or "A claim with &#60;script&#62;alert(" in article
        if page.startswith("themes/"):  # the lead sentence, as text
            assert "<p>Ordinary bold, a link and a list follow (Kaye, 2020)." in article
            continue
        # On the finding's page, ordinary Markdown still renders, the whole summary.
        assert "<strong>bold</strong>" in article
        assert '<a href="https://example.org">link</a>' in article
        assert "<li>first item</li>" in article
        head = html[:html.index("</head>")]
        assert "<script>alert(" not in head


def _workflow(name: str) -> dict:
    return yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8"))


def _steps(workflow: dict, job: str) -> list[str]:
    return [step.get("run", step.get("uses", "")) for step in workflow["jobs"][job]["steps"]]


def test_pull_request_checks_content_first_then_tests_comments_the_changes_and_publishes_a_preview():
    workflow = _workflow("pull-request.yml")
    # PyYAML reads the bare key `on` as True.
    assert set(workflow[True]["pull_request"]["types"]) == {"opened", "reopened", "synchronize", "closed"}
    assert "bash .ci/run" in _steps(workflow, "check")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    content = (ROOT / ".ci" / "check-content").read_text(encoding="utf-8")
    assert ci.index("bash .ci/check-content") < ci.index("python -m pytest")
    assert content.index("findings lint") < content.index("findings schema --check") < content.index(
        "mkdocs build --strict")
    assert any(step.startswith("findings changes \"origin/") for step in _steps(workflow, "changes"))
    preview = workflow["jobs"]["preview"]
    [action] = [step for step in preview["steps"] if step.get("uses", "").startswith("rossjrw/pr-preview-action")]
    assert action["with"]["umbrella-dir"] == "pr-preview" and action["with"]["action"] == "auto"
    assert "head.repo.full_name == github.repository" in preview["if"]


def test_deploy_workflow_checks_the_content_and_publishes_main_keeping_the_previews():
    workflow = _workflow("deploy.yml")
    assert workflow[True] == {"push": {"branches": ["main"]}}
    steps = _steps(workflow, "deploy")
    assert "bash .ci/check-content" in steps and "mkdocs build --strict" in steps
    [publish] = [step for step in workflow["jobs"]["deploy"]["steps"] if "github-pages-deploy-action" in step.get("uses", "")]
    assert publish["with"]["branch"] == "gh-pages" and publish["with"]["clean-exclude"] == "pr-preview/"


def test_pre_commit_hook_runs_findings_lint():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert any(hook["entry"] == "findings lint" for hook in hooks)


SNIPPET = """\
title: A claim that tries to include a file.
theme: covid-19
summary: |
  The next line would include a file of the project on the public site.

  --8<-- "secret.txt"

  ---8<--- "secret.txt"
citations: [kaye2020]
"""


def test_a_summary_cannot_include_a_file_of_the_project(copy_sample, build_site, tmp_path):
    """The sample site has pymdownx.snippets on with the project folder as its base."""
    (copy_sample / "secret.txt").write_text("TOKEN=hunter2\n", encoding="utf-8")
    (copy_sample / "findings" / "covid-19" / "snippet.yml").write_text(SNIPPET, encoding="utf-8")
    code, output, site = build_site(copy_sample / "mkdocs.yml", tmp_path / "site")
    assert code == 0, output
    for page in ("snippet/index.html", "themes/covid-19/index.html", "search/search_index.json"):
        assert "hunter2" not in (site / page).read_text(encoding="utf-8"), page
    article = (site / "snippet" / "index.html").read_text(encoding="utf-8")
    assert "--8&lt;-- &quot;secret.txt&quot;" in article or '--8&lt;-- "secret.txt"' in article
