"""Validate stage: turn parsed YAML into records with the pydantic models, then check the
records against each other (themes, citation keys, related findings, unique ids)."""

from __future__ import annotations

import datetime
import os
import posixpath
import re
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, Iterable

from pydantic import BaseModel, TypeAdapter, ValidationError

from .forked import processes_for, shared
from .models import (ID_PATTERN, REFUSED_IN_ONE_LINE, Facet, Finding, Question, Settings, Theme, character_name,
                     finding_model, slugify, visible)
from .problems import Problem, did_you_mean, shown_path
from .records import YamlDocument, read_yaml
from .reuse import Memo

RECORD_SUFFIXES = (".yml", ".yaml")
# A record's name, or one meant for a record but not read as one: 'x.YML', 'x.yml.txt', 'x.yml ', '.x.yml'.
_NEAR_RECORD_NAME = re.compile(r"\.?\s*(?P<stem>.+?)\s*\.(?P<suffix>ya?ml)\b.*", re.I | re.S)


@dataclass(frozen=True)
class FindingRecord:
    id: str
    path: str
    finding: Finding
    document: YamlDocument | None  # kept while the records are checked
    version: str = ""  # its file as read: size and modification time (what a rebuild compares)
    # When it was first published and last reviewed: its own dates, else its file's history.
    published_on: datetime.date | None = None
    reviewed_on: datetime.date | None = None

    @property
    def last_updated(self) -> datetime.date | None:
        """When the finding last changed: the latest of its dates, or None when it has none.
        The one place this is decided (the feed orders by it): a new date joins the tuple."""
        return max((day for day in (self.published_on, self.reviewed_on) if day), default=None)


def describe_errors(document: YamlDocument, error: ValidationError, model: type[BaseModel],
                    titles: dict[str, dict[str, str]] | None = None) -> list[Problem]:
    """One plain-language problem per pydantic error, at the line of the field concerned.
    ``titles`` maps a field to its choices and their titles (``theme`` → theme id → title), so
    a value written as a title or misspelt gets a did-you-mean."""
    problems = []
    for item in error.errors():
        location = tuple(item["loc"])
        field = ".".join(str(part) for part in location if not isinstance(part, int)) or "file"
        kind = item["type"]
        if kind == "missing":
            message = f"'{location[-1]}' is required but missing"
        elif kind == "extra_forbidden":
            known = _field_names(model, location[:-1])
            message = f"'{visible(location[-1])}' is not a known field{did_you_mean(str(location[-1]), known)}"
            if re.fullmatch(r"\w[\w' -]* [\w' -]*", str(location[-1])):  # words and a colon, not indented
                message += ("; if this line goes on with the text above (a summary's next paragraph, say), indent "
                            "it by two spaces like the lines above it")
            elif "did you mean" not in message:
                message += f"; known fields: {', '.join(known)}"
        elif kind in ("enum", "literal_error"):
            choices = (titles or {}).get(field)
            hint = did_you_mean(str(item["input"]), choices, choices) if choices else ""
            expected = ", ".join(choices) if choices else item.get("ctx", {}).get("expected", "")
            message = f"{field}: '{visible(item['input'])}' is not one of {expected}{hint}"
        elif kind == "string_pattern_mismatch" and item["ctx"]["pattern"] == ID_PATTERN:
            choices = (titles or {}).get(field)
            hint = did_you_mean(item["input"], choices, choices) if choices else ""
            message = f"{field}: '{visible(item['input'])}' must be lower-case letters, digits and hyphens" + (
                hint or f", e.g. '{slugify(item['input'])}'")
        elif kind == "string_pattern_mismatch":
            message = f"{field}: must be one line"
        elif kind == "too_short" and field.endswith("citations"):
            message = "citations: give at least one BibTeX key"
        elif kind == "string_too_short":
            message = f"{field}: is empty; write it out"
        elif kind == "string_type":
            message = f"{field}: must be text, not a {_kind(item['input'])}"
        elif kind == "model_type":
            message = f"{field}: must be a mapping of fields (name: value), not a {_kind(item['input'])}"
        elif kind in ("float_parsing", "finite_number"):
            message = f"{field}: '{visible(item['input'])}' is not a finite number; give the figure, e.g. 64"
        elif kind.startswith("date_"):
            message = f"{field}: '{visible(item['input'])}' is not a date; write it year-month-day: " + (
                _as_iso_date(str(item["input"])) or "YYYY-MM-DD, e.g. 2026-11-30")
        else:
            message = f"{field}: {item['msg'][0].lower()}{item['msg'][1:]}"
        problems.append(document.problem(location, message))
    return problems


def _as_iso_date(value: str) -> str:
    """'30/11/2026' or '30.11.2026' (day first, as written in the UK) as 2026-11-30, else ''."""
    found = re.fullmatch(r"\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*", value)
    if not found:
        return ""
    day, month, year = int(found[1]), int(found[2]), int(found[3])
    return f"{year:04}-{month:02}-{day:02}" if 1 <= month <= 12 and 1 <= day <= 31 else ""


def _field_names(model: type[BaseModel], location: tuple) -> list[str]:
    """The fields allowed at ``location`` inside ``model`` (for suggestions)."""
    for part in location:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[part].annotation
        inner = getattr(annotation, "__args__", (annotation,))[0]
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            model = inner
    return list(model.model_fields)


def _real(path: Path) -> Path:
    """Where a path leads once every link is followed (a link loop leads to itself)."""
    return Path(os.path.realpath(path))


def _outside_link(path: Path, display: str) -> Problem:
    """The problem of a link leading out of the project; what it leads to is never read."""
    kind = "folder" if path.is_dir() else "file"
    line = 0 if kind == "folder" else 1
    return Problem(display, line, line, f"'{visible(path.name)}' is a link to a {kind} outside the project; "
                   f"only the project's own files are read: put the {kind} itself here instead of a link")


def locate(root: Path, setting: str, value: str, folder: bool = False) -> tuple[Path | None, list[Problem]]:
    """The file (or folder) a path setting names, or the problem that keeps it from being read:
    a path outside the project folder (the one holding mkdocs.yml), a link out of it, or nothing there."""
    path = root / value
    if not Path(os.path.normpath(path)).is_relative_to(os.path.normpath(root)):
        default = Settings.model_fields[setting].default
        return None, [Problem("mkdocs.yml", 0, 0, f"plugins.findings.{setting}: '{visible(value)}' is outside the "
                              f"project folder; give a path inside the folder holding mkdocs.yml, e.g. '{default}'")]
    display = shown_path(path, root)
    if not _real(path).is_relative_to(_real(root)):
        return None, [_outside_link(path, display)]
    if not (path.is_dir() if folder else path.is_file()):
        return None, [Problem(display, 0, 0, f"{'folder' if folder else 'file'} not found; create it, or set the "
                              f"findings plugin's '{setting}' setting in mkdocs.yml to where it is")]
    return path, []


def record_files(folder: Path, root: Path) -> tuple[list[Path], list[Problem]]:
    """Every record file below ``folder``, in a stable order, and a problem for each file passed
    over: a link leading out of the project (never read), a name holding a control character, or
    a name close to a record's. Links inside the project are followed, after the folders
    themselves, so a link to a folder walked already is passed over."""
    files, problems, walked, folders, linked = [], [], set(), [folder], []
    inside = _real(root)
    while folders or linked:
        current = folders.pop() if folders else linked.pop()
        real = _real(current)
        if real in walked:
            continue
        walked.add(real)
        try:  # os.scandir: the kind of each entry comes with the listing, not from a stat per file
            with os.scandir(current) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            problems.append(Problem(shown_path(current, root), 0, 0, f"folder could not be read ({error.strerror}); "
                                    "check its permissions"))
            continue
        for entry in entries:
            name, path = entry.name, current / entry.name
            refused = REFUSED_IN_ONE_LINE.search(name)
            record_like = _NEAR_RECORD_NAME.fullmatch(name)  # a record's name, or nearly
            if refused:
                problems.append(Problem(visible(shown_path(path, root)), 1, 1,
                                        f"the name holds {character_name(refused[0])}; rename it"))
            elif entry.is_symlink() and not _real(path).is_relative_to(inside):
                if path.is_dir() or record_like:
                    problems.append(_outside_link(path, shown_path(path, root)))
            elif entry.is_dir():
                (linked if entry.is_symlink() else folders).append(path)
            elif os.path.splitext(name)[1] in RECORD_SUFFIXES and not name.startswith("."):
                if entry.is_file():
                    files.append(path)
                elif entry.is_symlink():
                    problems.append(Problem(shown_path(path, root), 1, 1, f"'{name}' is a link to a file "
                                            "that does not exist; remove it or correct the link"))
            elif record_like and entry.is_file():
                suggestion = f"{slugify(record_like['stem'])}.{record_like['suffix'].lower()}"
                problems.append(Problem(shown_path(path, root), 1, 1, f"'{name}' is skipped: a finding's file "
                                        f"name is its id and .yml; rename it to '{suggestion}'", "warning"))
    return sorted(files, key=str), problems


def load_findings(files: list[Path], root: Path, themes: Iterable[Theme] = (), facets: Iterable[Facet] = (),
                  ratings: dict[str, str] | None = None,
                  memo: Memo | None = None) -> tuple[list[FindingRecord], list[Problem]]:
    """Read and validate every finding file against the model the site's facets and rating
    scale (``ratings``: id → label) make; report repeated ids across folders. A theme, facet
    value or rating written by its title or label, or misspelt, gets a did-you-mean. With a
    ``memo`` that keeps pieces, a file unchanged since the last build is not read again."""
    facets, ratings, memo = tuple(facets), ratings or {}, memo or Memo()
    model = finding_model(facets, tuple(ratings))
    titles = ({"theme": {theme.id: theme.title for theme in themes}, "strength": ratings}
              | {facet.field: facet.labels for facet in facets})
    setup = repr((titles, facets)) if memo.keep else ""
    records: list[FindingRecord] = []
    problems: list[Problem] = []
    first_seen: dict[str, str] = {}
    read = _read_in_parallel(files, root) if not memo.keep else {}
    for path in files:
        display = shown_path(path, root)
        finding_id = path.stem
        if not re.match(ID_PATTERN, finding_id):
            problems.append(Problem(display, 1, 1, f"file name '{path.name}' is not a valid finding id: "
                                    "use lower-case letters, digits and hyphens, e.g. "
                                    f"'{slugify(finding_id)}{path.suffix}'"))
        elif finding_id in first_seen:
            problems.append(Problem(display, 1, 1, f"finding id '{finding_id}' is already used by "
                                    f"{first_seen[finding_id]}; rename one of the files"))
        else:
            first_seen[finding_id] = display
        version = _file_version(path) if memo.keep else ""
        record, read_problems = memo.get("record", (str(path), version, setup),
                                         lambda: _load_finding(path, display, finding_id, version, model, titles,
                                                               read.get(path)))
        problems += read_problems
        if record is not None:
            records.append(record)
    return records, problems


def _read_in_parallel(files: list[Path], root: Path) -> dict[Path, tuple[YamlDocument | None, list[Problem]]]:
    """Each file parsed, by processes on the machine's cores (forked.py), when there are many;
    else none is (each is read as it is loaded)."""
    if processes_for(len(files)) < 2:
        return {}
    shares = shared(lambda share: [(path, read_yaml(path, shown_path(path, root))) for path in share], files)
    return dict(chain.from_iterable(shares))


def _file_version(path: Path) -> str:
    """A file as a rebuild compares it: its size and modification time ("" if unreadable:
    read_yaml says why)."""
    try:
        stat = path.stat()
    except OSError:
        return ""
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def _load_finding(path: Path, display: str, finding_id: str, version: str, model: type[BaseModel], titles: dict,
                  read: tuple[YamlDocument | None, list[Problem]] | None = None) -> tuple[FindingRecord | None, list[Problem]]:
    """One finding file as a record (None if it has problems), and its problems; ``read``, the
    file as read_yaml parsed it already."""
    document, problems = read or read_yaml(path, display)
    if document is None:
        return None, problems
    if not isinstance(document.data, dict):
        return None, problems + [document.problem((), "a finding must be a mapping of fields "
                                                  "(title: …, theme: …), not a " + _kind(document.data))]
    try:
        finding = model.model_validate(document.data)
    except ValidationError as error:
        return None, problems + describe_errors(document, error, model, titles)
    return FindingRecord(finding_id, display, finding, document, version), problems


def load_questions(path: Path, root: Path) -> tuple[list[Question], YamlDocument | None, list[Problem]]:
    document, problems = read_yaml(path, shown_path(path, root))
    if document is None:
        return [], None, problems
    try:
        questions = TypeAdapter(list[Question]).validate_python(document.data)
    except ValidationError as error:
        return [], document, describe_errors(document, error, Question)
    return questions, document, []


def check_page_names(records: list[FindingRecord], taken: dict[str, str]) -> list[Problem]:
    """A finding's page is at the top of the site, named by its id: an id the site already uses
    (``paths.taken_names``: name → what uses it) would put two pages at one address."""
    return [Problem(record.path, 1, 1, f"finding id '{record.id}' is taken by {taken[record.id]}, and a finding's page "
                    f"is at /{record.id}/; rename the file, e.g. to '{record.id}-finding.yml'")
            for record in records if record.id in taken]


def check_references(records: Iterable[FindingRecord], finding_ids: list[str] | None, themes: list[Theme],
                     keys: set[str] | None, questions: list[Question],
                     questions_doc: YamlDocument | None) -> list[Problem]:
    """Cross-record checks: every theme, citation key and finding id named must exist.
    ``finding_ids`` holds the id of every finding file, valid or not, so one broken file is
    reported once rather than again by everything that links to it. ``finding_ids`` or ``keys``
    is None when the findings folder or the bibliography is missing (reported once, elsewhere)."""
    theme_ids = [t.id for t in themes]
    theme_titles = {t.id: t.title for t in themes}
    existing = set(finding_ids or ())  # membership per related id without scanning every finding
    problems = []

    def unknown(doc: YamlDocument, location: tuple, what: str, value: str, known: list[str], hint: str) -> None:
        suggestion = did_you_mean(value, known, theme_titles if what == "theme" else None)
        problems.append(doc.problem(location, f"unknown {what} '{visible(value)}'" + (suggestion or f"; {hint}")))

    for record in records:
        doc, finding = record.document, record.finding
        folder = posixpath.basename(posixpath.dirname(record.path))
        if finding.theme not in theme_ids:
            unknown(doc, ("theme",), "theme", finding.theme, theme_ids,
                    f"use a theme declared in mkdocs.yml: {', '.join(theme_ids)}")
        elif folder != finding.theme:
            problems.append(doc.problem(("theme",), f"the theme is '{finding.theme}' but the file is in the folder "
                                        f"'{visible(folder)}'; move the file to the '{finding.theme}' folder "
                                        "or correct the theme", "warning"))
        cited: dict[str, int] = {}
        for index, citation in enumerate(finding.citations):
            if citation.key in cited:
                first = doc.position(("citations", cited[citation.key]))[0]
                problems.append(doc.problem(("citations", index), f"'{visible(citation.key)}' is listed twice in "
                                            f"citations (first on line {first}); keep one"))
            cited.setdefault(citation.key, index)
            if keys is not None and citation.key not in keys:
                unknown(doc, ("citations", index), "citation key", citation.key, sorted(keys),
                        "add the source to bibliography.bib or correct the key")
        for index, statistic in enumerate(finding.statistics):
            if statistic.source not in cited:
                problems.append(doc.problem(("statistics", index, "source"),
                                            f"statistic source '{statistic.source}' is not among this "
                                            "finding's citations; add it to citations"))
        for index, other in enumerate(finding.related):
            if other not in existing:
                unknown(doc, ("related", index), "related finding", other, finding_ids,
                        "give the id (file name without .yml) of an existing finding")
    problems += _near_miss_tags(records)
    first_question: dict[str, int] = {}
    for index, question in enumerate(questions):
        assert questions_doc is not None
        if question.id in first_question:
            problems.append(questions_doc.problem((index, "id"), f"question id '{question.id}' is already used by "
                                                  f"question {first_question[question.id] + 1}; give each its own id"))
        first_question.setdefault(question.id, index)
        for position, theme in enumerate(question.themes):
            if theme not in theme_ids:
                unknown(questions_doc, (index, "themes", position), "theme", theme, theme_ids, "use a declared theme id")
        for position, other in enumerate(question.findings):
            if finding_ids is not None and other not in existing:
                unknown(questions_doc, (index, "findings", position), "finding", other, finding_ids,
                        "give the id of an existing finding")
    return problems


def _near_miss_tags(records: Iterable[FindingRecord]) -> list[Problem]:
    """A warning for each tag that one finding alone uses and that is a near miss of a tag
    others use: 'relationship' beside 'relationships' splits one list in two."""
    users: dict[str, list[FindingRecord]] = {}
    for record in records:
        for tag in dict.fromkeys(record.finding.tags):
            users.setdefault(tag, []).append(record)
    problems = []
    for tag, tagged in users.items():
        if len(tagged) > 1:
            continue
        close = [other for other in users if other != tag and len(users[other]) > 1 and _one_letter_apart(tag, other)]
        if close:
            record = tagged[0]
            index = record.finding.tags.index(tag)
            problems.append(record.document.problem(("tags", index), (
                f"tag '{tag}' is used by no other finding, but '{close[0]}' is used by {len(users[close[0]])}; "
                f"if they mean the same, use '{close[0]}' so the findings are listed together"), "warning"))
    return problems


def _one_letter_apart(a: str, b: str) -> bool:
    """A plural ('-s', '-es'), a hyphen, or in words of eight letters or more one letter added,
    dropped or changed (short words differ by a letter on purpose: police, policy)."""
    short, long = sorted((a, b), key=len)
    if long in (short + "s", short + "es") or a.replace("-", "") == b.replace("-", ""):
        return a != b
    if abs(len(a) - len(b)) > 1 or a == b or len(short) < 8:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def _kind(value: Any) -> str:
    return {list: "list", dict: "mapping", str: "single value", int: "number", float: "number", bool: "yes/no value",
            type(None): "empty value"}.get(type(value), type(value).__name__)
