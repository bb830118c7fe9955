"""`python -m bench`: how long the findings site takes to build and preview, against plain MkDocs.

Generates a synthetic project (N findings, M references), measures (a) `mkdocs build` of it,
(b) `mkdocs build` of the same site without the plugin (every page and data file the plugin
makes written as plain files; same theme and navigation), (p) a plain site with as many pages of
about 300 words, optionally (b′) a site of prose pages of the same sizes, (c) the plugin's own
stages in a process of their own, `findings lint`, and save-to-shown times under `mkdocs serve`;
prints a table and budgets.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from .measure import STAGES, build_round, finish, prepare
from .serve import EDIT_TIMEOUT, measure_serve

SCALE = (1000, 2000, 4000, 8000, 16000)
MB = 1024 * 1024
BUDGET_RATIO, BUDGET_SHARE, BUDGET_RSS, BUDGET_GROWTH, BUDGET_LINT = 1.15, 0.10, 1024 * MB, 2.1, 3.0
BUDGET_PLAIN, BUDGET_SHOWN = 1.5, 2.0
STAGE_NAMES = {"load": "load+validate+resolve", "render": "render", "export": "export",
               "link": "link citations", "sanitize": "sanitize HTML"}


def seconds(value: float | None) -> str:
    """A serve time; None is an edit that never showed."""
    return f"> {EDIT_TIMEOUT:.0f}" if value is None else f"{value:.2f}"


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
           line("a / b", each(lambda r: f"{r['a'] / r['b']:.2f}")),
           line(f"p: mkdocs build, plain site, as many pages of ~300 words (s, median of {repeat})",
                each(lambda r: f"{r['p']:.2f}")),
           line("a / p", each(lambda r: f"{r['a'] / r['p']:.2f}"))]
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
            line("peak RSS, build p (MB)", each(lambda r: f"{r['p_rss'] / MB:.0f}")),
            line("peak RSS, stages c (MB)", each(lambda r: f"{r['c_rss'] / MB:.0f}")),
            line(f"findings lint (s, median of {repeat})", each(lambda r: f"{r['lint']:.2f}")),
            line("peak RSS, lint (MB)", each(lambda r: f"{r['lint_rss'] / MB:.0f}")),
            line("WARNING lines in build a / b / p",
                 each(lambda r: f"{r['a_warnings']} / {r['b_warnings']} / {r['p_warnings']}"))]
    served = [r for r in rows if r["serve"]]
    if served:
        def serve(fmt) -> list[str]:
            return [fmt(r["serve"]) if r["serve"] else "–" for r in rows]

        out.append(line("mkdocs serve: first build served (s)", serve(lambda s: seconds(s["first"]))))
        for i, edit in enumerate(served[0]["serve"]["edits"]):
            out.append(line(f"mkdocs serve: {edit['edit']}: served / reloaded (s)", serve(
                lambda s: f"{seconds(s['edits'][i]['served'])} / {seconds(s['edits'][i]['reloaded'])}")))
        out += [line("mkdocs serve: save → shown, median / max (s)",
                     serve(lambda s: f"{seconds(s['median'])} / {seconds(s['max'])}")),
                line("peak RSS, mkdocs serve (MB)", serve(lambda s: f"{s['rss'] / MB:.0f}" if s["rss"] else "–"))]
    if len(rows) > 1:
        for key, label in (("a", "a"), ("b", "b"), ("p", "p"), ("c", "c"), ("lint", "lint")):
            out.append(line(f"growth of {label} per doubling of N",
                            ["–"] + [f"{cur[key] / prev[key]:.2f}×" for prev, cur in zip(rows, rows[1:])]))
    return "\n".join(out)


def budgets(rows: list[dict]) -> list[tuple[bool, str]]:
    checks = []
    for r in rows:
        n = r["findings"]
        checks.append((r["a"] <= BUDGET_PLAIN * r["p"], f"N={n}: a ≤ {BUDGET_PLAIN} × p: {r['a']:.2f} s vs "
                       f"{BUDGET_PLAIN * r['p']:.2f} s (a/p = {r['a'] / r['p']:.2f})"))
        checks.append((r["a"] <= BUDGET_RATIO * r["b"],
                       f"N={n}: a ≤ {BUDGET_RATIO} × b: {r['a']:.2f} s vs {BUDGET_RATIO * r['b']:.2f} s (a/b = {r['a'] / r['b']:.2f})"))
        checks.append((r["c"] < BUDGET_SHARE * r["a"],
                       f"N={n}: c < {BUDGET_SHARE:.0%} of a: {r['c']:.2f} s is {r['c'] / r['a']:.1%} of {r['a']:.2f} s"))
        peak = max(r["a_rss"], r["c_rss"], r["lint_rss"])
        checks.append((peak < BUDGET_RSS, f"N={n}: peak memory < 1 GB: {peak / MB:.0f} MB "
                       f"(build {r['a_rss'] / MB:.0f}, stages {r['c_rss'] / MB:.0f}, lint {r['lint_rss'] / MB:.0f})"))
        if n == 5000:  # the size the lint budget is set for
            checks.append((r["lint"] < BUDGET_LINT, f"N={n}: findings lint < {BUDGET_LINT:.0f} s: {r['lint']:.2f} s"))
        if r["serve"]:
            worst = r["serve"]["max"]
            checks.append((worst is not None and worst <= BUDGET_SHOWN,
                           f"N={n}: mkdocs serve, every save shown ≤ {BUDGET_SHOWN:.0f} s: median "
                           f"{seconds(r['serve']['median'])} s, max {seconds(worst)} s ({len(r['serve']['edits'])} edits)"))
    for prev, cur in zip(rows, rows[1:]):
        if cur["findings"] == 2 * prev["findings"]:
            for key, label in (("a", "build a"), ("c", "stages c")):
                growth = cur[key] / prev[key]
                checks.append((growth <= BUDGET_GROWTH, f"N={prev['findings']}→{cur['findings']}: {label} grows "
                               f"≤ {BUDGET_GROWTH}× per doubling: {growth:.2f}×"))
    return checks


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


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
    parser.add_argument("--serve", action=argparse.BooleanOptionalAction, default=None,
                        help="time edits under `mkdocs serve` (default: on, off with --scale)")
    parser.add_argument("--keep", action="store_true", help="keep the generated folder and print its path")
    args = parser.parse_args(argv)
    serve = not args.scale if args.serve is None else args.serve
    # a stopped benchmark still stops its servers and removes its files (the finally blocks)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    sizes = [(n, round(0.4 * n)) for n in SCALE] if args.scale else [(args.findings, args.references)]
    work = Path(tempfile.mkdtemp(prefix="findings-bench-"))
    rows = []
    try:
        # Each round builds every size once, so that drift in the machine's speed over the run
        # (minutes) hits every size alike, rather than one size's runs and not the next's.
        prepared = [prepare(n, m, args.repeat, work / f"n{n}", args.seed, args.prose, progress) for n, m in sizes]
        for i in range(args.repeat):
            for size in prepared:
                build_round(size, i, progress)
        for size in prepared:
            row = finish(size, progress)
            # last, as its edits change the project
            row["serve"] = measure_serve(size.project, size.logs / "serve.log", progress) if serve else None
            rows.append(row)
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
