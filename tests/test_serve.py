"""`mkdocs serve` (the README's preview): with broken records, page requests answer with a
page listing each problem as file:line: message (escaped), and the site comes back at the rebuild
after the files are fixed; after a sequence of edits, `mkdocs serve --dirty` serves what a clean
build makes."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from types import SimpleNamespace

import pytest

FINDING = "findings/power-dynamics/influence-local-decision-making.yml"
FINDING_PAGE = "influence-local-decision-making/"
TITLE = "64 per cent of partnership members feel they can influence local decision-making."
HOSTILE = "findings/power-dynamics/hostile.yml"
CHANGE_SECONDS = 15  # for one edit to show: the server polls files every 0.5 s, a rebuild takes about 0.5 s


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(project, tmp_path, port: int | None = None, dirty: bool = False):
    """`mkdocs serve` on the project at a free loopback port, stopped however the test ends."""
    port = port or free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", *(["--dirty"] if dirty else []), "-f", str(project.config),
             "-a", f"127.0.0.1:{port}"],
            cwd=project.root, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
        try:
            yield SimpleNamespace(url=f"http://127.0.0.1:{port}/findings/", process=process, log=log_path)
        finally:
            process.send_signal(signal.SIGINT)  # lets serve remove its temporary site folder
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def fetch(url: str) -> tuple[int, str] | None:
    """(status, body) of a page, or None while the server does not answer."""
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")
    except (urllib.error.URLError, TimeoutError, ConnectionError):
        return None


def wait_for(server, page: str, shows, what: str, status: int | None = None) -> tuple[int, str]:
    """Poll ``page`` until ``shows(html)`` (and it answers with ``status``, if given; a page
    being rebuilt may answer 404 for a moment); fails after CHANGE_SECONDS."""
    deadline, answer = time.monotonic() + CHANGE_SECONDS, None
    while time.monotonic() < deadline:
        assert server.process.poll() is None, f"mkdocs serve exited:\n{server.log.read_text()}"
        answer = fetch(server.url + page)
        if answer and shows(answer[1]) and status in (None, answer[0]):
            return answer
        time.sleep(0.2)
    raise AssertionError(f"{page} never showed {what}; last answer: {answer}\n{server.log.read_text()}")


@pytest.mark.parametrize("dirty", [False, True], ids=["serve", "serve --dirty"])
def test_serve_shows_a_problem_made_while_serving_until_it_is_fixed(project, tmp_path, page_text, dirty):
    original = (project.root / FINDING).read_text(encoding="utf-8")
    problem = (f"{FINDING}:2:1: unknown theme 'power-dynamic' (did you mean 'power-dynamics'?)")
    with serving(project, tmp_path, dirty=dirty) as server:
        wait_for(server, FINDING_PAGE, lambda html: TITLE in page_text.plain(html), "the finding")

        (project.root / FINDING).write_text(original.replace("theme: power-dynamics", "theme: power-dynamic"))
        status, html = wait_for(server, FINDING_PAGE, lambda html: problem in page_text.plain(html), "the problem")
        assert "The site was not built: 1 problem" in page_text.plain(html)
        assert TITLE not in html
        assert status == 404  # no such page was built; the home page is the error page too
        assert fetch(server.url)[0] == 200 and problem in page_text.plain(fetch(server.url)[1])

        (project.root / FINDING).write_text(original)
        wait_for(server, FINDING_PAGE, lambda html: TITLE in page_text.plain(html), "the fixed finding", status=200)
    assert "Traceback" not in server.log.read_text()


@pytest.mark.parametrize("dirty", [False, True], ids=["serve", "serve --dirty"])
def test_serve_started_with_a_broken_record_shows_it_escaped(project, tmp_path, page_text, dirty):
    hostile = "<img src=x onerror=alert(1)>"
    project.write(HOSTILE, f"""\
        title: A claim.
        theme: "{hostile}"
        summary: Text [@kaye2020].
        citations: [kaye2020]
        """)
    with serving(project, tmp_path, dirty=dirty) as server:
        status, html = wait_for(server, "", lambda html: f"{HOSTILE}:2:1: theme: '{hostile}'" in page_text.plain(html),
                                "the problem")
        assert status == 200
        assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html

        project.write(HOSTILE, "title: A claim.\ntheme: power-dynamics\nsummary: Text.\ncitations: [kaye2020]\n")
        wait_for(server, "", lambda html: "(Kaye, 2020)" in page_text.plain(html), "the home page")
    assert "Traceback" not in server.log.read_text()


LIVERELOAD = re.compile(r"<script>[^<]*livereload[^<]*</script>")


def test_serve_dirty_after_edits_serves_what_a_clean_build_makes(copy_sample, tmp_path, build_site, page_text):
    """Change, add and delete a finding, change a source's year so that another's year letter
    moves, and change a setting: each shows, and then every page served is the clean build's,
    page for page."""
    from conftest import Project
    project = Project(copy_sample)
    port = free_port()
    site_url = f"http://127.0.0.1:{port}/findings/"
    changed, added = "findings/power-dynamics/influence-local-decision-making.yml", "findings/covid-19/added.yml"
    deleted = "findings/working-relationships/public-bodies-as-ltos-24-areas.yml"  # nothing names it
    with serving(project, tmp_path, port, dirty=True) as server:
        wait_for(server, "influence-local-decision-making/", lambda html: "64 per cent" in html, "the finding")

        finding = project.root / changed
        finding.write_text(re.sub(r"^title: .*$", "title: A title changed while serving.",
                                  finding.read_text(encoding="utf-8"), count=1, flags=re.M), encoding="utf-8")
        wait_for(server, "themes/power-dynamics/", lambda html: "A title changed while serving." in html, "the title")

        project.write(added, "title: A finding added while serving.\ntheme: covid-19\n"
                             "summary: Added [@kaye2020].\ncitations: [kaye2020]\n")
        wait_for(server, "added/", lambda html: "A finding added while serving." in html, "the new finding")

        (project.root / deleted).unlink()
        wait_for(server, "themes/working-relationships/", lambda html: "public-bodies-as-ltos-24-areas" not in html,
                 "the finding gone from its theme")

        bib = project.root / "bibliography.bib"
        text = bib.read_text(encoding="utf-8")
        entry = text.index("@unpublished{localtrust2020reps")
        bib.write_text(text[:entry] + text[entry:].replace("year      = {2020}", "year      = {2019}", 1),
                       encoding="utf-8")
        wait_for(server, "bibliography/", lambda html: "Local Trust (2019)" in page_text.plain(html), "the new year")
        # A changed source's file, and files a rebuild left as built: an unchanged source's, an old address's.
        data_files = {path: fetch(server.url + path) for path in (
            "sources/localtrust2020reps.bib", "sources/kaye2020.ris", "findings/council-relationships-vary/index.html")}
        data_files = {path: (status, LIVERELOAD.sub("", body)) for path, (status, body) in data_files.items()}

        # A setting changes every page, the hand-written ones and the findings' alike.
        project.write("mkdocs.yml", project.config.read_text(encoding="utf-8").replace(
            "site_name: Big Local and the public sector", "site_name: A name changed while serving", 1))
        for page in ("about/", "council-relationships-vary/"):
            wait_for(server, page, lambda html: "A name changed while serving" in html, "the new site name")

        clean = project.write("clean.yml", f"INHERIT: mkdocs.yml\nsite_url: {site_url}\n")
        code, log, site = build_site(clean, tmp_path / "clean")
        assert code == 0, log
        pages = sorted(path.relative_to(site).as_posix() for path in site.rglob("*.html"))
        assert "added/index.html" in pages and "public-bodies-as-ltos-24-areas/index.html" not in pages
        time.sleep(1.5)  # no rebuild is still to come
        different = []
        for path in pages:
            status, served = fetch(server.url + path)
            if status != 200 or LIVERELOAD.sub("", served) != (site / path).read_text(encoding="utf-8"):
                different.append(path)
        assert not different, f"{len(different)} of {len(pages)} pages differ from a clean build: {different[:10]}"
        assert fetch(server.url + "search/search_index.json")[1] == \
            (site / "search" / "search_index.json").read_text(encoding="utf-8")
        assert fetch(server.url + "public-bodies-as-ltos-24-areas/")[0] == 404
        assert data_files == {path: (200, (site / path).read_text(encoding="utf-8")) for path in data_files}
        assert "year = {2019}" in data_files["sources/localtrust2020reps.bib"][1]
    assert "Traceback" not in server.log.read_text()
