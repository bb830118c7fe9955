"""`mkdocs serve` watching the findings folder and the bibliography: through the kernel's notices
on a local Linux disk (a save seen at once; a file read is not a change), polled as MkDocs polls
elsewhere."""

from __future__ import annotations

import sys
import time

import pytest
from mkdocs.livereload import LiveReloadServer

from findings import watch
from findings.watch import filesystem, watch_path

MOUNTINFO = r"""22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard
40 27 0:40 / /mnt/share rw,relatime shared:7 master:2 - nfs4 server:/export rw,vers=4.2
41 27 0:41 / /home/a\040b rw,relatime - cifs //host/a rw
42 27 0:42 / /srv rw - ext4 /dev/vdb rw
43 42 0:43 / /srv rw - fuse.sshfs host:/srv rw
"""


@pytest.mark.parametrize("path, kind", [
    ("/work/findings", "ext4"),
    ("/", "ext4"),
    ("/mnt/share/findings", "nfs4"),
    ("/mnt/shared/findings", "ext4"),  # another folder whose name begins the same
    ("/home/a b/findings", "cifs"),  # a space in a mount point
    ("/srv/findings", "fuse.sshfs"),  # mounted over another: the later one is what the path shows
])
def test_the_filesystem_of_a_path_is_that_of_its_deepest_mount(path, kind):
    assert filesystem(path, MOUNTINFO) == kind


def test_a_path_under_no_mount_point_has_no_filesystem():
    assert filesystem("/work", "malformed line\n27 1 254:0 / / rw -\n") == ""


def server(tmp_path) -> LiveReloadServer:
    return LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path))


def server_on_nfs(tmp_path, monkeypatch) -> LiveReloadServer:
    """A server for a project whose folder the mount table says is on an NFS mount."""
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(f"27 1 254:0 / / rw - ext4 /dev/vda rw\n40 27 0:40 / {tmp_path} rw - nfs4 host:/x rw\n")
    monkeypatch.setattr(watch, "MOUNTINFO", mountinfo)
    return server(tmp_path)


def wants_rebuild(server, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if server._want_rebuild:
            return True
        time.sleep(0.01)
    return False


def settle(server) -> None:
    """Let the last change's notices arrive, then forget them."""
    time.sleep(0.2)
    server._want_rebuild = False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the kernel's notices are used on Linux only")
def test_a_local_findings_folder_is_watched_by_the_kernels_notices(tmp_path):
    folder = tmp_path / "findings" / "power"
    folder.mkdir(parents=True)
    (folder / "a.yml").write_text("title: A.\n")
    served = server(tmp_path)
    if not watch_path(served, tmp_path / "findings"):
        pytest.skip(f"{tmp_path} is not on a filesystem the kernel's notices cover")
    assert served.observer.emitters == set()  # nothing for MkDocs to poll: its observer is not started here
    assert not watch_path(served, tmp_path / "findings")  # watched already: no second watcher

    (folder / "a.yml").read_text()  # every rebuild reads files: that is no change
    assert not wants_rebuild(served, 0.3)
    (folder / "a.yml").write_text("title: B.\n")
    assert wants_rebuild(served, 0.3)  # MkDocs' poll would take up to 0.5 s

    settle(served)
    (folder / "b.yml").write_text("title: New.\n")
    (folder / "b.yml").rename(folder / "c.yml")  # as editors save
    assert wants_rebuild(served, 0.3)

    settle(served)
    (tmp_path / "findings" / "new-theme").mkdir()  # a folder alone is no change
    assert not wants_rebuild(served, 0.3)
    (tmp_path / "findings" / "new-theme" / "d.yml").write_text("title: D.\n")
    assert wants_rebuild(served, 0.3)


def test_a_findings_folder_on_a_network_mount_is_polled(tmp_path, monkeypatch):
    (tmp_path / "findings").mkdir()
    served = server_on_nfs(tmp_path, monkeypatch)
    assert not watch_path(served, tmp_path / "findings")
    assert [emitter.watch.path for emitter in served.observer.emitters] == [str(tmp_path / "findings")]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the kernel's notices are used on Linux only")
def test_a_local_bibliography_is_watched_by_the_kernels_notices_through_its_folder(tmp_path):
    bib = tmp_path / "bibliography.bib"
    bib.write_text("@book{a, title={A}, year={2020}}\n")
    served = server(tmp_path)
    if not watch_path(served, bib):
        pytest.skip(f"{tmp_path} is not on a filesystem the kernel's notices cover")
    assert served.observer.emitters == set()

    bib.read_text()
    (tmp_path / "questions.yml").write_text("[]\n")  # another file of the same folder
    assert not wants_rebuild(served, 0.3)
    bib.write_text("@book{a, title={A}, year={2021}}\n")
    assert wants_rebuild(served, 0.3)  # MkDocs' poll of a file would take up to 0.5 s

    settle(served)
    saved = tmp_path / ".bibliography.bib.tmp"
    saved.write_text("@book{a, title={A}, year={2022}}\n")
    assert not wants_rebuild(served, 0.3)
    saved.replace(bib)  # as editors that write a new file and rename it over the old one save
    assert wants_rebuild(served, 0.3)

    settle(served)
    bib.write_text("@book{a, title={A}, year={2023}}\n")  # still watched after the rename
    assert wants_rebuild(served, 0.3)


def test_a_bibliography_on_a_network_mount_is_polled(tmp_path, monkeypatch):
    bib = tmp_path / "bibliography.bib"
    bib.write_text("")
    served = server_on_nfs(tmp_path, monkeypatch)
    assert not watch_path(served, bib)
    assert len(served.observer.emitters) == 1  # MkDocs' own poll of the file
