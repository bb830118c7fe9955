"""Every page of the built sample site is valid HTML to the Nu HTML checker (vnu, the W3C's
validator), but for two errors in Material's own templates, listed below with their reason.

The checker is vnu.jar, run with Java: $VNU_JAR, or the copy `npm install` puts in node_modules/
(package.json), or a `vnu` program on the PATH. Without it (or without Java) these tests are
skipped with one notice, unless the CI environment variable is set: then they fail."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

from conftest import REPO

NPM_JAR = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

# Errors in markup that Material writes and that only a copy of a large template of its own could
# change: (what the checker says, the markup it points at, why it is let through).
ALLOWED = [
    (r"Bad value “” for attribute “tabindex” on element “label”",
     r'<label class="md-nav__link" for="__nav_\d+" id="__nav_\d+_label" tabindex="">',
     "Material's partials/nav-item.html gives a section's label an empty tabindex when "
     "navigation.sections is on; browsers ignore it (the label is not focusable, as intended)."),
    (r"Attribute “autocomplete” is only allowed when the input type is",
     r'<input class="md-toggle" data-md-toggle="(drawer|search)" type="checkbox" id="__(drawer|search)" autocomplete="off">',
     "Material's base.html sets autocomplete=off on its two checkbox toggles so that Firefox does "
     "not restore them open when going back; harmless elsewhere."),
]


def _checker() -> list[str] | None:
    """The command that runs the Nu checker, or None when this machine cannot."""
    jar, java, vnu = Path(os.environ.get("VNU_JAR") or NPM_JAR), shutil.which("java"), shutil.which("vnu")
    if java and jar.is_file():
        return [java, "-jar", str(jar)]
    return [vnu] if vnu else None


@pytest.fixture(scope="module")
def nu_errors(built_site) -> dict[str, list[dict]]:
    """The checker's errors on the built sample site: page (as a path in the site) → errors."""
    command = _checker()
    if command is None:
        reason = ("Nu HTML checker tests skipped: no vnu.jar and Java found (install Java, then run "
                  "`npm install` in the repository for node_modules/vnu-jar, or set VNU_JAR)")
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI is set, so they must run (.ci/run installs both)", pytrace=False)
        pytest.skip(reason)
    result = subprocess.run([*command, "--errors-only", "--format", "json", "--stdout", "--skip-non-html",
                             str(built_site)], capture_output=True, text=True, timeout=600)
    assert result.returncode in (0, 1), result.stdout + result.stderr  # 1: it found errors
    errors = defaultdict(list)
    for message in json.loads(result.stdout)["messages"]:  # a page it cannot read is one too
        path = Path(message["url"].removeprefix("file:")).relative_to(built_site).as_posix()
        errors[path].append(message)
    return errors


def _allowed(message: dict) -> bool:
    return any(re.search(said, message["message"]) and re.search(markup, message.get("extract", ""))
               for said, markup, _ in ALLOWED)


def test_every_page_is_valid_html_but_for_materials_listed_errors(nu_errors):
    found = [f"{page}:{m.get('lastLine', '?')}: {m['message']}\n    {' '.join(m.get('extract', '').split())}"
             for page, messages in sorted(nu_errors.items()) for m in messages if not _allowed(m)]
    assert not found, f"{len(found)} errors from the Nu HTML checker:\n" + "\n".join(found)


def test_each_allowed_error_is_still_there(nu_errors):
    """An allowance no longer needed (Material fixed it) is taken out of ALLOWED."""
    seen = [m for messages in nu_errors.values() for m in messages]
    stale = [said for said, markup, _ in ALLOWED
             if not any(re.search(said, m["message"]) and re.search(markup, m.get("extract", "")) for m in seen)]
    assert not stale, f"no longer reported by the checker, remove from ALLOWED: {stale}"
