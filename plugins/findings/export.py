"""Export stage: the findings as open data (JSON and CSV) and as an Atom feed of new and updated
findings, and the sources as BibTeX, RIS and CSL-JSON, whole and one file per source, for
reference managers."""

from __future__ import annotations

import csv
import io
import json
from typing import NamedTuple

import bibtexparser
from bibtexparser.entrypoint import default_unparse_stack
from bibtexparser.model import Entry, Field

from .bibliography import Reference
from .csl import csl_data
from .datafiles import FEED_PATH, downloads, encoded, table_columns
from .models import slugify
from .names import Person
from .pipeline import KnowledgeBase
from .paths import finding_path, page_url
from .render import Site, lead_text, markup_template
from .validate import FindingRecord

# A cell starting with one of these is read by a spreadsheet as a formula (OWASP: CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: one that would start a formula gets a leading '."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def finding_data(record: FindingRecord, kb: KnowledgeBase, site: Site) -> dict:
    """A published finding as plain data; URLs absolute when the site URL is known."""
    base = site.url.rstrip("/") + "/" if site.url else ""
    finding = record.finding
    strength = kb.strength[record.id]
    return {
        "id": record.id,
        "title": finding.title,
        "theme": finding.theme,
        "theme_title": kb.theme_by_id[finding.theme].title,
        "summary": finding.summary,
        **{facet.field: facet.values_of(finding) if facet.multiple else getattr(finding, facet.field)
           for facet in kb.facets},
        "tags": list(finding.tags),
        "citations": [{"key": c.key, "locator": c.locator, "label": kb.labels[c.key].parenthetical,
                       "reference": kb.reference_text[c.key]} for c in finding.citations],
        "statistics": [s.model_dump() for s in finding.statistics],
        "strength": {"id": strength.id, "label": strength.label, "level": strength.level,
                     "levels": strength.levels, "rated": strength.rated, "sources": strength.sources,
                     "authors": strength.authors, "latest": strength.latest},
        "related": list(finding.related),
        "added": record.published_on.isoformat() if record.published_on else None,
        "reviewed": record.reviewed_on.isoformat() if record.reviewed_on else None,
        "url": base + page_url(finding_path(record.id), site.directory_urls),
    }


def _finding_lines(record: FindingRecord, kb: KnowledgeBase, site: Site) -> tuple[bytes, bytes]:
    """A finding's line in findings.json and its row in findings.csv."""
    row = finding_data(record, kb, site)
    facets = ["; ".join(row[f.field]) if f.multiple else row[f.field] or "" for f in kb.facets]
    return json_line(row).encode("utf-8"), _csv_rows([[_csv_cell(cell) for cell in [
        row["id"], row["title"], row["theme"], *facets, "; ".join(row["tags"]),
        "; ".join(c["key"] + (f" ({c['locator']})" if c["locator"] else "") for c in row["citations"]),
        "; ".join(map(_statistic_cell, row["statistics"])), row["strength"]["label"], row["url"]]]])


def _csv_rows(rows: list[list[str]]) -> bytes:
    table = io.StringIO()
    csv.writer(table, lineterminator="\n").writerows(rows)
    return encoded(table.getvalue())


def _statistic_cell(statistic: dict) -> str:
    """'64 per cent: partnership members who … (n = 1,234, 2020) (localtrust2020survey)'."""
    counted = ", ".join(filter(None, [f"n = {statistic['n']:,}" if statistic["n"] else "",
                                      str(statistic["year"] or "")]))
    return (f"{statistic['value']} {statistic['unit']}: {statistic['measure']}" + (f" ({counted})" if counted else "")
            + f" ({statistic['source']})")


def export_files(kb: KnowledgeBase, site: Site) -> dict[str, bytes]:
    """Data files for the site: path → content, as UTF-8 (findings.json is tens of megabytes at
    thousands of findings: as bytes it is half the size of the text, and is written as it is).
    Each finding's line and row, and each source's files, are made once and kept while serving
    (reuse.py) until what they show changes."""
    lines = [kb.memo.get("finding data", (kb.record_versions.get(record.id), kb.settings_version, site),
                         lambda: _finding_lines(record, kb, site)) for record in kb.findings]
    # Each source is written once; the whole lists join those (as writing them whole would).
    sources = {key: kb.memo.get("source data", kb.reference_versions.get(key), lambda: _source_files(reference, kb))
               for key, reference in kb.references.items()}
    files = {
        "data/findings.json": _json_array([line for line, _ in lines]),
        "data/findings.csv": b"".join([_csv_rows([[name for name, _ in table_columns(kb.facets)]]),
                                       *(row for _, row in lines)]),
        "data/bibliography.bib": b"\n\n".join(made.bib for made in sources.values()),
        "data/bibliography.ris": b"\n".join(made.ris for made in sources.values()),
        "data/bibliography.json": _json_array([made.csl for made in sources.values()]),
    }
    files["data/datapackage.json"] = encoded(json.dumps(data_package(kb, site, files), ensure_ascii=False, indent=2) + "\n")
    atom = feed(kb, site)
    if atom is not None:
        files[FEED_PATH] = encoded(atom)
    for key, reference in kb.references.items():
        made = sources[key]
        files[f"sources/{reference.slug}.bib"] = made.bib
        files[f"sources/{reference.slug}.ris"] = made.ris
        files[f"sources/{reference.slug}.json"] = made.csl_file
    return files


class _SourceFiles(NamedTuple):
    """One source's files, and its item in bibliography.json."""

    bib: bytes
    ris: bytes
    csl: bytes
    csl_file: bytes  # its own CSL-JSON file: an array of that one item


def _source_files(reference: Reference, kb: KnowledgeBase) -> _SourceFiles:
    csl = encoded(json.dumps(csl_item(reference, kb), ensure_ascii=False))
    return _SourceFiles(encoded(to_bibtex([reference])), encoded(to_ris([reference])), csl, _json_array([csl]))


def data_package(kb: KnowledgeBase, site: Site, files: dict[str, bytes]) -> dict:
    """A Frictionless Data Package describing the data files and their licence, so the terms
    travel with the data (a JSON array or a CSV file has nowhere of its own to say them)."""
    licence, name, address = site.licence
    package: dict = {"profile": "data-package", "name": slugify(site.name),
                     "title": site.name, "homepage": site.url or None,
                     "licenses": [{"name": licence, "title": name, "path": address}] if licence else [],
                     "contributors": [{"title": site.author, "role": "publisher"}] if site.author else [],
                     "resources": []}
    for download in downloads(kb.facets, feed=bool(site.url)):
        if not download.resource:
            continue
        resource = {"name": download.resource, "path": download.path.removeprefix("data/"), "title": download.title,
                    "format": download.format.lower(), "mediatype": download.media_type,
                    "bytes": len(files[download.path])}
        if download.media_type == "text/csv":  # a table: its columns, as a Table Schema
            resource["schema"] = {"fields": [{"name": name, "type": "string", "description": about}
                                             for name, about in download.fields]}
        package["resources"].append(resource)
    return {key: value for key, value in package.items() if value is not None}


FEED_LENGTH = 50  # the newest findings the feed lists


def feed(kb: KnowledgeBase, site: Site) -> str | None:
    """The Atom feed of new and updated findings, newest first by ``FindingRecord.last_updated``; a
    finding without a date is left out, as it has no place in that order. None when the site's
    URL is not known: an Atom feed's ids and links are absolute addresses."""
    if not site.url:
        return None
    base = site.url.rstrip("/") + "/"
    dated = sorted((record for record in kb.findings if record.last_updated), key=lambda record: record.id)
    dated.sort(key=lambda record: record.last_updated, reverse=True)
    def entry(record: FindingRecord) -> dict:
        return {"title": record.finding.title,
                "url": base + page_url(finding_path(record.id), site.directory_urls),
                "published": _atom_date(record.published_on) if record.published_on else None,
                "updated": _atom_date(record.last_updated),
                "theme": kb.theme_by_id[record.finding.theme],
                "summary": lead_text(kb, record.finding.summary)}
    entries = [kb.memo.get("feed entry", (kb.record_versions.get(record.id), kb.settings_version, base,
                                          site.directory_urls), lambda: entry(record))
               for record in dated[:FEED_LENGTH]]
    # A feed must say when it last changed: with no dated finding yet, the start of Unix time.
    updated = entries[0]["updated"] if entries else "1970-01-01T00:00:00Z"
    return markup_template("feed.xml.j2").render(site=site, base=base, path=FEED_PATH, updated=updated,
                                                   entries=entries)


def _atom_date(day) -> str:
    """A date as Atom writes a moment (RFC 3339): the start of the day, UTC."""
    return f"{day.isoformat()}T00:00:00Z"


def _bibtex_name(person: Person) -> str:
    if person.corporate:
        return "{" + person.family + "}"
    return ", ".join(filter(None, [f"{person.von} {person.family}".strip(), person.suffix, person.given]))


def to_bibtex(references: list[Reference]) -> str:
    """BibTeX with Unicode text (as Zotero and JabRef read it), written by bibtexparser."""
    library = bibtexparser.Library()
    for reference in references:
        fields = []
        for role, people in reference.name_roles:
            if people:
                names = [_bibtex_name(p) for p in people] + (["others"] if reference.et_al and role == "author" else [])
                fields.append(Field(role, " and ".join(names)))
        fields += [Field(name, value) for name, value in reference.fields.items() if name != "crossref"]
        library.add(Entry(reference.type, reference.key, fields))
    # The library is made here and thrown away, so the writer may change it rather than copy it.
    return bibtexparser.write_string(library, unparse_stack=default_unparse_stack(allow_inplace_modification=True))


RIS_TYPES = {"article": "JOUR", "book": "BOOK", "incollection": "CHAP", "inbook": "CHAP",
             "inproceedings": "CPAPER", "conference": "CPAPER", "report": "RPRT", "techreport": "RPRT",
             "phdthesis": "THES", "mastersthesis": "THES", "thesis": "THES", "unpublished": "UNPB",
             "online": "ELEC", "misc": "GEN"}
RIS_FIELDS = (("title", "TI"), ("journal", "JO"), ("booktitle", "T2"), ("volume", "VL"), ("number", "IS"),
              ("publisher", "PB"), ("institution", "PB"), ("school", "PB"), ("address", "CY"),
              ("doi", "DO"), ("url", "UR"), ("abstract", "AB"), ("note", "N1"), ("edition", "ET"))


def to_ris(references: list[Reference]) -> str:
    lines = []
    for reference in references:
        lines.append(f"TY  - {RIS_TYPES.get(reference.type, 'GEN')}")
        lines.append(f"ID  - {reference.key}")
        lines += [f"AU  - {_ris_name(p)}" for p in reference.authors]
        lines += [f"ED  - {_ris_name(p)}" for p in reference.editors]
        lines += [f"A4  - {_ris_name(p)}" for p in reference.translators]
        if reference.get("year"):
            lines.append(f"PY  - {reference.get('year')}")
        lines += [f"{tag}  - {reference.get(name)}" for name, tag in RIS_FIELDS if reference.get(name)]
        pages = reference.get("pages").replace("\u2013", "-")
        if "-" in pages:
            start, end = pages.split("-", 1)
            lines += [f"SP  - {start.strip()}", f"EP  - {end.strip('- ')}"]
        elif pages:
            lines.append(f"SP  - {pages}")
        lines += [f"KW  - {word.strip()}" for word in reference.get("keywords").split(",") if word.strip()]
        lines += ["ER  - ", ""]
    return "\n".join(lines)


def _ris_name(person: Person) -> str:
    return person.family if person.corporate else ", ".join(filter(None, [person.surname, person.given, person.suffix]))


def csl_item(reference: Reference, kb: KnowledgeBase) -> dict:
    """One reference as CSL-JSON, the format Zotero and citeproc read, with its label here."""
    return csl_data(reference) | {"citation-label": kb.labels[reference.key].parenthetical}


def json_line(item: dict) -> str:
    """One item of a JSON array written a line per item (quick to write, and a diff shows the
    items changed). Strict JSON: a NaN or infinity (which validation refuses) raises rather than
    being written."""
    return json.dumps(item, ensure_ascii=False, allow_nan=False)


def _json_array(items: list[bytes]) -> bytes:
    """Items of JSON, one a line, as an array: joined in one copy."""
    parts = [b"[\n"]
    for item in items:
        parts += (item, b",\n")
    parts[-1:] = [b"\n]\n"] if items else [b"[\n", b"\n]\n"]
    return b"".join(parts)
