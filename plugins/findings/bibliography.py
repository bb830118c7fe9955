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
from pylatexenc import latex2text, latexwalker, macrospec

from .escaping import key_slug, web_url
from .models import REFUSED_IN_TEXT, character_name, visible
from .problems import Problem

MONTHS = dict(zip("jan feb mar apr may jun jul aug sep oct nov dec".split(),
                  ["January", "February", "March", "April", "May", "June", "July", "August",
                   "September", "October", "November", "December"]))
NAME_FIELDS = ("author", "editor")
# Fields a child entry takes from the entry it cross-references (the parent's title is its booktitle).
INHERITED_FIELDS = ("booktitle", "publisher", "address", "year", "month", "series", "volume",
                    "organization", "institution", "school")

# Fields kept as written (only outer braces removed): LaTeX decoding would mangle ~ and % in URLs.
VERBATIM_FIELDS = ("url", "doi", "eprint", "isbn", "issn")
# biblatex names (JabRef, Zotero's biblatex export) for the BibTeX fields the style reads.
BIBLATEX_ALIASES = {"journaltitle": "journal", "location": "address"}
# The bibliographic fields a page or download may show. Everything else a reference manager
# writes stays in the repository: attached files and their local paths (file), reading notes
# (annotation, annote, comment, review), owner, timestamp, groups, mendeley-*, jabref-* ...
PUBLIC_FIELDS = frozenset("""
    title subtitle titleaddon shorttitle booktitle booksubtitle maintitle journal journalsubtitle
    series volume volumes number issue part pages eid chapter edition type howpublished note
    publisher institution school organization address year date month urldate eventtitle venue
    eventdate doi url eprint eprinttype eprintclass archiveprefix primaryclass isbn issn
    abstract keywords language version pubstate translator yearlabel crossref
""".split())
# A value that names a file on someone's computer rather than a published work.
LOCAL_PATH = re.compile(r"(?:^|[\s{;])(?:file:|/(?:home|Users|mnt|media|private|var|tmp)/|[A-Za-z]:\\)")


_WRAPPED_URL = re.compile(r"\\(?:url|href)\s*\{([^{}]*)(?:\}.*)?", re.S)


def _latex_contexts() -> tuple[macrospec.LatexContextDb, macrospec.LatexContextDb]:
    """pylatexenc's macro tables, taught the macros reference managers write that it lacks."""
    parsing = latexwalker.get_default_latex_context_db()
    parsing.add_context_category("references", prepend=True, macros=[
        macrospec.MacroSpec("href", "{{"), macrospec.MacroSpec("url", "{")])
    to_text = latex2text.get_default_latex_context_db()
    to_text.add_context_category("references", prepend=True, macros=[
        latex2text.MacroTextSpec("href", simplify_repl="%(2)s"), latex2text.MacroTextSpec("url", simplify_repl="%(1)s"),
        latex2text.MacroTextSpec("TeX", simplify_repl="TeX"), latex2text.MacroTextSpec("LaTeX", simplify_repl="LaTeX")])
    return parsing, to_text


_PARSING, _TO_TEXT = _latex_contexts()
_latex = latex2text.LatexNodes2Text(latex_context=_TO_TEXT)
logging.getLogger("pylatexenc").setLevel(logging.CRITICAL)  # a macro it cannot read is reported below


# Plain-text stand-ins for the LaTeX ligatures and spacing that need no macro.
_LIGATURES = (("---", "\u2014"), ("--", "\u2013"), ("``", "\u201c"), ("''", "\u201d"), ("~", " "),
              ("{", ""), ("}", ""))
_MACRO = re.compile(r"\\(?:[a-zA-Z@]+\*?|(.))|\$")


def _plain(text: str) -> str:
    for ligature, replacement in _LIGATURES:
        text = text.replace(ligature, replacement)
    return text


@lru_cache(maxsize=65536)
def decode_checked(text: str) -> tuple[str, bool]:
    """LaTeX to plain Unicode text, whitespace folded, and whether the LaTeX could be read.
    Text with no macro (no backslash or $) skips the full LaTeX parser: it only needs braces
    dropped and ligatures replaced. LaTeX the parser cannot read (``\\href`` without its
    arguments, a bare ``\\sqrt``) falls back to its text with the macro names dropped."""
    readable = True
    if "\\" in text or "$" in text:
        try:
            text = _latex.latex_to_text(text, latex_context=_PARSING).replace("\u00a0", " ")
        except Exception:  # pylatexenc raises IndexError, KeyError... on macros it cannot parse
            text, readable = _plain(_MACRO.sub(lambda m: m[1] or "", text)), False
    else:
        text = _plain(text)
    return " ".join(text.split()), readable


def decode(text: str) -> str:
    """LaTeX to plain Unicode text (see ``decode_checked``)."""
    return decode_checked(text)[0]


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
    slug: str = ""  # names the source's page and anchor (escaping.key_slug)
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
    result = Bibliography()
    text = _without_refused_characters(text.replace("\r\n", "\n").replace("\r", "\n"), display, result.problems)
    library = bibtexparser.parse_string(text, append_middleware=[
        middlewares.NormalizeFieldKeys(), middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()])
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
    slugs: dict[str, tuple[str, int]] = {}
    for key, entry in raw.items():
        line = entry.start_line + 1
        slug = key_slug(key)
        if slug in slugs:
            other, other_line = slugs[slug]
            result.problems.append(Problem(display, line, 1, (
                f"entry key '{key}' gives the same page address (sources/{slug}/) as '{other}' on line "
                f"{other_line}: keys must differ in more than case, accents or punctuation; rename one")))
            continue
        slugs[slug] = (key, line)
        fields = {f.key: f.value for f in entry.fields}
        parent = raw.get(str(fields.get("crossref", "")))
        if parent is not None:
            parent_fields = {f.key: f.value for f in parent.fields}
            parent_fields.setdefault("booktitle", parent_fields.get("title", ""))
            for name in INHERITED_FIELDS + ("editor",):
                if name not in fields and name in parent_fields:
                    fields[name] = parent_fields[name]
        names = {name: fields.pop(name, []) for name in NAME_FIELDS}
        plain, warnings = _public_fields(key, fields)
        result.problems += [Problem(display, line, 1, warning, "warning") for warning in warnings]
        for alias, name in BIBLATEX_ALIASES.items():
            if alias in plain:
                plain.setdefault(name, plain.pop(alias))
        if "year" not in plain and plain.get("date", "")[:4].isdigit():
            plain["year"] = plain["date"][:4]
        if plain.get("month", "").lower()[:3] in MONTHS:
            plain["month"] = MONTHS[plain["month"].lower()[:3]]
        authors, et_al = _people(names["author"])
        editors, editors_et_al = _people(names["editor"])
        result.references[key] = Reference(key, entry.entry_type.lower(), plain, slug, authors, editors,
                                           et_al or (not authors and editors_et_al), line)
    return result


def _without_refused_characters(text: str, display: str, problems: list[Problem]) -> str:
    """``text`` without the characters no record may hold (NUL, other control characters,
    noncharacters), each reported as a warning at its line."""
    line, position = 1, 0
    for found in REFUSED_IN_TEXT.finditer(text):
        line += text.count("\n", position, found.start())
        position = found.start()
        problems.append(Problem(display, line, 1, f"this line holds {character_name(found[0])}, "
                                                  "which is left out; delete it", "warning"))
    return REFUSED_IN_TEXT.sub("", text)


def _public_fields(key: str, fields: dict[str, object]) -> tuple[dict[str, str], list[str]]:
    """An entry's public fields as plain text (see PUBLIC_FIELDS), and warnings for what was
    left out or could not be read."""
    plain, warnings = {}, []
    for name, value in fields.items():
        if name not in PUBLIC_FIELDS and name not in BIBLATEX_ALIASES:
            continue
        value = str(value)
        if LOCAL_PATH.search(value):
            warnings.append(f"entry '{key}': field '{name}' names a file on a computer, not a published work; "
                            "it is left out of the site (remove it, or give a web address)")
            continue
        if name in VERBATIM_FIELDS:
            wrapped = _WRAPPED_URL.fullmatch(value.strip("{} "))  # as in url = {\href{…}{…}}
            value = wrapped[1] if wrapped else value.strip("{}").strip()
            if name == "url" and ":" in value.split("/", 1)[0] and web_url(value) is None:
                warnings.append(f"entry '{key}': url is not a web address (http or https); it is left out")
                continue
        else:
            value, readable = decode_checked(value)
            if not readable:
                warnings.append(f"entry '{key}': field '{name}' holds LaTeX that could not be read; "
                                f"shown as plain text: {visible(value)}")
        plain[name] = value
    return plain, warnings


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
