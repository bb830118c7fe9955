"""`mkdocs serve` with broken records: page requests answer with a page listing each problem as
file:line: message (escaped), and the site comes back at the rebuild after the files are fixed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from types import SimpleNamespace

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
def serving(project, tmp_path):
    """`mkdocs serve` on the project at a free loopback port, stopped however the test ends."""
    port = free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "-f", str(project.config), "-a", f"127.0.0.1:{port}"],
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


def wait_for(server, page: str, shows, what: str) -> tuple[int, str]:
    """Poll ``page`` until ``shows(plain text, html)``; fails after CHANGE_SECONDS."""
    deadline, answer = time.monotonic() + CHANGE_SECONDS, None
    while time.monotonic() < deadline:
        assert server.process.poll() is None, f"mkdocs serve exited:\n{server.log.read_text()}"
        answer = fetch(server.url + page)
        if answer and shows(answer[1]):
            return answer
        time.sleep(0.2)
    raise AssertionError(f"{page} never showed {what}; last answer: {answer}\n{server.log.read_text()}")


def test_serve_shows_a_problem_made_while_serving_until_it_is_fixed(project, tmp_path, page_text):
    original = (project.root / FINDING).read_text(encoding="utf-8")
    problem = (f"{FINDING}:2:1: unknown theme 'power-dynamic' (did you mean 'power-dynamics'?)")
    with serving(project, tmp_path) as server:
        wait_for(server, FINDING_PAGE, lambda html: TITLE in page_text.plain(html), "the finding")

        (project.root / FINDING).write_text(original.replace("theme: power-dynamics", "theme: power-dynamic"))
        status, html = wait_for(server, FINDING_PAGE, lambda html: problem in page_text.plain(html), "the problem")
        assert "The site was not built: 1 problem" in page_text.plain(html)
        assert TITLE not in html
        assert status == 404  # no such page was built; the home page is the error page too
        assert fetch(server.url)[0] == 200 and problem in page_text.plain(fetch(server.url)[1])

        (project.root / FINDING).write_text(original)
        status, _ = wait_for(server, FINDING_PAGE, lambda html: TITLE in page_text.plain(html), "the fixed finding")
        assert status == 200
    assert "Traceback" not in server.log.read_text()


def test_serve_started_with_a_broken_record_shows_it_escaped(project, tmp_path, page_text):
    hostile = "<img src=x onerror=alert(1)>"
    project.write(HOSTILE, f"""\
        title: A claim.
        theme: "{hostile}"
        summary: Text [@kaye2020].
        citations: [kaye2020]
        """)
    with serving(project, tmp_path) as server:
        status, html = wait_for(server, "", lambda html: f"{HOSTILE}:2:1: theme: '{hostile}'" in page_text.plain(html),
                                "the problem")
        assert status == 200
        assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html

        project.write(HOSTILE, "title: A claim.\ntheme: power-dynamics\nsummary: Text.\ncitations: [kaye2020]\n")
        wait_for(server, "", lambda html: "(Kaye, 2020)" in page_text.plain(html), "the home page")
    assert "Traceback" not in server.log.read_text()
