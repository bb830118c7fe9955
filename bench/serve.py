"""Save-to-shown times under `mkdocs serve`, the README's preview command: one server on a free
loopback port, then edits saved one after another, each timed until the pages it changes serve
the new text and the server has told browsers to reload."""

from __future__ import annotations

import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import yaml

from findings.escaping import key_slug

from .measure import ENV

FIRST_TIMEOUT = 900.0  # the first build, before the server answers
EDIT_TIMEOUT = 300.0  # one edit; a full rebuild at N = 5000 takes about 80 s
POLL = 0.1
TOKEN = "zqxbench"  # in no generated text
YEAR = "1899"  # before every generated year (2005-2023)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    """(status, body) of a page; (0, "") while the server does not answer."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")
    except (urllib.error.URLError, TimeoutError, ConnectionError):
        return 0, ""


def shows(text: str):
    return lambda status, body: status == 200 and text in body


def lacks(text: str):
    return lambda status, body: status == 200 and text not in body


def gone(status: int, body: str) -> bool:
    return status == 404


def edits(project: Path) -> list[tuple[str, object, dict]]:
    """(label, save, checks by page) for each edit, in order: a title, a summary, a new finding,
    its deletion, a cited source's year. ``save()`` writes the files; each check must hold."""
    path = sorted((project / "findings").glob("*/*.yml"))[0]
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    finding, theme = f"{path.stem}/", f"themes/{record['theme']}/"
    key = record["citations"][0]
    key = key["key"] if isinstance(key, dict) else key
    added = path.parent / f"{TOKEN}-added.yml"
    bib = project / "bibliography.bib"

    def rewrite(file: Path, pattern: str, replacement: str) -> None:
        text, count = re.subn(pattern, replacement, file.read_text(encoding="utf-8"), count=1, flags=re.M)
        if count != 1:
            raise RuntimeError(f"{file}: no match for {pattern!r}")
        file.write_text(text, encoding="utf-8")

    return [
        ("change a title", lambda: rewrite(path, r"^title: .*$", f'title: "A title the benchmark changed {TOKEN}1."'),
         {finding: shows(f"{TOKEN}1"), theme: shows(f"{TOKEN}1")}),
        ("change a summary", lambda: rewrite(path, r"^summary: \|\n  ", f"summary: |\n  Now {TOKEN}2: "),
         {finding: shows(f"{TOKEN}2"), theme: shows(f"{TOKEN}2")}),
        ("add a finding", lambda: added.write_text(
            f'title: "A finding the benchmark added {TOKEN}3."\ntheme: {record["theme"]}\n'
            f"summary: A finding added while serving [@{key}].\ncitations: [{key}]\n", encoding="utf-8"),
         {f"{added.stem}/": shows(f"{TOKEN}3"), theme: shows(f"{TOKEN}3")}),
        ("delete a finding", added.unlink, {f"{added.stem}/": gone, theme: lacks(f"{TOKEN}3")}),
        ("change a source's year", lambda: rewrite(
            bib, rf"^(@\w+\{{{re.escape(key)},\n(?:  .*\n)*?  year\s*= \{{)\d+", rf"\g<1>{YEAR}"),
         {finding: shows(YEAR), f"sources/{key_slug(key)}/": shows(YEAR)}),
    ]


def _count(log: Path, line: str) -> int:
    return log.read_text(errors="replace").count(line)


def _peak_rss(pid: int) -> int:
    """The server's peak resident memory in bytes (VmHWM, Linux), 0 where unknown."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    return int(found[1]) * 1024 if found else 0


def _stop(process: subprocess.Popen) -> None:
    """SIGINT to the server's process group (serve then removes its temporary site), SIGKILL
    if it is still there after 10 s."""
    for sig in (signal.SIGINT, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            pass


def measure_serve(project: Path, log: Path, progress=print) -> dict:
    """Start `mkdocs serve` on ``project``, wait for its first build, then time each edit of
    ``edits``: seconds until its pages serve the new text ("served") and until the server has
    told browsers to reload ("reloaded"), None after EDIT_TIMEOUT."""
    config = (project / "mkdocs.yml").read_text(encoding="utf-8")
    base = urlparse(re.search(r"^site_url: (.*)$", config, re.M)[1]).path
    port = free_port()
    url = f"http://127.0.0.1:{port}{base}"
    plan = edits(project)
    with open(log, "w") as out:
        start = time.monotonic()
        process = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "--dirty", "-f", str(project / "mkdocs.yml"),
                                    "-a", f"127.0.0.1:{port}"], cwd=project, env=ENV, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        first_page = next(iter(plan[0][2]))

        def wait(timeout: float, **ready) -> dict[str, float | None]:
            """Seconds from ``start`` until each of ``ready`` first holds, None after ``timeout``."""
            times: dict[str, float | None] = dict.fromkeys(ready)
            while time.monotonic() - start < timeout and None in times.values():
                if process.poll() is not None or "An error happened during the rebuild" in log.read_text(errors="replace"):
                    raise RuntimeError(f"mkdocs serve stopped working:\n{log.read_text()[-3000:]}")
                for name, holds in ready.items():
                    if times[name] is None and holds():
                        times[name] = time.monotonic() - start
                time.sleep(POLL)
            return times

        progress("  mkdocs serve: first build")
        first = wait(FIRST_TIMEOUT, first=lambda: "Serving on" in log.read_text(errors="replace")
                     and fetch(url + first_page)[0] == 200)["first"]
        if first is None:
            raise RuntimeError(f"mkdocs serve did not answer within {FIRST_TIMEOUT:.0f} s:\n{log.read_text()[-3000:]}")
        os.sync()  # the first build's 18,000 files on disk, as they are by the time anyone edits (Linux: within 30 s)
        results = []
        for label, save, checks in plan:
            if any(check(*fetch(url + page)) for page, check in checks.items()):
                raise RuntimeError(f"serve: before '{label}', a page already shows what the edit should make")
            progress(f"  mkdocs serve: {label}")
            reloads = _count(log, "Reloading browsers")
            start = time.monotonic()
            save()
            results.append({"edit": label, **wait(
                EDIT_TIMEOUT, served=lambda: all(check(*fetch(url + page)) for page, check in checks.items()),
                reloaded=lambda: _count(log, "Reloading browsers") > reloads)})
            # the next edit waits until no build is running, so it is timed alone
            wait(2 * EDIT_TIMEOUT, idle=lambda: _count(log, "Building documentation") == _count(log, "Reloading browsers") + 1)
        rss = _peak_rss(process.pid)
    finally:
        _stop(process)
    shown = [None if r["served"] is None or r["reloaded"] is None else max(r["served"], r["reloaded"])
             for r in results]
    done = [s for s in shown if s is not None]
    return {"first": first, "edits": results, "shown": shown, "rss": rss,
            "median": statistics.median(done) if done else None, "max": None if None in shown else max(shown)}
