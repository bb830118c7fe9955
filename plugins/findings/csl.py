"""Resolve stage, part three: references and citation labels in a CSL style, the format of the
styles Zotero, Quarto and pandoc use (APA, Chicago, Harvard …), for a site whose ``style``
setting names a .csl file instead of the house style.

citeproc-py (the CSL processor for Python) renders them. Every reference the site lists is
registered in one bibliography; works it would cite alike get the site's year letters
(``_add_year_letters``), and corporate authors are passed as literal names, kept whole.
"""

from __future__ import annotations

import re
import warnings
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

import nh3
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from markupsafe import Markup

from .bibliography import Reference
from .style import Label, full_title, lettered_years, type_words

CSL_TYPES = {"article": "article-journal", "book": "book", "incollection": "chapter", "inbook": "chapter",
             "inproceedings": "paper-conference", "conference": "paper-conference", "report": "report",
             "techreport": "report", "phdthesis": "thesis", "mastersthesis": "thesis", "thesis": "thesis",
             "unpublished": "manuscript", "online": "webpage", "misc": "document", "collection": "book",
             "proceedings": "book", "inreference": "entry-encyclopedia", "periodical": "periodical",
             "patent": "patent", "software": "software", "dataset": "dataset", "manual": "report"}
CSL_FIELDS = (("journal", "container-title"), ("volume", "volume"), ("number", "issue"), ("pages", "page"),
              ("publisher", "publisher"), ("institution", "publisher"), ("school", "publisher"),
              ("organization", "publisher"), ("address", "publisher-place"), ("series", "collection-title"),
              ("edition", "edition"), ("eventtitle", "event-title"), ("doi", "DOI"), ("url", "URL"),
              ("abstract", "abstract"), ("note", "note"))
# The markup a CSL processor writes that a reference on a page may keep.
_MARKUP = {"i", "b", "em", "strong", "sup", "sub", "span"}
_YEAR_AT_END = re.compile(r"(?P<year>(?:\d{4}(?:[–-]\d{4})?|n\.d\.|forthcoming|in press)[a-z]{0,3})$", re.I)


def csl_data(reference: Reference) -> dict:
    """One reference as CSL-JSON, the format Zotero and citeproc read."""
    item: dict = {"id": reference.key, "type": CSL_TYPES.get(reference.type, "document"),
                  "title": full_title(reference)}
    for role, people in reference.name_roles:
        if people:
            item[role] = [{"literal": p.family} if p.corporate else
                          {k: v for k, v in (("family", p.family), ("given", p.given),
                                             ("non-dropping-particle", p.von), ("suffix", p.suffix)) if v}
                          for p in people]
    year = reference.get("year")[:4]
    if year.isdigit():
        item["issued"] = {"date-parts": [[int(year)]]}
    if reference.get("booktitle") or reference.get("maintitle"):
        item["container-title"] = full_title(reference, "book") or full_title(reference, "main")
    if type_words(reference):
        item["genre"] = type_words(reference)
    accessed = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2}).*", reference.get("urldate"))
    if accessed:
        item["accessed"] = {"date-parts": [[int(part) for part in accessed.groups()]]}
    for name, csl in CSL_FIELDS:
        if reference.get(name):
            item.setdefault(csl, reference.get(name))
    return item


class StyleError(Exception):
    """A style file the CSL processor cannot read."""


@dataclass
class Styled:
    """What a CSL style makes of the listed references: each one's HTML and citation label,
    and the order of the reference list."""
    html: dict[str, Markup]
    labels: dict[str, Label]
    order: list[str]


def load_style(path: Path) -> CitationStylesStyle:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return CitationStylesStyle(str(path), validate=False)
    except Exception as error:  # lxml and citeproc raise their own kinds on a file that is not CSL
        raise StyleError(str(error).splitlines()[0] if str(error) else type(error).__name__) from None


def apply_style(style: CitationStylesStyle, references: dict[str, Reference]) -> Styled:
    """Every reference in ``style``, registered together so that disambiguation is site-wide."""
    items = [csl_data(reference) for reference in references.values()]
    by_id = {key.lower(): key for key in references}  # citeproc-py reads ids in lower case
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.html)
    citations = {key: Citation([CitationItem(key)]) for key in references}
    for citation in citations.values():
        bibliography.register(citation)
    bibliography.sort()
    order = [by_id.get(key.lower(), key) for key in bibliography.keys]
    html = {key: Markup(nh3.clean(str(entry), tags=_MARKUP, attributes={}))
            for key, entry in zip(order, bibliography.bibliography())}
    labels = {key: _label(bibliography.cite(citations[key], lambda item: None), references[key])
              for key in references}
    _add_year_letters(labels, html, references)
    return Styled(html, labels, order)


def _add_year_letters(labels: dict[str, Label], html: dict[str, Markup], references: dict[str, Reference]) -> None:
    """Works cited alike ('Local Trust, 2020' twice) get the site's year letters, as the house
    style gives them (a, b … in title order), in their labels and after the year in their
    references: the processor leaves them alike."""
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key, label in labels.items():
        groups[(label.authors, label.year)].append(key)
    for (_, year), keys in groups.items():
        if len(keys) < 2 or not year:
            continue
        group = [references[key] for key in keys]
        for key, lettered in lettered_years(group, year, {r.get("yearlabel") for r in group}).items():
            labels[key] = replace(labels[key], year=lettered)
            html[key] = Markup(re.sub(rf"\b{re.escape(year)}\b", lettered, str(html[key]), count=1))


def _label(cited: str, reference: Reference) -> Label:
    """A citation as the style writes it ('(McCabe et al., 2019)', '(McCabe 2019a)') split into
    the names and the year, so the site can write it in brackets or in the running text."""
    text = nh3.clean(str(cited), tags=set()).strip()
    text = text[1:-1] if text.startswith("(") and text.endswith(")") else text
    text = text.replace("&amp;", "&")
    found = _YEAR_AT_END.search(text)
    if not found or found.start() == 0:
        return Label(text or reference.key, "", "")
    names = text[:found.start()]
    separator = names[len(names.rstrip(", ")):]
    return Label(names.rstrip(", "), found["year"], separator or " ")
