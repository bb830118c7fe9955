"""Evidence a reader can weigh, as the built pages show it: the browse page (every finding, with
what its filters read), the themes as cards, "cited by" as a count that opens the list, the Atom
feed of new and updated findings, and the open-data page listing every download. The filters'
behaviour in a browser is tested in test_browser.py."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ElementTree
from collections import Counter
from html import unescape

import pytest
import yaml

from findings.datafiles import downloads, finding_fields, table_columns
from findings.models import Settings

ATOM = "{http://www.w3.org/2005/Atom}"


def read(site, page: str) -> str:
    return (site / page / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def published(sample_root) -> dict[str, dict]:
    found = {}
    for path in sorted((sample_root / "findings").rglob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if data.get("status", "published") == "published":
            found[path.stem] = data
    return found


def keys(finding: dict) -> list[str]:
    return [c if isinstance(c, str) else c["key"] for c in finding["citations"]]


def browse_items(html: str) -> dict[str, dict[str, list[str]]]:
    """Each finding the browse page lists: its id → data-filter name → values."""
    items = {}
    for attributes, finding in re.findall(r'<li ((?:data-(?:filter|sort)-[\w-]+="[^"]*" ?)+)><a href="\.\./([^/]+)/"',
                                          html):
        items[finding] = {name: unescape(value).split()
                          for name, value in re.findall(r'data-filter-([\w-]+)="([^"]*)"', attributes)}
    return items


def test_the_browse_page_lists_every_finding_with_what_its_filters_read(built_site, published, page_text):
    html = page_text.article(read(built_site, "browse"))
    items = browse_items(html)
    assert sorted(items) == sorted(published)
    for finding_id, finding in published.items():
        item = items[finding_id]
        assert item["theme"] == [finding["theme"]]
        assert item["evidence"] == ([finding["evidence"]] if finding.get("evidence") else [])
        assert item["public_bodies"] == finding.get("public_bodies", [])
        assert item["tags"] == finding.get("tags", [])
        assert item["citations"] == keys(finding)  # the sample's keys are their own slugs
    rows = json.loads((built_site / "data" / "findings.json").read_text(encoding="utf-8"))
    assert {row["id"]: [row["strength"]["id"]] for row in rows} == {i: item["strength"] for i, item in items.items()}
    # What the Order list sorts by: the strength as a share of its scale, and the date last updated.
    assert html.count('data-sort-date="2020-12-01" data-sort-strength="0.333"') == len(published)
    # Without the script the form stays hidden: the page is its lists of links.
    assert re.search(r"<form [^>]*data-findings-filter[^>]*hidden", html)
    assert re.search(r'<p class="browse-count" role="status" aria-live="polite"[^>]*hidden>', html)
    assert "By theme" in html and "By kind of public body" in html
    # The script that shows the filters is part of the site, and every page loads it.
    assert (built_site / "assets" / "findings" / "browse.js").is_file()
    assert '<script src="../assets/findings/browse.js"></script>' in read(built_site, "browse")


def test_the_filters_offer_every_value_with_its_count(built_site, published, page_text):
    html = page_text.article(read(built_site, "browse"))
    form = html[html.index("<form"):html.index("</form>")]
    legends = re.findall(r"<legend>(.*?)</legend>", form)
    assert legends == ["Theme", "Kind of evidence", "Public bodies", "Strength of evidence"]
    rows = json.loads((built_site / "data" / "findings.json").read_text(encoding="utf-8"))
    strengths = Counter(row["strength"]["id"] for row in rows)
    for strength, count in strengths.items():
        label = next(row["strength"]["label"] for row in rows if row["strength"]["id"] == strength)
        assert f'<input type="checkbox" name="strength" value="{strength}"> {label} ({count})</label>' in form
    themes = Counter(finding["theme"] for finding in published.values())
    for theme, count in themes.items():
        assert re.search(rf'<input type="checkbox" name="theme" value="{theme}"> [^<]+ \({count}\)</label>', form)
    police = sum("police" in finding.get("public_bodies", []) for finding in published.values())
    assert f'<input type="checkbox" name="public_bodies" value="police"> Police ({police})</label>' in form
    tags = Counter(tag for finding in published.values() for tag in finding.get("tags", []))
    assert re.findall(r'<option value="([^"]+)">[^<]+ \(\d+\)</option>', form[form.index('name="tags"'):
                                                                         form.index('name="citations"')]) == sorted(tags)
    assert f'<option value="power">power ({tags["power"]})</option>' in form
    assert '<label for="filter-citations">Source</label>' in form
    assert '<option value="mccabe2019">McCabe et al, 2019 (' in form
    assert '<button type="button" class="md-button" data-clear>Clear filters</button>' in form


def test_filter_values_and_labels_are_escaped(make_project, build_site, tmp_path):
    project = make_project()
    config = project.config.read_text(encoding="utf-8")
    project.write("mkdocs.yml", config.replace("{id: police, label: Police}",
                                               '{id: police, label: "<img src=x onerror=alert(1)> & \\"Police\\""}'))
    project.write("bibliography.bib", project.root.joinpath("bibliography.bib").read_text(encoding="utf-8")
                  + '\n@misc{x<b>&amp;onclick:alert(2), author = {{<b>Them</b>}}, title = {T}, year = {2021}}\n')
    project.write("findings/power-dynamics/odd.yml", """\
        title: 'A claim about <script>alert(3)</script> & "quotes"'
        theme: power-dynamics
        summary: Text.
        citations: ['x<b>&amp;onclick:alert(2)']
        public_bodies: [police]
        """)
    code, output, site = build_site(project.config, tmp_path / "site")
    assert code == 0, output
    html = read(site, "browse")
    assert "<img src=x" not in html and "<script>alert" not in html and "<b>Them</b>" not in html
    assert "&#60;img src=x onerror=alert(1)&#62; &#38; &#34;Police&#34; (1)</label>" in html
    assert 'data-filter-citations="x-b-amp-onclick-alert-2"' in html
    assert '<option value="x-b-amp-onclick-alert-2">' in html


def test_the_themes_index_shows_the_home_pages_theme_cards(built_site, sample_root, page_text):
    themes = page_text.plugin_settings(sample_root / "mkdocs.yml")["themes"]
    index = page_text.article(read(built_site, "themes"))
    home = page_text.article((built_site / "index.html").read_text(encoding="utf-8"))
    cards = re.search(r'<div class="grid cards">.*?</div>', index, re.S)[0]
    assert re.sub(r'href="([^"]+)"', lambda m: f'href="themes/{m[1]}"', cards) in home
    for theme in themes:
        assert f'<a href="{theme["id"]}/">{theme["title"]}</a>' in cards
        assert theme["description"] in cards


def test_the_bibliography_counts_the_citing_findings_and_opens_to_list_them(built_site, published, page_text):
    html = page_text.article(read(built_site, "bibliography"))
    entries = dict(re.findall(r'<div class="reference" id="([^"]+)" data-search-exclude>(.*?)</div>', html, re.S))
    cited = Counter(key for finding in published.values() for key in set(keys(finding)))
    assert cited
    for key, count in cited.items():
        details = re.search(r'<details class="cited-by">\s*<summary>(.*?)</summary>(.*?)</details>', entries[key], re.S)
        assert details, key
        assert details[1] == f"Cited by {count} finding{'' if count == 1 else 's'}"
        assert len(re.findall(r'<li><a href="\.\./[^/"]+/"', details[2])) == count
    # A source's own page keeps its full list.
    source = page_text.article(read(built_site, "sources/mccabe2019"))
    assert "<details" not in source and len(re.findall(r'<li><a href="\.\./\.\./[^/"]+/"', source)) == cited["mccabe2019"]


HOSTILE_TITLE = 'Councils <b>listen</b> & "act" ]]> <![CDATA[ x ]]>'


def dated(project):
    """The minimal project with dates, a hostile title and one finding left undated."""
    folder = project.root / "findings"
    for path, day in (("power-dynamics/influence-local-decision-making.yml", "2024-03-01"),
                      ("relationship-quality/good-relationships-with-external-partners.yml", "2025-01-15")):
        (folder / path).write_text((folder / path).read_text(encoding="utf-8") + f"added: {day}\n", encoding="utf-8")
    project.write("findings/power-dynamics/hostile-title.yml", f"""\
        title: {json.dumps(HOSTILE_TITLE)}
        theme: power-dynamics
        summary: |
          As @kaye2020 argues, *councils* can <em>listen</em> & act [@kaye2020, p. 3].

          A second paragraph the feed leaves out.
        citations: [kaye2020]
        added: 2024-06-30
        """)
    return project


def test_the_feed_is_valid_atom_newest_first_with_absolute_links(make_project, build_site, tmp_path):
    project = dated(make_project())
    code, output, site = build_site(project.config, tmp_path / "site")
    assert code == 0, output
    feed = ElementTree.parse(site / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert feed.find(ATOM + required).text, required
    assert feed.find(f"{ATOM}author/{ATOM}name").text == "Findings test site"
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == "https://example.org/findings/feed.xml"
    assert feed.find(f"{ATOM}updated").text == "2025-01-15T00:00:00Z"
    entries = feed.findall(f"{ATOM}entry")
    # Newest first; the finding without a date is left out.
    assert [e.find(f"{ATOM}id").text.rsplit("/", 2)[1] for e in entries] == [
        "good-relationships-with-external-partners", "hostile-title", "influence-local-decision-making"]
    for entry in entries:
        for required in ("id", "title", "updated", "summary"):
            assert entry.find(ATOM + required) is not None and entry.find(ATOM + required).text, required
        link = entry.find(f"{ATOM}link[@rel='alternate']").get("href")
        assert link == entry.find(f"{ATOM}id").text and link.startswith("https://example.org/findings/")
        assert (site / link.removeprefix("https://example.org/findings/") / "index.html").is_file()
    hostile = entries[1]
    assert hostile.find(f"{ATOM}title").text == HOSTILE_TITLE  # text, not markup
    assert hostile.find(f"{ATOM}summary").get("type") == "text"
    assert hostile.find(f"{ATOM}summary").text == "As Kaye (2020) argues, councils can listen & act (Kaye, 2020, p. 3)."
    assert hostile.find(f"{ATOM}category").attrib == {"term": "power-dynamics", "label": "Power dynamics"}
    assert hostile.find(f"{ATOM}published").text == "2024-06-30T00:00:00Z"
    # Linked from every page's head (the repository's theme override) and visibly from the theme page.
    theme = read(site, "themes/power-dynamics")
    assert '<a href="../../feed.xml">Follow new and updated findings</a>' in theme


def test_the_sample_site_links_its_feed_from_every_head_the_home_page_and_the_themes(built_site):
    assert (built_site / "feed.xml").is_file()
    for page in ("index.html", "browse/index.html", "council-relationships-vary/index.html"):
        html = (built_site / page).read_text(encoding="utf-8")
        assert re.search(r'<link rel="alternate" type="application/atom\+xml" title="[^"]+" href="(\.\./)*feed.xml">',
                         html), page
    assert '<a href="feed.xml">Follow new and updated findings</a>' in (built_site / "index.html").read_text()


def test_without_a_site_url_there_is_no_feed_and_a_note_says_why(make_project, build_site, tmp_path):
    project = dated(make_project())
    project.write("mkdocs.yml", project.config.read_text(encoding="utf-8").replace(
        "site_url: https://example.org/findings/\n", ""))
    code, output, site = build_site(project.config, tmp_path / "site")
    assert code == 0, output  # a note: --strict does not fail
    assert "no Atom feed (feed.xml): site_url is not set in mkdocs.yml" in output
    assert not (site / "feed.xml").exists()
    assert "feed.xml" not in read(site, "themes/power-dynamics")


def test_the_open_data_page_lists_every_download_with_its_licence_and_fields(built_site, sample_root, page_text):
    html = page_text.article(read(built_site, "open-data"))
    facets = Settings.model_validate(page_text.plugin_settings(sample_root / "mkdocs.yml")).facets
    listed = downloads(facets, feed=True)
    assert [d.path for d in listed] == ["data/findings.json", "data/findings.csv", "data/bibliography.bib",
                                        "data/bibliography.ris", "data/bibliography.json",
                                        "sources/<key-slug>.bib", "sources/<key-slug>.ris", "sources/<key-slug>.json",
                                        "data/datapackage.json", "feed.xml"]
    items = re.findall(r"<li>\s*<p><strong>(.*?)</strong>(.*?)</p>", html, re.S)
    assert len(items) == len(listed)
    for download, (name, text) in zip(listed, items):
        if download.per_source:
            assert unescape(re.sub(r"</?code>", "", name)) == download.path
        else:
            assert f'href="../{download.path}"' in name and (built_site / download.path).is_file()
        assert "Licence: none stated." in text  # the sample states no licence
    for field, about in finding_fields(facets):
        assert f"<li><code>{field}</code>: " in html
    # datapackage.json describes the same files, from the same list.
    package = json.loads((built_site / "data" / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["path"] for r in package["resources"]] == [d.path.removeprefix("data/") for d in listed if d.resource]
    table = next(r for r in package["resources"] if r["path"] == "findings.csv")
    assert [f["name"] for f in table["schema"]["fields"]] == [name for name, _ in table_columns(facets)]


def test_the_data_files_hold_the_fields_described(built_site, sample_root, page_text):
    facets = Settings.model_validate(page_text.plugin_settings(sample_root / "mkdocs.yml")).facets
    rows = json.loads((built_site / "data" / "findings.json").read_text(encoding="utf-8"))
    assert all(list(row) == [name for name, _ in finding_fields(facets)] for row in rows)
    header = next(csv.reader(io.StringIO((built_site / "data" / "findings.csv").read_text(encoding="utf-8"))))
    assert header == [name for name, _ in table_columns(facets)]
