"""The records a project is made of: findings, themes, open questions and the project settings.

These pydantic models are the single definition of each record: the loader validates with
them and the editor's JSON Schema is generated from them.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import Annotated, Any, Iterable, Literal

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, FiniteFloat, StringConstraints,
                      ValidationInfo, create_model, field_serializer, field_validator, model_validator)
from pydantic_core import PydanticCustomError

# Characters no text may hold: control characters (C0, DEL, C1; Markdown may hold tabs and
# newlines), the line and paragraph separators, and Unicode's noncharacters (U+FDD0-U+FDEF and
# the last two code points of every plane). Each pattern takes any character beyond U+FFFF and
# then looks back to keep only the noncharacters: a class listing those 32 is searched seven
# times slower, and summaries are most of the text a project holds.
_REFUSED = r"\x00-\x08\x0B-\x1F\x7F-\x9F\u2028\u2029\uFDD0-\uFDEF\uFFFE\uFFFF"
_ASTRAL_NONCHARACTERS = "".join(rf"\U{plane:04X}FFFE\U{plane:04X}FFFF" for plane in range(1, 17))
REFUSED_IN_TEXT = re.compile(rf"[{_REFUSED}\U00010000-\U0010FFFF](?<=[{_REFUSED}{_ASTRAL_NONCHARACTERS}])")
REFUSED_IN_ONE_LINE = re.compile(rf"[\t\n{_REFUSED}\U00010000-\U0010FFFF](?<=[\t\n{_REFUSED}{_ASTRAL_NONCHARACTERS}])")


def character_name(char: str) -> str:
    """'the control character U+007F', as messages name a refused character."""
    kind = {"\u2028": "line separator", "\u2029": "paragraph separator"}.get(char) or (
        "control character" if unicodedata.category(char) == "Cc" else "noncharacter")
    return f"the {kind} U+{ord(char):04X}"


def visible(value: object, limit: int = 80) -> str:
    """A value as a message quotes it: refused characters written as U+XXXX, cut after ``limit``."""
    text = REFUSED_IN_ONE_LINE.sub(lambda m: f"U+{ord(m[0]):04X}", str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _refuse(pattern: re.Pattern) -> AfterValidator:
    def check(text: str) -> str:
        found = pattern.search(text)
        if found:
            raise PydanticCustomError("refused_character", "holds {character}; remove it",
                                      {"character": character_name(found[0])})
        return text

    return AfterValidator(check)


ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), _refuse(REFUSED_IN_TEXT)]  # Markdown
OneLine = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, pattern=r"^[^\n]+$"),
                    _refuse(REFUSED_IN_ONE_LINE)]
Setting = Annotated[str, _refuse(REFUSED_IN_ONE_LINE)]


def _searchable(term: str) -> str:
    if not re.search(r"[^\W_]", term):
        raise ValueError(f"'{term}' holds no letter or digit, so no search can find it; write a word")
    return term


SearchTerm = Annotated[OneLine, AfterValidator(_searchable)]


ID_LENGTH = 60


def slugify(text: str) -> str:
    """An id from free text: 'Councils vary!' → 'councils-vary'; accents folded ('Café' →
    'cafe'), cut after a whole word at ID_LENGTH characters."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    words = re.findall(r"[a-z0-9]+", folded.lower())
    slug = ""
    for word in words:
        if slug and len(slug) + 1 + len(word) > ID_LENGTH:
            break
        slug = f"{slug}-{word}" if slug else word[:ID_LENGTH]
    return slug or "finding"


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Citation(Record):
    """A source behind a finding: a BibTeX key, optionally with a locator such as ``p. 12``."""

    key: OneLine
    locator: OneLine | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_key(cls, value: object) -> object:
        return {"key": value} if isinstance(value, str) else value

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema, handler):
        """In the editor's schema a citation may be a bare key too, as the validator accepts."""
        return {"anyOf": [{"type": "string", "description": "A BibTeX key."}, handler(core_schema)]}


class Statistic(Record):
    """A figure stated by a finding, e.g. 86 per cent of partnership members."""

    value: FiniteFloat
    unit: OneLine = Field(description="What the value counts, e.g. 'per cent' or 'partnerships'.")
    measure: OneLine = Field(description="What is measured, in words.")
    source: OneLine = Field(description="The BibTeX key of the source the figure comes from.")
    headline: bool = Field(default=False, description="Show this figure among the headline figures on the home page.")
    n: int | None = Field(default=None, ge=1, description="How many the figure is out of: the sample size, e.g. 1234.")
    population: OneLine | None = Field(default=None, description="Who or what was counted, e.g. 'partnership members'.")
    year: int | None = Field(default=None, ge=1000, le=9999, description="When the figure was measured, e.g. 2020.")

    @field_validator("n", mode="before")
    @classmethod
    def _count(cls, value: object) -> object:
        """A sample size may be written as people write it: 1,234 (YAML reads that as text)."""
        if isinstance(value, str) and re.fullmatch(r"\d{1,3}(,\d{3})+|\d+", value.strip()):
            return int(value.replace(",", ""))
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise PydanticCustomError("count", "{value} is not a count; write the sample size as a whole number, "
                                      "such as 1234 or 1,234", {"value": repr(value) if isinstance(value, str) else value})
        return value

    @field_validator("year", mode="before")
    @classmethod
    def _four_digits(cls, value: object) -> object:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 1000 <= value <= 9999):
            raise PydanticCustomError("year", "{value} is not a year; write it in four digits, such as 2020",
                                      {"value": repr(value) if isinstance(value, str) else value})
        return value

    @field_serializer("value")
    def _whole_as_int(self, value: float) -> int | float:
        return int(value) if value.is_integer() else value


class Finding(Record):
    """One claim with the evidence behind it; the file name (without .yml) is its id. A site's
    facets add a field each (``finding_model``)."""

    title: OneLine = Field(description="The claim, in one sentence.")
    theme: Id = Field(description="The id of the theme the finding belongs to.")
    summary: Text = Field(description="Markdown; may cite inline with [@key].")
    citations: list[Citation] = Field(
        min_length=1, description="BibTeX keys, or mappings {key, locator}, backing the claim."
    )
    statistics: list[Statistic] = []
    tags: list[Id] = []
    related: list[Id] = Field(default=[], description="Ids of related findings.")
    status: Literal["draft", "published"] = "published"
    added: datetime.date | None = Field(default=None, description=(
        "When the finding was first published (default: when its file was first committed)."))
    reviewed: datetime.date | None = Field(default=None, description=(
        "When the research team last reviewed the finding (default: when its file was last committed)."))


class Theme(Record):
    id: Id
    title: OneLine
    description: OneLine


class FacetValue(Record):
    id: Id
    label: OneLine


class Facet(Record):
    """A way of sorting findings besides their theme (kinds of public body, kinds of evidence,
    places, funders …), declared in mkdocs.yml. A finding gives its value(s) in the field named
    after the facet's id, hyphens as underscores (``public-bodies`` → ``public_bodies``)."""

    id: Id = Field(description="Names the facet's pages (/<id>/<value>/) and, with _ for -, the finding's field.")
    title: OneLine = Field(description="As finding pages label the values: 'Public bodies'.")
    short_title: OneLine = Field(default="", description="As theme pages label them (default: the title).")
    noun: OneLine = Field(description="What one value is, for headings: 'kind of public body'.")
    intro: OneLine = Field(description="The introduction of a value's page, {value} standing for the value's label.")
    multiple: bool = Field(default=False, description="Whether a finding may give more than one value.")
    values: list[FacetValue] = Field(min_length=1)

    @property
    def field(self) -> str:
        return self.id.replace("-", "_")

    @property
    def labels(self) -> dict[str, str]:
        return {value.id: value.label for value in self.values}

    def labels_of(self, finding: BaseModel) -> list[str]:
        return [self.labels[value] for value in self.values_of(finding)]

    def values_of(self, finding: BaseModel) -> list[str]:
        """The value ids a finding gives for this facet, as it lists them."""
        given = getattr(finding, self.field, None)
        return list(given) if isinstance(given, list) else [given] if given else []


class StrengthLevel(Record):
    """One step of the rating scale a research team declares for the strength of evidence."""

    id: Id
    label: OneLine
    description: OneLine = ""


class StrengthSettings(Record):
    kinds: Id | None = Field(default=None, description="The facet whose values are kinds of evidence, if any.")
    scale: list[StrengthLevel] = Field(default=[], description=(
        "A rating the research team may give each finding (strength: <id>), weakest first; without it the "
        "strength is judged from the sources alone."))

    @property
    def labels(self) -> dict[str, str]:
        return {level.id: level.label for level in self.scale}


def _repeated(ids: Iterable[str]) -> list[str]:
    """The ids given more than once."""
    seen = Counter(ids)
    return sorted(i for i, times in seen.items() if times > 1)


class EvidenceMap(Record):
    """A table counting findings: a row per theme (or per value of a facet), a column per value
    of a facet."""

    rows: Id = Field(default="themes", description="themes, or a facet's id.")
    columns: Id = Field(description="A facet's id.")


def finding_model(facets: tuple[Facet, ...], ratings: tuple[str, ...] = ()) -> type[Finding]:
    """The record model of a site's findings: Finding with a field per facet, which takes one
    of the facet's value ids (or a list of them when ``multiple``), and ``strength`` when the site
    declares a rating scale (``ratings``, its ids). Made once per set of facets and ratings."""
    return _finding_model(tuple(facet.model_dump_json(exclude_defaults=True) for facet in facets), ratings)


@lru_cache(maxsize=16)
def _finding_model(declared: tuple[str, ...], ratings: tuple[str, ...]) -> type[Finding]:
    facets = [Facet.model_validate_json(text) for text in declared]
    fields: dict[str, Any] = {}
    if ratings:
        fields["strength"] = (Literal[ratings] | None, Field(default=None, description=(  # type: ignore[valid-type]
            "The research team's rating of the strength of evidence: " + ", ".join(ratings))))
    for facet in facets:
        choice = Literal[tuple(facet.labels)]  # type: ignore[valid-type]
        description = f"{facet.title}: " + ", ".join(f"{v.id} ({v.label})" for v in facet.values)
        fields[facet.field] = (list[choice], Field(default=[], description=description)) if facet.multiple else (
            choice | None, Field(default=None, description=description))
    return create_model("Finding", __base__=Finding, __doc__=Finding.__doc__, **fields)


def finding_json_schema(theme_ids: list[str], facets: tuple[Facet, ...] = (), ratings: tuple[str, ...] = ()) -> dict:
    """The JSON Schema editors use for finding files, with the project's theme ids, facet
    values and ratings to pick from."""
    schema = finding_model(facets, ratings).model_json_schema()
    schema["title"] = "Finding"
    schema["properties"]["theme"]["enum"] = list(theme_ids)
    return schema


class Question(Record):
    """An open question the research team wants answered, with what it follows from."""

    id: Id
    question: OneLine
    sub_questions: list[OneLine] = []
    themes: list[Id] = []
    findings: list[Id] = []


# Licences a site may name by their SPDX id alone: the name and the address readers follow.
LICENCES = {
    "CC-BY-4.0": ("Creative Commons Attribution 4.0 International", "https://creativecommons.org/licenses/by/4.0/"),
    "CC-BY-SA-4.0": ("Creative Commons Attribution-ShareAlike 4.0 International",
                     "https://creativecommons.org/licenses/by-sa/4.0/"),
    "CC0-1.0": ("Creative Commons Zero 1.0 Universal", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "OGL-UK-3.0": ("Open Government Licence v3.0",
                   "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"),
    "ODbL-1.0": ("Open Data Commons Open Database License 1.0", "https://opendatacommons.org/licenses/odbl/1-0/"),
}


class Settings(Record):
    """Where a project's records live (paths relative to the project root) and its themes."""

    findings: Setting = "findings"
    bibliography: Setting = "bibliography.bib"
    questions: Setting = "questions.yml"
    author: Setting = Field(default="", description="Who the findings are credited to in 'Cite this finding'.")
    references: Literal["cited", "all"] = Field(default="cited", description=(
        "Which bibliography entries the site lists: those something cites, or all of them."))
    style: Setting = Field(default="house", description=(
        "How references and citations are written: house (the organisation's Harvard style), or the path of a "
        "CSL style file, such as apa.csl."))
    licence: Setting = Field(default="", description=(
        "The licence of the published findings and data: an SPDX id such as CC-BY-4.0, or a name with licence_url."))
    licence_url: Setting = Field(default="", validate_default=True, description="Where readers find the licence's terms.")
    themes: list[Theme] = Field(min_length=1)
    facets: list[Facet] = Field(default=[], description="Ways of sorting findings besides their theme.")
    evidence_maps: list[EvidenceMap] = Field(default=[], description=(
        "The evidence maps: rows (themes, or a facet) by columns (a facet). Default: themes by the first facet "
        "allowing several values."))
    strength: StrengthSettings = Field(default=StrengthSettings(), description=(
        "How the strength of evidence is shown: the facet of kinds of evidence, and an optional rating scale."))
    history: bool = Field(default=True, description=(
        "Date findings that give no added or reviewed date from their files' git history."))
    synonyms: dict[SearchTerm, list[SearchTerm]] = Field(default={}, description=(
        "Other names search finds a term by, each way: 'NDC: New Deal for Communities', or a term and a list of "
        "names."))

    @field_validator("synonyms", mode="before")
    @classmethod
    def _names_as_lists(cls, synonyms: object) -> object:
        if not isinstance(synonyms, dict):
            return synonyms
        for term, names in synonyms.items():
            if names is None or names == []:
                raise ValueError(f"'{term}' is given no other name; write {term}: <its other name>, or remove it")
        return {term: names if isinstance(names, list) else [names] for term, names in synonyms.items()}

    @field_validator("synonyms")
    @classmethod
    def _each_name_once(cls, synonyms: dict[str, list[str]]) -> dict[str, list[str]]:
        seen: dict[str, str] = {}
        for name in (name for term, names in synonyms.items() for name in (term, *names)):
            folded = " ".join(name.casefold().split())
            if folded in seen:
                raise ValueError(f"'{name}' is given more than once (also as '{seen[folded]}'); give each name once, "
                                 "with all the names of one thing under one term")
            seen[folded] = name
        return synonyms

    @property
    def synonym_groups(self) -> list[tuple[str, ...]]:
        """Each term with its other names: the names search treats as one."""
        return [(term, *names) for term, names in self.synonyms.items()]

    @field_validator("licence_url")
    @classmethod
    def _licence_terms(cls, url: str, info: ValidationInfo) -> str:
        licence = info.data.get("licence", "")
        if licence and licence not in LICENCES and not url:
            raise ValueError(f"licence '{licence}' is not one of {', '.join(LICENCES)}: give the address of its "
                             "terms as licence_url, or use one of those ids")
        if url and not re.match(r"https?://", url):
            raise ValueError(f"'{url}' is not a web address; give the address of the licence's terms, https://…")
        return url

    @property
    def licence_terms(self) -> tuple[str, str, str]:
        """(id, name, address) of the content's licence; empty when none is stated."""
        name, url = LICENCES.get(self.licence, (self.licence, ""))
        return self.licence, name, self.licence_url or url

    @field_validator("facets")
    @classmethod
    def _distinct_facets(cls, facets: list[Facet]) -> list[Facet]:
        repeated = _repeated(facet.id for facet in facets)
        if repeated:
            raise ValueError(f"facet id given more than once: {', '.join(repeated)}; give each facet its own id")
        taken = [facet.id for facet in facets if facet.field in Finding.model_fields or facet.field == "strength"]
        if taken:
            raise ValueError(f"facet id {', '.join(taken)} is the name of a finding's own field; choose another")
        for facet in facets:
            twice = _repeated(value.id for value in facet.values)
            if twice:
                raise ValueError(f"facet '{facet.id}' gives the value {', '.join(twice)} more than once")
        return facets

    @field_validator("evidence_maps")
    @classmethod
    def _map_axes(cls, maps: list[EvidenceMap], info: ValidationInfo) -> list[EvidenceMap]:
        facets = [facet.id for facet in info.data.get("facets") or []]
        for number, chosen in enumerate(maps, 1):
            for axis, value in (("rows", chosen.rows), ("columns", chosen.columns)):
                if value not in facets and not (axis == "rows" and value == "themes"):
                    raise ValueError(f"map {number}: {axis} '{value}' is not {'themes or ' if axis == 'rows' else ''}"
                                     f"a facet declared here; the facets are {', '.join(facets) or 'none'}")
            if chosen.rows == chosen.columns:
                raise ValueError(f"map {number}: rows and columns are both '{chosen.rows}'; choose two")
        return maps

    @property
    def maps(self) -> list[EvidenceMap]:
        """The evidence maps, the first at /evidence-map/."""
        several = [facet for facet in self.facets if facet.multiple]
        return self.evidence_maps or ([EvidenceMap(columns=several[0].id)] if several else [])

    @field_validator("strength")
    @classmethod
    def _strength_kinds(cls, strength: StrengthSettings, info: ValidationInfo) -> StrengthSettings:
        facets = [facet.id for facet in info.data.get("facets") or []]
        if strength.kinds and strength.kinds not in facets:
            raise ValueError(f"kinds '{strength.kinds}' is not a facet declared here; the facets are "
                             f"{', '.join(facets) or 'none'}")
        repeated = _repeated(level.id for level in strength.scale)
        if repeated:
            raise ValueError(f"the strength scale gives {', '.join(repeated)} more than once")
        return strength

    @property
    def ratings(self) -> tuple[str, ...]:
        return tuple(level.id for level in self.strength.scale)

    @property
    def finding_model(self) -> type[Finding]:
        return finding_model(tuple(self.facets), self.ratings)

    @field_validator("themes")
    @classmethod
    def _unique_ids(cls, themes: list[Theme]) -> list[Theme]:
        repeated = _repeated(theme.id for theme in themes)
        if repeated:
            raise PydanticCustomError("repeated_theme", "theme id given more than once: {ids}; "
                                      "give each theme its own id", {"ids": ", ".join(repeated)})
        return themes
