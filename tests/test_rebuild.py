"""Rebuilds as `mkdocs serve` does them: one edited finding shows up, the parsed bibliography
is reused, memory stays flat; and two builds of the same input are byte-identical."""

from __future__ import annotations

import filecmp
import gc
import tracemalloc

from mkdocs.commands.build import build
from mkdocs.config import load_config

import findings.bibliography as bibliography_module

FINDING = "findings/power-dynamics/influence-local-decision-making.yml"


def test_twenty_rebuilds_pick_up_edits_reuse_the_bibliography_and_keep_memory_flat(project, tmp_path, monkeypatch):
    parses = []
    real_parse = bibliography_module.parse_bibliography
    monkeypatch.setattr(bibliography_module, "parse_bibliography",
                        lambda *args: parses.append(args) or real_parse(*args))
    bibliography_module._parse_cached.cache_clear()
    site = tmp_path / "site"
    config = load_config(str(project.config), site_dir=str(site))
    original = (project.root / FINDING).read_text(encoding="utf-8")
    memory = []
    tracemalloc.start()
    try:
        for rebuild in range(20):
            edited = original.replace("64 per cent of partnership members", f"Edit {rebuild} - 64 per cent of members")
            (project.root / FINDING).write_text(edited, encoding="utf-8")
            build(config)  # every plugin event, as a serve rebuild runs them
            page = (site / "influence-local-decision-making" / "index.html").read_text(encoding="utf-8")
            assert f"Edit {rebuild} - 64 per cent of members" in page
            gc.collect()
            memory.append(tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()
    assert len(parses) == 1, "the unchanged bibliography was parsed again"
    # After the first few rebuilds warm the caches, memory does not grow with each rebuild.
    growth = memory[-1] - memory[4]
    assert growth < 2_000_000, [round(m / 1e6, 2) for m in memory]


def test_two_builds_of_the_same_input_are_byte_identical(sample_root, built_site, build_site, tmp_path):
    code, output, again = build_site(sample_root / "mkdocs.yml", tmp_path / "again")
    assert code == 0, output
    first = sorted(p.relative_to(built_site) for p in built_site.rglob("*") if p.is_file())
    second = sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert first == second
    compared = [p for p in first if p.name not in ("sitemap.xml", "sitemap.xml.gz")]
    _, mismatch, errors = filecmp.cmpfiles(built_site, again, [str(p) for p in compared], shallow=False)
    assert mismatch == [] and errors == []
