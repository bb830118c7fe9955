"""Resolve stage, part two: the organisation's house style for citations and references.

Labels read as the organisation prints them: ``(McCabe et al, 2019)``, two authors joined by
"and", a corporate author kept whole, and works with the same label and year told apart by a
letter (2020a, 2020b) computed once over the whole bibliography. A ``yearlabel`` field on an
entry pins a label the organisation has already published. References follow the paper's
Harvard style: ``McCabe, A., Wilson, M. and Macmillan, R. (2019). Title. Place: Publisher.``,
for every entry type BibTeX and biblatex know: each reference is made of sentences, and a
sentence is only written when it has words, so no combination of fields gives ". .", "In: ."
or "()". A work with no author or editor is listed and cited by its title.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from itertools import count, product
from typing import Iterable, Iterator

from markupsafe import Markup

from .bibliography import Reference
from .escaping import attribute, bare_doi, doi_url, text, url
from .names import Person
from .problems import Problem


@dataclass(frozen=True)
class Label:
    authors: str
    year: str
    separator: str = ", "  # between the names and the year in brackets: ", " here and in APA, " " in Chicago

    @property
    def parenthetical(self) -> str:
        return f"{self.authors}{self.separator}{self.year}" if self.year else self.authors

    @property
    def narrative(self) -> str:
        return f"{self.authors} ({self.year})"


def author_label(reference: Reference) -> str:
    people = reference.creators
    if not people:
        return short_title(reference)
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


def lettered_years(group: list[Reference], year: str, pinned: set[str]) -> dict[str, str]:
    """The year labels of works that would be cited alike: each its own ``yearlabel`` if it
    pins one, else the next letter (a, b … in title order) that no entry has ``pinned``."""
    letters = (year + letter for letter in year_letters() if year + letter not in pinned)
    return {reference.key: reference.get("yearlabel") or next(letters)
            for reference in sorted(group, key=lambda r: (r.get("title").lower(), r.key))}


def assign_labels(references: Iterable[Reference]) -> dict[str, Label]:
    """Labels for the whole bibliography: letters only where a label and year repeat, never a
    letter an entry of the same author label has pinned with ``yearlabel``."""
    groups: dict[tuple[str, str], list[Reference]] = defaultdict(list)
    pins: dict[str, set[str]] = defaultdict(set)
    sets = []
    for reference in references:
        if reference.members:
            sets.append(reference)
            continue
        authors = author_label(reference)
        groups[(authors, reference.year)].append(reference)
        if reference.get("yearlabel"):
            pins[authors].add(reference.get("yearlabel"))
    labels = {}
    for (authors, year), group in groups.items():
        if len(group) == 1:
            labels[group[0].key] = Label(authors, group[0].get("yearlabel") or year)
            continue
        for key, lettered in lettered_years(group, year, pins[authors]).items():
            labels[key] = Label(authors, lettered)
    for reference in sets:  # an @set is cited as its first member is
        first = next((m for m in reference.members if m in labels), None)
        labels[reference.key] = labels[first] if first else Label(author_label(reference), reference.year)
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


@lru_cache(maxsize=1 << 16)  # the names and titles of the references, sorted again at each rebuild
def folded(value: str) -> str:
    """``value`` as the reference list files it: accents folded (Bátiz before Butler), case
    ignored, leading quotes and brackets skipped."""
    value = "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c))
    return re.sub(r"^\W+", "", value.casefold())


_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.I)


def sort_key(reference: Reference, label: Label) -> tuple:
    """Reference-list order: the first creator's name as printed (particle first, as in
    'van der Berg'), then year label, then title; a work with no creator by its title, an
    initial 'The', 'A' or 'An' skipped."""
    first = reference.creators[0] if reference.creators else None
    title = folded(_ARTICLE.sub("", full_title(reference)))
    name = (folded(first.surname), folded(first.given)) if first else (title, "")
    return (name, folded(label.authors), label.year, title, reference.key)


def short_title(reference: Reference) -> str:
    """How a work with no creator is cited: its ``shorttitle``, else its title up to a colon,
    at most eight words."""
    title = reference.get("shorttitle") or reference.get("title").split(": ")[0] or reference.key
    words = title.split()
    return " ".join(words[:6]).rstrip(",;:.") + "…" if len(words) > 8 else title


def _name(person: Person) -> str:
    if person.corporate or not person.given:
        return person.surname
    name = f"{person.surname}, {person.initials}"
    return f"{name}, {person.suffix}" if person.suffix else name


def _natural_name(person: Person) -> str:
    """'A. Smith': a name after "Edited by" or "Translated by"."""
    if person.corporate or not person.given:
        return person.surname
    return " ".join(filter(None, [person.initials, person.surname, person.suffix]))


# A reference names at most this many creators, then "et al." (as APA 7 does past 20); a
# tooltip names at most TOOLTIP_NAMES and is cut at TOOLTIP_LENGTH characters.
MAX_NAMES = 20
TOOLTIP_NAMES = 3
TOOLTIP_LENGTH = 300


def names(people: tuple[Person, ...], et_al: bool = False, limit: int = MAX_NAMES, natural: bool = False) -> str:
    """'McCabe, A., Wilson, M. and Macmillan, R.'; 'Local Trust'; 'Smith, J. et al.'"""
    if len(people) > limit:
        people, et_al = people[:limit], True
    written = [(_natural_name if natural else _name)(p) for p in people]
    if et_al:
        return ", ".join(written) + " et al."
    if len(written) <= 1:
        return "".join(written)
    return ", ".join(written[:-1]) + " and " + written[-1]


def _editors(people: tuple[Person, ...], limit: int = MAX_NAMES) -> str:
    return names(people, limit=limit) + (" (eds)" if len(people) > 1 else " (ed.)") if people else ""


def _ends_sentence(value: str) -> bool:
    return value.endswith((".", "?", "!"))


def _sentence(html: Markup) -> Markup:
    """``html`` ending with a full stop, unless its text already ends a sentence."""
    return html if _ends_sentence(html.striptags()) else html + "."


def _joined(*parts: str, separator: str = ", ") -> str:
    return separator.join(part for part in parts if part)


def _titled(title: str, subtitle: str = "", addon: str = "") -> str:
    """'Title: Subtitle. Addon', with no colon after a title ending in ? or !"""
    if subtitle:
        title = f"{title} {subtitle}" if title.endswith(("?", "!", ":", ".")) else _joined(title, subtitle, separator=": ")
    if addon:
        title = _joined(title if not title or _ends_sentence(title) else title + ".", addon, separator=" ")
    return title


def full_title(reference: Reference, prefix: str = "") -> str:
    """The title with its subtitle and addition: ``prefix`` 'book', 'main' or 'journal' for
    those titles of the work it is part of."""
    get = reference.get
    main = get(f"{prefix}title") if prefix != "journal" else get("journal")
    return _titled(main, get(f"{prefix}subtitle"), get(f"{prefix}titleaddon"))


ARTICLES = frozenset({"article"})
PARTS = frozenset({"incollection", "inbook", "inproceedings", "conference", "inreference", "bookinbook",
                   "suppbook", "suppcollection"})
REPORTS = frozenset({"report", "techreport"})
THESES = frozenset({"thesis", "phdthesis", "mastersthesis"})
# biblatex's keys for the type field, and the types whose name is their default, in words.
TYPE_WORDS = {"phdthesis": "PhD thesis", "mastersthesis": "Master's thesis", "mathesis": "Master's thesis",
              "bathesis": "Bachelor's thesis", "candthesis": "Candidate thesis", "techreport": "Technical report",
              "resreport": "Research report", "software": "Software", "datacd": "CD-ROM", "audiocd": "Audio CD",
              "patent": "Patent", "patentus": "US patent", "patentuk": "UK patent", "patenteu": "European patent",
              "patentde": "German patent", "patentfr": "French patent", "patreq": "Patent request",
              "patrequs": "US patent request", "patrequk": "UK patent request", "patreqeu": "European patent request",
              "patreqde": "German patent request", "patreqfr": "French patent request"}
DEFAULT_TYPES = {"techreport": "Technical report", "phdthesis": "PhD thesis", "mastersthesis": "Master's thesis",
                 "patent": "Patent"}
# biblatex's keys for the series of a journal.
SERIES_WORDS = {"newseries": "new series", "oldseries": "old series"}
# eprint types whose ids have a page of their own.
EPRINT_PAGES = {"arxiv": ("arXiv", "https://arxiv.org/abs/{}"), "pubmed": ("PMID", "https://pubmed.ncbi.nlm.nih.gov/{}/"),
                "hdl": ("hdl", "https://hdl.handle.net/{}"), "jstor": ("JSTOR", "https://www.jstor.org/stable/{}"),
                "googlebooks": ("Google Books", "https://books.google.com/books?id={}")}
_RANGE = re.compile(r"\s*[-\u2010-\u2015\u2212]+\s*")
_ORDINAL = {"1": "st", "2": "nd", "3": "rd"}


def pages(value: str, kind: str = "") -> str:
    """'pp. 401–420' (any dash made an en dash), 'p. 45', or an article number as it is
    ('e1008316', or five digits and more in an article: '124106')."""
    value = re.sub(r"^p(?:p|ages?)?\.?\s*(?=\w)", "", value.strip())
    if not value:
        return ""
    value = _RANGE.sub("\u2013", value)
    if "\u2013" in value or "," in value:
        return f"pp. {value}"
    page = value.isdigit() and (len(value) < 5 or kind not in ARTICLES) or re.fullmatch(r"[ivxlcdm]+", value)
    return f"p. {value}" if page else value


def _ordinal(number: str) -> str:
    return number + ("th" if number[-2:-1] == "1" else _ORDINAL.get(number[-1], "th"))


def edition(value: str) -> str:
    """'2' → '2nd edn.'; words that already say so ('Revised edition') as they are."""
    if value.isdigit():
        return f"{_ordinal(value)} edn."
    return value if re.search(r"\bed", value, re.I) else f"{value} edn."


COUNTRIES = {"de": "Germany", "eu": "European Union", "fr": "France", "uk": "United Kingdom", "us": "United States",
             "jp": "Japan", "cn": "China", "ch": "Switzerland", "at": "Austria", "it": "Italy", "es": "Spain"}


def _place(value: str) -> str:
    """A place as written, biblatex's country keys (countryfr) in words."""
    return re.sub(r"\bcountry([a-z]{2})\b", lambda m: COUNTRIES.get(m[1], m[0]), value)


def _journal_series(value: str) -> str:
    """A journal's series: 'new series'; '3' → '3rd series'."""
    return f"{_ordinal(value)} series" if value.isdigit() else SERIES_WORDS.get(value.lower(), value)


def accessed(value: str) -> str:
    """'2020-11-30' → '30 November 2020'; any other form as written."""
    found = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:T.*)?", value)
    if not found or not 1 <= int(found[2]) <= 12:
        return value
    month = "January February March April May June July August September October November December".split()
    return f"{int(found[3])} {month[int(found[2]) - 1]} {found[1]}"


def type_words(reference: Reference) -> str:
    """A report's or thesis's type in words, with its number: 'Technical report 99-02'."""
    kind, get = reference.type, reference.get
    words = TYPE_WORDS.get(get("type").lower().replace(" ", ""), get("type")) or DEFAULT_TYPES.get(kind, "")
    number = get("number") if kind in REPORTS or kind == "patent" or (not get("series") and kind not in PARTS) else ""
    if kind in ARTICLES or kind == "periodical":
        return ""
    return _joined(words or ("Report" if number and kind in REPORTS else ""), number, separator=" ")


def _emphasis(value: str) -> Markup:
    return Markup("<em>%s</em>") % text(value) if value else Markup("")


def tooltip(html: Markup) -> Markup:
    """A citation's hover text: a reference (formatted with at most TOOLTIP_NAMES names) as
    plain text cut at TOOLTIP_LENGTH characters, escaped for an attribute."""
    words = html.striptags()
    if len(words) > TOOLTIP_LENGTH:
        words = words[: TOOLTIP_LENGTH - 1].rsplit(" ", 1)[0] + "…"
    return attribute(words)


def format_reference(reference: Reference, label: Label, name_limit: int = MAX_NAMES) -> Markup:
    """The full reference in the house Harvard style, as HTML safe to place in Markdown."""
    get, kind = reference.get, reference.type
    part = kind in PARTS and bool(get("booktitle") or get("maintitle") or reference.editors and reference.authors)
    plain_title = kind in ARTICLES or part or kind == "unpublished"
    title = full_title(reference)
    detail = type_words(reference)
    title_html = text(title) if plain_title else _emphasis(title)
    if detail and title_html:
        title_html += text(f" ({detail})")
    elif detail:
        title_html = text(detail)

    sentences: list[Markup] = []
    if reference.authors:
        head = text(names(reference.authors, reference.et_al, name_limit))
    elif reference.editors:
        head = text(_editors(reference.editors, name_limit) if not reference.et_al
                    else names(reference.editors, True, name_limit) + " (eds)")
    else:  # no creator: the title leads
        head, title_html = title_html or text(reference.key), Markup("")
    sentences.append(head + text(f" ({label.year})."))
    if title_html:
        sentences.append(_sentence(title_html))

    page_text = pages(get("pages"), kind) or get("eid")
    if kind in ARTICLES:
        volume = get("volume") + (f"({get('number')})" if get("number") and get("volume") else "")
        number = f"no. {get('number')}" if get("number") and not get("volume") else ""
        bits = [_emphasis(full_title(reference, "journal"))] if get("journal") else []
        bits += [text(bit) for bit in (_journal_series(get("series")), volume, number, get("issue"), page_text) if bit]
        if bits:
            sentences.append(_sentence(Markup(", ").join(bits)))
        page_text = ""
    elif part:
        container = full_title(reference, "book") or full_title(reference, "main") or get("eventtitle")
        editors = _editors(reference.editors) if reference.authors else ""
        inside = [text(editors)] if editors else []
        inside += [_emphasis(container)] if container else []
        if inside:
            sentences.append(_sentence(Markup("In: ") + Markup(" ").join(inside)))
    elif reference.editors and reference.authors:
        sentences.append(_sentence(text(f"Edited by {names(reference.editors, natural=True)}")))
    if reference.translators:
        sentences.append(_sentence(text(f"Translated by {names(reference.translators, natural=True)}")))
    if get("edition"):
        sentences.append(_sentence(text(edition(get("edition")))))
    if kind == "periodical":  # a whole issue: its volume and number, and the issue's own title
        issue = get("volume") + (f"({get('number')})" if get("number") and get("volume") else "")
        issue = _joined(issue, _titled(get("issuetitle"), get("issuesubtitle")))
        if issue:
            sentences.append(_sentence(text(issue)))
    elif get("volume") and kind not in ARTICLES and not get("series"):
        sentences.append(_sentence(text(f"Vol. {get('volume')}")))
    if get("series") and kind not in ARTICLES:
        number = get("volume") or (get("number") if kind not in REPORTS else "")
        sentences.append(_sentence(text(_joined(get("series"), number))))
    if get("chapter"):
        sentences.append(_sentence(text(f"Chapter {get('chapter')}")))
    if kind not in ARTICLES and not part and get("journal"):  # a website's or magazine's name
        sentences.append(_sentence(_emphasis(full_title(reference, "journal"))))
    for name in ("howpublished", "eventtitle", "venue") if not part else ("venue",):
        if get(name) and get(name) not in (get("publisher"), get("organization")):
            sentences.append(_sentence(text(get(name))))
    publisher = get("publisher") or get("institution") or get("school") or get("organization")
    place = _joined(_place(get("address")), publisher, separator=": ") if kind not in ARTICLES else ""
    note = f"({get('note')})" if get("note") and kind == "unpublished" else ""
    tail = _joined(_joined(place, note, separator=" "), page_text)
    if tail:
        sentences.append(_sentence(text(tail)))
    if get("note") and not note:
        sentences.append(_sentence(text(get("note"))))
    sentences += _links(reference)
    # The same name twice in a row (a website's name given as its publisher too) is said once.
    return Markup(" ").join(s for i, s in enumerate(sentences) if i == 0 or s.striptags() != sentences[i - 1].striptags())


def format_entry(key: str, references: dict[str, Reference], labels: dict[str, Label],
                 name_limit: int = MAX_NAMES) -> Markup:
    """One entry in the house style; an @set as its members' references in turn."""
    reference = references[key]
    members = [m for m in reference.members if m in references and not references[m].members]
    if members:
        return Markup(" ").join(format_reference(references[m], labels[m], name_limit) for m in members)
    return format_reference(reference, labels[key], name_limit)


def _links(reference: Reference) -> list[Markup]:
    """The eprint id, then the DOI, or else the web address, each as a link."""
    get, found = reference.get, []
    eprint_type = get("eprinttype").lower()
    if get("eprint"):
        name, page = EPRINT_PAGES.get(eprint_type, (get("eprinttype") or "eprint", ""))
        shown = text(_joined(get("eprint"), f"[{get('eprintclass')}]" if get("eprintclass") else "", separator=" "))
        address = url(page.format(get("eprint"))) if page else None
        link = Markup('<a class="url" href="%s">%s</a>') % (address, shown) if address else shown
        found.append(_sentence(Markup("%s: %s") % (text(name), link)))
    doi = bare_doi(get("doi"))
    if doi:
        found.append(Markup('doi: <a class="url" href="%s">%s</a>.') % (url(doi_url(doi)), text(doi)))
    elif get("url"):
        when = f" (Accessed: {accessed(get('urldate'))})" if get("urldate") else ""
        # Only web addresses become links (the bibliography stage drops other schemes).
        address = url(get("url"))
        shown = Markup('<a class="url" href="%s">%s</a>') % (address, text(get("url"))) if address else text(get("url"))
        found.append(_sentence(Markup("Available at: %s%s") % (shown, text(when))))
    return found


def print_notes(reference: Reference) -> list[str]:
    """What will look wrong in print about an entry the site cites, each with its fix."""
    get, kind, notes = reference.get, reference.type, []
    if not get("year"):
        notes.append("has no year or date, so it is shown as (n.d.): add year = {…} if the work has one")
    if not reference.creators:
        notes.append("has no author or editor, so it is listed and cited by its title: add author = {…} "
                     "(an organisation's name in double braces, author = {{Local Trust}}) if it has one")
    if not get("title") and not reference.members:
        notes.append("has no title: add title = {…}")
    if kind in ARTICLES and not get("journal"):
        notes.append("is an article with no journal: add journal = {…}")
    elif kind in PARTS and not (get("booktitle") or get("maintitle")):
        notes.append(f"is a part of a book ({kind}) with no booktitle: add booktitle = {{…}}")
    elif kind in REPORTS and not get("institution") and not get("publisher"):
        notes.append("is a report with no institution: add institution = {…}")
    elif kind in THESES and not get("school") and not get("institution"):
        notes.append("is a thesis with no school: add school = {…}")
    elif kind in ("book", "collection", "proceedings") and not (get("publisher") or get("organization")):
        notes.append(f"is a {kind} with no publisher: add publisher = {{…}}")
    elif kind in ("online", "misc", "electronic", "www") and not (get("url") or get("doi") or get("howpublished")
                                                                   or get("publisher") or get("organization")):
        notes.append("says neither where it was published nor its address: add url = {…} or howpublished = {…}")
    return notes
