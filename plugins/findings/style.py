"""Resolve stage, part two: the organisation's house style for citations and references.

Labels read as the organisation prints them: ``(McCabe et al, 2019)``, two authors joined by
"and", a corporate author kept whole, and works with the same label and year told apart by a
letter (2020a, 2020b) computed once over the whole bibliography. A ``yearlabel`` field on an
entry pins a label the organisation has already published. References follow the paper's
Harvard style: ``McCabe, A., Wilson, M. and Macmillan, R. (2019). Title. Place: Publisher.``
"""

from __future__ import annotations

import string
from collections import defaultdict
from dataclasses import dataclass
from itertools import count, product
from typing import Iterable, Iterator

from markupsafe import Markup

from .bibliography import Person, Reference
from .escaping import attribute, bare_doi, doi_url, text, url
from .problems import Problem


@dataclass(frozen=True)
class Label:
    authors: str
    year: str

    @property
    def parenthetical(self) -> str:
        return f"{self.authors}, {self.year}"

    @property
    def narrative(self) -> str:
        return f"{self.authors} ({self.year})"


def author_label(reference: Reference) -> str:
    people = reference.creators
    if not people:
        return reference.get("title") or reference.key
    if len(people) == 1 and not reference.et_al:
        return people[0].surname
    if len(people) == 2 and not reference.et_al:
        return f"{people[0].surname} and {people[1].surname}"
    return f"{people[0].surname} et al"


def year_letters() -> Iterator[str]:
    """a, b, … z, then aa, ab, … zz, aaa …: the letters biblatex adds to repeated years."""
    for length in count(1):
        for letters in product(string.ascii_lowercase, repeat=length):
            yield "".join(letters)


def assign_labels(references: Iterable[Reference]) -> dict[str, Label]:
    """Labels for the whole bibliography: letters only where a label and year repeat, never a
    letter an entry of the same author label has pinned with ``yearlabel``."""
    groups: dict[tuple[str, str], list[Reference]] = defaultdict(list)
    pins: dict[str, set[str]] = defaultdict(set)
    for reference in references:
        authors = author_label(reference)
        groups[(authors, reference.year)].append(reference)
        if reference.get("yearlabel"):
            pins[authors].add(reference.get("yearlabel"))
    labels = {}
    for (authors, year), group in groups.items():
        if len(group) == 1:
            labels[group[0].key] = Label(authors, group[0].get("yearlabel") or year)
            continue
        letters = (year + letter for letter in year_letters() if year + letter not in pins[authors])
        for reference in sorted(group, key=lambda r: (r.get("title").lower(), r.key)):
            labels[reference.key] = Label(authors, reference.get("yearlabel") or next(letters))
    return labels


def check_year_labels(references: Iterable[Reference], path: str) -> list[Problem]:
    """Two entries pinned (``yearlabel``) to the same label would be cited alike: a problem
    naming both. ``path`` is the bibliography's path as messages show it."""
    first: dict[tuple[str, str], Reference] = {}
    problems = []
    for reference in references:
        pin = reference.get("yearlabel")
        if not pin:
            continue
        authors = author_label(reference)
        other = first.setdefault((authors, pin), reference)
        if other is not reference:
            problems.append(Problem(path, reference.line, 1, (
                f"entry '{reference.key}' pins yearlabel = {{{pin}}}, as '{other.key}' on line {other.line} does: "
                f"both would be cited as ({authors}, {pin}); remove one yearlabel or change it")))
    return problems


def sort_key(reference: Reference, label: Label) -> tuple:
    """Reference-list order: first author's name, then year label, then title."""
    first = reference.creators[0] if reference.creators else None
    name = (first.family, first.von, first.given) if first else (reference.get("title"), "", "")
    return (tuple(part.lower() for part in name), label.authors.lower(), label.year, reference.get("title").lower())


def _name(person: Person) -> str:
    if person.corporate or not person.given:
        return person.surname
    name = f"{person.surname}, {person.initials}"
    return f"{name}, {person.suffix}" if person.suffix else name


# A reference names at most this many creators, then "et al." (as APA 7 does past 20); a
# tooltip names at most TOOLTIP_NAMES and is cut at TOOLTIP_LENGTH characters.
MAX_NAMES = 20
TOOLTIP_NAMES = 3
TOOLTIP_LENGTH = 300


def names(people: tuple[Person, ...], et_al: bool = False, limit: int = MAX_NAMES) -> str:
    """'McCabe, A., Wilson, M. and Macmillan, R.'; 'Local Trust'; 'Smith, J. et al.'"""
    if len(people) > limit:
        people, et_al = people[:limit], True
    written = [_name(p) for p in people]
    if et_al:
        return ", ".join(written) + " et al."
    if len(written) <= 1:
        return "".join(written)
    return ", ".join(written[:-1]) + " and " + written[-1]


def _sentence(value: str) -> str:
    return value if value.endswith((".", "?", "!")) else value + "."


def _closed(html: Markup) -> Markup:
    """``html`` ending with a full stop, unless its text already ends a sentence."""
    return html if html.striptags().endswith((".", "?", "!")) else html + "."


def tooltip(reference: Reference, label: Label) -> Markup:
    """A citation's hover text: the reference with at most TOOLTIP_NAMES names, as plain text
    cut at TOOLTIP_LENGTH characters, escaped for an attribute."""
    words = format_reference(reference, label, TOOLTIP_NAMES).striptags()
    if len(words) > TOOLTIP_LENGTH:
        words = words[: TOOLTIP_LENGTH - 1].rsplit(" ", 1)[0] + "…"
    return attribute(words)


def format_reference(reference: Reference, label: Label, name_limit: int = MAX_NAMES) -> Markup:
    """The full reference in the house Harvard style, as HTML safe to place in Markdown."""
    get = reference.get
    parts: list[Markup] = []
    if reference.authors:
        parts.append(text(names(reference.authors, reference.et_al, name_limit)))
    elif reference.editors:
        parts.append(text(names(reference.editors, reference.et_al, name_limit)
                          + (" (eds)" if len(reference.editors) > 1 else " (ed.)")))
    head = Markup(" ").join(parts)
    head = (head + " " if head else Markup("")) + text(f"({label.year}).")

    kind = reference.type
    title = get("title")
    container = get("journal") or get("booktitle")
    place_publisher = ": ".join(filter(None, [get("address"), get("publisher") or get("institution")
                                              or get("organization") or get("school")]))
    pages = get("pages")
    body: list[Markup] = []
    if kind == "article":
        body.append(text(_sentence(title)))
        volume = get("volume") + (f"({get('number')})" if get("number") else "")
        bits = [Markup("<em>%s</em>") % text(container)] if container else []
        bits += [text(volume)] if volume else []
        bits += [text(f"pp. {pages}")] if pages else []
        if bits:
            body.append(_closed(Markup(", ").join(bits)))
    elif kind in ("incollection", "inbook", "inproceedings", "conference"):
        body.append(text(_sentence(title)))
        editors = names(reference.editors) + (" (eds)" if len(reference.editors) > 1 else " (ed.)") if reference.editors and reference.authors else ""
        inside = Markup("In: ") + (text(editors) + " " if editors else "") + (Markup("<em>%s</em>") % text(container))
        body.append(_closed(inside))
        tail = ", ".join(filter(None, [place_publisher, f"pp. {pages}" if pages else ""]))
        if tail:
            body.append(text(_sentence(tail)))
    else:
        emphasised = kind not in ("unpublished",)
        title_html = Markup("<em>%s</em>") % text(title) if emphasised else text(title)
        detail = " ".join(filter(None, [get("type") or _thesis_type(kind), get("number")]))
        if detail:
            title_html += " " + text(f"({detail})")
        body.append(_closed(title_html))
        if get("edition"):
            body.append(text(f"{get('edition')} edn."))
        if get("howpublished"):
            body.append(text(_sentence(get("howpublished"))))
        if place_publisher or get("note"):
            note = f" ({get('note')})" if get("note") and kind == "unpublished" else ""
            body.append(_closed(text(place_publisher + note)))
        if kind not in ("unpublished",) and get("note"):
            body.append(text(_sentence(get("note"))))
    doi = bare_doi(get("doi"))
    if doi:
        body.append(Markup('doi: <a class="url" href="%s">%s</a>.') % (url(doi_url(doi)), text(doi)))
    elif get("url"):
        accessed = f" (Accessed: {get('urldate')})" if get("urldate") else ""
        # Only web addresses become links (the bibliography stage drops other schemes).
        address = url(get("url"))
        shown = Markup('<a class="url" href="%s">%s</a>') % (address, text(get("url"))) if address else text(get("url"))
        body.append(Markup("Available at: %s%s.") % (shown, text(accessed)))
    return head + " " + Markup(" ").join(body)


def _thesis_type(kind: str) -> str:
    return {"phdthesis": "PhD thesis", "mastersthesis": "Master's thesis"}.get(kind, "")
