"""Validate stage: turn parsed YAML into records with the pydantic models, then check the
records against each other (themes, citation keys, related findings, unique ids)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from pydantic import BaseModel, TypeAdapter, ValidationError

from .models import ID_PATTERN, Finding, Question, Theme, slugify
from .problems import Problem, did_you_mean, shown_path
from .records import YamlDocument, read_yaml

RECORD_SUFFIXES = (".yml", ".yaml")


@dataclass(frozen=True)
class FindingRecord:
    id: str
    path: str
    finding: Finding
    document: YamlDocument | None  # kept while the records are checked


def describe_errors(document: YamlDocument, error: ValidationError, model: type[BaseModel]) -> list[Problem]:
    """One plain-language problem per pydantic error, at the line of the field concerned."""
    problems = []
    for item in error.errors():
        location = tuple(item["loc"])
        field = ".".join(str(part) for part in location if not isinstance(part, int)) or "file"
        kind = item["type"]
        if kind == "missing":
            message = f"'{location[-1]}' is required but missing"
        elif kind == "extra_forbidden":
            known = _field_names(model, location[:-1])
            message = f"'{location[-1]}' is not a known field{did_you_mean(str(location[-1]), known)}"
            message += f"; known fields: {', '.join(known)}" if "did you mean" not in message else ""
        elif kind == "enum":
            expected = item.get("ctx", {}).get("expected", "")
            message = f"{field}: '{item['input']}' is not one of {expected}"
        elif kind == "string_pattern_mismatch" and location and location[-1] != "title":
            message = f"{field}: '{item['input']}' must be lower-case letters, digits and hyphens"
        elif kind == "string_pattern_mismatch":
            message = "title: must be one line"
        elif kind == "too_short" and field.endswith("citations"):
            message = "citations: give at least one BibTeX key"
        else:
            message = f"{field}: {item['msg'][0].lower()}{item['msg'][1:]}"
        problems.append(document.problem(location, message))
    return problems


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


def record_files(folder: Path) -> list[Path]:
    """Every record file below ``folder``, in a stable order."""
    return sorted((p for p in folder.rglob("*") if p.suffix in RECORD_SUFFIXES and p.is_file()), key=str)


def load_findings(files: list[Path], root: Path) -> tuple[list[FindingRecord], list[Problem]]:
    """Read and validate every finding file; report repeated ids across folders."""
    records: list[FindingRecord] = []
    problems: list[Problem] = []
    first_seen: dict[str, str] = {}
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
        document, read_problems = read_yaml(path, display)
        problems += read_problems
        if document is None:
            continue
        if not isinstance(document.data, dict):
            problems.append(document.problem((), "a finding must be a mapping of fields "
                                             "(title: …, theme: …), not a " + _kind(document.data)))
            continue
        try:
            finding = Finding.model_validate(document.data)
        except ValidationError as error:
            problems += describe_errors(document, error, Finding)
            continue
        records.append(FindingRecord(finding_id, display, finding, document))
    return records, problems


def load_questions(path: Path, root: Path) -> tuple[list[Question], YamlDocument | None, list[Problem]]:
    display = shown_path(path, root)
    if not path.is_file():
        return [], None, [Problem(display, 0, 0, "questions file not found")]
    document, problems = read_yaml(path, display)
    if document is None:
        return [], None, problems
    try:
        questions = TypeAdapter(list[Question]).validate_python(document.data)
    except ValidationError as error:
        return [], document, describe_errors(document, error, Question)
    return questions, document, []


def check_references(records: Iterable[FindingRecord], finding_ids: list[str], themes: list[Theme],
                     keys: set[str], questions: list[Question], questions_doc: YamlDocument | None) -> list[Problem]:
    """Cross-record checks: every theme, citation key and finding id named must exist.
    ``finding_ids`` holds the id of every finding file, valid or not, so one broken file is
    reported once rather than again by everything that links to it."""
    theme_ids = [t.id for t in themes]
    existing = set(finding_ids)  # membership per related id without scanning every finding
    problems = []

    def unknown(doc: YamlDocument, location: tuple, what: str, value: str, known: list[str], hint: str) -> None:
        suggestion = did_you_mean(value, known)
        problems.append(doc.problem(location, f"unknown {what} '{value}'" + (suggestion or f"; {hint}")))

    for record in records:
        doc, finding = record.document, record.finding
        if finding.theme not in theme_ids:
            unknown(doc, ("theme",), "theme", finding.theme, theme_ids,
                    f"use a theme declared in mkdocs.yml: {', '.join(theme_ids)}")
        cited = {c.key for c in finding.citations}
        for index, citation in enumerate(finding.citations):
            if citation.key not in keys:
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
            if other not in existing:
                unknown(questions_doc, (index, "findings", position), "finding", other, finding_ids,
                        "give the id of an existing finding")
    return problems


def _kind(value: Any) -> str:
    return {list: "list", str: "single value", int: "number", float: "number"}.get(type(value), type(value).__name__)
