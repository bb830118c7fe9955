"""Shared fixtures: the sample site, a factory for small projects, and runners for the
`findings` command and for `mkdocs build`.

No test reads the content of the repository's own findings/, bibliography.bib or
questions.yml: those are checked once, by `findings lint` and the strict build in .ci/run, so
a mistake in them is one clear failure there. Tests that need a whole site build the sample in
tests/data/sample (a frozen copy of the content) with the repository's own theme files."""

from __future__ import annotations

import os

os.environ["NO_MKDOCS_2_WARNING"] = "1"

import re
import shutil
import subprocess
import sys
import textwrap
from html import unescape
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from findings.models import Settings
from findings.pipeline import KnowledgeBase, build_knowledge_base
from findings.problems import FindingsError, Problem

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "tests" / "data" / "sample"
# The site's theme files (not content), taken from the repository for the sample site.
THEME_FILES = ("overrides", "docs/stylesheets")

MKDOCS_YML = """\
site_name: Findings test site
site_url: https://example.org/findings/
theme:
  name: mkdocs
markdown_extensions:
  - attr_list
  - md_in_html
plugins:
  - findings:
      themes:
        - id: power-dynamics
          title: Power dynamics
          description: Who holds power locally and how partnerships influence it.
        - id: relationship-quality
          title: Quality of relationships
          description: How partnership members rate their relationships with public bodies.
      facets:
        - id: evidence
          title: Kind of evidence
          short_title: Evidence
          noun: kind of evidence
          intro: "Findings resting on {value}, by theme."
          values:
            - {id: survey, label: Survey}
            - {id: qualitative, label: Qualitative research}
            - {id: evaluation, label: Programme evaluation}
            - {id: internal-data, label: Internal data}
            - {id: literature, label: Literature}
        - id: public-bodies
          title: Public bodies
          noun: kind of public body
          intro: "Findings that concern {value}, by theme."
          multiple: true
          values:
            - {id: local-authorities, label: Local authorities and councils}
            - {id: housing-associations, label: Housing associations}
            - {id: education, label: "Schools, colleges and universities"}
            - {id: health, label: Health agencies}
            - {id: police, label: Police}
      evidence_maps:
        - columns: public-bodies
nav:
  - Home: index.md
"""

BIBLIOGRAPHY = """\
% A small bibliography: one person, and two works by a corporate author in the same year.

@book{kaye2020,
  author    = {Kaye, S.},
  title     = {Think big, act small: Elinor Ostrom's Radical Vision for Community Power},
  year      = {2020},
  publisher = {New Local},
  address   = {London},
}

@unpublished{localtrust2020survey,
  author    = {{Local Trust}},
  title     = {National Survey of Big Local partnership members 2020},
  year      = {2020},
  publisher = {Local Trust},
  address   = {London},
  note      = {unpublished data},
}

@unpublished{localtrust2020reps,
  author    = {{Local Trust}},
  title     = {Big Local rep quarterly report, 2020-21, Quarter 2},
  year      = {2020},
  publisher = {Local Trust},
  address   = {London},
  note      = {unpublished data},
}
"""

FINDINGS = {
    "findings/power-dynamics/influence-local-decision-making.yml": """\
        title: 64 per cent of partnership members feel they can influence local decision-making.
        theme: power-dynamics
        summary: |
          The 2020 survey of partnership members found that 64 per cent feel they can
          influence local decision-making [@localtrust2020survey].
        citations:
          - localtrust2020survey
        evidence: survey
        statistics:
          - value: 64
            unit: per cent
            measure: partnership members who feel they can influence local decision-making
            source: localtrust2020survey
        related: [good-relationships-with-external-partners]
        """,
    "findings/power-dynamics/devolving-power-enables-local-solutions.yml": """\
        title: Devolving power to communities would let them address local problems.
        theme: power-dynamics
        summary: |
          As @kaye2020 argues, communities given power can build on their own strengths
          [@kaye2020, p. 12; @localtrust2020reps].
        citations:
          - key: kaye2020
            locator: p. 12
          - localtrust2020reps
        evidence: literature
        """,
    "findings/relationship-quality/good-relationships-with-external-partners.yml": """\
        title: 86 per cent of partnership members feel they have good working relationships with external partners.
        theme: relationship-quality
        summary: |
          The 2020 survey found that 86 per cent of respondents feel they have good working
          relationships with external partners [@localtrust2020survey].
        citations:
          - localtrust2020survey
        statistics:
          - value: 86
            unit: per cent
            measure: partnership members with good working relationships with external partners
            source: localtrust2020survey
        related: [influence-local-decision-making]
        """,
}

QUESTIONS = """\
- id: working-better-together
  question: How can communities and public bodies work better together?
  sub_questions:
    - What guidance would help partnerships work with public bodies?
  themes: [power-dynamics, relationship-quality]
  findings:
    - influence-local-decision-making
    - good-relationships-with-external-partners
"""

INDEX_MD = """\
# Home

What partnerships know about working with the public sector [@kaye2020].
"""


class _ConfigLoader(yaml.SafeLoader):
    """Reads mkdocs.yml, leaving tags MkDocs resolves (!ENV, !relative) as None."""


_ConfigLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def bib_problems(bibliography) -> list[Problem]:
    """Every problem a parsed bibliography holds: the file's, then each entry's."""
    return bibliography.problems + sorted(p for found in bibliography.entry_problems.values() for p in found)


def read_config(path: Path) -> dict:
    """An mkdocs.yml as data; ``read_config(p)["plugins"]`` etc."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_ConfigLoader)


def plugin_settings(config_path: Path) -> dict:
    """The findings plugin's settings in an mkdocs.yml."""
    for plugin in read_config(config_path)["plugins"]:
        if isinstance(plugin, dict) and "findings" in plugin:
            return plugin["findings"]
    raise AssertionError(f"{config_path}: the findings plugin is not configured")


class Project:
    """A small findings project in a temporary folder, valid until a test changes it."""

    def __init__(self, root: Path):
        self.root = root

    @property
    def config(self) -> Path:
        return self.root / "mkdocs.yml"

    def write(self, relative: str, text: str) -> Path:
        """Write a file (text is dedented), creating its folders; returns its path."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def settings(self) -> Settings:
        return Settings.model_validate(plugin_settings(self.config))

    def pages(self) -> dict[str, str]:
        docs = self.root / "docs"
        return {p.relative_to(docs).as_posix(): p.read_text(encoding="utf-8") for p in sorted(docs.rglob("*.md"))}

    def knowledge_base(self) -> KnowledgeBase:
        """Run the core pipeline; raises FindingsError on any error."""
        return build_knowledge_base(self.root, self.settings(), self.pages())

    def problems(self) -> list[Problem]:
        """Every error the core pipeline reports ([] when the project is valid)."""
        try:
            self.knowledge_base()
        except FindingsError as error:
            return list(error.problems)
        return []


def sample_project(root: Path) -> Path:
    """Write the sample site into ``root``: tests/data/sample with the repository's theme files."""
    shutil.copytree(SAMPLE, root)
    for name in THEME_FILES:
        shutil.copytree(REPO / name, root / name)
    return root


@pytest.fixture(scope="session")
def sample_root(tmp_path_factory) -> Path:
    """The sample site, written once per session; tests must not change it (see copy_sample)."""
    return sample_project(tmp_path_factory.mktemp("sample") / "site-source")


@pytest.fixture
def copy_sample(tmp_path) -> Path:
    """A copy of the sample site of a test's own, to change."""
    return sample_project(tmp_path / "sample")


def new_project(root: Path) -> Project:
    """Write the minimal valid project into ``root``."""
    project = Project(root)
    project.write("mkdocs.yml", MKDOCS_YML)
    project.write("bibliography.bib", BIBLIOGRAPHY)
    project.write("questions.yml", QUESTIONS)
    project.write("docs/index.md", INDEX_MD)
    for relative, text in FINDINGS.items():
        project.write(relative, text)
    return project


@pytest.fixture
def make_project(tmp_path):
    """Factory: ``make_project()`` writes a minimal valid project and returns a Project."""

    def make(name: str = "project") -> Project:
        return new_project(tmp_path / name)

    return make


@pytest.fixture
def project(make_project) -> Project:
    return make_project()


def _run(command: list[str], cwd: Path, env: dict | None = None) -> tuple[int, str, str]:
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    environment.pop("GITHUB_ACTIONS", None)
    environment.update(env or {})
    result = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=120)
    return result.returncode, result.stdout, result.stderr


@pytest.fixture(scope="session")
def minimal_site(tmp_path_factory, build_site) -> SimpleNamespace:
    """The minimal project, unchanged, built once: ``.project``, ``.code``, ``.output``, ``.site``."""
    project = new_project(tmp_path_factory.mktemp("minimal") / "project")
    code, output, site = build_site(project.config, project.root.parent / "site")
    return SimpleNamespace(project=project, code=code, output=output, site=site)


@pytest.fixture(scope="session")
def built_site(sample_root, build_site, tmp_path_factory) -> Path:
    """The sample site built once per test session with `mkdocs build --strict`."""
    code, output, site_dir = build_site(sample_root / "mkdocs.yml", tmp_path_factory.mktemp("built") / "site")
    assert code == 0, output
    assert "Traceback" not in output
    return site_dir


@pytest.fixture(scope="session")
def run_cli():
    """``run_cli(*args, cwd=..., env=None)`` runs the `findings` command: (code, stdout, stderr)."""

    def run(*args: str, cwd: Path, env: dict | None = None) -> tuple[int, str, str]:
        return _run([sys.executable, "-m", "findings.cli", *args], cwd, env)

    return run


@pytest.fixture(scope="session")
def build_site():
    """``build_site(config, site_dir, tool="mkdocs")`` runs ``<tool> build --strict``:
    (return code, combined output, site dir)."""

    def build(config: Path, site_dir: Path, tool: str = "mkdocs") -> tuple[int, str, Path]:
        command = [sys.executable, "-m", tool, "build", "--strict", "-f", str(config), "-d", str(site_dir)]
        code, out, err = _run(command, config.parent)
        return code, out + err, site_dir

    return build


def article(html: str) -> str:
    """The page's main content (what the reader reads), without the theme's navigation."""
    match = re.search(r"<article\b.*?</article>", html, re.S) or re.search(
        r'<div[^>]*role="main".*?(?=<footer\b|</body>)', html, re.S)
    assert match, "no main content found"
    return match[0]


_INLINE_TAGS = r"</?(?:a|em|strong|code|span|abbr|b|i|cite|q|small|sup|sub)\b[^>]*>"


def plain(html: str) -> str:
    """The visible text of some HTML, whitespace folded."""
    text = re.sub(_INLINE_TAGS, "", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", text)).split())


@pytest.fixture(scope="session")
def page_text() -> SimpleNamespace:
    """Helpers to read built pages and configs: ``page_text.article(html)``,
    ``page_text.plain(html)`` and ``page_text.plugin_settings(mkdocs_yml)``."""
    return SimpleNamespace(article=article, plain=plain, plugin_settings=plugin_settings)


# Bibliography entries written as an attacker would: Markdown and HTML in a title, quotes and
# brackets in a URL and a DOI, a key that looks like a URL scheme.
HOSTILE_BIBLIOGRAPHY = r"""
@book{title2020, author = {Kaye, S.}, year = {2020}, publisher = {P},
  title = {[x](onmouseover=alert(1)//) and <img src=x onerror=alert(2)> {: onclick=alert(3) }}}
@misc{url2021, author = {Kaye, S.}, title = {Web page}, year = {2021},
  url = {https://example.org/[x](javascript:alert(4))"onmouseover="alert(5)}}
@article{doi2022, author = {Kaye, S.}, title = {An article}, year = {2022}, journal = {J},
  doi = {10.1000/[x](onmouseover=alert(6)//)"<b>}}
@misc{javascript:alert, author = {Kaye, S.}, title = {Key}, year = {2023}}
"""

HOSTILE_KEYS = ("title2020", "url2021", "doi2022", "javascript:alert")


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory, build_site) -> SimpleNamespace:
    """The minimal project with HOSTILE_BIBLIOGRAPHY added and cited (in a summary and in
    citations), built once: ``.project``, ``.code``, ``.output``, ``.site``."""
    project = new_project(tmp_path_factory.mktemp("hostile") / "project")
    # Material's tooltips, which show a link's title as a styled box, as on the real site.
    project.write("mkdocs.yml", MKDOCS_YML.replace("  name: mkdocs\n", "  name: material\n  features: [content.tooltips]\n"))
    project.write("bibliography.bib", BIBLIOGRAPHY + HOSTILE_BIBLIOGRAPHY)
    project.write("findings/power-dynamics/hostile-sources.yml", f"""\
        title: A claim resting on hostile sources.
        theme: power-dynamics
        summary: |
          Hostile entries [{'; '.join('@' + key for key in HOSTILE_KEYS)}].
        citations: [{', '.join(f'"{key}"' for key in HOSTILE_KEYS)}]
        """)
    code, output, site = build_site(project.config, project.root.parent / "site")
    return SimpleNamespace(project=project, code=code, output=output, site=site)
