"""Weigh stage: how strong the evidence behind each finding is, judged from its records alone
(how many distinct sources, by how many different authors, of what kinds, how recent), or as
the research team rated it on the scale the site declares. The rules are written out for
readers on the strength-of-evidence page (``strength.md.j2``), from the same constants."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .bibliography import Reference
from .models import Facet, StrengthLevel, StrengthSettings
from .validate import FindingRecord

# The judged scale, weakest first; ``judge`` says what each step takes.
JUDGED = (
    StrengthLevel(id="limited", label="Limited", description="one source"),
    StrengthLevel(id="moderate", label="Moderate", description="two or more distinct sources"),
    StrengthLevel(id="strong", label="Strong", description=(
        "three or more distinct sources, by at least two different authors or organisations")),
)
STRONG_SOURCES = 3
STRONG_AUTHORS = 2


@dataclass(frozen=True)
class Strength:
    id: str  # the step of the scale
    label: str
    level: int  # 1 (weakest) … levels
    levels: int
    rated: bool  # the research team's rating, rather than judged from the records
    sources: int  # distinct sources, the statistics' sources included
    authors: int  # distinct first authors (or organisations) among them
    kinds: tuple[str, ...]  # labels of the kinds of evidence the finding names
    latest: str  # the most recent year among its sources ('' if none gives a year)

    @property
    def basis(self) -> str:
        """What the strength rests on, as a reader reads it: '1 source (Survey), from 2020'; '3
        sources by 2 authors, the most recent from 2020'."""
        words = f"{self.sources} source{'s' if self.sources != 1 else ''}"
        if self.sources > 1:
            words += f" by {self.authors} author{'s' if self.authors != 1 else ''}"
        if self.kinds:
            words += f" ({', '.join(self.kinds)})"
        if self.latest:
            words += f", {'the most recent ' if self.sources > 1 else ''}from {self.latest}"
        return words


def weigh(record: FindingRecord, references: dict[str, Reference], settings: StrengthSettings,
          kinds: Facet | None) -> Strength:
    finding = record.finding
    keys = {c.key for c in finding.citations} | {s.source for s in finding.statistics}
    cited = [references[key] for key in sorted(keys) if key in references]
    authors = {_first_creator(reference) for reference in cited}
    years = [int(found[0]) for reference in cited if (found := re.search(r"\d{4}", reference.get("year")))]
    kind_labels = tuple(kinds.labels_of(finding)) if kinds else ()
    rating = getattr(finding, "strength", None)
    if rating:
        scale = settings.scale
        level = next(i for i, step in enumerate(scale, 1) if step.id == rating)
    else:
        scale = list(JUDGED)
        level = 1 if len(keys) < 2 else 3 if len(keys) >= STRONG_SOURCES and len(authors) >= STRONG_AUTHORS else 2
    step = scale[level - 1]
    return Strength(step.id, step.label, level, len(scale), bool(rating), len(keys), len(authors), kind_labels,
                    str(max(years)) if years else "")


def _first_creator(reference: Reference) -> str:
    """Who a source is by, for counting independent sources: its first author's (or editor's)
    family name, else its title."""
    creators = reference.creators
    return creators[0].family.casefold() if creators else reference.get("title").casefold()
