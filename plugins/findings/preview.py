"""What a rebuild under ``mkdocs serve --dirty`` must redo, and the search index kept whole.

MkDocs' ``--dirty`` skips a page whose file is older than its built page; a generated page has
no file, so every one counts as changed. ``Contents`` remembers what each generated file held at
the last build, so only those whose content changed are built again. The search plugin then
indexes only the pages built this time: ``SearchIndex`` puts back the entries of the others."""

from __future__ import annotations

import gc
import shutil
import threading
from pathlib import Path

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

from .search import compact


def setup_of(config_file: Path, custom_dir: str | None) -> str:
    """What every built page depends on besides its own content: the config file's text, and
    the theme's custom folder (each file's path, size and modification time)."""
    setup = [config_file.read_text(encoding="utf-8", errors="replace")]
    if custom_dir and Path(custom_dir).is_dir():
        setup += [f"{path} {path.stat().st_size} {path.stat().st_mtime_ns}"
                  for path in sorted(Path(custom_dir).rglob("*")) if path.is_file()]
    return "\n".join(setup)


def clear(site_dir: Path) -> None:
    """Remove everything built, so that the next build makes every page again."""
    for path in site_dir.iterdir() if site_dir.is_dir() else ():
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()


class Contents:
    """What each generated file (path in the docs folder) held at the last build."""

    def __init__(self) -> None:
        self._last: dict[str, str | bytes] = {}

    def update(self, current: dict[str, str | bytes]) -> tuple[set[str], set[str]]:
        """Remember ``current``; return the paths whose content changed (or is new) since the
        last build, and the paths that are gone."""
        changed = {path for path, content in current.items() if self._last.get(path) != content}
        gone = set(self._last) - set(current)
        self._last = dict(current)
        return changed, gone


def page_of(location: str) -> str:
    """The page (its URL) a search entry's location is in: ``themes/x/#section`` → ``themes/x/``."""
    return location.partition("#")[0]


class SearchIndex:
    """The search index's entries at the last build, as JSON text by page."""

    def __init__(self) -> None:
        self._pages: dict[str, str] = {}  # page URL -> its entries, comma-separated JSON objects

    def write(self, written: dict, built: set[str], pages: list[str], path: Path) -> None:
        """Write the search index to ``path`` as a clean build writes it: the entries of the
        pages ``built`` this time from the index ``written`` (parsed), those of every other page
        of ``pages`` (their URLs, in the site's order) as the last build left them. Written
        piece by piece: the whole index is tens of megabytes at thousands of findings."""
        fresh: dict[str, list[str]] = {}
        for entry in written["docs"]:
            fresh.setdefault(page_of(entry["location"]), []).append(compact(entry))
        kept = {url: text for url, text in self._pages.items() if url not in built}
        kept.update((url, ",".join(entries)) for url, entries in fresh.items())
        self._pages = {url: kept[url] for url in pages if url in kept}
        head = compact({key: value for key, value in written.items() if key != "docs"})
        with path.open("w", encoding="utf-8") as out:
            out.write(head[:-1] + ("," if head != "{}" else "") + '"docs":[')
            for number, entries in enumerate(self._pages.values()):
                out.write("," + entries if number else entries)
            out.write("]}")


COLLECT_EVERY = 20  # collections between full ones, of what earlier builds left too
IDLE = 1.0  # seconds after a build before its garbage is collected: the browsers have reloaded by then


class Collector:
    """Python's cyclic garbage collector while serving. A rebuild makes hundreds of thousands of
    objects that are freed as soon as they are dropped, or kept in the memo; at 5,000 findings
    the collector's 250 passes over the young ones took 0.15 s of a 1.3–1.6 s rebuild, only to
    find them alive. So it is paused for a rebuild (``pause``), and the rebuild's cyclic garbage
    (its config, navigation and templates: about 30 MB) is collected IDLE seconds after it
    (``settle``), once the browsers have reloaded, unless another build has begun by then: that
    one's collection takes both. What survives is frozen out of later scans, which took 0.5 s of
    each rebuild; every COLLECT_EVERY collections, the frozen are scanned too."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._later: threading.Timer | None = None
        self._collections = 0

    def pause(self) -> None:
        with self._lock:
            self._cancel()
            gc.disable()

    def settle(self) -> None:
        with self._lock:
            self._cancel()
            self._later = threading.Timer(IDLE, self._collect)
            self._later.daemon = True
            self._later.start()

    def stop(self) -> None:
        """The server stops: collect as usual from now on."""
        with self._lock:
            self._cancel()
            gc.enable()

    def _cancel(self) -> None:
        if self._later is not None:
            self._later.cancel()
            self._later = None

    def _collect(self) -> None:
        with self._lock:
            if threading.current_thread() is not self._later:  # cancelled while it waited for the lock
                return
            self._later = None
            if self._collections % COLLECT_EVERY == 0:
                gc.unfreeze()
            self._collections += 1
            gc.collect()
            gc.freeze()
            gc.enable()


class CompiledTemplates(BytecodeCache):
    """The theme's templates as the last build compiled them. MkDocs makes a new Jinja
    environment for each build, which compiles each template again (a third of a second for
    Material's at each rebuild); Jinja checks the code kept against its template's source."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()
