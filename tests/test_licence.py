"""The content's licence, stated once in mkdocs.yml, reaches the reader everywhere they reuse
from: the site's footer, the open-data page's block and datapackage.json beside the data."""

from __future__ import annotations

import json


def licensed(project, settings: str, page: str = "# Open data\n\n<!-- findings:licence -->\n"):
    project.write("mkdocs.yml", project.config.read_text(encoding="utf-8").replace(
        "  - findings:\n", "  - findings:\n" + settings, 1).replace("theme:\n", "copyright: Team &amp; friends\ntheme:\n"))
    project.write("docs/open-data.md", page)


def test_a_licence_id_reaches_the_footer_the_page_and_the_data_package(project, build_site, tmp_path):
    licensed(project, "      licence: CC-BY-4.0\n")
    code, output, site = build_site(project.config, tmp_path / "site")
    assert code == 0, output
    home = (site / "index.html").read_text(encoding="utf-8")
    assert ('Team &amp; friends · Findings and data: <a href="https://creativecommons.org/licenses/by/4.0/">'
            "Creative Commons Attribution 4.0 International</a>") in home
    page = (site / "open-data" / "index.html").read_text(encoding="utf-8")
    assert "published under the\n<a href=\"https://creativecommons.org/licenses/by/4.0/\">" in page
    package = json.loads((site / "data" / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"] == [{"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0 International",
                                    "path": "https://creativecommons.org/licenses/by/4.0/"}]
    files = {resource["path"]: resource["bytes"] for resource in package["resources"]}
    assert files["findings.json"] == len((site / "data" / "findings.json").read_bytes())
    assert set(files) == {"findings.json", "findings.csv", "bibliography.bib", "bibliography.ris", "bibliography.json"}


def test_a_licence_by_name_and_address_is_escaped(project, build_site, tmp_path):
    licensed(project, "      licence: \"<b>Our</b> licence\"\n      licence_url: https://example.org/terms?a=1&b=2\n")
    code, output, site = build_site(project.config, tmp_path / "site")
    assert code == 0, output
    home = (site / "index.html").read_text(encoding="utf-8")
    assert '<a href="https://example.org/terms?a=1&amp;b=2">&lt;b&gt;Our&lt;/b&gt; licence</a>' in home
    assert "<b>Our</b>" not in (site / "open-data" / "index.html").read_text(encoding="utf-8")


def test_no_licence_says_so(project, build_site, tmp_path):
    licensed(project, "")
    code, output, site = build_site(project.config, tmp_path / "site")
    assert code == 0, output
    assert "No licence is stated" in (site / "open-data" / "index.html").read_text(encoding="utf-8")
    assert json.loads((site / "data" / "datapackage.json").read_text(encoding="utf-8"))["licenses"] == []


def test_an_unknown_licence_without_an_address_is_a_settings_error(project, run_cli):
    licensed(project, "      licence: Our own\n")
    code, out, _ = run_cli("lint", cwd=project.root)
    assert code == 1
    assert "plugins.findings.licence_url: licence 'Our own' is not one of CC-BY-4.0" in out
