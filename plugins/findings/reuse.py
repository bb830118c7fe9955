"""What a rebuild under ``mkdocs serve`` takes from the last one.

A plain build (and the CLI) makes every piece once. While serving, the plugin keeps one
``Memo`` across rebuilds: loading, formatting, rendering and exporting each store their pieces
under what they were made from (a file's size and modification time, a reference's fields, a
page's ``fingerprint``), so a rebuild after one file is saved makes again only the pieces that
depend on it. A piece no build asked for since the one before is dropped."""

from __future__ import annotations

import hashlib
from dataclasses import fields, is_dataclass
from functools import lru_cache
from typing import Any, Callable, Hashable, TypeVar

T = TypeVar("T")


class Memo:
    """Pieces of the last builds, by kind and by what each was made from; with ``keep`` off,
    nothing is stored and every piece is made. A dict for each kind: a key made of the kind and
    the piece's key would be one more object per piece per rebuild, kept until the next (tens of
    thousands, for the cyclic garbage collector's pass after each rebuild to look at)."""

    def __init__(self, keep: bool = False) -> None:
        self.keep = keep
        self._last: dict[str, dict[Hashable, Any]] = {}  # the pieces the last build asked for, by kind
        self._pieces: dict[str, dict[Hashable, Any]] = {}  # those this build asked for so far

    def get(self, kind: str, key: Hashable, make: Callable[[], T]) -> T:
        """The piece of ``kind`` made from ``key``: the one stored, else ``make()``."""
        if not self.keep:
            return make()
        pieces = self._pieces.get(kind)
        if pieces is None:
            pieces = self._pieces[kind] = {}
        if key not in pieces:
            last = self._last.get(kind, {})
            pieces[key] = last[key] if key in last else make()
        return pieces[key]

    def prune(self) -> None:
        """After a build: drop the pieces it did not ask for (a file since edited or removed)."""
        self._last, self._pieces = self._pieces, {}

    def clear(self) -> None:
        self._last, self._pieces = {}, {}


@lru_cache(maxsize=None)
def _field_names(kind: type) -> tuple[str, ...]:
    """The fields of a dataclass, none for any other type."""
    return tuple(field.name for field in fields(kind)) if is_dataclass(kind) else ()


def fingerprint(value: Any, versions: dict[type, Callable[[Any], str]]) -> str:
    """A digest of everything ``value`` holds (lists, dicts and dataclasses walked, other values
    by their repr), an object of a type ``versions`` names (a finding's record, a reference) by
    its version. A value whose repr names its address makes a new fingerprint each build: never
    a stale page."""
    parts: list[str] = []
    _walk(value, versions, parts)
    return digest("\x1f".join(parts))


def _walk(item: Any, versions: dict[type, Callable[[Any], str]], parts: list[str]) -> None:
    """Add what ``item`` holds to ``parts``. A function of its own, not one nested in
    ``fingerprint``: a nested function that calls itself is a reference cycle, which (with its
    list of parts) would stay in memory until the cyclic garbage collector's next pass: tens of
    thousands of them each rebuild while serving."""
    kind = type(item)
    if kind is str:
        parts.append(item)
    elif kind in versions:
        parts.append(versions[kind](item))
    elif kind is list or kind is tuple:
        parts.append("[")
        for each in item:
            _walk(each, versions, parts)
        parts.append("]")
    elif isinstance(item, dict):
        parts.append("{")
        for key, each in item.items():
            parts.append(repr(key))
            _walk(each, versions, parts)
        parts.append("}")
    elif names := _field_names(kind):
        parts.append(kind.__name__ + "(")
        for name in names:
            _walk(getattr(item, name), versions, parts)
        parts.append(")")
    else:
        parts.append(repr(item))


def digest(text: str) -> str:
    """What a version is written as: the SHA-1 of the text it stands for."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()
