"""What the site's search finds, read from the index Material's search plugin writes
(search/search_index.json): each finding and each source on its own page only, no navigation
text, theme pages by their title and description, and the synonyms setting both ways.
tests/test_browser.py types the same queries into the built site's search box."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from conftest import MKDOCS_YML, plain
from findings.search import add_synonyms, compact, write_index

# Words only navigation says: the finding pager, the theme line, the lists of what cites a
# source and what a question follows from, the links to a finding or a source page.
NAVIGATION = ("Previous:", "Next:", "Theme:", "Cited by", "Cited as", "Cite this finding", "Related findings",
              "Follows from", "Source page", "Read the finding and its evidence", "Download this reference")


def search_index(site: Path) -> dict:
    return json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))


def pages_saying(entries: list[dict], text: str) -> set[str]:
    """The pages (locations without #section) an entry of which holds ``text`` in its title or text."""
    return {entry["location"].split("#")[0] for entry in entries
            if text in plain(entry["title"]) or text in plain(entry["text"])}


def test_the_index_holds_no_navigation_text(built_site):
    entries = search_index(built_site)["docs"]
    assert [(entry["location"], said) for entry in entries for said in NAVIGATION
            if said in entry["title"] + " " + entry["text"]] == []
    assert not [entry for entry in entries if entry["location"].startswith("tags/")]  # the index of tags


def test_a_finding_is_found_on_its_own_page_only(built_site, sample_root):
    entries = search_index(built_site)["docs"]
    for path in sorted((sample_root / "findings").glob("*/*.yml")):
        title = " ".join(yaml.safe_load(path.read_text(encoding="utf-8"))["title"].split())
        assert pages_saying(entries, title) == {f"{path.stem}/"}, title


def test_a_source_is_found_on_its_own_page_only(built_site):
    entries = search_index(built_site)["docs"]
    sources = sorted((built_site / "sources").glob("*/index.html"))
    assert sources
    for page in sources:
        reference = plain(re.search(r'<p class="reference"[^>]*>(.*?)</p>', page.read_text(encoding="utf-8"), re.S)[1])
        assert pages_saying(entries, reference) == {f"sources/{page.parent.name}/"}, reference


def test_a_theme_page_is_found_by_its_title_and_description_alone(built_site, sample_root, page_text):
    entries = search_index(built_site)["docs"]
    for theme in page_text.plugin_settings(sample_root / "mkdocs.yml")["themes"]:
        found = [entry for entry in entries if entry["location"].startswith(f"themes/{theme['id']}/")]
        assert [(entry["location"], entry["title"]) for entry in found] == [(f"themes/{theme['id']}/", theme["title"])]
        assert theme["description"] in plain(found[0]["text"])


def test_the_ndc_synonym_adds_the_abbreviation_to_the_new_deal_for_communities_findings(built_site, sample_root):
    index = search_index(built_site)
    fields = index["config"]["fields"]
    assert fields["title_synonyms"] == fields["title"] and fields["text_synonyms"] == fields["text"]
    ndc = {f"{path.stem}/" for path in (sample_root / "findings").glob("*/*.yml")
           if "New Deal for Communities" in path.read_text(encoding="utf-8")}
    assert len(ndc) == 7
    added = {entry["location"] for entry in index["docs"] if entry.get("title_synonyms") == "NDC"}
    assert added == ndc  # every one says New Deal for Communities in its title
    shown = [entry for entry in index["docs"] if "NDC" in entry["title"] + entry["text"]]
    assert [entry["location"] for entry in shown] == ["ndc-improved-agency-relationships/"]  # says both


# The synonyms setting on a small project -------------------------------------------------------

SYNONYMS = """\
      synonyms:
        NDC: New Deal for Communities
        IT: [information technology, computing]
"""

ABBREVIATED = """\
    title: The NDC evaluation found closer relationships with senior people in public agencies.
    theme: power-dynamics
    summary: |
      Partnerships asked what it would take; the NDC's final assessment found closer relationships
      [@kaye2020].
    citations: [kaye2020]
    """

SPELLED_OUT = """\
    title: Lessons from the new deal for communities.
    theme: power-dynamics
    summary: |
      Earlier programmes such as the New  Deal
      for Communities worked with agencies; their IT systems were old [@kaye2020].
    citations: [kaye2020]
    """


def with_settings(config: str, settings: str) -> str:
    """An mkdocs.yml with more settings of the findings plugin (the last in its list)."""
    return config.replace("\nnav:\n", "\n" + settings + "nav:\n")


def material_project(project, synonyms: str = SYNONYMS):
    """The minimal project on Material with its search plugin, and ``synonyms`` in its settings."""
    config = MKDOCS_YML.replace("  name: mkdocs\n", "  name: material\n").replace(
        "plugins:\n", "plugins:\n  - search\n")
    project.write("mkdocs.yml", with_settings(config, synonyms))
    project.write("findings/power-dynamics/ndc-abbreviated.yml", ABBREVIATED)
    project.write("findings/power-dynamics/ndc-spelled-out.yml", SPELLED_OUT)
    return project


def test_synonyms_are_found_both_ways_and_shown_to_no_reader(project, build_site, tmp_path):
    code, output, site = build_site(material_project(project).config, tmp_path / "site")
    assert code == 0, output
    entries = {entry["location"]: entry for entry in search_index(site)["docs"]}
    abbreviated = entries["ndc-abbreviated/"]
    assert abbreviated["title_synonyms"] == "New Deal for Communities"
    assert abbreviated["text_synonyms"] == "New Deal for Communities"  # "NDC's"; "it" is not IT
    spelled_out = entries["ndc-spelled-out/"]
    assert spelled_out["title_synonyms"] == "NDC"  # any case, except an abbreviation
    assert spelled_out["text_synonyms"] == "NDC information technology computing"  # across a line break
    assert "text_synonyms" not in entries["influence-local-decision-making/"]
    assert "New Deal" not in (site / "findings" / "ndc-abbreviated" / "index.html").read_text(encoding="utf-8")
    assert "information technology" not in (site / "findings" / "ndc-spelled-out" / "index.html").read_text(
        encoding="utf-8")


def test_synonyms_on_a_site_without_materials_search_fail_a_strict_build(project, build_site, tmp_path):
    project.write("mkdocs.yml", with_settings(MKDOCS_YML, SYNONYMS))
    code, output, _ = build_site(project.config, tmp_path / "site")
    assert code != 0
    assert ("synonyms: this site has no index from Material's search plugin (theme: material, plugins: - search), "
            "so search cannot use them; add the plugin or remove the setting") in output


def test_an_entry_matches_whole_words_in_materials_escaped_text():
    index = {"config": {"fields": {"title": {"boost": 1000}, "text": {"boost": 1}, "tags": {"boost": 1000}}},
             "docs": [{"location": "a/", "title": "R&amp;D in <code>NDCX</code>", "text": "<p>research and development</p>"},
                      {"location": "b/", "title": "Nothing", "text": "<p>the R&amp;D budget</p>", "tags": ["r-d"]}]}
    assert add_synonyms(index, [("R&D", "research and development"), ("NDC", "New Deal")])
    assert index["docs"] == [
        {"location": "a/", "title": "R&amp;D in <code>NDCX</code>", "text": "<p>research and development</p>",
         "title_synonyms": "research and development", "text_synonyms": "R&amp;D"},
        {"location": "b/", "title": "Nothing", "text": "<p>the R&amp;D budget</p>", "tags": ["r-d"],
         "text_synonyms": "research and development"}]
    assert not add_synonyms({"config": {"lang": ["en"]}, "docs": []}, [("R&D", "research")])
    index["docs"] = [{"location": "c/", "title": "ANDC and xNew Deals", "text": "<p>(NDC)</p>"},
                     {"location": "d/", "title": "NDCs", "text": "<p>_new\ndeal.</p>"}]
    assert add_synonyms(index, [("NDC", "New Deal")])
    assert [(entry.get("title_synonyms"), entry.get("text_synonyms")) for entry in index["docs"]] == [
        (None, "New Deal"), (None, "NDC")]


@pytest.mark.parametrize("docs", [0, 1, 5])
def test_the_index_written_a_batch_at_a_time_is_the_index_written_whole(tmp_path, docs):
    index = {"config": {"lang": ["en"]}, "docs": [{"location": f"p{i}/", "title": "Café “quoted”", "text": "<p>x</p>"}
                                                  for i in range(docs)], "after": {"a": 1}}
    write_index(index, tmp_path / "search_index.json", batch=2)
    written = (tmp_path / "search_index.json").read_text(encoding="utf-8")
    assert written == compact(index) and json.loads(written) == index


@pytest.mark.parametrize("written, below, message", [
    ("NDC:\n", 0, "plugins.findings.synonyms: 'NDC' is given no other name; write NDC: <its other name>, or remove it"),
    ("NO: Norway\n", 0, "plugins.findings.synonyms: a term must be text, and YAML read one as False; write it in quotes, "
                     "e.g. 'NO': Norway"),
    ("NDC: [New Deal for Communities, ndc]\n", 0, "plugins.findings.synonyms: 'ndc' is given more than once (also as "
                                               "'NDC'); give each name once, with all the names of one thing under "
                                               "one term"),
    ("'--': dash\n", 1, "plugins.findings.synonyms.--: '--' holds no letter or digit, so no search can find it; "
                     "write a word"),
    ("NDC: [New Deal for Communities, [NDC programme]]\n", 1, "plugins.findings.synonyms.NDC.1: must be text; write it "
                                                            "in quotes"),
], ids=["no-other-name", "not-text", "twice", "no-word", "nested-list"])
def test_a_bad_synonym_is_one_message_naming_its_line(project, run_cli, written, below, message):
    """The line of the synonyms setting, or (``below`` it) of the term the problem is in."""
    config = with_settings(MKDOCS_YML, "      synonyms:\n        " + written)
    project.write("mkdocs.yml", config)
    code, out, err = run_cli("lint", cwd=project.root)
    line = config.splitlines().index("      synonyms:") + 1 + below
    assert code == 1 and out.splitlines() == [f"mkdocs.yml:{line}: {message}"], out + err


def test_synonyms_given_as_a_list_are_a_message_saying_how_to_write_them(project, run_cli):
    config = with_settings(MKDOCS_YML, "      synonyms: [NDC, New Deal for Communities]\n")
    project.write("mkdocs.yml", config)
    code, out, _ = run_cli("lint", cwd=project.root)
    line = config.splitlines().index("      synonyms: [NDC, New Deal for Communities]") + 1
    assert code == 1 and out.splitlines() == [
        f"mkdocs.yml:{line}: plugins.findings.synonyms: must be a mapping of each term to its other names, "
        "e.g. NDC: New Deal for Communities"]
