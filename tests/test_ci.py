"""The pull-request check, as a contributor meets it: .ci/check-content (run first by .ci/run)
reports a mistake in the content once, as file:line: message at the top of its output."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO


def check_content(root: Path) -> tuple[int, list[str]]:
    shutil.copytree(REPO / ".ci", root / ".ci", dirs_exist_ok=True)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    env.pop("GITHUB_ACTIONS", None)
    result = subprocess.run(["bash", ".ci/check-content"], cwd=root, env=env, capture_output=True, text=True,
                            stdin=subprocess.DEVNULL, timeout=600)
    return result.returncode, (result.stdout + result.stderr).splitlines()


def test_the_sample_site_passes_the_content_checks(copy_sample, run_cli):
    assert run_cli("schema", cwd=copy_sample)[0] == 0
    code, lines = check_content(copy_sample)
    assert code == 0, "\n".join(lines)


def test_one_misspelt_key_is_one_failure_named_within_the_first_lines(copy_sample, run_cli):
    assert run_cli("schema", cwd=copy_sample)[0] == 0
    path = next(p for p in sorted((copy_sample / "findings").rglob("*.yml")) if "- mccabe2019\n" in p.read_text())
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("- mccabe2019\n", "- mccabe2091\n", 1), encoding="utf-8")
    line = text.splitlines().index(next(l for l in text.splitlines() if l.strip() == "- mccabe2019")) + 1
    code, lines = check_content(copy_sample)
    assert code != 0
    shown = f"{path.relative_to(copy_sample).as_posix()}:{line}:"
    first = "\n".join(lines[:20])
    assert shown in first and "unknown citation key 'mccabe2091' (did you mean 'mccabe2019'?)" in first, first
    assert "Traceback" not in "\n".join(lines)
