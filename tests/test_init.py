"""`findings init`: a new knowledge base that passes lint and a strict build at once, and the
package installed from its wheel, outside this repository, making one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO


def test_init_writes_a_knowledge_base_that_lints_and_builds(run_cli, build_site, tmp_path):
    target = tmp_path / "climate"
    code, out, err = run_cli("init", str(target), "--site-name", "Climate action: what we know", "--author",
                             "Local Trust & {partners}", "--theme", "Funding and resources", cwd=tmp_path)
    assert code == 0, err
    written = set(out.split())
    assert {"mkdocs.yml", "bibliography.bib", "questions.yml", "CONTRIBUTING.md", "README.md", "requirements.txt",
            ".pre-commit-config.yaml", ".github/workflows/pull-request.yml", ".github/workflows/deploy.yml",
            "schema/finding.schema.json", "findings/funding-and-resources/residents-lead-local-projects.yml"} <= written
    code, out, err = run_cli("lint", cwd=target)
    assert (code, out) == (0, ""), out + err
    assert run_cli("schema", "--check", cwd=target)[0] == 0
    code, output, site = build_site(target / "mkdocs.yml", tmp_path / "site")
    assert code == 0, output
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "Climate action: what we know" in home and "Funding and resources" in home
    assert (site / "places" / "towns" / "index.html").is_file() and (site / "evidence-map" / "index.html").is_file()
    finding = (site / "residents-lead-local-projects" / "index.html").read_text(encoding="utf-8")
    assert "Local Trust &#38; partners, 2024" in finding


def test_init_refuses_a_folder_that_holds_files_and_writes_nothing(run_cli, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine", encoding="utf-8")
    code, out, err = run_cli("init", str(tmp_path / "full"), "--site-name", "X", cwd=tmp_path)
    assert code == 2 and "is not an empty folder" in err
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["notes.txt"]


def test_init_help_explains_each_file(run_cli, tmp_path):
    code, out, _ = run_cli("init", "--help", cwd=tmp_path)
    assert code == 0
    for line in ("mkdocs.yml ", "bibliography.bib ", "CONTRIBUTING.md ", ".github/workflows/pull-request.yml ",
                 "schema/finding.schema.json "):
        assert any(row.strip().startswith(line) and len(row.split()) > 2 for row in out.splitlines()), line


def test_the_wheel_installs_and_works_outside_this_repository(tmp_path):
    """Built as a user would build it, installed in a new virtual environment, run from a
    folder that is not this repository."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(REPO)],
                   check=True, capture_output=True)
    [wheel] = (tmp_path / "dist").glob("findings-*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True, capture_output=True)
    bin_dir = tmp_path / "venv" / ("Scripts" if os.name == "nt" else "bin")
    install = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheel)],
                             capture_output=True, text=True)
    assert install.returncode == 0, install.stderr
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "NO_MKDOCS_2_WARNING": "1"}
    env.pop("PYTHONPATH", None)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    for command in (["findings", "init", "kb", "--site-name", "Elsewhere"], ["findings", "lint"],
                    ["mkdocs", "build", "--strict", "-q"]):
        result = subprocess.run(command, cwd=outside / "kb" if command[1] != "init" else outside, env=env,
                                capture_output=True, text=True, stdin=subprocess.DEVNULL)
        assert result.returncode == 0, (command, result.stdout + result.stderr)
    version = subprocess.run([str(bin_dir / "python"), "-c", "import findings, importlib.metadata as m; "
                              "print(m.version('findings'), findings.__file__)"], env=env, capture_output=True, text=True)
    number, location = version.stdout.split()
    assert number == "0.2.0" and Path(location).is_relative_to(tmp_path / "venv")
    assert (outside / "kb" / "site" / "index.html").is_file()


def test_a_new_knowledge_base_with_a_csl_style_builds_strict_with_its_own_evidence_map(run_cli, build_site, tmp_path):
    target = tmp_path / "kb"
    assert run_cli("init", str(target), "--site-name", "Another team", "--theme", "Housing", cwd=tmp_path)[0] == 0
    (target / "apa.csl").write_bytes((REPO / "tests" / "data" / "csl" / "apa.csl").read_bytes())
    config = target / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("      licence: CC-BY-4.0\n",
                                                                 "      licence: CC-BY-4.0\n      style: apa.csl\n"),
                      encoding="utf-8")
    code, output, site = build_site(config, tmp_path / "site")
    assert code == 0, output
    evidence_map = (site / "evidence-map" / "index.html").read_text(encoding="utf-8")
    assert '<th scope="col">Rural areas</th>' in evidence_map and "Housing" in evidence_map
    listing = (site / "bibliography" / "index.html").read_text(encoding="utf-8")
    assert "Smith, J., &amp; Patel, R. (2020)." in listing
