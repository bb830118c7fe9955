"""What a rebuild under ``mkdocs serve --dirty`` must redo, and the search index kept whole.

MkDocs' ``--dirty`` skips a page whose file is older than its built page; a generated page has
no file, so every one counts as changed. ``Contents`` remembers what each generated file held at
the last build, so only those whose content changed are built again. The search plugin then
indexes only the pages built this time: ``SearchIndex`` puts back the entries of the others."""

from __future__ import annotations

import shutil
from pathlib import Path

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

    def merge(self, written: dict, built: set[str], pages: list[str]) -> str:
        """The search index (JSON text) as a clean build writes it: the entries of the pages
        ``built`` this time from the index ``written`` (parsed), those of every other page of
        ``pages`` (their URLs, in the site's order) as the last build left them."""
        fresh: dict[str, list[str]] = {}
        for entry in written["docs"]:
            fresh.setdefault(page_of(entry["location"]), []).append(compact(entry))
        kept = {url: text for url, text in self._pages.items() if url not in built}
        kept.update((url, ",".join(entries)) for url, entries in fresh.items())
        self._pages = {url: kept[url] for url in pages if url in kept}
        head = compact({key: value for key, value in written.items() if key != "docs"})
        return head[:-1] + ("," if head != "{}" else "") + '"docs":[' + ",".join(self._pages.values()) + "]}"
