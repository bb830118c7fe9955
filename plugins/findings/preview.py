"""What a rebuild under ``mkdocs serve --dirty`` must redo, and the search index kept whole.

MkDocs' ``--dirty`` skips a page whose file is older than its built page; a generated page has
no file, so every one counts as changed. ``Contents`` remembers what each generated file held at
the last build, so only those whose content changed are built again. The search plugin then
indexes only the pages built this time: ``SearchIndex`` puts back the entries of the others."""

from __future__ import annotations

import gc
import shutil
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


COLLECT_EVERY = 20  # rebuilds between full collections of the cyclic garbage collector


def pause_collector() -> None:
    """Before a rebuild while serving: the cyclic garbage collector waits for ``settle``. It would
    pass over the young objects 250 times a rebuild at 5,000 findings (0.1–0.15 s), and the
    garbage that outlived those passes was frozen with what the build kept: 25 MB more memory
    each rebuild until the next full collection."""
    gc.disable()


def settle(builds: int) -> None:
    """After a build while serving, or one that failed: what it left is collected (one pass over
    what it made, 0.1 s at 5,000 findings), and what survives (the memo, the pages kept) is frozen
    out of later scans, which took 0.5 s of each rebuild only to find it alive. Every
    COLLECT_EVERY builds, the frozen are scanned too."""
    if builds % COLLECT_EVERY == 0:
        gc.unfreeze()
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
