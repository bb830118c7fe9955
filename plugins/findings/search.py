"""Search that finds a term by its other names: the ``synonyms`` setting applied to the index
Material's search plugin writes (``search/search_index.json``).

That index holds ``config`` (among it ``fields``, the fields lunr indexes, with their boosts) and
``docs``, an entry per section of a page with its ``location``, ``title`` and ``text``. Material's
search worker indexes every field ``config.fields`` names, but shows readers only the title, the
text and the tags. So an entry that says one name of a group (``New Deal for Communities``) gets
the group's other names (``NDC``) in a field of its own, weighted as the title or the text it was
found in: searching either name finds the page, and no reader sees words the page does not say.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

# The field each searched field's added names go in.
ADDED = {"title": "title_synonyms", "text": "text_synonyms"}
_TAG = re.compile(r"<[^>]*>")


def add_synonyms(data: dict, groups: list[tuple[str, ...]]) -> bool:
    """Add each entry's other names to the parsed index; False (nothing added) when it is not
    Material's (MkDocs' own search indexes a fixed title and text only)."""
    fields = data.get("config", {}).get("fields") if isinstance(data, dict) else None
    if not isinstance(fields, dict):
        return False
    patterns = [[(name, _pattern(name)) for name in group] for group in groups]
    for searched, added in ADDED.items():
        fields[added] = {"boost": fields[searched].get("boost", 1)}
    for entry in data["docs"]:
        for searched, added in ADDED.items():
            names = _other_names(_plain(entry.get(searched, "")), patterns)
            if names:
                entry[added] = html.escape(" ".join(names), quote=False)  # as Material writes text
    return True


def compact(value) -> str:
    """JSON as the search plugin writes its index: no spaces."""
    return json.dumps(value, separators=(",", ":"))


def write_index(index: dict, path: Path, batch: int = 1000) -> None:
    """Write a search index as ``compact`` would, its entries (``docs``) a ``batch`` at a time, so
    that its whole text (tens of megabytes at thousands of findings) is never held at once."""
    with path.open("w", encoding="utf-8") as out:
        out.write("{")
        for number, (key, value) in enumerate(index.items()):
            out.write(("," if number else "") + compact(key) + ":")
            if key == "docs" and isinstance(value, list):
                out.write("[")
                for start in range(0, len(value), batch):
                    out.write(("," if start else "") + compact(value[start:start + batch])[1:-1])
                out.write("]")
            else:
                out.write(compact(value))
        out.write("}")


def _other_names(said: str, patterns: list[list[tuple[str, re.Pattern]]]) -> list[str]:
    """The names of each group some name of which ``said`` holds, that it does not hold itself."""
    names = []
    for group in patterns:
        found = [pattern.search(said) is not None for _, pattern in group]
        if any(found):
            names += [name for (name, _), there in zip(group, found) if not there]
    return names


def _pattern(name: str) -> re.Pattern:
    """A name as a whole word or words, any space between them; in any case, except a name
    written in capitals (an abbreviation: IT is not 'it'), which matches only in capitals."""
    words = r"\s+".join(map(re.escape, name.split()))
    # No letter or digit before the first character: checked once it matched (a lookbehind at
    # the pattern's start would be tried at every position of every entry, seven times slower).
    first = re.escape(name.split()[0][0])
    return re.compile(rf"{first}(?<![^\W_].){words[len(first):]}(?![^\W_])", 0 if name.isupper() else re.IGNORECASE)


def _plain(text: str) -> str:
    """An entry's title or text as words: Material keeps a few tags (<p>, <li>, <code>) and
    escapes &, < and >."""
    return html.unescape(_TAG.sub(" ", text))
