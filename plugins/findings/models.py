"""The records a project is made of: findings, themes, open questions and the project settings.

These pydantic models are the single definition of each record: the loader validates with
them and the editor's JSON Schema is generated from them.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from enum import Enum
from typing import Annotated, Literal

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, FiniteFloat, StringConstraints, field_serializer,
                      ValidationInfo, field_validator, model_validator)
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


class PublicBody(str, Enum):
    """Kinds of public body a finding can concern."""

    local_authorities = "local-authorities"
    housing_associations = "housing-associations"
    education = "education"
    health = "health"
    police = "police"

    @property
    def label(self) -> str:
        return PUBLIC_BODY_LABELS[self]


PUBLIC_BODY_LABELS = {
    PublicBody.local_authorities: "Local authorities and councils",
    PublicBody.housing_associations: "Housing associations",
    PublicBody.education: "Schools, colleges and universities",
    PublicBody.health: "Health agencies",
    PublicBody.police: "Police",
}


class EvidenceKind(str, Enum):
    """The kind of evidence a finding rests on."""

    survey = "survey"
    qualitative = "qualitative"
    evaluation = "evaluation"
    internal_data = "internal-data"
    literature = "literature"

    @property
    def label(self) -> str:
        return EVIDENCE_LABELS[self]


EVIDENCE_LABELS = {
    EvidenceKind.survey: "Survey",
    EvidenceKind.qualitative: "Qualitative research",
    EvidenceKind.evaluation: "Programme evaluation",
    EvidenceKind.internal_data: "Internal data",
    EvidenceKind.literature: "Literature",
}


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

    @field_serializer("value")
    def _whole_as_int(self, value: float) -> int | float:
        return int(value) if value.is_integer() else value


class Finding(Record):
    """One claim with the evidence behind it; the file name (without .yml) is its id."""

    title: OneLine = Field(description="The claim, in one sentence.")
    theme: Id = Field(description="The id of the theme the finding belongs to.")
    summary: Text = Field(description="Markdown; may cite inline with [@key].")
    citations: list[Citation] = Field(
        min_length=1, description="BibTeX keys, or mappings {key, locator}, backing the claim."
    )
    evidence: EvidenceKind | None = None
    public_bodies: list[PublicBody] = []
    statistics: list[Statistic] = []
    tags: list[Id] = []
    related: list[Id] = Field(default=[], description="Ids of related findings.")
    status: Literal["draft", "published"] = "published"
    added: datetime.date | None = Field(default=None, description="When the finding was added.")


def finding_json_schema(theme_ids: list[str]) -> dict:
    """The JSON Schema editors use for finding files, with the project's theme ids to pick from."""
    schema = Finding.model_json_schema()
    schema["title"] = "Finding"
    schema["properties"]["theme"]["enum"] = list(theme_ids)
    return schema


class Theme(Record):
    id: Id
    title: OneLine
    description: OneLine


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
    licence: Setting = Field(default="", description=(
        "The licence of the published findings and data: an SPDX id such as CC-BY-4.0, or a name with licence_url."))
    licence_url: Setting = Field(default="", validate_default=True, description="Where readers find the licence's terms.")
    themes: list[Theme] = Field(min_length=1)

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

    @field_validator("themes")
    @classmethod
    def _unique_ids(cls, themes: list[Theme]) -> list[Theme]:
        ids = [theme.id for theme in themes]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise PydanticCustomError("repeated_theme", "theme id given more than once: {ids}; "
                                      "give each theme its own id", {"ids": ", ".join(repeated)})
        return themes
