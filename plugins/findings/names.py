"""Name lists of BibTeX fields (author, editor, translator) read into people.

bibtexparser splits the BibTeX forms (``First von Last``, ``von Last, Jr, First``). Read here:
biblatex's extended form (``family=Vries, given=Andrie, prefix=de, useprefix=true``), which
Better BibTeX writes for every name with a particle; a list written with commas and no "and"
(``Begley, C., Ellis, L.``), read as pairs with a warning; and names that look like an
organisation but are not braced, kept whole with a hint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bibtexparser.middlewares.names import InvalidNameError, parse_single_name_into_parts, split_multiple_persons_names

from .latex import decode

# Words that name an organisation rather than a person, as reference managers export them
# unbraced ("Mozilla Science Lab", "World Health Organization").
ORGANISATION_WORDS = frozenset("""
    lab labs laboratory laboratories university universität université institute institut
    council trust department dept organisation organization collaboration consortium
    association society foundation agency commission committee office ministry centre center
    group network alliance partnership project team board bureau service services authority
    government parliament company corporation inc ltd llc plc gmbh school college
    library museum hospital charity federation coalition initiative programme
    program unit nhs oecd unesco unicef co
""".split())
_EXTENDED_PART = re.compile(r"\s*(family|given|prefix|suffix|useprefix|juniorcomma|sortingnamekeytemplatename"
                            r"|[a-z]+-i)\s*=", re.I)


@dataclass(frozen=True)
class Person:
    family: str
    given: str = ""
    von: str = ""
    suffix: str = ""
    corporate: bool = False

    @property
    def surname(self) -> str:
        """The name as cited: 'McCabe', 'van der Berg', 'Local Trust', "d'Aubignac"."""
        joint = "" if self.von.endswith(("'", "\u2019", "-")) else " "
        return f"{self.von}{joint}{self.family}".strip()

    @property
    def initials(self) -> str:
        """'A.' for 'A.' or 'Angus'; 'J.-P.' for 'Jean-Pierre'; a given name in a script with
        no capitals (秀贞) whole."""
        if self.given[:1] and not self.given[0].isupper() and not self.given[0].islower():
            return self.given
        words = []
        for word in self.given.split():
            parts = [p for p in word.split("-") if p]
            words.append("-".join(p[0].upper() + "." if not p.endswith(".") or len(p) > 2 else p for p in parts))
        return " ".join(words)


@dataclass(frozen=True)
class NameList:
    people: tuple[Person, ...] = ()
    et_al: bool = False  # the list ended "and others"
    problems: tuple[str, ...] = ()  # what could not be read as written, and how it was read
    hints: tuple[str, ...] = ()  # what reads as meant but should be written otherwise


def read_names(field: str, value: str) -> NameList:
    """The people of one name field, with what was odd about it."""
    people, et_al, problems, hints = [], False, [], []
    for name in split_multiple_persons_names(value):
        if name.strip().lower() == "others":
            et_al = True
            continue
        if _EXTENDED_PART.match(name):
            people.append(_extended(name))
            continue
        try:
            parts = parse_single_name_into_parts(name)
        except InvalidNameError:
            pairs = _comma_pairs(name)
            if pairs:
                people += pairs
                problems.append(f"{field} '{name}' lists {len(pairs)} names with commas; read as "
                                f"{' and '.join(f'{p.family}, {p.given}' for p in pairs)}: separate names with 'and'")
            else:
                people.append(Person(family=decode(name), corporate=True))
                problems.append(f"{field} '{name}' has more commas than a name can; read as one name: write "
                                "'Family, Given' and separate names with 'and', or brace an organisation's name")
            continue
        person = Person(family=decode(" ".join(parts.last)), given=decode(" ".join(parts.first)),
                        von=decode(" ".join(parts.von)), suffix=decode(" ".join(parts.jr)),
                        corporate=_braced_whole(parts))
        if not person.corporate and "," in name and _looks_like_organisation(name.replace(",", " ")):
            hints.append(f"{field} '{decode(name)}' reads as a person ('{person.family}, {person.initials}') but looks "
                         f"like an organisation; if it is one, write its name in double braces: {field} = {{{{…}}}}")
        elif not person.corporate and _looks_like_organisation(name):
            whole = decode(name)
            hints.append(f"{field} '{whole}' looks like an organisation, so it is shown whole; to say so in the "
                         f"file (and stop it becoming '{person.family}, {person.initials}' elsewhere), write "
                         f"{field} = {{{{{whole}}}}}")
            person = Person(family=whole, corporate=True)
        people.append(person)
    return NameList(tuple(people), et_al, tuple(problems), tuple(hints))


def _braced_whole(parts) -> bool:
    """``{Local Trust}``: one braced last name and nothing else."""
    return len(parts.last) == 1 and not parts.first and not parts.von and parts.last[0].startswith("{")


def _looks_like_organisation(name: str) -> bool:
    """Written ``First Last`` (no comma) with a word that names an organisation."""
    if "," in name or "{" in name.strip()[:1]:
        return False
    words = [w.strip(".()&").lower() for w in decode(name).split()]
    return len(words) >= 2 and any(w in ORGANISATION_WORDS for w in words)


def _extended(name: str) -> Person:
    """biblatex's ``family=…, given=…, prefix=…, suffix=…`` name."""
    parts: dict[str, str] = {}
    depth, start, pieces = 0, 0, []
    for i, char in enumerate(name + ","):
        depth += char == "{"
        depth -= char == "}"
        if char == "," and depth == 0:
            pieces.append(name[start:i])
            start = i + 1
    for piece in pieces:
        key, _, value = piece.partition("=")
        value = value.strip()
        if value.startswith("{") and value.endswith("}"):
            value = value[1:-1]
        parts[key.strip().lower()] = value
    return Person(family=decode(parts.get("family", "")), given=decode(parts.get("given", "")),
                  von=decode(parts.get("prefix", "")), suffix=decode(parts.get("suffix", "")),
                  corporate="given" not in parts and "prefix" not in parts)


_GIVEN = re.compile(r"^(?:[A-Z\u00c0-\u024f][\w\u00c0-\u024f'’-]*\.?\s*)+$")


def _comma_pairs(name: str) -> list[Person]:
    """``Begley, C., Ellis, L.`` as Begley, C. and Ellis, L.: an even number of parts, each
    second one a given name or initials."""
    parts = [part.strip() for part in name.split(",")]
    if len(parts) % 2 or not all(parts) or not all(_GIVEN.match(decode(p)) for p in parts[1::2]):
        return []
    return [Person(family=decode(family), given=decode(given)) for family, given in zip(parts[::2], parts[1::2])]
