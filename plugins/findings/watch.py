"""How `mkdocs serve` watches the records: the findings folder, the bibliography, the questions.

MkDocs polls what it watches: twice a second it lists and stats every file. At 5,000 findings
each look takes about 45 ms, taken from the rebuild it runs beside, and a save waits a quarter
of a second on average before it is seen. On Linux, a folder or file on a local disk is watched
through the kernel's notice of each change (inotify) instead, with MkDocs' own handler, so a save
starts the rebuild at once. Watchdog watches a single file through its folder, for events that
name the file, so a save that writes a new file and renames it over the old one is seen too. A
network or container mount (whose changes made elsewhere such notices miss) and other systems
are polled, as MkDocs does."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from watchdog.events import (FileAttribEvent, FileClosedEvent, FileCreatedEvent, FileDeletedEvent,
                             FileModifiedEvent, FileMovedEvent)

# Filesystems whose changes the kernel sees, as /proc/self/mountinfo names them.
LOCAL = frozenset({"ext2", "ext3", "ext4", "btrfs", "xfs", "f2fs", "jfs", "reiserfs", "zfs", "tmpfs", "overlay"})

# What a save, a new file, a deletion or a rename makes; not a file being opened or read, which
# every rebuild does.
CHANGES = [FileCreatedEvent, FileModifiedEvent, FileClosedEvent, FileDeletedEvent, FileMovedEvent, FileAttribEvent]

MOUNTINFO = Path("/proc/self/mountinfo")  # the mount points this process sees, with their filesystems
_ESCAPED = re.compile(r"\\([0-7]{3})")  # mountinfo writes a space in a path as \040


def filesystem(path: str, mountinfo: str) -> str:
    """The type of the filesystem that ``path`` (absolute, symlinks resolved) is on, read from
    the text of /proc/self/mountinfo: that of the last-mounted of the deepest mount points
    holding it; "" if none does."""
    deepest, kind = "", ""
    for line in mountinfo.splitlines():
        fields = line.split(" ")
        try:  # the optional fields end at a lone "-", before the filesystem's type
            here = fields[fields.index("-", 6) + 1]
        except (ValueError, IndexError):
            continue
        point = _ESCAPED.sub(lambda escape: chr(int(escape[1], 8)), fields[4])
        inside = path == point or path.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(deepest):
            deepest, kind = point, here
    return kind


class _Scheduler:
    """Stands in for the server's observer while its ``watch`` schedules a path: it is watched by
    the kernel's notices (``native``, an observer already started), for changes only, with the
    server's own handler; polled by the server's observer if that fails."""

    def __init__(self, native, polling) -> None:
        self.native, self.polling = native, polling

    def schedule(self, handler, path, recursive=False):
        try:
            return self.native.schedule(handler, path, recursive=recursive, event_filter=CHANGES)
        except OSError:  # inotify's limit of watches reached
            self.native.stop()
            self.native = None
            return self.polling.schedule(handler, path, recursive=recursive)


def _local(path: str) -> bool:
    """Whether ``path`` is on a Linux filesystem whose changes the kernel sees."""
    try:
        return filesystem(path, MOUNTINFO.read_text(encoding="utf-8")) in LOCAL
    except OSError:
        return False


def watch_path(server, place: Path) -> bool:
    """Have the server rebuild when ``place`` (a file, or anything in a folder) changes; True if
    the kernel's notices watch it, False if MkDocs polls it."""
    path = os.path.realpath(place)
    if not (sys.platform.startswith("linux") and hasattr(server, "observer") and _local(path)):
        server.watch(str(place))
        return False
    from watchdog.observers.inotify import InotifyObserver
    native = InotifyObserver()
    native.start()
    scheduler = _Scheduler(native, server.observer)
    server.observer, polling = scheduler, server.observer
    try:
        server.watch(path)  # schedules nothing if the server already watches the path
    finally:
        server.observer = polling
    if scheduler.native is not None and not native.emitters:
        native.stop()
        scheduler.native = None
    return scheduler.native is not None
