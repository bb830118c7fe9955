"""Facets from configuration: the kinds of public body and of evidence are this site's
settings, not code. The sample site's every page reads as it did when they were code (each
page's <main> is compared with tests/data/sample/expected-pages.json; FINDINGS_UPDATE_EXPECTED=1
writes it again after a deliberate change)."""

from __future__ import annotations

import hashlib
import re
import json
import os
from pathlib import Path

EXPECTED = Path(__file__).parent / "data" / "sample" / "expected-pages.json"


def page_digests(site: Path) -> dict[str, str]:
    """Each built page's main content (navigation aside), as a digest."""
    digests = {}
    for page in sorted(site.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        start, end = html.find("<main"), html.find("</main>")
        if start >= 0:
            digests[page.relative_to(site).as_posix()] = hashlib.sha256(html[start:end].encode()).hexdigest()
    return digests


def test_the_sample_site_reads_as_before(built_site):
    digests = page_digests(built_site)
    if os.environ.get("FINDINGS_UPDATE_EXPECTED"):
        EXPECTED.write_text(json.dumps(digests, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    assert sorted(digests) == sorted(expected)
    assert [page for page in expected if digests[page] != expected[page]] == []


OTHER_FACETS = """\
      facets:
        - id: places
          title: Places
          noun: kind of place
          intro: "Findings about {value}, by theme."
          multiple: true
          values:
            - {id: coastal-towns, label: Coastal towns}
            - {id: estates, label: Housing estates}
        - id: funder
          title: Funder
          noun: funder
          intro: "Findings funded by {value}, by theme."
          values:
            - {id: lottery, label: The Lottery}
"""


def other_project(project):
    """The minimal project with facets of its own instead of this site's."""
    config = project.config.read_text(encoding="utf-8")
    start, end = config.index("      facets:\n"), config.index("      evidence_maps:")
    project.write("mkdocs.yml", config[:start] + OTHER_FACETS + config[end:].replace(
        "        - columns: public-bodies\n", "        - columns: places\n        - rows: places\n          columns: funder\n"))
    for path in (project.root / "findings").rglob("*.yml"):
        text = path.read_text(encoding="utf-8").replace("evidence: survey\n", "places: [coastal-towns]\n")
        path.write_text(text.replace("evidence: literature\n", "places: [estates, coastal-towns]\nfunder: lottery\n"),
                        encoding="utf-8")
    return project


def test_a_knowledge_base_with_facets_of_its_own_builds_its_pages_map_and_data(project, build_site, tmp_path):
    other_project(project)
    code, output, site = build_site(project.config, tmp_path / "site")
    assert code == 0, output
    coastal = (site / "places" / "coastal-towns" / "index.html").read_text(encoding="utf-8")
    assert "Findings about coastal towns, by theme. 2 findings." in coastal
    assert "Findings funded by the lottery, by theme. 1 finding." in (site / "funder" / "lottery" / "index.html").read_text()
    evidence_map = (site / "evidence-map" / "index.html").read_text(encoding="utf-8")
    assert evidence_map.index('<th scope="col">Coastal towns</th>') < evidence_map.index('<th scope="col">Housing estates</th>')
    assert '<caption id="evidence-map-caption"><span>Findings by theme and kind of place</span></caption>' in evidence_map
    finding = (site / "devolving-power-enables-local-solutions" / "index.html").read_text(encoding="utf-8")
    assert "<strong>Places:</strong>" in finding and "<strong>Funder:</strong>" in finding
    browse = (site / "browse" / "index.html").read_text(encoding="utf-8")
    assert "By kind of place" in browse and "By funder" in browse and "public bod" not in browse.lower()
    rows = (site / "data" / "findings.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "id,title,theme,places,funder,tags,citations,statistics,strength,url"
    assert not (site / "public-bodies").exists()
    # A second map, places by funder, linked from the first.
    assert 'href="../evidence-maps/places-by-funder/">Places by funder</a>' in evidence_map
    second = (site / "evidence-maps" / "places-by-funder" / "index.html").read_text(encoding="utf-8")
    assert "Evidence map: Places by funder" in second and '<th scope="col">Places</th>' in second
    assert '<a href="../../places/coastal-towns/">Coastal towns</a>' in second


def test_facet_values_are_checked_with_did_you_mean_and_the_schema_lists_them(project, run_cli):
    other_project(project)
    project.write("findings/power-dynamics/bad.yml", "title: A claim.\ntheme: power-dynamics\nsummary: Text.\n"
                  "citations: [kaye2020]\nplaces: [Coastal towns]\nfunder: [lottery]\n")
    code, out, _ = run_cli("lint", cwd=project.root)
    assert code == 1
    assert ("findings/power-dynamics/bad.yml:5:10: places: 'Coastal towns' is not one of coastal-towns, estates "
            "(did you mean 'coastal-towns'?)") in out
    assert "findings/power-dynamics/bad.yml:6:1: funder:" in out
    assert run_cli("schema", cwd=project.root)[0] == 0
    schema = json.loads((project.root / "schema" / "finding.schema.json").read_text(encoding="utf-8"))
    assert schema["properties"]["places"]["items"]["enum"] == ["coastal-towns", "estates"]


def test_new_takes_facet_values(project, run_cli):
    code, out, err = run_cli("new", "--title", "Councils listen.", "--theme", "power-dynamics", "--cite", "kaye2020",
                             "--facet", "evidence=survey", "--facet", "public-bodies=police", cwd=project.root)
    assert code == 0, err
    text = (project.root / out.strip()).read_text(encoding="utf-8")
    assert "evidence: survey\npublic_bodies: [police]\n" in text
    assert run_cli("lint", cwd=project.root)[0] == 0
    code, _, err = run_cli("new", "--title", "Other.", "--theme", "power-dynamics", "--cite", "kaye2020",
                           "--facet", "evidence=surveys", cwd=project.root)
    assert code == 1 and "'surveys' is not one of survey" in err and "(did you mean 'survey'?)" in err


def test_a_facet_with_a_findings_own_field_name_is_a_settings_error(project, run_cli):
    config = project.config.read_text(encoding="utf-8")
    project.write("mkdocs.yml", config.replace("        - id: evidence\n", "        - id: tags\n", 1).replace(
        "columns: public-bodies", "columns: tags"))
    code, out, _ = run_cli("lint", cwd=project.root)
    assert code == 1 and "facet id tags is the name of a finding's own field; choose another" in out


def test_a_map_on_an_undeclared_facet_is_a_settings_error(project, run_cli):
    config = project.config.read_text(encoding="utf-8")
    project.write("mkdocs.yml", config.replace("        - columns: public-bodies\n",
                                               "        - rows: places\n          columns: public-bodies\n"))
    code, out, _ = run_cli("lint", cwd=project.root)
    assert code == 1
    assert ("plugins.findings.evidence_maps: map 1: rows 'places' is not themes or a facet declared here; "
            "the facets are evidence, public-bodies") in out


def test_the_evidence_map_tells_no_evidence_from_not_specific_and_counts_sources(built_site):
    page = (built_site / "evidence-map" / "index.html").read_text(encoding="utf-8")
    rows = {re.sub(r"<[^>]+>", "", row.split("</th>")[0]).strip(): row
            for row in re.findall(r"<tr>(.*?)</tr>", page[page.index("<tbody"):], re.S)}
    # The four findings on what partnerships and public bodies gain name no kind of public body.
    gain = rows["What partnerships and public bodies gain"]
    assert gain.count('class="unspecific"') == 5 and 'class="gap"' not in gain
    # Two findings on power dynamics about councils, both from one source.
    power = rows["Power dynamics"]
    assert re.search(r'<td class="one-source"><a [^>]*>2</a> <span class="cell-sources">\(1\)</span> '
                     r'<span class="cell-note">one source</span></td>', power), power
    assert "its 4 findings name no kind of public body." in page
