"""Every file a reader can download from the site, described once: the open-data page lists
them all (``<!-- findings:downloads -->``) and ``data/datapackage.json`` describes those in the
package. The export stage writes the files: findings.csv's header is ``table_columns``, and a
test checks that findings.json's fields are ``finding_fields``."""

from __future__ import annotations

from dataclasses import dataclass

from .models import Facet

FEED_PATH = "feed.xml"  # the Atom feed, written when the site's URL is known
SOURCE_FILES = "sources/<key-slug>"  # each source on its own, beside its page


@dataclass(frozen=True)
class Download:
    path: str  # in the site; SOURCE_FILES stands for every source's own file
    format: str
    title: str
    media_type: str
    resource: str = ""  # its name in datapackage.json; "" for a file outside the package
    fields: tuple[tuple[str, str], ...] = ()  # each field (or column) and what it holds

    @property
    def per_source(self) -> bool:
        return self.path.startswith(SOURCE_FILES)


def encoded(content: str | bytes) -> bytes:
    """A file's content as written: UTF-8."""
    return content if isinstance(content, bytes) else content.encode("utf-8")


def finding_fields(facets: list[Facet]) -> tuple[tuple[str, str], ...]:
    """The fields of each finding in findings.json, in order."""
    return (("id", "the finding's id: its file name and the last part of its page's address"),
            ("title", "the claim, in one sentence"),
            ("theme", "the id of its theme"),
            ("theme_title", "its theme's title"),
            ("summary", "the summary, in Markdown; [@key] cites a source"),
            *((facet.field, _facet_field(facet)) for facet in facets),
            ("tags", "a list of its tags"),
            ("citations", "a list of its sources, each with its BibTeX key, locator (or null), label and the "
                          "reference in full"),
            ("statistics", "a list of its figures, each with value, unit, measure, source (a BibTeX key), headline "
                           "(true for a headline figure), n (the sample size), population and year (or null)"),
            ("strength", "its strength of evidence: id, label, level (1 is the weakest) of levels, rated (true when "
                         "the research team rated it, false when judged from the record), sources, authors and "
                         "latest (the most recent year among its sources)"),
            ("related", "a list of the ids of related findings"),
            ("added", "when it was first published, YYYY-MM-DD (its own date, else its file's first commit), or null"),
            ("reviewed", "when it was last reviewed, YYYY-MM-DD (its own date, else its file's last commit), or null"),
            ("url", "the address of its page"))


def _facet_field(facet: Facet, several: str = "a list of value ids", none: str = "null") -> str:
    ids = ", ".join(value.id for value in facet.values)
    if facet.multiple:
        return f"{facet.title.lower()}: {several} ({ids})"
    return f"{facet.title.lower()}: a value id ({ids}), or {none}"


def table_columns(facets: list[Facet]) -> tuple[tuple[str, str], ...]:
    """The columns of findings.csv, in order: every cell is text, lists joined with "; "."""
    return (("id", "the finding's id"),
            ("title", "the claim"),
            ("theme", "the id of its theme"),
            *((facet.field, _facet_field(facet, "value ids", "empty")) for facet in facets),
            ("tags", "its tags"),
            ("citations", "the BibTeX key of each source, with its locator in brackets"),
            ("statistics", "each figure as value unit: measure (n = sample size, year) (source)"),
            ("strength", "its strength of evidence, in words"),
            ("url", "the address of its page"))


def downloads(facets: list[Facet], feed: bool) -> list[Download]:
    """Every download, as the open-data page lists them; ``feed`` when the site has one."""
    files = [
        Download("data/findings.json", "JSON", "Every published finding, one object each", "application/json",
                 "findings", finding_fields(facets)),
        Download("data/findings.csv", "CSV", "The findings as a table, one row each", "text/csv",
                 "findings-table", table_columns(facets)),
        Download("data/bibliography.bib", "BibTeX", "The sources the findings cite", "application/x-bibtex",
                 "bibliography-bibtex"),
        Download("data/bibliography.ris", "RIS", "The same sources", "application/x-research-info-systems",
                 "bibliography-ris"),
        Download("data/bibliography.json", "CSL-JSON", "The same sources, each with its citation label",
                 "application/vnd.citationstyles.csl+json", "bibliography-csl"),
        Download(f"{SOURCE_FILES}.bib", "BibTeX", "One source, linked from its page", "application/x-bibtex"),
        Download(f"{SOURCE_FILES}.ris", "RIS", "One source, linked from its page", "application/x-research-info-systems"),
        Download(f"{SOURCE_FILES}.json", "CSL-JSON", "One source, linked from its page",
                 "application/vnd.citationstyles.csl+json"),
        Download("data/datapackage.json", "JSON", "A Frictionless Data Package describing the files above in "
                 "data/ and their licence", "application/json"),
    ]
    if feed:
        files.append(Download(FEED_PATH, "Atom", "The newest findings, for a feed reader: each with its title, "
                              "link, dates, theme and first paragraph", "application/atom+xml"))
    return files
