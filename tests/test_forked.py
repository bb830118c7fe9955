"""A full build shares parsing the bibliography, reading the finding files and rendering the
pages with forked copies of itself: the site built and the problems found are the same, a child
that fails has its share done again, and no child outlives a failure. The pages are streamed:
children render them while MkDocs reads those before them, and never wait to be read."""

from __future__ import annotations

import filecmp
import os
import sys
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config

import findings.forked as forked

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="work is shared on Linux only")


@pytest.fixture
def three_processes(monkeypatch):
    """Work of any size shared by three processes, on any machine, whatever threads other tests
    left running; the children forked, by process id."""
    forks = []
    real_fork = os.fork

    def fork() -> int:
        pid = real_fork()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(forked, "MIN_SHARE", 1)
    monkeypatch.setattr(forked, "_cores", lambda: 3)
    monkeypatch.setattr(forked, "_threads_running", lambda: False)
    monkeypatch.setattr(os, "fork", fork)
    return forks


def _all_waited_for(pids: list[int]) -> bool:
    """Whether every one of these children has ended and been waited for (none is left over)."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue
        return False
    return True


def test_the_site_built_with_pages_rendered_in_three_processes_is_the_site_built_in_one(
        sample_root, built_site, three_processes, tmp_path):
    site = tmp_path / "site"
    build(load_config(str(sample_root / "mkdocs.yml"), site_dir=str(site)))
    # one child parsed the bibliography, two read a share of the finding files each, two rendered pages
    # (streamed: the pages are read as MkDocs reads them), one wrote the data files MkDocs is not given
    assert len(three_processes) == 6
    built = sorted(str(p.relative_to(built_site)) for p in built_site.rglob("*") if p.is_file())
    assert built == sorted(str(p.relative_to(site)) for p in site.rglob("*") if p.is_file())
    compared = [path for path in built if not path.startswith("sitemap.xml")]
    _, mismatch, errors = filecmp.cmpfiles(built_site, site, compared, shallow=False)
    assert mismatch == [] and errors == []
    assert _all_waited_for(three_processes)


def test_problems_found_by_three_processes_are_those_found_by_one(copy_sample, three_processes, monkeypatch):
    from conftest import Project

    project = Project(copy_sample)
    project.write("findings/power-dynamics/broken.yml", "title: [unclosed\n")
    project.write("findings/power-dynamics/Bad Name.yml", "title: x\n")
    shared = project.problems()
    assert len(three_processes) == 3 and _all_waited_for(three_processes)  # the bibliography, two shares of files
    monkeypatch.setattr(forked, "_cores", lambda: 1)
    assert project.problems() == shared and len(shared) >= 2
    assert len(three_processes) == 3


def test_shares_come_back_in_order_with_the_state_each_child_left(three_processes):
    seen = []
    results = forked.shared(lambda share: [item * 2 for item in share], list(range(10)),
                            state=lambda: os.getpid(), take=seen.append)
    assert results == [[0, 6, 12, 18], [2, 8, 14], [4, 10, 16]]
    assert len(set(seen)) == 2 and os.getpid() not in seen
    assert _all_waited_for(three_processes)


def test_the_share_of_a_child_that_fails_is_done_again_here(three_processes):
    here = os.getpid()

    def work(share):
        if os.getpid() != here and 1 in share:
            raise RuntimeError("a child fails")
        return list(share)

    assert forked.shared(work, list(range(6))) == [[0, 3], [1, 4], [2, 5]]
    assert _all_waited_for(three_processes)


def test_when_this_process_fails_its_children_are_stopped(three_processes):
    here = os.getpid()

    def work(share):
        if os.getpid() == here:
            raise RuntimeError("this process fails")
        return list(share)

    with pytest.raises(RuntimeError, match="this process fails"):
        forked.shared(work, list(range(6)))
    assert _all_waited_for(three_processes)


def test_no_fork_with_threads_running_or_for_little_work(monkeypatch):
    import threading

    monkeypatch.setattr(forked, "_cores", lambda: 2)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert forked._threads_running()
        assert forked.processes_for(10 * forked.MIN_SHARE) == 1  # mkdocs serve runs its server in a thread
    finally:
        stop.set()
        thread.join()
    monkeypatch.setattr(forked, "_threads_running", lambda: False)
    assert forked.processes_for(10 * forked.MIN_SHARE) == 2
    assert forked.processes_for(forked.MIN_SHARE) == 1


def _ended(pid: int) -> bool:
    """Whether the child ``pid`` has ended, not yet waited for (a zombie)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"


def _big(share):
    """Results far bigger, together, than a pipe holds: 100 kB each."""
    for item in share:
        yield str(item) * 100_000


def test_a_stream_gives_each_result_once_in_any_order_asked(three_processes):
    stream = forked.streamed(lambda share: (item * 2 for item in share), list(range(100)))
    order = list(range(99, -1, -7)) + [i for i in range(100) if i not in range(99, -1, -7)]
    assert [stream.get(i) for i in order] == [i * 2 for i in order]
    assert len(three_processes) == 2  # two children, this process the third
    assert _all_waited_for(three_processes)
    with pytest.raises(KeyError):
        stream.get(5)  # given once


def test_a_streaming_child_never_waits_to_be_read(three_processes):
    import time

    stream = forked.streamed(_big, list(range(40)))  # 4 MB in all, 2 MB per child
    deadline = time.monotonic() + 30
    while not all(_ended(pid) for pid in three_processes):
        assert time.monotonic() < deadline, "a child is still waiting for its results to be read"
        time.sleep(0.05)
    assert [stream.get(i)[:3] for i in (0, 39, 20)] == ["000", "393", "202"]
    stream.close()


def test_a_streaming_child_that_fails_has_the_rest_of_its_share_made_here(three_processes):
    here = os.getpid()

    def make(share):
        for item in share:
            if os.getpid() != here and item == 61:  # a child's failure, after it sent some batches
                raise RuntimeError("a child fails")
            yield (item, os.getpid() == here)

    stream = forked.streamed(make, list(range(100)))
    results = [stream.get(i) for i in range(100)]
    assert [item for item, _ in results] == list(range(100))
    made_here = [item for item, here_made in results if here_made]
    assert 61 in made_here and 0 not in made_here and all(item % 2 == 1 for item in made_here)
    assert _all_waited_for(three_processes)


def test_closing_a_stream_stops_its_children(three_processes):
    import time

    def make(share):
        for item in share:
            yield item
        time.sleep(600)

    stream = forked.streamed(make, list(range(4 * forked._Maker.BATCH)))  # a batch each is sent, then they stall
    assert stream.get(0) == 0
    stream.close()
    assert _all_waited_for(three_processes)


def test_a_failed_build_leaves_no_page_rendering(copy_sample, three_processes):
    from mkdocs.exceptions import Abort, PluginError

    (copy_sample / "hook.py").write_text("def on_nav(nav, config, files):\n    raise RuntimeError('a later step fails')\n")
    config = copy_sample / "mkdocs.yml"
    config.write_text(config.read_text() + "\nhooks:\n  - hook.py\n")
    with pytest.raises((RuntimeError, Abort, PluginError)):
        build(load_config(str(config), site_dir=str(copy_sample / "site")))
    assert len(three_processes) == 6 and _all_waited_for(three_processes)


def test_no_stream_for_a_little_work_or_where_no_child_may_be_forked(monkeypatch):
    monkeypatch.setattr(forked, "_cores", lambda: 2)
    monkeypatch.setattr(forked, "_threads_running", lambda: False)
    assert forked.streamed(_big, list(range(forked.MIN_SHARE))) is None
    monkeypatch.setattr(forked, "_threads_running", lambda: True)
    assert forked.streamed(_big, list(range(10 * forked.MIN_SHARE))) is None


def test_work_in_background_is_done_by_a_child_and_again_here_if_the_child_fails(three_processes, tmp_path):
    here = os.getpid()
    done = tmp_path / "done-by"

    def work():
        done.write_text(str(os.getpid()))
    wait = forked.in_background(work)
    wait()
    assert done.read_text() != str(here) and _all_waited_for(three_processes)

    def failing():
        if os.getpid() != here:
            raise OSError("the child fails")
        work()
    wait = forked.in_background(failing)
    wait()
    assert done.read_text() == str(here) and _all_waited_for(three_processes)
