"""End to end on the real repository: build it once with `mkdocs build --strict` and read the
HTML a visitor gets."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml


@pytest.fixture(scope="module")
def site(built_site) -> Path:
    return built_site


@pytest.fixture(scope="module")
def themes(sample_root, page_text) -> list[dict]:
    return page_text.plugin_settings(sample_root / "mkdocs.yml")["themes"]


@pytest.fixture(scope="module")
def findings(sample_root) -> dict[str, dict]:
    """Every finding file in the repository: id → its data."""
    files = sorted((sample_root / "findings").rglob("*.yml"))
    assert files
    return {path.stem: yaml.safe_load(path.read_text(encoding="utf-8")) for path in files}


@pytest.fixture(scope="module")
def published(findings) -> dict[str, dict]:
    return {id_: data for id_, data in findings.items() if data.get("status", "published") == "published"}


@pytest.fixture(scope="module")
def bibtex_keys(sample_root) -> list[str]:
    keys = re.findall(r"^@\w+\{([^,\s]+),", (sample_root / "bibliography.bib").read_text(encoding="utf-8"), re.M)
    assert len(keys) >= 10
    return keys


def read(site: Path, page: str) -> str:
    path = site / page / "index.html" if not page.endswith(".html") else site / page
    assert path.is_file(), f"{page} was not built"
    return path.read_text(encoding="utf-8")


def keys_cited_by(finding: dict) -> list[str]:
    return [c if isinstance(c, str) else c["key"] for c in finding["citations"]]


def reference_on_bibliography(site: Path, page_text, key: str) -> str:
    """The full reference for ``key`` as the bibliography page shows it."""
    html = read(site, "bibliography")
    match = re.search(rf'<div class="reference" id="{re.escape(key)}" data-search-exclude>\s*<p>(.*?)</p>', html, re.S)
    assert match, f"no entry for {key} on the bibliography page"
    text = page_text.plain(match[1])
    return text[: text.rindex(".") + 1]  # the reference, without links after it


def test_theme_pages_show_title_description_and_their_findings(site, themes, published, page_text):
    for theme in themes:
        html = page_text.article(read(site, f"themes/{theme['id']}"))
        text = page_text.plain(html)
        assert theme["title"] in text
        assert theme["description"] in text
        members = [id_ for id_, data in published.items() if data["theme"] == theme["id"]]
        assert members, f"theme {theme['id']} has no findings"
        for id_ in members:
            assert f'id="{id_}"' in html, f"{id_} has no anchor on its theme page"
            assert f'href="../../{id_}/"' in html
            assert page_text.plain(published[id_]["title"]) in text


def test_themes_index_links_every_theme(site, themes, page_text):
    html = page_text.article(read(site, "themes"))
    for theme in themes:
        assert f'href="{theme["id"]}/"' in html
        assert theme["title"] in page_text.plain(html)


def test_finding_pages_show_claim_summary_sources_theme_and_related(site, published, page_text):
    for id_, finding in published.items():
        html = page_text.article(read(site, f"{id_}"))
        text = page_text.plain(html)
        assert page_text.plain(re.search(r"<h1.*?</h1>", html, re.S)[0]).startswith(finding["title"]), id_
        pieces = re.split(r"\[[^\]]*@[^\]]*\]|@[\w:.-]+|[*_`]", finding["summary"])
        opening = " ".join(max(pieces, key=len).split()[:8])
        assert len(opening.split()) >= 3 and opening in text, f"{id_}: summary missing"
        assert f'href="../themes/{finding["theme"]}/#{id_}"' in html
        sources = page_text.plain(html.split('id="sources"', 1)[1])
        for key in keys_cited_by(finding):
            assert reference_on_bibliography(site, page_text, key) in sources, f"{id_}: source {key}"
        for other in finding.get("related", []):
            assert f'href="../{other}/"' in html, f"{id_}: related {other}"


def test_finding_page_shows_the_full_mccabe_reference(site, page_text):
    html = page_text.article(read(site, "councillors-favour-those-who-understand-councils"))
    assert ("McCabe, A., Wilson, M. and Macmillan, R. (2019). Big Local: Reflections from 'the Outside In' "
            "(Paper Three of a series). Birmingham: Third Sector Research Centre.") in page_text.plain(html)


def test_bibliography_has_an_entry_per_key_with_cited_by_links(site, bibtex_keys, published, page_text):
    html = page_text.article(read(site, "bibliography"))
    for key in bibtex_keys:
        assert f'id="{key}"' in html, key
        entry = re.search(rf'<div class="reference" id="{key}" data-search-exclude>(.*?)</div>', html, re.S)[1]
        citing = [id_ for id_, finding in published.items() if key in keys_cited_by(finding)]
        if citing:
            assert "Cited by" in entry, key
        for id_ in citing:
            assert f'href="../{id_}/"' in entry, f"{key} is cited by {id_}"
    assert "Cited by" in html


def test_questions_page_lists_every_question(site, sample_root, page_text):
    questions = yaml.safe_load((sample_root / "questions.yml").read_text(encoding="utf-8"))
    assert len(questions) == 5
    html = page_text.article(read(site, "questions"))
    text = page_text.plain(html)
    for question in questions:
        assert f'id="{question["id"]}"' in html
        assert question["question"] in text
        for sub in question.get("sub_questions", []):
            assert sub in text
        for theme in question.get("themes", []):
            assert f'href="../themes/{theme}/"' in html
        for finding in question.get("findings", []):
            assert f'href="../{finding}/"' in html


@pytest.mark.parametrize("page, key, label", [
    ("councillors-favour-those-who-understand-councils", "mccabe2019", "McCabe et al, 2019"),
    ("influence-local-decision-making", "localtrust2020survey", "Local Trust, 2020a"),
])
def test_citations_render_in_house_style(site, page, key, label, page_text):
    html = page_text.article(read(site, page))
    assert re.search(rf'\(<a href="\.\./bibliography/#{key}"[^>]*>{re.escape(label)}</a>\)', html), \
        f"({label}) not linked on {page}"


def test_home_page_citations_link_to_the_bibliography(site, page_text):
    html = page_text.article(read(site, "index.html"))
    assert re.search(r'\(<a href="bibliography/#localtrust2020reps"[^>]*>Local Trust, 2020[a-z]</a>\)', html)


def all_pages(site: Path) -> list[Path]:
    pages = [p for p in site.rglob("*.html") if "assets" not in p.parts]
    assert len(pages) > 50
    return pages


def test_the_same_work_has_the_same_label_on_every_page(site):
    link = re.compile(r'<a href="[^"]*bibliography/#([\w:.-]+)"[^>]*>([^<]*)</a>')
    labels: dict[str, set[str]] = defaultdict(set)
    years: dict[str, set[str]] = defaultdict(set)
    for page in all_pages(site):
        for key, words in link.findall(page.read_text(encoding="utf-8")):
            if re.fullmatch(r"\d{4}[a-z]?|n\.d\.", words):  # year only: [-@key]
                years[key].add(words)
            elif re.search(r"\d{4}[a-z]?\)?$", words):
                narrative = re.fullmatch(r"(.+) \((.+)\)", words)
                labels[key].add(f"{narrative[1]}, {narrative[2]}" if narrative else words)
    assert labels["mccabe2019"] == {"McCabe et al, 2019"}
    assert labels["localtrust2020survey"] == {"Local Trust, 2020a"}
    for key, seen in labels.items():
        assert len(seen) == 1, f"{key} is labelled {sorted(seen)}"
        assert years[key] <= {next(iter(seen)).rsplit(", ", 1)[1]}


def test_no_raw_citation_or_latex_left_in_any_article(site, page_text):
    for page in all_pages(site):
        html = page.read_text(encoding="utf-8")
        if "<article" not in html:
            continue
        content = re.sub(r"<(pre|code)\b.*?</\1>", "", page_text.article(html), flags=re.S)
        assert "[@" not in content, page
        assert "\\" not in content, page


def test_findings_json_has_one_entry_per_finding_file(site, published):
    rows = json.loads((site / "data" / "findings.json").read_text(encoding="utf-8"))
    assert sorted(row["id"] for row in rows) == sorted(published)
    row = next(r for r in rows if r["id"] == "influence-local-decision-making")
    assert row["theme"] == "power-dynamics"
    assert row["citations"][0]["key"] == "localtrust2020survey"
    assert row["url"] == "https://localtrust.github.io/findings/influence-local-decision-making/"


def test_finding_pages_are_not_in_the_navigation(site, published):
    for page in ["index.html", "themes/power-dynamics/index.html", "bibliography/index.html"]:
        html = (site / page).read_text(encoding="utf-8")
        navigation = html[: html.index('class="md-content"')]  # header and sidebars
        assert "themes/power-dynamics/" in navigation or page.startswith("themes/power-dynamics")
        assert "bibliography/" in navigation or page.startswith("bibliography")
        listed = {id_ for id_ in published if re.search(rf'href="[^"]*/{id_}/"', navigation)}
        assert listed == set(), f"{page} lists finding pages in its navigation"


def current_in_navigation(html: str) -> list[str]:
    """The links of the pages (not sections) Material's menu marks as current on a page."""
    menu = html[html.index("md-nav--primary"):html.index("md-sidebar--secondary")]
    return [re.search(r'<a href="([^"]*)"', item)[1]
            for item in re.findall(r'<li class="md-nav__item md-nav__item--active">(.*?)</li>', menu, re.S)]


def test_a_page_kept_out_of_the_navigation_shows_where_it_belongs_as_current(site, published):
    for id_, data in published.items():
        assert current_in_navigation(read(site, id_)) == [f"../themes/{data['theme']}/"], id_
    assert current_in_navigation(read(site, "sources/kaye2020")) == ["../../bibliography/"]
    assert current_in_navigation(read(site, "public-bodies/police")) == ["../../browse/"]
    # The menu is shared by every page: each page marks one item, itself where it is listed.
    for path in sorted(site.rglob("index.html")):
        page = path.parent.relative_to(site).as_posix()
        if page.startswith("findings/"):
            continue  # a finding's old address: a page sending readers on, with no menu
        current = current_in_navigation(path.read_text(encoding="utf-8"))
        assert len(current) == 1, (page, current)
        if page not in published and not page.startswith(("sources/", "public-bodies/", "evidence/")):
            assert current[0] in ("./", "."), (page, current)


@pytest.mark.parametrize("figure", ["132", "72", "78", "24", "86 per cent", "64 per cent"])
def test_the_papers_figures_appear_on_finding_pages(site, published, figure, page_text):
    pattern = re.compile(rf"(?<![\d.,]){re.escape(figure)}(?![\d])")
    pages = [id_ for id_ in published if pattern.search(page_text.plain(page_text.article(read(site, f"{id_}"))))]
    assert pages, f"{figure} appears on no finding page"


def test_properdocs_builds_the_same_site(sample_root, build_site, tmp_path, page_text):
    code, output, site_dir = build_site(sample_root / "mkdocs.yml", tmp_path / "site", tool="properdocs")
    assert code == 0, output
    html = page_text.article(read(site_dir, "influence-local-decision-making"))
    assert "64 per cent" in page_text.plain(html)
    assert re.search(r'>Local Trust, 2020a</a>', html)
    assert (site_dir / "bibliography" / "index.html").is_file()


def test_search_index_holds_every_finding_by_its_title_and_summary(site, published):
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    pages = {doc["location"]: doc for doc in index["docs"]}
    for finding_id, data in published.items():
        doc = pages.get(f"{finding_id}/")
        assert doc is not None, finding_id
        assert doc["title"].startswith(data["title"][:40].split("'")[0])
        words = data["summary"].split()
        start = next(i for i in range(len(words)) if not re.search(r"[@\[\]*_'`]", " ".join(words[i:i + 4])))
        phrase = " ".join(words[start:start + 4])
        assert any(phrase in d["text"] for loc, d in pages.items() if loc.startswith(f"{finding_id}/")), finding_id


def test_pages_have_a_title_description_and_open_graph_tags(site, published):
    finding_id, data = next(iter(sorted(published.items())))
    html = (site / finding_id / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<meta name="description" content="[^"]{20,}">', html)
    assert '<meta property="og:title"' in html and '<meta property="og:description"' in html
    assert f'<meta property="og:url" content="https://localtrust.github.io/findings/{finding_id}/">' in html
