"""`python -m bench`: how long the findings site takes to build, against plain MkDocs.

Generates a synthetic project (N findings, M references), measures (a) `mkdocs build` of it,
(b) `mkdocs build` of the same site without the plugin (every page and data file the plugin
makes written as plain files; same theme and navigation), optionally (b′) a site of prose pages
of the same sizes, (c) the plugin's own stages in a process of their own, and `findings lint`;
prints a table and budgets.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import sys
import tempfile
from pathlib import Path

from .measure import STAGES, measure

SCALE = (1000, 2000, 4000, 8000)
MB = 1024 * 1024
BUDGET_RATIO, BUDGET_SHARE, BUDGET_RSS, BUDGET_GROWTH, BUDGET_LINT = 1.15, 0.10, 1024 * MB, 2.2, 3.0
STAGE_NAMES = {"load": "load+validate+resolve", "render": "render", "export": "export",
               "link": "link citations", "sanitize": "sanitize HTML"}


def table(rows: list[dict], repeat: int) -> str:
    def line(label: str, values: list[str]) -> str:
        return f"| {label} | " + " | ".join(values) + " |"

    def each(fmt, key=None) -> list[str]:
        return [fmt(r) if key is None else fmt(r[key]) for r in rows]

    out = [line("N findings (M references)", each(lambda r: f"{r['findings']} ({r['references']})")),
           "| --- |" + " ---: |" * len(rows),
           line("Markdown pages / data files", each(lambda r: f"{r['pages']} / {r['data_files']}")),
           line("Markdown converted (MB)", each(lambda r: f"{r['markdown_mb']:.1f}")),
           line(f"a: mkdocs build, findings site (s, median of {repeat})", each(lambda r: f"{r['a']:.2f}")),
           line(f"b: mkdocs build, the same site without the plugin (s, median of {repeat})",
                each(lambda r: f"{r['b']:.2f}")),
           line("a / b", each(lambda r: f"{r['a'] / r['b']:.2f}"))]
    if rows[0]["b_prose"] is not None:
        out += [line(f"b′: mkdocs build, prose pages of the same sizes (s, median of {repeat})",
                     each(lambda r: f"{r['b_prose']:.2f}")),
                line("a / b′", each(lambda r: f"{r['a'] / r['b_prose']:.2f}"))]
    out.append(line("c: plugin stages (s)", each(lambda r: f"{r['c']:.2f}")))
    for stage in STAGES:
        out.append(line(f"&nbsp;&nbsp;c: {STAGE_NAMES[stage]} (s)", each(lambda r: f"{r['stages'][stage]:.2f}")))
    out += [line("c share of a", each(lambda r: f"{100 * r['c'] / r['a']:.1f}%")),
            line("a per finding (ms)", each(lambda r: f"{1000 * r['a'] / r['findings']:.2f}")),
            line("c per finding (ms)", each(lambda r: f"{1000 * r['c'] / r['findings']:.2f}")),
            line("peak RSS, build a (MB)", each(lambda r: f"{r['a_rss'] / MB:.0f}")),
            line("peak RSS, build b (MB)", each(lambda r: f"{r['b_rss'] / MB:.0f}")),
            line("peak RSS, stages c (MB)", each(lambda r: f"{r['c_rss'] / MB:.0f}")),
            line(f"findings lint (s, median of {repeat})", each(lambda r: f"{r['lint']:.2f}")),
            line("peak RSS, lint (MB)", each(lambda r: f"{r['lint_rss'] / MB:.0f}")),
            line("WARNING lines in build a / b", each(lambda r: f"{r['a_warnings']} / {r['b_warnings']}"))]
    if len(rows) > 1:
        for key, label in (("a", "a"), ("b", "b"), ("c", "c"), ("lint", "lint")):
            out.append(line(f"growth of {label} per doubling of N",
                            ["–"] + [f"{cur[key] / prev[key]:.2f}×" for prev, cur in zip(rows, rows[1:])]))
    return "\n".join(out)


def budgets(rows: list[dict]) -> list[tuple[bool, str]]:
    checks = []
    for r in rows:
        n = r["findings"]
        checks.append((r["a"] <= BUDGET_RATIO * r["b"],
                       f"N={n}: a ≤ {BUDGET_RATIO} × b: {r['a']:.2f} s vs {BUDGET_RATIO * r['b']:.2f} s (a/b = {r['a'] / r['b']:.2f})"))
        checks.append((r["c"] < BUDGET_SHARE * r["a"],
                       f"N={n}: c < {BUDGET_SHARE:.0%} of a: {r['c']:.2f} s is {r['c'] / r['a']:.1%} of {r['a']:.2f} s"))
        if n == 5000:  # the size the memory and lint budgets are set for
            peak = max(r["a_rss"], r["c_rss"], r["lint_rss"])
            checks.append((peak < BUDGET_RSS, f"N={n}: peak memory < 1 GB: {peak / MB:.0f} MB "
                           f"(build {r['a_rss'] / MB:.0f}, stages {r['c_rss'] / MB:.0f}, lint {r['lint_rss'] / MB:.0f})"))
            checks.append((r["lint"] < BUDGET_LINT, f"N={n}: findings lint < {BUDGET_LINT:.0f} s: {r['lint']:.2f} s"))
    for prev, cur in zip(rows, rows[1:]):
        if cur["findings"] == 2 * prev["findings"]:
            for key, label in (("a", "build a"), ("c", "stages c")):
                growth = cur[key] / prev[key]
                checks.append((growth <= BUDGET_GROWTH, f"N={prev['findings']}→{cur['findings']}: {label} grows "
                               f"≤ {BUDGET_GROWTH}× per doubling: {growth:.2f}×"))
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--findings", type=int, default=5000, metavar="N", help="findings (default 5000)")
    parser.add_argument("--references", type=int, default=2000, metavar="M", help="BibTeX entries (default 2000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the median is shown (default 3)")
    parser.add_argument("--scale", action="store_true",
                        help=f"run N = {', '.join(map(str, SCALE))} with M = 0.4·N and show growth per doubling")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic project (default 1)")
    parser.add_argument("--prose", action="store_true",
                        help="also build b′, prose pages of the same sizes, to show what the pages' shape costs")
    parser.add_argument("--keep", action="store_true", help="keep the generated folder and print its path")
    args = parser.parse_args(argv)

    sizes = [(n, round(0.4 * n)) for n in SCALE] if args.scale else [(args.findings, args.references)]
    work = Path(tempfile.mkdtemp(prefix="findings-bench-"))
    rows = []
    try:
        for n, m in sizes:
            rows.append(measure(n, m, args.repeat, work / f"n{n}", args.seed, args.prose,
                                progress=lambda text: print(text, file=sys.stderr, flush=True)))
    finally:
        if args.keep:
            print(f"Generated files kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)

    print(f"\nPython {platform.python_version()} on {platform.system()} {platform.machine()}\n")
    print(table(rows, args.repeat))
    print()
    failed = 0
    for ok, text in budgets(rows):
        failed += not ok
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
