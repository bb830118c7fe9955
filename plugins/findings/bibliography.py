"""Resolve stage, part one: parse ``bibliography.bib`` into clean references.

bibtexparser 2 does the parsing. Names are split into parts before LaTeX is decoded (decoding
first would split a corporate author such as ``{Local Trust}`` into initials), then every
part and field is decoded to plain Unicode, so no backslash or brace reaches a page.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import bibtexparser
from bibtexparser import middlewares
from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock
from pylatexenc.latex2text import LatexNodes2Text

from .problems import Problem

MONTHS = dict(zip("jan feb mar apr may jun jul aug sep oct nov dec".split(),
                  ["January", "February", "March", "April", "May", "June", "July", "August",
                   "September", "October", "November", "December"]))
NAME_FIELDS = ("author", "editor")
# Fields a child entry takes from the entry it cross-references (the parent's title is its booktitle).
INHERITED_FIELDS = ("booktitle", "publisher", "address", "year", "month", "series", "volume",
                    "organization", "institution", "school")

# Fields kept as written (only outer braces removed): LaTeX decoding would mangle ~ and % in URLs.
VERBATIM_FIELDS = ("url", "doi", "eprint", "file", "isbn", "issn")
# biblatex names (JabRef, Zotero's biblatex export) for the BibTeX fields the style reads.
BIBLATEX_ALIASES = {"journaltitle": "journal", "location": "address", "annotation": "note"}

_latex = LatexNodes2Text()


# Plain-text stand-ins for the LaTeX ligatures and spacing that need no macro.
_LIGATURES = (("---", "\u2014"), ("--", "\u2013"), ("``", "\u201c"), ("''", "\u201d"), ("~", " "),
              ("{", ""), ("}", ""))


@lru_cache(maxsize=65536)
def decode(text: str) -> str:
    """LaTeX to plain Unicode text, whitespace folded. Text with no macro (no backslash or $)
    skips the full LaTeX parser: it only needs braces dropped and ligatures replaced."""
    if "\\" in text or "$" in text:
        text = _latex.latex_to_text(text).replace("\u00a0", " ")
    else:
        for ligature, replacement in _LIGATURES:
            text = text.replace(ligature, replacement)
    return " ".join(text.split())


@dataclass(frozen=True)
class Person:
    family: str
    given: str = ""
    von: str = ""
    suffix: str = ""
    corporate: bool = False

    @property
    def surname(self) -> str:
        """The name as cited: 'McCabe', 'van der Berg', 'Local Trust'."""
        return f"{self.von} {self.family}".strip()

    @property
    def initials(self) -> str:
        """'A.' for 'A.' or 'Angus'; 'J.-P.' for 'Jean-Pierre'."""
        words = []
        for word in self.given.split():
            parts = [p for p in word.split("-") if p]
            words.append("-".join(p[0].upper() + "." if not p.endswith(".") or len(p) > 2 else p for p in parts))
        return " ".join(words)


@dataclass(frozen=True)
class Reference:
    key: str
    type: str
    fields: dict[str, str]
    authors: tuple[Person, ...] = ()
    editors: tuple[Person, ...] = ()
    et_al: bool = False
    line: int = 0

    def get(self, name: str) -> str:
        return self.fields.get(name, "")

    @property
    def year(self) -> str:
        return self.get("year") or "n.d."

    @property
    def creators(self) -> tuple[Person, ...]:
        """Authors, or the editors when there is no author."""
        return self.authors or self.editors


# Keys name pages (sources/<key>/) and anchors (#<key>), so they hold no URL or HTML syntax.
SAFE_KEY = re.compile(r"\w[\w:.+-]*")


@dataclass
class Bibliography:
    references: dict[str, Reference] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def read_bibliography(path: Path, display: str) -> Bibliography:
    """Parse a .bib file; cached by content so `mkdocs serve` rebuilds do not parse it again."""
    if not path.is_file():
        return Bibliography(problems=[Problem(display, 0, 0, "bibliography file not found")])
    text = path.read_text(encoding="utf-8", errors="replace")
    return _parse_cached(hashlib.sha256(text.encode()).hexdigest(), text, display)


@lru_cache(maxsize=4)
def _parse_cached(digest: str, text: str, display: str) -> Bibliography:
    return parse_bibliography(text, display)


def parse_bibliography(text: str, display: str) -> Bibliography:
    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)  # its failures are reported below
    library = bibtexparser.parse_string(text, append_middleware=[
        middlewares.NormalizeFieldKeys(), middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()])
    result = Bibliography()
    for block in library.failed_blocks:
        line = block.start_line + 1
        if isinstance(block, DuplicateBlockKeyBlock):
            message = f"entry key '{block.key}' is used twice; give each entry its own key"
        elif isinstance(block, DuplicateFieldKeyBlock):
            message = f"entry repeats a field: {_duplicate_fields(block)}; keep one of each"
        else:
            message = "this entry could not be read; check its braces, quotes and commas"
        result.problems.append(Problem(display, line, 1, message))
    raw = {entry.key: entry for entry in library.entries}
    for key, entry in raw.items():
        if not SAFE_KEY.fullmatch(key):
            result.problems.append(Problem(display, entry.start_line + 1, 1, (
                f"entry key '{key}' cannot be part of a page address; use only letters, digits and - _ : . +, "
                "starting with a letter or digit")))
            continue
        fields = {f.key: f.value for f in entry.fields}
        parent = raw.get(str(fields.get("crossref", "")))
        if parent is not None:
            parent_fields = {f.key: f.value for f in parent.fields}
            parent_fields.setdefault("booktitle", parent_fields.get("title", ""))
            for name in INHERITED_FIELDS + ("editor",):
                if name not in fields and name in parent_fields:
                    fields[name] = parent_fields[name]
        names = {name: fields.pop(name, []) for name in NAME_FIELDS}
        plain = {name: str(value).strip("{}").strip() if name in VERBATIM_FIELDS else decode(str(value))
                 for name, value in fields.items()}
        for alias, name in BIBLATEX_ALIASES.items():
            if alias in plain:
                plain.setdefault(name, plain.pop(alias))
        if "year" not in plain and plain.get("date", "")[:4].isdigit():
            plain["year"] = plain["date"][:4]
        if plain.get("month", "").lower()[:3] in MONTHS:
            plain["month"] = MONTHS[plain["month"].lower()[:3]]
        authors, et_al = _people(names["author"])
        editors, editors_et_al = _people(names["editor"])
        result.references[key] = Reference(key, entry.entry_type.lower(), plain, authors, editors,
                                           et_al or (not authors and editors_et_al), entry.start_line + 1)
    return result


def _duplicate_fields(block: DuplicateFieldKeyBlock) -> str:
    message = str(block.error)
    return message.split(": ", 1)[-1].split(". Note")[0]


def _people(parts: object) -> tuple[tuple[Person, ...], bool]:
    """Persons from bibtexparser's NameParts; 'and others' becomes the et-al flag."""
    if isinstance(parts, str):  # a single name the splitter left alone
        parts = []
    people, et_al = [], False
    for name in parts or []:
        if [p.lower() for p in name.last] == ["others"] and not name.first:
            et_al = True
            continue
        corporate = len(name.last) == 1 and not name.first and name.last[0].startswith("{") and not name.von
        people.append(Person(
            family=decode(" ".join(name.last)),
            given=decode(" ".join(name.first)),
            von=decode(" ".join(name.von)),
            suffix=decode(" ".join(name.jr)),
            corporate=corporate,
        ))
    return tuple(people), et_al
