"""Load stage: read YAML record files safely, keeping the line of every key and item.

Only plain YAML is accepted: no Python tags (the safe loader refuses them), no anchors or
aliases (so an alias bomb fails at once), no key repeated in a mapping, no nesting deeper than
``MAX_DEPTH`` (the parser would overflow the stack on a file of ``[[[[...``), and files over
``MAX_BYTES`` are refused unread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader  # type: ignore[assignment]

from .models import character_name, visible
from .problems import Problem

MAX_BYTES = 1_000_000
MAX_DEPTH = 100

Location = tuple[Any, ...]


@dataclass
class YamlDocument:
    """A parsed file: its data and the (line, column) of each key path, 1-based."""

    path: str
    data: Any
    positions: dict[Location, tuple[int, int]] = field(default_factory=dict)
    spans: dict[Location, tuple[int, int]] = field(default_factory=dict)
    source: list[str] = field(default_factory=list)

    def position(self, location: Location) -> tuple[int, int]:
        """The position of the deepest known part of ``location`` (the file start if none)."""
        for end in range(len(location), -1, -1):
            if location[:end] in self.positions:
                return self.positions[location[:end]]
        return (1, 1)

    def line_of(self, location: Location, needle: str) -> int:
        """The line inside the value at ``location`` that contains ``needle`` (else the key's line)."""
        first, last = self.spans.get(location, (0, 0))
        for number in range(first, last + 1):
            if 0 < number <= len(self.source) and needle in self.source[number - 1]:
                return number
        return self.position(location)[0]

    def problem(self, location: Location, message: str, severity: str = "error") -> Problem:
        line, column = self.position(location)
        return Problem(self.path, line, column, message, severity)


def read_yaml(path: Path, display: str) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse one YAML file; ``display`` is the path shown in messages."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return None, [Problem(display, 1, 1, f"file is {size:,} bytes; a record file may be at most {MAX_BYTES:,}")]
        raw = path.read_bytes()
    except OSError as error:
        return None, [Problem(display, 1, 1, f"file could not be read ({error.strerror}); check it is a readable file")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return None, [Problem(display, line, 1, "file is not UTF-8 text; save it with UTF-8 encoding")]
    loader = SafeLoader(text)
    try:
        deep = _too_deep(text)
        if deep:
            return None, [Problem(display, deep.line + 1, deep.column + 1, f"values here nest more than {MAX_DEPTH} "
                                  "levels deep; a record's fields nest a few levels at most")]
        node = loader.get_single_node()
        if node is None:
            return None, [Problem(display, 1, 1, "file is empty (it holds no fields)")]
        document = YamlDocument(display, None, source=text.splitlines())
        problems = _check_nodes(node, document)
        if problems:
            return None, problems
        try:
            document.data = loader.construct_document(node)
        except ValueError:  # a value of the right form but impossible, such as 2020-13-45
            return None, _impossible_values(loader, node, display)
    except yaml.MarkedYAMLError as error:
        unclosed = error.context_mark is not None and "end of stream" in (error.problem or "")
        # A line that is neither indented under the field above nor a field of its own: the
        # scanner notices a line later, but the mistake is where the stray text started.
        stray = "simple key" in (error.context or "") and error.context_mark is not None
        mark = error.context_mark if unclosed or stray else (error.problem_mark or error.context_mark)
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, [Problem(display, line, column, _yaml_message(error, text, line))]
    except yaml.reader.ReaderError as error:  # a character YAML refuses anywhere, such as NUL
        before = text[: error.position]
        line, column = before.count("\n") + 1, len(before) - before.rfind("\n")
        return None, [Problem(display, line, column, f"this line holds {character_name(chr(error.character))}, "
                                                     "which a record may not contain; delete it")]
    except yaml.YAMLError as error:
        return None, [Problem(display, 1, 1, f"not valid YAML: {error}")]
    finally:
        loader.dispose()
    return document, []


def _too_deep(text: str) -> yaml.Mark | None:
    """Where the nesting first passes MAX_DEPTH, if it does. Every level opens with one of
    ``[{-?:``, so most files are cleared by counting those, without parsing twice."""
    if sum(map(text.count, "[{-?:")) <= MAX_DEPTH:
        return None
    try:
        return _first_past_max_depth(yaml.parse(text, Loader=SafeLoader))
    except yaml.MarkedYAMLError as error:
        if "nesting depth" not in (error.problem or ""):
            raise
        # Newer libyaml stops at its own limit (1,000) before giving any event of a flow of
        # [[[…: Python's parser, slower but with no limit, finds where MAX_DEPTH is passed.
        return _first_past_max_depth(yaml.parse(text, Loader=yaml.SafeLoader))


def _first_past_max_depth(events) -> yaml.Mark | None:
    depth = 0
    for event in events:
        depth += isinstance(event, yaml.CollectionStartEvent) - isinstance(event, yaml.CollectionEndEvent)
        if depth > MAX_DEPTH:
            return event.start_mark
    return None


def _impossible_values(loader: SafeLoader, root: yaml.Node, display: str) -> list[Problem]:
    """Find the dates that could not be built (the only scalars the safe loader can reject)."""
    problems, stack = [], [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            stack.extend(value for pair in node.value for value in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif node.tag == "tag:yaml.org,2002:timestamp":
            try:
                loader.construct_yaml_timestamp(node)
            except ValueError as error:
                mark = node.start_mark
                problems.append(Problem(display, mark.line + 1, mark.column + 1,
                                        f"'{node.value}' is not a real date ({error}); write it as YYYY-MM-DD"))
    return sorted(problems) or [Problem(display, 1, 1, "a value in this file could not be read")]


def _yaml_message(error: yaml.MarkedYAMLError, text: str, line: int) -> str:
    lines = text.splitlines()
    source_line = lines[line - 1] if 0 < line <= len(lines) else ""
    if "\t" in source_line[: len(source_line) - len(source_line.lstrip())]:
        return "this line is indented with a tab; indent with spaces"
    if "end of stream" in (error.problem or "") and "quoted scalar" in (error.context or ""):
        return "this quoted value is never closed; add the closing quote"
    if "could not determine a constructor for the tag" in (error.problem or ""):
        return f"not allowed: {error.problem}; records hold plain values only"
    field = re.match(r"\s*(?:- )?([\w-]+):\s+(.*\S)\s*$", source_line)
    if "mapping values are not allowed" in (error.problem or "") and field:
        quoted = field[2].replace("\\", "\\\\").replace('"', '\\"')
        return (f"{field[1]}: the text holds ': ', which YAML reads as the start of another field; put the "
                f'whole text in double quotes: {field[1]}: "{quoted}"')
    if "simple key" in (error.context or ""):
        return ("this line is not indented under the field above, and is not a field of its own (name: value); "
                "if it goes on with the text above (a summary's next paragraph, say), indent it by two spaces "
                "like the lines above it")
    if field and field[2][:1] in "\"'" and "expected key" in (error.problem or ""):
        return (f"{field[1]}: the text starts with a quote mark but goes on after the closing one; put the whole "
                "text in double quotes, or remove the quote marks")
    return "not valid YAML: " + " ".join(filter(None, [error.context, error.problem]))


def _check_nodes(root: yaml.Node, document: YamlDocument) -> list[Problem]:
    """Record each key's position; refuse aliases and repeated keys. Iterative, visits each node once."""
    display, positions = document.path, document.positions
    problems: list[Problem] = []
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, Location]] = [(root, ())]
    while stack:
        node, location = stack.pop()
        mark = node.start_mark
        if id(node) in seen:
            problems.append(Problem(display, mark.line + 1, mark.column + 1,
                                    "this value is anchored (&name) and reused by an alias (*name); "
                                    "anchors and aliases are not allowed, write each value out"))
            break
        seen.add(id(node))
        children: list[tuple[yaml.Node, Location]] = []
        if isinstance(node, yaml.ScalarNode):
            document.spans[location] = (mark.line + 1, node.end_mark.line + 1)
        elif isinstance(node, yaml.MappingNode):
            keys: dict[Any, int] = {}
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                key_line = key_node.start_mark.line + 1
                if key in keys:
                    problems.append(Problem(display, key_line, key_node.start_mark.column + 1,
                                            f"'{visible(key)}' is given twice (first on line {keys[key]}); keep one"))
                keys.setdefault(key, key_line)
                positions[location + (key,)] = (key_line, key_node.start_mark.column + 1)
                children.append((value_node, location + (key,)))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                positions[location + (index,)] = (item.start_mark.line + 1, item.start_mark.column + 1)
                children.append((item, location + (index,)))
        stack.extend(reversed(children))  # visit in document order
    return problems
