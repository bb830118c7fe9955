"""Export stage: the findings as open data (JSON and CSV), for reuse outside the site."""

from __future__ import annotations

import csv
import io
import json

from .pipeline import KnowledgeBase

CSV_COLUMNS = ("id", "title", "theme", "evidence", "public_bodies", "tags", "citations", "statistics", "url")


def findings_data(kb: KnowledgeBase, site_url: str) -> list[dict]:
    """Every published finding as plain data; URLs absolute when the site URL is known."""
    base = site_url.rstrip("/") + "/" if site_url else ""
    rows = []
    for record in kb.findings:
        finding = record.finding
        rows.append({
            "id": record.id,
            "title": finding.title,
            "theme": finding.theme,
            "theme_title": kb.theme_by_id[finding.theme].title,
            "summary": finding.summary,
            "evidence": finding.evidence.value if finding.evidence else None,
            "public_bodies": [body.value for body in finding.public_bodies],
            "tags": list(finding.tags),
            "citations": [{"key": c.key, "locator": c.locator, "label": kb.labels[c.key].parenthetical,
                           "reference": kb.reference_html[c.key].striptags()} for c in finding.citations],
            "statistics": [s.model_dump() for s in finding.statistics],
            "related": list(finding.related),
            "added": finding.added.isoformat() if finding.added else None,
            "url": f"{base}findings/{record.id}/",
        })
    return rows


def export_files(kb: KnowledgeBase, site_url: str) -> dict[str, str]:
    """Data files for the site: path → content."""
    rows = findings_data(kb, site_url)
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([
            row["id"], row["title"], row["theme"], row["evidence"] or "",
            "; ".join(row["public_bodies"]), "; ".join(row["tags"]),
            "; ".join(c["key"] + (f" ({c['locator']})" if c["locator"] else "") for c in row["citations"]),
            "; ".join(f"{s['value']} {s['unit']}: {s['measure']} ({s['source']})" for s in row["statistics"]),
            row["url"],
        ])
    return {
        "data/findings.json": json.dumps(rows, ensure_ascii=False, indent=2) + "\n",
        "data/findings.csv": table.getvalue(),
    }
