"""Convert stage: record Markdown to HTML once, with the site's Markdown extensions.

A generated page carries a mark (``<!--findings-html:KEY-->``) where a summary's HTML goes, or
a block of HTML its template wrote, so MkDocs converts only the thin page around them (its
headings), and ``fill`` puts the HTML in. The HTML is kept
by content: under ``mkdocs serve`` a rebuild converts only the summaries that changed."""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

from markdown import Markdown

from .reuse import digest

SNIPPETS = "pymdownx.snippets"
_MARKS = r"<!--findings-({}):([0-9a-f]{{20}})-->"  # of the kinds given: its kind, then its key
_MARK, _LATE_MARK, _ANY_MARK = (re.compile(_MARKS.format(kinds)) for kinds in ("html", "late", "html|late"))
_ADDRESS = re.compile(r" at 0x[0-9a-f]+")


def _key(text: str) -> str:
    """What a mark names its HTML by: a digest of the text it was made from."""
    return digest(text)[:20]


def _record_extensions(extensions: list, extension_configs: dict) -> tuple[list, dict]:
    """The site's extensions without snippets (a record includes no file)."""
    return [e for e in extensions if e != SNIPPETS], {k: v for k, v in extension_configs.items() if k != SNIPPETS}


def record_markdown(extensions: list, extension_configs: dict) -> Markdown:
    """A converter for record Markdown, with the site's extensions but snippets."""
    chosen, configs = _record_extensions(extensions, extension_configs)
    return Markdown(extensions=chosen, extension_configs=configs)


class Converter:
    def __init__(self) -> None:
        self._markdown: Markdown | None = None
        self._setup = ""
        self._html: dict[str, str] = {}  # key (of the Markdown) -> its HTML
        self._used: set[str] = set()
        self._holders: Counter | None = None  # (kind, key) -> pages still to fill (release_after)

    def configure(self, extensions: list, extension_configs: dict) -> bool:
        """Start a build: the HTML kept from the last one stays, unless the extensions changed
        (then it returns True: the marks in pages kept from the last build name nothing)."""
        # The settings as written: a value's repr may hold its address, new at each config load.
        setup = _ADDRESS.sub("", repr(_record_extensions(extensions, extension_configs)))
        self._used, self._holders = set(), None
        if setup == self._setup:
            return False
        self._markdown, self._setup, self._html = record_markdown(extensions, extension_configs), setup, {}
        return True

    def mark(self, markdown: str) -> str:
        """The mark standing for ``markdown`` in a page, converting it if it is new."""
        key = _key(markdown)
        if key not in self._html:
            self._html[key] = self._markdown.reset().convert(markdown)
        self._used.add(key)
        return f"<!--findings-html:{key}-->"

    def keep(self, html: str, indexed: bool = True) -> str:
        """The mark standing for a block of HTML in a page: Python-Markdown passes it by. A block
        search does not index (``indexed=False``: in a section marked data-search-exclude) is put
        in only once the search plugin has read the page (``fill(..., late=True)``)."""
        key = _key(html)
        self._html[key] = html
        self._used.add(key)
        return f"<!--findings-{'html' if indexed else 'late'}:{key}-->"

    def marks(self, markdown: str) -> tuple[str, ...]:
        """The keys of the marks in a page's Markdown, to ``use`` when the page is reused."""
        return tuple(key for _, key in _ANY_MARK.findall(markdown))

    def carried(self, markdown: str) -> dict[str, str]:
        """The HTML of the marks in a page's Markdown, taken out of this converter: what a forked
        process that rendered the page sends with it (``receive``)."""
        return {key: self._html.pop(key) for key in set(self.marks(markdown))}

    def receive(self, markdown: str, html: dict[str, str]) -> None:
        """Take a page another process rendered, with the HTML of its marks (``carried``)."""
        self._html.update(html)
        self._used.update(html)
        if self._holders is not None:
            self._hold(markdown)

    def use(self, keys: tuple[str, ...]) -> None:
        """Keep the HTML of a page reused from the last build (its Markdown holds these marks)."""
        self._used.update(keys)

    def state(self) -> tuple[dict[str, str], set[str]]:
        """The HTML kept and the keys used: what a forked process that rendered pages sends back."""
        return self._html, self._used

    def take(self, state: tuple[dict[str, str], set[str]]) -> None:
        """Add what another process's converter kept and used (``state``)."""
        self._html.update(state[0])
        self._used |= state[1]

    def forget_unused(self) -> None:
        """Drop the HTML of Markdown no page of this build used (a summary since edited)."""
        self._html = {key: html for key, html in self._html.items() if key in self._used}

    def release_after(self, pages: Iterable[str]) -> None:
        """For a build that keeps nothing for the next: drop each HTML once every one of these
        pages (their Markdown), and of those ``received`` later, that holds its mark is filled,
        rather than hold all of it (a quarter of the memory at 16,000 findings) until the build ends."""
        self._holders = Counter()
        for markdown in pages:
            self._hold(markdown)

    def _hold(self, markdown: str) -> None:
        """Count a page that holds these marks, until it is filled."""
        self._holders.update(set(_ANY_MARK.findall(markdown)))

    def fill(self, html: str, late: bool = False) -> str:
        """A converted page with each mark replaced by its HTML; ``late``, the marks of the
        blocks search does not index (in the page as the theme wrote it)."""
        filled: set[str] = set()

        def put(mark: re.Match) -> str:
            filled.add(mark[2])
            return self._html.get(mark[2], mark[0])
        html = (_LATE_MARK if late else _MARK).sub(put, html)
        if self._holders is not None:
            kind, other = ("late", "html") if late else ("html", "late")
            for key in filled:
                if (kind, key) not in self._holders:  # a mark no page's Markdown held: kept
                    continue
                self._holders[kind, key] -= 1
                if self._holders[kind, key] <= 0 and self._holders[other, key] <= 0:
                    self._html.pop(key, None)
        return html
