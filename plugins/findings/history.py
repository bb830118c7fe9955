"""Dates from version control: when each record file was first and last committed, for findings
that give no ``added`` or ``reviewed`` date of their own. Outside a git repository, or in a
shallow clone (whose history starts at its newest commit), there are no dates to give."""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path

Dates = tuple[datetime.date, datetime.date]  # first commit, last commit


def file_dates(folder: Path) -> dict[Path, Dates]:
    """Each committed file under ``folder`` (absolute path) → the dates of its first and last
    commits, following renames (a finding moved to another theme's folder keeps its first date)."""
    try:
        shallow = _git(folder, "rev-parse", "--is-shallow-repository").strip()
        log = _git(folder, "-c", "core.quotePath=false", "log", "--format=@%cs", "--name-status", "-M",
                   "--relative", "--", ".") if shallow == "false" else ""
    except (OSError, subprocess.SubprocessError):
        return {}
    dates: dict[str, list[datetime.date]] = {}
    renamed: dict[str, str] = {}  # an older name → the file's name now
    day = None
    for line in log.splitlines():  # newest commit first
        if line.startswith("@"):
            day = datetime.date.fromisoformat(line[1:])
            continue
        status, *paths = line.split("\t")
        if not paths or day is None:
            continue
        now = renamed.get(paths[-1], paths[-1])
        if status.startswith("R") and len(paths) == 2:
            renamed[paths[0]] = now
        seen = dates.setdefault(now, [day, day])
        seen[0] = min(seen[0], day)
    return {folder / name: (first, last) for name, (first, last) in dates.items()}


def _git(folder: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=60,
                          check=True, encoding="utf-8", errors="replace")
    return done.stdout
