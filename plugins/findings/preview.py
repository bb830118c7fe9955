"""What a rebuild under ``mkdocs serve --dirty`` must redo, and the search index kept whole.

MkDocs' ``--dirty`` skips a page whose file is older than its built page; a generated page has
no file, so every one counts as changed. ``Contents`` remembers what each generated file held at
the last build, so only those whose content changed are built again. The search plugin then
indexes only the pages built this time: ``merged_index`` puts back the entries of the others."""

from __future__ import annotations

import json
import shutil
from pathlib import Path


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


def merged_index(written: str, previous: list[dict], built: set[str], pages: list[str]) -> tuple[str, list[dict]]:
    """The search index (JSON text) as a clean build writes it: the entries of the pages ``built``
    this time from ``written``, those of every other page of ``pages`` (their URLs, in the site's
    order) from the ``previous`` index's entries. Returns the text and its entries."""
    data = json.loads(written)
    by_page: dict[str, list[dict]] = {}
    for entry in previous:
        if page_of(entry["location"]) not in built:
            by_page.setdefault(page_of(entry["location"]), []).append(entry)
    for entry in data["docs"]:
        by_page.setdefault(page_of(entry["location"]), []).append(entry)
    data["docs"] = [entry for page in pages for entry in by_page.get(page, [])]
    return json.dumps(data, separators=(",", ":")), data["docs"]
