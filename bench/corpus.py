"""Deterministic synthetic projects: a findings site of any size, and plain MkDocs sites to
compare it with. Everything is drawn from ``random.Random(seed)``, so the same
options give byte-identical files."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from findings.datafiles import encoded

THEMES = [
    ("power-dynamics", "Power dynamics"),
    ("bureaucracy-culture-resources", "Public sector bureaucracy, culture and resources"),
    ("hyperlocal-and-strategic", "Being hyperlocal and strategic"),
    ("mutual-benefits", "What partnerships and public bodies gain"),
    ("working-relationships", "Who partnerships work with and how"),
    ("relationship-quality", "Quality of relationships"),
    ("place-based-lessons", "Lessons from other place-based programmes"),
    ("covid-19", "COVID-19"),
    ("community-power", "Communities and the public sector"),
    ("assets-and-funding", "Assets, money and long-term funding"),
]

# Settings shared by every site, as in the repository's mkdocs.yml.
COMMON_YML = """\
site_url: https://example.org/findings/
copyright: Synthetic benchmark project

theme:
  name: material
  language: en
  features:
    - navigation.sections
    - navigation.top
    - content.tooltips
    - search.suggest
  palette:
    primary: indigo
    accent: indigo

extra_css:
  - stylesheets/site.css

markdown_extensions:
  - attr_list
  - md_in_html
  - admonition
  - toc:
      permalink: true
  - pymdownx.snippets:
      base_path: !relative $config_dir
      check_paths: true

plugins:
  - search:
      fields:
        tags: {boost: 1000}
  - tags
"""

# Pages reached from other pages rather than the navigation, as the plugin publishes them (the
# findings' pages are at /<id>/, and every synthetic id ends in a number).
NOT_IN_NAV = """
not_in_nav: |
  /*[0-9].md
  /findings/
  /sources/
  /method/
  /groups/
  /themes/index.md
  /browse.md
  /evidence-map.md
  /strength-of-evidence.md
"""

NAV = ["  - Home: index.md", "  - Themes:"] + [f"      - themes/{tid}.md" for tid, _ in THEMES] + [
    "  - Bibliography: bibliography.md", "  - Open questions: questions.md", "  - Tags: tags.md"]
NAV_PAGES = ["index.md", *(f"themes/{tid}.md" for tid, _ in THEMES), "bibliography.md", "questions.md", "tags.md"]
TAGS_MD = "---\ntitle: Tags\nsearch:\n  exclude: true\n---\n\n# Tags\n\n<!-- material/tags -->\n"

CSS = ".md-typeset .reference { margin: 0 0 1.2em; padding-left: 1.5em; text-indent: -1.5em; }\n"

WORDS = """partnership residents council public body local authority police school health housing
association trust funding plan priority neighbourhood community volunteer worker officer meeting
strategy decision power influence relationship trust resource budget asset service delivery
evaluation survey interview evidence programme area ward district county agency organisation
support capacity network leadership accountability voice participation engagement consultation
outcome impact change time year member group forum board charity sector policy government
national regional hyperlocal strategic culture bureaucracy process procedure contract grant
commissioning partnership-working collaboration conflict tension benefit gain cost risk
responsibility knowledge skill confidence learning practice approach model pilot project
initiative activity event space building park library centre youth older people families
""".split()
CONNECTIVES = "and but while because although so as where when which that often rarely usually".split()
TAGS = ["councils", "policing", "schools", "wellbeing", "housing", "assets", "funding", "covid-19",
        "relationships", "power", "volunteers", "youth", "evaluations", "surveys", "strategy",
        "local-plans", "trust", "capacity", "commissioning", "devolution", "engagement", "leadership",
        "networks", "skills", "parks", "libraries", "budget-cuts", "contracts", "accountability", "voice"]
METHODS = [f"method-{n}" for n in range(1, 6)]
GROUPS = [f"group-{n}" for n in range(1, 6)]
# The two facets the findings use (one value, several values), declared as the plugin's settings.
FACETS_YML = "      facets:\n" + "".join(
    f"        - id: {facet}\n          title: {title}\n          noun: kind of {title.lower()}\n"
    f"          intro: \"Findings on {{value}}, by theme.\"\n          multiple: {str(multiple).lower()}\n          values:\n"
    + "".join(f"            - {{id: {value}, label: {value.replace('-', ' ').capitalize()}}}\n" for value in values)
    for facet, title, multiple, values in (("method", "Method", False, METHODS), ("groups", "Group", True, GROUPS)))

# Surnames and given names with LaTeX accents, as bibliographies hold them.
SURNAMES = [r"McCabe", r"Wilson", r"Macmillan", r"Baker", r"Garforth", r"Taylor", r"Turner", r"Batty",
            r"Beatty", r"Foden", r"Lawless", r"Pearson", r"Kaye", r"Holtom", r"Ellis Paine",
            r"M{\"u}ller", r"Sch{\"o}n", r"Br{\"u}ck", r"Jos{\'e}", r"Ren{\'e}", r"Fr{\'e}chet",
            r"Gonz{\'a}lez", r"N{\'u}{\~n}ez", r"Dubois", r"van der Berg", r"de la Cruz", r"O'Brien",
            r"Singh", r"Khan", r"Patel", r"Nowak", r"Kowalski", r"Okafor", r"Mensah", r"Ahmed",
            r"Harris", r"Clarke", r"Robinson", r"Walker", r"Young", r"Allen", r"King", r"Wright",
            r"Scott", r"Green", r"Adams", r"Hill", r"Moore", r"Evans", r"Hughes", r"Edwards"]
GIVEN = [r"A.", r"M.", r"R.", r"L.", r"H.", r"K.", r"E.", r"J.", r"S.", r"D.", r"Angus", r"Mandy",
         r"Rob", r"Ren{\'e}e", r"Zo{\"e}", r"Andr{\'e}", r"J{\"u}rgen", r"{\'E}lise", r"Jean-Pierre",
         r"Chidi", r"Aisha", r"Tom{\'a}{\v s}", r"Ana", r"Priya"]
CORPORATE = ["Local Trust", "New Local", "Institute for Voluntary Action Research",
             "Department for Communities and Local Government", "Office for National Statistics",
             "Big Local Trust {\\&} Partners", "Locality", "NCVO"]
JOURNALS = ["Voluntary Sector Review", "Local Government Studies", "Community Development Journal",
            "Policy {\\&} Politics", "Journal of Social Policy", "Urban Studies"]
PUBLISHERS = [("Policy Press", "Bristol"), ("Routledge", "London"), ("Palgrave Macmillan", "Basingstoke"),
              ("Local Trust", "London"), ("Sage", "London")]
INSTITUTIONS = ["Third Sector Research Centre", "IVAR", "Sheffield Hallam University", "Local Trust",
                "NCVO", "New Local"]


def _ascii(name: str) -> str:
    return re.sub(r"[^a-z]", "", re.sub(r"\\.", "", name.lower()))


class _Text:
    """Seeded filler prose."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def words(self, n: int) -> list[str]:
        return [self.rng.choice(WORDS) for _ in range(n)]

    def sentence(self, low: int = 10, high: int = 20) -> str:
        words = self.words(self.rng.randint(low, high))
        middle = self.rng.randint(1, len(words) - 1)
        words.insert(middle, self.rng.choice(CONNECTIVES))
        return " ".join(words).capitalize()

    def title(self) -> str:
        return self.sentence(8, 13) + "."


# --- the findings project ---------------------------------------------------------------------

def _person(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)}, {rng.choice(GIVEN)}"


def _references(rng: random.Random, text: _Text, count: int) -> list[tuple[str, str]]:
    """(key, BibTeX entry) pairs: 2-6 authors (or one corporate author), some same-author-same-year
    collisions so labels such as 2020a/2020b occur, four entry types."""
    entries, drawn = [], []
    for index in range(count):
        if drawn and rng.random() < 0.15:  # same authors, same year as an earlier entry
            authors, year = rng.choice(drawn)
        elif rng.random() < 0.12:
            authors, year = ["{" + rng.choice(CORPORATE) + "}"], rng.randint(2005, 2023)
        else:
            authors, year = [_person(rng) for _ in range(rng.randint(2, 6))], rng.randint(2005, 2023)
        drawn.append((authors, year))
        first = authors[0].split(",")[0]
        key = f"{_ascii(first)[:12] or 'ref'}{year}-{index}"
        kind = rng.choices(["article", "book", "report", "incollection"], [35, 20, 30, 15])[0]
        title = text.sentence(6, 14).replace("community", "{C}ommunity", 1)
        if rng.random() < 0.2:
            title += " -- a {B}ig {L}ocal study"
        fields = [("author", " and ".join(authors)), ("title", title), ("year", str(year))]
        publisher, address = rng.choice(PUBLISHERS)
        if kind == "article":
            fields += [("journal", rng.choice(JOURNALS)), ("volume", str(rng.randint(1, 40))),
                       ("number", str(rng.randint(1, 6))), ("pages", f"{(p := rng.randint(1, 400))}--{p + rng.randint(5, 30)}")]
        elif kind == "book":
            fields += [("publisher", publisher), ("address", address)]
            if rng.random() < 0.2:
                fields.append(("edition", str(rng.randint(2, 4))))
        elif kind == "report":
            fields += [("institution", rng.choice(INSTITUTIONS)), ("address", address)]
            if rng.random() < 0.3:
                fields += [("type", "Research report"), ("number", str(rng.randint(1, 120)))]
        else:
            editors = " and ".join(_person(rng) for _ in range(rng.randint(1, 2)))
            fields += [("editor", editors), ("booktitle", text.sentence(4, 8)), ("publisher", publisher),
                       ("address", address), ("pages", f"{(p := rng.randint(1, 300))}--{p + rng.randint(10, 25)}")]
        if rng.random() < 0.3:
            fields.append(("doi", f"10.{rng.randint(1000, 9999)}/bench.{index}"))
        elif rng.random() < 0.3:
            fields += [("url", f"https://example.org/reports/{key}.pdf"), ("urldate", f"{year + 1}-03-0{rng.randint(1, 9)}")]
        if rng.random() < 0.25:
            fields.append(("abstract", " ".join(text.sentence() + "." for _ in range(4))))
        if rng.random() < 0.2:
            fields.append(("keywords", ", ".join(rng.sample(TAGS, 3))))
        width = max(len(name) for name, _ in fields)
        body = "".join(f"  {name:<{width}} = {{{value}}},\n" for name, value in fields)
        entries.append((key, f"@{kind}{{{key},\n{body}}}\n"))
    return entries


def _summary(rng: random.Random, text: _Text, keys: list[str], words: int = 300) -> str:
    """About ``words`` words in three paragraphs, citing every key inline in pandoc's syntax."""
    paragraphs, pending = [], list(keys)
    per_paragraph = words // 3
    for number in range(3):
        sentences, count = [], 0
        while count < per_paragraph:
            sentence = text.sentence()
            count += len(sentence.split())
            sentences.append(sentence + ".")
        if rng.random() < 0.3:
            sentences[0] = f"*{sentences[0][:-1]}*."
        key = pending.pop() if pending and number < 2 else rng.choice(keys)
        form = rng.random()
        if form < 0.15 and len(keys) > 1:
            cite = "[" + "; ".join(f"@{k}" for k in keys) + "]"
        elif form < 0.3:
            cite = f"[@{key}, p. {rng.randint(2, 180)}]"
        elif form < 0.4:
            sentences[0] = f"As @{key} shows, {sentences[0][0].lower()}{sentences[0][1:]}"
            cite = ""
        else:
            cite = f"[@{key}]"
        if cite:
            sentences[-1] = sentences[-1][:-1] + f" {cite}."
        paragraphs.append(" ".join(sentences))
    for key in pending:  # a key not yet cited
        paragraphs[-1] = paragraphs[-1][:-1] + f" [@{key}]."
    if rng.random() < 0.05:  # now and then a link, so the page is sanitised
        number = rng.randrange(3)
        paragraphs[number] += f" See [the full report](https://example.org/reports/{rng.randint(1, 999)})."
    return "\n\n".join(paragraphs)


def _yaml_block(value: str, indent: str = "  ") -> str:
    return "|\n" + "\n".join(indent + line if line else "" for line in value.split("\n")) + "\n"


def generate_project(folder: Path, findings: int, references: int, seed: int = 1) -> dict:
    """Write a findings project into ``folder`` (mkdocs.yml, bibliography.bib, findings/,
    questions.yml, docs/index.md). Returns counts."""
    rng = random.Random(seed)
    text = _Text(rng)
    folder.mkdir(parents=True, exist_ok=True)

    entries = _references(rng, text, references)
    keys = [key for key, _ in entries]
    (folder / "bibliography.bib").write_text(
        "% Synthetic bibliography for the benchmark.\n\n" + "\n".join(entry for _, entry in entries), encoding="utf-8")

    themes_yml = "".join(f"        - id: {tid}\n          title: {json.dumps(title)}\n"
                         f"          description: {json.dumps(text.sentence(12, 20) + '.')}\n" for tid, title in THEMES)
    (folder / "mkdocs.yml").write_text(
        f"site_name: Findings benchmark ({findings} findings)\n" + COMMON_YML +
        "  - findings:\n      findings: findings\n      bibliography: bibliography.bib\n"
        f"      questions: questions.yml\n      themes:\n{themes_yml}{FACETS_YML}"
        "      synonyms:\n        NDC: New Deal for Communities\n" + NOT_IN_NAV + "\nnav:\n" + "\n".join(NAV) + "\n",
        encoding="utf-8")

    # Every source is cited at least once (an uncited entry is a lint warning): the first
    # citation of finding i walks a shuffled key list; leftovers are cited on the home page.
    order = keys[:]
    rng.shuffle(order)
    ids = [f"{'-'.join(rng.sample(WORDS, 3))}-{i}" for i in range(findings)]
    themes_of = [THEMES[i % len(THEMES)][0] for i in range(findings)]
    for i, (finding_id, theme) in enumerate(zip(ids, themes_of)):
        cited = [order[i % len(order)]] if order else []
        while len(cited) < rng.randint(1, 3):
            key = rng.choice(keys)
            if key not in cited:
                cited.append(key)
        lines = ["# yaml-language-server: $schema=../../schema/finding.schema.json",
                 f"title: {json.dumps(text.title())}", f"theme: {theme}",
                 "summary: " + _yaml_block(_summary(rng, text, cited)).rstrip("\n"), "citations:"]
        for key in cited:
            lines.append(f"  - {{key: {key}, locator: \"p. {rng.randint(1, 90)}\"}}" if rng.random() < 0.2 else f"  - {key}")
        if rng.random() < 0.8:
            lines.append(f"method: {rng.choice(METHODS)}")
        if rng.random() < 0.7:
            lines.append(f"groups: [{', '.join(rng.sample(GROUPS, rng.randint(1, 2)))}]")
        if rng.random() < 0.2:
            lines += ["statistics:", f"  - value: {rng.randint(5, 150)}", "    unit: partnerships",
                      f"    measure: {json.dumps(text.sentence(6, 10))}", f"    source: {cited[0]}",
                      f"    headline: {'true' if rng.random() < 0.01 else 'false'}"]
        lines.append(f"tags: [{', '.join(rng.sample(TAGS, rng.randint(1, 3)))}]")
        same_theme = ids[i % len(THEMES)::len(THEMES)]
        related = [r for r in rng.sample(same_theme, min(len(same_theme), rng.randint(0, 2))) if r != finding_id]
        if related:
            lines.append(f"related: [{', '.join(related)}]")
        lines += ["status: published", f"added: 20{rng.randint(18, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"]
        path = folder / "findings" / theme / f"{finding_id}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    questions = []
    for q in range(max(3, findings // 100)):
        chosen = rng.sample(range(findings), min(findings, rng.randint(2, 8)))
        questions.append(
            f"- id: question-{q}\n  question: {json.dumps(text.sentence(8, 14) + '?')}\n  sub_questions:\n"
            + "".join(f"    - {json.dumps(text.sentence(6, 12) + '?')}\n" for _ in range(rng.randint(1, 3)))
            + f"  themes: [{', '.join(rng.sample([t for t, _ in THEMES], rng.randint(1, 3)))}]\n"
            + "  findings:\n" + "".join(f"    - {ids[c]}\n" for c in chosen))
    (folder / "questions.yml").write_text("# Synthetic open questions.\n" + "\n".join(questions), encoding="utf-8")

    leftovers = order[findings:]
    docs = folder / "docs"
    (docs / "stylesheets").mkdir(parents=True, exist_ok=True)
    (docs / "stylesheets" / "site.css").write_text(CSS, encoding="utf-8")
    further = ("\n## Further reading\n\n" + " ".join(f"[@{k}]" for k in leftovers) + "\n") if leftovers else ""
    (docs / "index.md").write_text(
        "---\ntitle: Findings benchmark\ndescription: A synthetic findings site.\n---\n\n"
        f"# Findings benchmark\n\n{text.sentence()} [@{keys[0]}]. {text.sentence()} @{keys[-1]}.\n\n"
        "## Themes\n\n<!-- findings:themes -->\n\n## Recently added\n\n<!-- findings:recent -->\n\n"
        "## Headline figures\n\n<!-- findings:headlines -->\n" + further, encoding="utf-8")
    (docs / "tags.md").write_text(TAGS_MD, encoding="utf-8")
    return {"findings": findings, "references": references, "questions": len(questions)}


# --- the plain MkDocs sites -------------------------------------------------------------------

def _plain_site(folder: Path, name: str, not_in_nav: str = NOT_IN_NAV) -> Path:
    """mkdocs.yml with the findings site's settings, plugins but the findings plugin, and
    navigation, and the site's stylesheet; returns the docs folder."""
    docs = folder / "docs"
    (docs / "stylesheets").mkdir(parents=True, exist_ok=True)
    (docs / "stylesheets" / "site.css").write_text(CSS, encoding="utf-8")
    (folder / "mkdocs.yml").write_text(f"site_name: {name}\n" + COMMON_YML + not_in_nav + "\nnav:\n"
                                       + "\n".join(NAV) + "\n", encoding="utf-8")
    return docs


def generate_mirror_site(folder: Path, files: dict[str, str | bytes], name: str) -> None:
    """The findings site without the plugin, named ``name`` as it is: every page the plugin makes
    (and every hand-written page as the plugin leaves it) and every data file it adds, written as
    ordinary files."""
    docs = _plain_site(folder, name)
    for path, content in files.items():
        target = docs / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(encoded(content))


def generate_prose_site(folder: Path, sizes: dict[str, int], seed: int = 1) -> None:
    """A plain site with one page per page of the findings site, at the same path and with the
    same number of characters of Markdown, but ordinary prose: headings, paragraphs with a link
    home, and a short list. Measures what the findings pages' shape costs MkDocs."""
    rng = random.Random(seed)
    text = _Text(rng)
    docs = _plain_site(folder, f"Plain benchmark, prose ({len(sizes)} pages)")
    for path, size in sizes.items():
        home = "../" * path.count("/") + "index.md"
        parts = [f"---\ntitle: Page {path}\ndescription: {text.sentence(8, 12)}\n---\n\n# {text.sentence(4, 8)}\n"]
        length = len(parts[0])
        section = 0
        while True:
            if section % 4 == 0:
                block = f"\n## {text.sentence(3, 6)}\n\n"
            elif section % 4 == 3:
                block = "\n" + "".join(f"- {text.sentence(5, 10)}\n" for _ in range(3))
            else:
                block = "\n" + " ".join(text.sentence() + "." for _ in range(4)) + f" See [the home page]({home}).\n"
            if length + len(block) > size:
                break
            parts.append(block)
            length += len(block)
            section += 1
        filler = "\n" + " ".join(text.words(size // 4 + 2))
        page = "".join(parts) + filler[: max(0, size - length - 1)].rstrip() + "\n"
        target = docs / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")


def generate_plain_site(folder: Path, pages: int, seed: int = 1) -> None:
    """A plain Material site of ``pages`` prose pages of about 300 words (a heading, three
    paragraphs with a link home, a short list) and 1-3 tags each: the navigation's pages, the
    tags index, and the rest in ``pages/``, out of the navigation."""
    rng = random.Random(seed)
    text = _Text(rng)
    docs = _plain_site(folder, f"Plain benchmark ({pages} pages)", "\nnot_in_nav: |\n  /pages/\n")
    (docs / "tags.md").write_text(TAGS_MD, encoding="utf-8")
    paths = [p for p in NAV_PAGES if p != "tags.md"][:pages - 1]
    paths += [f"pages/page-{n}.md" for n in range(pages - 1 - len(paths))]
    for path in paths:
        home = "../" * path.count("/") + "index.md"
        paragraphs, words = [], 0
        while words < 240:
            paragraph = " ".join(text.sentence() + "." for _ in range(5))
            words += len(paragraph.split())
            paragraphs.append(paragraph)
        paragraphs[0] += f" See [the home page]({home})."
        items = "".join(f"- {text.sentence(4, 8)}\n" for _ in range(3))
        target = docs / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"---\ntitle: {text.sentence(4, 8)}\ntags: [{', '.join(rng.sample(TAGS, rng.randint(1, 3)))}]\n"
                          f"---\n\n# {text.sentence(4, 8)}\n\n" + "\n\n".join(paragraphs) + f"\n\n{items}",
                          encoding="utf-8")
