"""Inline citations in Markdown, in pandoc's syntax, turned into links in the house style.

``[@key]``, ``[@a; @b]``, ``[@key, p. 12]``, ``[see @key, pp. 3-5]``, ``[-@key]`` (year only)
and narrative ``@key`` (only for known keys, so a handle like @someone stays text). Code
(fenced and inline), URLs and e-mail addresses are left alone.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from markupsafe import Markup

from .escaping import attribute, text
from .style import Label

# pandoc's citation keys; any other key is written in braces, as pandoc allows: [@{Chambers'2014}].
KEY = r"[\w](?:[\w:.#$%&+?<>~/-]*[\w])?|\{[^{}\s]+\}"
# A prefix ("see") is set off from the key by a space, so research@example.org is not a citation.
_ITEM = re.compile(rf"^\s*(?:(?P<prefix>[^@]*?)\s+)?(?P<suppress>-?)@(?P<key>{KEY})\s*(?:,\s*(?P<locator>.*?))?\s*$", re.S)
_BRACKETS = re.compile(r"\[(?P<body>[^\[\]]*@[^\[\]]*)\](?![(\[:])")
# The character before the @ is checked once an @ is found (a lookbehind first would be tried at
# every position of every summary, and scanning them took twice as long).
_NARRATIVE = re.compile(rf"@(?<![\w@/.+\[-].)(?P<key>{KEY})")
_PROTECTED = re.compile(
    r"^[ \t]*(?P<fence>`{3,}|~{3,})[^\n]*\n.*?(?:^[ \t]*(?P=fence)[ \t]*$|\Z)"  # fenced code
    r"|(?P<ticks>`+)[^`].*?(?P=ticks)"  # inline code
    r"|<[a-zA-Z][^>\s]*>"  # autolinks and HTML tags
    r"|https?://[^\s)\]>]+"  # bare URLs
    r"|\]\([^)]*\)",  # link targets
    re.M | re.S,
)


def _key(written: str) -> str:
    """A key as written after @, without the braces of the braced form."""
    return written[1:-1] if written.startswith("{") else written


@dataclass(frozen=True)
class Cite:
    key: str
    line: int = 0
    prefix: str = ""
    locator: str = ""
    suppress_author: bool = False
    narrative: bool = False


@dataclass(frozen=True)
class CitationMatch:
    """One citation in a text: where it is, and the sources it cites."""

    start: int
    end: int
    cites: tuple[Cite, ...]


def _unprotected(markdown: str) -> Iterator[tuple[int, int]]:
    if not any(marker in markdown for marker in ("`", "~~~", "<", "http", "](")):
        yield 0, len(markdown)  # nothing to protect: skip the slower scan
        return
    position = 0
    for match in _PROTECTED.finditer(markdown):
        yield position, match.start()
        position = match.end()
    yield position, len(markdown)


def _matches(markdown: str, known: Callable[[str], bool]) -> Iterator[CitationMatch]:
    """Every citation outside code and URLs, in order; bracketed ones whatever their key."""
    if "@" not in markdown:
        return
    newlines = [m.start() for m in re.finditer("\n", markdown)]

    def line(offset: int) -> int:
        return bisect_right(newlines, offset) + 1

    for start, end in _unprotected(markdown):
        segment = markdown[start:end]
        if "@" not in segment:
            continue
        found: list[CitationMatch] = []
        for bracket in _BRACKETS.finditer(segment):
            items = [_ITEM.match(part) for part in bracket["body"].split(";")]
            if not all(items):
                continue
            at = line(start + bracket.start())
            cites = tuple(Cite(_key(m["key"]), at, m["prefix"] or "", m["locator"] or "", bool(m["suppress"])) for m in items)
            found.append(CitationMatch(start + bracket.start(), start + bracket.end(), cites))
        taken = [(m.start - start, m.end - start) for m in found]
        for narrative in _NARRATIVE.finditer(segment):
            before = bisect_right(taken, (narrative.start(), len(segment))) - 1
            inside = before >= 0 and taken[before][0] <= narrative.start() < taken[before][1]
            if not inside and known(_key(narrative["key"])):
                found.append(CitationMatch(start + narrative.start(), start + narrative.end(),
                                    (Cite(_key(narrative["key"]), line(start + narrative.start()), narrative=True),)))
        yield from sorted(found, key=lambda m: m.start)


def find_matches(markdown: str, known: Callable[[str], bool]) -> list[CitationMatch]:
    """The citations in a Markdown text, in order (``known`` says which narrative @words are
    keys); one match may cite several sources."""
    return list(_matches(markdown, known))


def find_citations(markdown: str, known: Callable[[str], bool]) -> list[Cite]:
    """Every source a Markdown text cites, in order."""
    return [cite for match in _matches(markdown, known) for cite in match.cites]


class CitationLinker:
    """Writes citations as links to the reference list, with the full reference as tooltip.

    The links are HTML rather than Markdown links: a page may hold thousands of citations, and
    Markdown would parse each one again and MkDocs resolve each again, for a target known here."""

    def __init__(self, labels: dict[str, Label], tooltips: dict[str, Markup], anchors: dict[str, str]):
        self.labels = labels
        self.tooltips = tooltips  # escaped for an attribute
        self.anchors = anchors  # each key's anchor in the reference list

    def link(self, markdown: str, reference_list: str, matches: Iterable[CitationMatch] | None = None) -> str:
        """``markdown`` with every known citation linked; ``reference_list`` is the URL of the
        reference list relative to this page, e.g. ``../../bibliography/``, or its Markdown file
        relative to the page's (``../bibliography.md``: Markdown links, which every engine
        resolves; Zensical rewrites the links in HTML as if relative to the file); ``matches``
        are the text's citations when they have already been found."""
        out, position = [], 0
        for match in _matches(markdown, self.labels.__contains__) if matches is None else matches:
            if not all(c.key in self.labels for c in match.cites):
                continue  # validation reports unknown keys before any page is built
            out.append(markdown[position:match.start])
            out.append(self._render(match.cites, reference_list))
            position = match.end
        out.append(markdown[position:])
        return "".join(out)

    def cite(self, cites: Iterable[Cite], reference_list: str) -> str:
        """Citations given as data (a finding's sources) written as one parenthetical citation."""
        return self._render(tuple(cites), reference_list)

    def _anchor(self, key: str, words: str, reference_list: str) -> str:
        if reference_list.endswith(".md"):  # the reference list's file: a Markdown link, resolved by the engine
            return f'[{text(words)}]({attribute(reference_list)}#{attribute(self.anchors[key])} "{self.tooltips[key]}")'
        return (f'<a href="{attribute(reference_list)}#{attribute(self.anchors[key])}" '
                f'title="{self.tooltips[key]}">{text(words)}</a>')

    def _render(self, cites: tuple[Cite, ...], reference_list: str) -> str:
        if cites[0].narrative:
            label = self.labels[cites[0].key]
            return self._anchor(cites[0].key, label.narrative, reference_list)
        items = []
        for cite in cites:
            label = self.labels[cite.key]
            words = label.year if cite.suppress_author else label.parenthetical
            item = self._anchor(cite.key, words, reference_list)
            if cite.prefix:
                item = f"{text(cite.prefix)} {item}"
            if cite.locator:
                item += f", {text(cite.locator)}"
            items.append(item)
        return "(" + "; ".join(items) + ")"
