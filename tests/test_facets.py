"""Facets from configuration: the kinds of public body and of evidence are this site's
settings, not code. The sample site's every page reads as it did when they were code (each
page's <main> is compared with tests/data/sample/expected-pages.json; FINDINGS_UPDATE_EXPECTED=1
writes it again after a deliberate change)."""

from __future__ import annotations

import hashlib
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
