"""Problems found in a user's files, reported all at once as ``path:line:column: message``."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import Any, Iterable, Literal

import yaml
from pydantic import ValidationError

from .models import Settings, slugify


_ONE_LINE = re.compile(r"[ \t]*[\r\n]+[ \t]*")  # a line break in a quoted value: a problem is one line


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int = 0
    column: int = 0
    message: str = ""
    severity: Literal["error", "warning", "note"] = "error"  # a note never fails a check

    def __str__(self) -> str:
        where = self.path
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        return f"{where}: {_ONE_LINE.sub(' ', self.message)}"


class FindingsError(Exception):
    """Raised when a project's files hold errors; carries every problem found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def did_you_mean(word: str, choices: Iterable[str], titles: dict[str, str] | None = None) -> str:
    """' (did you mean 'x'?)' when a choice is close to ``word``, else ''. With ``titles``
    (choice → its title), a word that is a choice's title, or close to one, suggests that
    choice: 'Power Dynamics' → 'power-dynamics'."""
    by_name = {choice: choice for choice in choices}
    for choice, title in (titles or {}).items():
        by_name.setdefault(title.casefold(), choice)
        by_name.setdefault(slugify(title), choice)
    word = str(word)
    exact = by_name.get(word.casefold()) or by_name.get(slugify(word))
    close = [exact] if exact else [by_name[name] for name in get_close_matches(
        word.casefold() if titles else word, list(by_name), n=1, cutoff=0.6)]
    return f" (did you mean '{close[0]}'?)" if close else ""


def shown_path(path: Path, root: Path) -> str:
    """A path as messages show it: relative to the project root where it lies inside it."""
    text, base = str(path), str(root).rstrip(os.sep) + os.sep
    if text.startswith(base) and root.is_absolute():  # the usual case, found by walking the root: as text
        return text[len(base):].replace(os.sep, "/")
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        pass
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


THEME_FIELDS = "an id, a title and a description"
# What to do about each kind of mistake in the plugin's settings, by pydantic's error type.
_SETTING_FIXES = {
    "list_type": f"must be a list of themes, each with {THEME_FIELDS}",
    "too_short": f"give at least one theme, with {THEME_FIELDS}",
    "model_type": f"must be a mapping with {THEME_FIELDS}",
    "string_type": "must be text; write it in quotes",
    "string_too_short": "must not be empty; write some text or remove the setting",
}


def check_settings(options: Any, config_file: Path) -> Settings:
    """The findings plugin's settings as mkdocs.yml gives them (MkDocs' tags resolved), checked
    the same way by the build and by ``findings lint``. A setting left empty (``author:``, or an
    unset ``!ENV`` variable) takes its default, as MkDocs' own settings do. Raises FindingsError
    naming each bad setting: ``mkdocs.yml:LINE: plugins.findings.<setting>: what to do``."""
    if isinstance(options, dict):
        options = {name: value for name, value in options.items() if value is not None}
    try:
        return Settings.model_validate(options)
    except ValidationError as error:
        raise FindingsError(
            Problem(config_file.name, _setting_line(config_file, _shown_location(item)), 0,
                    ".".join(["plugins", "findings", *map(str, _shown_location(item))]) + ": " + _setting_fix(item))
            for item in error.errors()) from None


def _shown_location(item: dict) -> tuple:
    """Where a problem is, as the setting is written: a bad key of a mapping (a synonym's term)
    is named by itself, without pydantic's '[key]', or not at all when YAML did not read it as text."""
    location = tuple(item["loc"])
    if location[-1:] != ("[key]",):
        return location
    return location[:-2] if item["type"] == "string_type" else location[:-1]


def _setting_fix(item: dict) -> str:
    location, kind = item["loc"], item["type"]
    if not location:
        return f"must be a mapping of settings: {', '.join(Settings.model_fields)}"
    if kind == "missing":
        return f"missing; list the site's themes, each with {THEME_FIELDS}" if len(location) == 1 else (
            f"missing; each theme needs {THEME_FIELDS}")
    if kind == "extra_forbidden" and len(location) == 1:
        known = list(Settings.model_fields)
        return f"not a known setting{did_you_mean(str(location[-1]), known)}; the settings are {', '.join(known)}"
    if kind == "extra_forbidden":
        return f"not a field of a theme{did_you_mean(str(location[-1]), ['id', 'title', 'description'])}; " \
               f"a theme has {THEME_FIELDS}"
    if kind == "string_type" and location[-1] == "[key]":
        return f"a term must be text, and YAML read one as {item['input']!r}; write it in quotes, e.g. 'NO': Norway"
    if kind == "dict_type" and location == ("synonyms",):
        return "must be a mapping of each term to its other names, e.g. NDC: New Deal for Communities"
    if kind == "string_pattern_mismatch":
        return f"'{item['input']}' must be lower-case letters, digits and hyphens, e.g. '{slugify(item['input'])}'"
    if kind == "value_error":
        return str(item["ctx"]["error"])
    return _SETTING_FIXES.get(kind) or item["msg"][0].lower() + item["msg"][1:]


def _setting_line(config_file: Path, location: tuple) -> int:
    """The line of ``plugins.findings.<location>`` in mkdocs.yml, or of the deepest part of it
    written there; 0 if none is (settings inherited from another file)."""
    try:
        node = yaml.compose(config_file.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)  # tags unresolved
    except (OSError, ValueError, yaml.YAMLError):
        return 0
    line = 0
    for step in ("plugins", "findings", *location):
        if isinstance(node, yaml.SequenceNode) and step == "findings":  # the list of plugins: find its entry
            node = next((entry for entry in node.value if entry.value == "findings" or isinstance(
                entry, yaml.MappingNode) and any(key.value == "findings" for key, _ in entry.value)), None)
            if isinstance(node, yaml.ScalarNode):  # `- findings`, without settings
                return node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            key, node = next(((key, value) for key, value in node.value if key.value == step), (None, None))
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            key = node = node.value[step]
        else:
            break
        if key is None:
            break
        line = key.start_mark.line + 1
    return line
