"""Resolve stage, part one: parse ``bibliography.bib`` into clean references.

bibtexparser 2 splits the file into entries; the rest is read here the way BibTeX and biber
read it: ``@string`` abbreviations joined with ``#``, month macros, ``crossref`` inheritance,
``@set``, the first of two entries with one key kept. Names are split into parts before LaTeX
is decoded (decoding first would split a corporate author such as ``{Local Trust}`` into
initials), then every part and field is decoded to plain Unicode, so no backslash or brace
reaches a page.

A whole reference-manager library is normal input, so what is odd about one entry is kept
with that entry (``Bibliography.entry_problems``): the pipeline reports it in full when the
site cites the entry, and as one summary line when nothing does.
"""

from __future__ import annotations

import bisect
import hashlib
import logging
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import bibtexparser
from bibtexparser import middlewares
from bibtexparser.library import Library
from bibtexparser.model import Block, DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry, String

from .escaping import bare_doi, key_slug, web_url
from .latex import decode_checked, unescape
from .models import REFUSED_IN_TEXT, character_name, visible
from .names import NameList, Person, read_names
from .problems import Problem

MONTHS = dict(zip("jan feb mar apr may jun jul aug sep oct nov dec".split(),
                  ["January", "February", "March", "April", "May", "June", "July", "August",
                   "September", "October", "November", "December"]))
NAME_FIELDS = ("author", "editor", "translator")
# What a child entry does not take from the entry it cross-references (biber's defaults): its
# own titles, and the fields that identify or control an entry rather than describe a work.
NOT_INHERITED = frozenset("""
    ids crossref xref entryset entrysubtype execute label options presort related relatedoptions
    relatedstring relatedtype shorthand shorthandintro sortkey title subtitle titleaddon shorttitle
    sorttitle indextitle indexsorttitle yearlabel
""".split())
# The parent's titles become the child's booktitle (a book's, collection's or proceedings'),
# or its maintitle (a multi-volume work's).
PARENT_TITLES = {"title": "booktitle", "subtitle": "booksubtitle", "titleaddon": "booktitleaddon"}
MULTIVOLUME_TITLES = {"title": "maintitle", "subtitle": "mainsubtitle", "titleaddon": "maintitleaddon"}

# Fields kept as written (only outer braces and LaTeX escapes removed): decoding would mangle
# the ~ and % of an address.
VERBATIM_FIELDS = ("url", "doi", "eprint", "isbn", "issn")
# biblatex names (JabRef, Zotero's biblatex export) for the BibTeX fields the style reads.
BIBLATEX_ALIASES = {"journaltitle": "journal", "location": "address", "archiveprefix": "eprinttype",
                    "primaryclass": "eprintclass"}
# The bibliographic fields a page or download may show. Everything else a reference manager
# writes stays in the repository: attached files and their local paths (file), reading notes
# (annotation, annote, comment, review), owner, timestamp, groups, mendeley-*, jabref-* ...
PUBLIC_FIELDS = frozenset("""
    title subtitle titleaddon shorttitle booktitle booksubtitle booktitleaddon maintitle
    mainsubtitle maintitleaddon journal journalsubtitle issuetitle issuesubtitle series volume volumes
    number issue part pages eid chapter edition type howpublished note publisher institution school organization
    address year date month urldate eventtitle venue eventdate doi url eprint eprinttype
    eprintclass isbn issn abstract keywords language version pubstate yearlabel crossref entryset
""".split())
# A value that names a file on someone's computer rather than a published work.
LOCAL_PATH = re.compile(r"(?:^|[\s{;])(?:file:|/(?:home|Users|mnt|media|private|var|tmp)/|[A-Za-z]:\\)")
_WRAPPED_URL = re.compile(r"\\(?:url|href)\s*\{([^{}]*)(?:\}.*)?", re.S)
DOI = re.compile(r"\b10\.\d{3,}[^/\s]*/\S+")
_ENTRY_KEY = re.compile(r"@\s*\w+\s*[{(]\s*([^\s,{}()]+)\s*,")
_DATE_YEAR = re.compile(r"(-?\d{4})(?:[-\d]*)(?:/(\d{4})?)?")
PUBSTATES = {"inpress": "in press", "forthcoming": "forthcoming", "submitted": "submitted",
             "inpreparation": "in preparation", "prepublished": "prepublished"}


@dataclass(frozen=True)
class Reference:
    key: str
    type: str
    fields: dict[str, str]
    slug: str = ""  # names the source's page and anchor (escaping.key_slug)
    authors: tuple[Person, ...] = ()
    editors: tuple[Person, ...] = ()
    et_al: bool = False  # the creators' list ended "and others"
    line: int = 0
    translators: tuple[Person, ...] = ()
    members: tuple[str, ...] = ()  # the keys an @set entry groups

    def get(self, name: str) -> str:
        return self.fields.get(name, "")

    @property
    def year(self) -> str:
        return self.get("year") or "n.d."

    @property
    def name_roles(self) -> tuple[tuple[str, tuple[Person, ...]], ...]:
        """Each name field's people: author, editor, translator."""
        return ("author", self.authors), ("editor", self.editors), ("translator", self.translators)

    @property
    def creators(self) -> tuple[Person, ...]:
        """Authors, or the editors when there is no author."""
        return self.authors or self.editors


@dataclass
class Bibliography:
    references: dict[str, Reference] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # about the file: always reported
    # About one entry: reported in full when the site cites it, in a summary when nothing does.
    entry_problems: dict[str, list[Problem]] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)  # keys of entries that could not be read


def read_bibliography(path: Path, display: str) -> Bibliography:
    """Parse a .bib file; cached by content so `mkdocs serve` rebuilds do not parse it again."""
    if not path.is_file():
        return Bibliography(problems=[Problem(display, 0, 0, "bibliography file not found")])
    text = path.read_text(encoding="utf-8", errors="replace")
    return _parse_cached(hashlib.sha256(text.encode()).hexdigest(), text, display)


@lru_cache(maxsize=4)
def _parse_cached(digest: str, text: str, display: str) -> Bibliography:
    return parse_bibliography(text, display)


class _Reader:
    """One file's entries on their way to references; collects what is odd about each."""

    def __init__(self, display: str):
        self.display = display
        self.result = Bibliography()

    def entry_problem(self, key: str, line: int, message: str, severity: str = "warning") -> None:
        self.result.entry_problems.setdefault(key, []).append(Problem(self.display, line, 1, message, severity))


def parse_bibliography(text: str, display: str) -> Bibliography:
    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)  # its failures are reported below
    reader = _Reader(display)
    result = reader.result
    text, refused = _without_refused_characters(text.replace("\r\n", "\n").replace("\r", "\n"))
    library = split_entries(text)
    strings: dict[str, str] = {}
    for string in library.strings:
        strings[string.key.lower()] = _joined(string.value, strings, [])
    entries: dict[str, Entry] = {}
    for entry in library.entries:
        entries.setdefault(entry.key, entry)
    for block in library.failed_blocks:
        line = block.start_line + 1
        if isinstance(block, DuplicateBlockKeyBlock):
            first = entries.get(block.key)
            where = f"first on line {first.start_line + 1}" if first else "first above"
            reader.entry_problem(block.key, line, f"entry key '{block.key}' is used again here ({where}); the "
                                 "first entry is kept, as BibTeX does: give this one its own key or delete it")
        elif isinstance(block, DuplicateFieldKeyBlock):
            entry = block.ignore_error_block
            reader.entry_problem(entry.key, line, f"entry '{entry.key}' repeats a field: "
                                 f"{', '.join(sorted(block.duplicate_keys))}; the first is kept: delete the others")
            kept: dict[str, object] = {}
            for item in entry.fields:
                kept.setdefault(item.key.lower(), item)
            entry.fields = list(kept.values())
            entries.setdefault(entry.key, entry)
        else:
            found = _ENTRY_KEY.match(block.raw.lstrip())
            if found and found[1] not in entries:
                reader.entry_problem(found[1], line, f"entry '{found[1]}' could not be read; check its braces, "
                                     "quotes and commas", "error")
                result.broken.add(found[1])
            else:  # no key to cite it by: counted with the problems of entries nothing cites
                reader.entry_problem("", line, "this entry could not be read; check its braces, quotes and commas")
    starts = sorted((entry.start_line + 1, key) for key, entry in entries.items())
    for line, message in refused:  # each with the entry it is in, or the file's summary
        before = bisect.bisect_right(starts, (line, "\U0010ffff")) - 1
        reader.entry_problem(starts[before][1] if before >= 0 else "", line, message)
    defined = tuple(strings.items())
    raw = {key: _replayed(reader, _resolved_entry(key, entry.start_line,
                                                 tuple((item.key, str(item.value)) for item in entry.fields),
                                                 defined, display))
           for key, entry in entries.items()}
    slugs: dict[str, tuple[str, int]] = {}
    for key, entry in entries.items():
        line = entry.start_line + 1
        slug = key_slug(key)
        if slug in slugs:
            other, other_line = slugs[slug]
            reader.entry_problem(key, line, (
                f"entry key '{key}' gives the same page address (sources/{slug}/) as '{other}' on line "
                f"{other_line}: keys must differ in more than case, accents or punctuation; rename one"), "error")
            result.broken.add(key)
            continue
        slugs[slug] = (key, line)
        fields = _inherited(raw[key], raw, entries)
        result.references[key] = _replayed(reader, _converted(key, entry.entry_type.lower(), tuple(fields.items()),
                                                              slug, line, display))
    for key, reference in list(result.references.items()):
        if reference.members:
            result.references[key] = _set(reference, result.references, reader)
    return result


# Where the file may be cut into pieces: before each line whose first character (after spaces
# or tabs) is an @, where bibtexparser begins a block or gives up on one it could not close.
_PIECES = re.compile(r"(?m)^(?=[ \t]*@)")


def _parse(text: str) -> Library:
    return bibtexparser.parse_string(text, parse_stack=[middlewares.NormalizeFieldKeys()])


def split_entries(text: str) -> Library:
    """bibtexparser's reading of the file: its entries, @string definitions and failed blocks
    (its comments and preambles, which nothing here reads, left out). The file is read a piece
    at a time (_PIECES), each piece kept by its text, so that a `mkdocs serve` rebuild after one
    entry is edited reads only that piece again (0.09 s for the whole of a 2,000-entry file).
    A piece is read as bibtexparser reads the whole file when each of its blocks closes inside
    it: the reader starts each piece between blocks, as it would be there. If any does not (an
    entry left open, a line inside one beginning with @), the whole file is read at once."""
    library, line = Library(), 0
    for piece in _PIECES.split(text):
        blocks = _piece(piece)
        if blocks is None:
            return _parse(text)
        for block in blocks:
            library.add(_moved(block, line), fail_on_duplicate_key=False)
        line += piece.count("\n")
    return library


@lru_cache(maxsize=100_000)
def _piece(text: str) -> tuple[Block, ...] | None:
    """The entries, @string definitions and entries with a repeated field of one piece of the
    file, with lines counted from its start; None if a block in it could not be read."""
    library = _parse(text)
    if any(type(block) is not DuplicateFieldKeyBlock for block in library.failed_blocks):
        return None
    return tuple(block for block in library.blocks if isinstance(block, (Entry, String, DuplicateFieldKeyBlock)))


def _moved(block: Block, lines: int) -> Block:
    """A new block like ``block`` (kept for the next reading), ``lines`` further down the file."""
    if isinstance(block, DuplicateFieldKeyBlock):
        return DuplicateFieldKeyBlock(block.duplicate_keys, _moved(block.ignore_error_block, lines))
    if isinstance(block, String):
        return String(block.key, block.value, block.start_line + lines, block.raw, block.enclosing)
    return Entry(block.entry_type, block.key, list(block.fields), block.start_line + lines, block.raw)


def _set(reference: Reference, references: dict[str, Reference], reader: _Reader) -> Reference:
    """An @set takes its first member's creators and fields, so it is cited and filed as that
    member is."""
    for member in reference.members:
        if member not in references:
            reader.entry_problem(reference.key, reference.line, f"entry '{reference.key}': entryset names "
                                 f"'{member}', which is not an entry here; add it or remove it from entryset")
    first = next((references[m] for m in reference.members if m in references), None)
    if first is None:
        return reference
    return replace(reference, fields=first.fields | reference.fields, authors=first.authors,
                   editors=first.editors, et_al=first.et_al)


def _joined(value: str, strings: dict[str, str], undefined: list[str]) -> str:
    """A field's value as BibTeX reads it: braced or quoted parts and ``@string`` names, joined
    with ``#``; the outer braces or quotes removed, the inner ones kept for the LaTeX reader.
    Names no ``@string`` defines are kept as written and listed in ``undefined``."""
    parts, i, value = [], 0, value.strip()
    while i < len(value):
        char = value[i]
        if char in "{\"":
            depth, j = 0, i
            while j < len(value):
                depth += value[j] == "{"
                depth -= value[j] == "}"
                if (char == "{" and depth == 0) or (char == "\"" and j > i and value[j] == "\"" and depth == 0):
                    break
                j += 1
            parts.append(value[i + 1:j])
            i = j + 1
        else:
            j = value.find("#", i)
            j = len(value) if j < 0 else j
            word = value[i:j].strip()
            if word.isdigit():
                parts.append(word)
            elif word.lower() in strings:
                parts.append(strings[word.lower()])
            elif word.lower() in MONTHS:
                parts.append(MONTHS[word.lower()])
            elif word:
                parts.append(word)
                undefined.append(word)
            i = j
        rest = value[i:].lstrip()
        if not rest.startswith("#"):
            if rest:  # not a BibTeX value after all: keep the rest as written
                parts.append(rest)
            break
        i = len(value) - len(rest) + 1
        while i < len(value) and value[i].isspace():
            i += 1
    return "".join(parts)


# An entry's fields and its reference are made by pure functions of what the entry says (and
# the @string values): kept by that, a `mkdocs serve` rebuild after one entry is edited converts
# only that entry. Each returns what it made and the problems it found, which _replayed reports.
Made = tuple[object, tuple[tuple[str, Problem], ...]]


def _replayed(reader: _Reader, made: Made):
    """What a kept conversion made, its problems reported on ``reader``'s result."""
    value, problems = made
    for key, problem in problems:
        reader.result.entry_problems.setdefault(key, []).append(problem)
    return value


def _found(reader: _Reader) -> tuple[tuple[str, Problem], ...]:
    return tuple((key, problem) for key, problems in reader.result.entry_problems.items() for problem in problems)


@lru_cache(maxsize=100_000)
def _resolved_entry(key: str, start_line: int, fields: tuple[tuple[str, str], ...],
                    strings: tuple[tuple[str, str], ...], display: str) -> Made:
    """An entry's fields as BibTeX reads them (@string names replaced)."""
    reader, defined, resolved = _Reader(display), dict(strings), {}
    for name, value in fields:
        undefined: list[str] = []
        resolved[name.lower()] = _joined(value, defined, undefined)
        for word in undefined:
            reader.entry_problem(key, start_line + 1, (
                f"entry '{key}': field '{name}' uses '{word}', which no @string defines; it is "
                f"shown as written: put the text in braces, {name} = {{{word}}}, or define it"))
    return resolved, _found(reader)


@lru_cache(maxsize=100_000)
def _converted(key: str, kind: str, fields: tuple[tuple[str, str], ...], slug: str, line: int, display: str) -> Made:
    """An entry's reference, from its fields (with what it inherits)."""
    reader = _Reader(display)
    return _reference(key, kind, dict(fields), slug, line, reader), _found(reader)


def _inherited(fields: dict[str, str], raw: dict[str, dict[str, str]], entries: dict[str, Entry]) -> dict[str, str]:
    """An entry's fields with what it inherits through ``crossref`` (and the parent's own
    ``crossref``, once), as biber does."""
    fields = dict(fields)
    seen = set()
    parent_key = fields.get("crossref", "")
    while parent_key in raw and parent_key not in seen:
        seen.add(parent_key)
        parent, parent_type = raw[parent_key], entries[parent_key].entry_type.lower()
        titles = MULTIVOLUME_TITLES if parent_type.startswith("mv") else PARENT_TITLES
        for name, value in parent.items():
            target = titles.get(name, name)
            if target not in NOT_INHERITED and target not in fields:
                fields[target] = value
        parent_key = parent.get("crossref", "")
    return fields


def _reference(key: str, kind: str, raw: dict[str, str], slug: str, line: int, reader: _Reader) -> Reference:
    names: dict[str, NameList] = {}
    for role in NAME_FIELDS:
        value = raw.pop(role, "")
        names[role] = read_names(role, value) if value.strip() else NameList()
        for problem in names[role].problems:
            reader.entry_problem(key, line, f"entry '{key}': {problem}")
        for hint in names[role].hints:
            reader.entry_problem(key, line, f"entry '{key}': {hint}", "note")
    plain = _public_fields(key, raw, line, reader)
    for alias, name in BIBLATEX_ALIASES.items():
        if alias in plain:
            value = plain.pop(alias)
            plain.setdefault(name, value)
    for name in ("howpublished", "note"):  # howpublished = {\url{…}}: the work's address
        wrapped = _WRAPPED_URL.fullmatch(raw.get(name, "").strip("{} "))
        if wrapped and "url" not in plain and web_url(unescape(wrapped[1])):
            plain["url"] = unescape(wrapped[1])
            del plain[name]
    if not plain.get("year"):
        found = _DATE_YEAR.match(plain.get("date", ""))
        if found:
            plain["year"] = found[1] + (f"\u2013{found[2]}" if found[2] and found[2] != found[1] else "")
        elif plain.get("pubstate"):
            plain["year"] = PUBSTATES.get(plain["pubstate"].lower(), plain["pubstate"])
    if plain.get("month", "").lower()[:3] in MONTHS:
        plain["month"] = MONTHS[plain["month"].lower()[:3]]
    authors, editors = names["author"], names["editor"]
    members = tuple(k.strip() for k in plain.pop("entryset", "").split(",") if k.strip())
    return Reference(key, kind, plain, slug, authors.people, editors.people,
                     authors.et_al or (not authors.people and editors.et_al), line,
                     names["translator"].people, members)


def _without_refused_characters(text: str) -> tuple[str, list[tuple[int, str]]]:
    """``text`` without the characters no record may hold (NUL, other control characters,
    noncharacters), and a message for each at its line."""
    line, position, found_at = 1, 0, []
    for found in REFUSED_IN_TEXT.finditer(text):
        line += text.count("\n", position, found.start())
        position = found.start()
        found_at.append((line, f"this line holds {character_name(found[0])}, which is left out; delete it"))
    return REFUSED_IN_TEXT.sub("", text), found_at


def _public_fields(key: str, fields: dict[str, str], line: int, reader: _Reader) -> dict[str, str]:
    """An entry's public fields as plain text (see PUBLIC_FIELDS); what is left out or could
    not be read is an entry problem."""
    plain = {}
    for name, value in fields.items():
        if name not in PUBLIC_FIELDS and name not in BIBLATEX_ALIASES:
            continue
        if LOCAL_PATH.search(value):
            reader.entry_problem(key, line, f"entry '{key}': field '{name}' names a file on a computer, not a "
                                 "published work; it is left out of the site (remove it, or give a web address)")
            continue
        if name in VERBATIM_FIELDS:
            wrapped = _WRAPPED_URL.fullmatch(value.strip("{} "))  # as in url = {\href{…}{…}}
            value = unescape(wrapped[1] if wrapped else value.replace("{", "").replace("}", "")).strip()
            if name == "doi":
                found = DOI.search(value)  # also inside a resolver's address: http://doi.acm.org/10.1145/…
                value = found[0].rstrip(".") if found else bare_doi(value)
                if value and not found:
                    reader.entry_problem(key, line, f"entry '{key}': doi '{visible(value)}' is not a DOI (a DOI starts "
                                         "'10.' and has a '/'); it is left out", "note")
                    continue
            if name == "url" and ":" in value.split("/", 1)[0] and web_url(value) is None:
                reader.entry_problem(key, line, f"entry '{key}': url is not a web address (http or https); "
                                     "it is left out")
                continue
        else:
            value, readable = decode_checked(value)
            if not readable:
                reader.entry_problem(key, line, f"entry '{key}': field '{name}' holds LaTeX that could not be "
                                     f"read; shown as plain text: {visible(value)}")
            value = value.rstrip(" ,;")
        if any(c.isalnum() for c in value) and value.lower() not in ("null", "none", "n/a"):  # "." or "null" says nothing
            plain[name] = value
    return plain
