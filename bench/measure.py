"""Measurements: full `mkdocs build` of the findings site (a), of the same site without the
plugin (b), of a plain site with as many pages of about 300 words (p) and optionally of a prose
site of the same page sizes (b′), as subprocesses; the plugin's stages in a worker process of
their own (c); and `findings lint`.

Run as ``python -m bench.measure PROJECT OUT.json HTML_CACHE.json MIRROR`` it is that stage
worker, which also writes the site without the plugin into MIRROR.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .corpus import generate_mirror_site, generate_plain_site, generate_project, generate_prose_site

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
STAGES = ("load", "render", "export", "link", "sanitize")


def run(cmd: list[str], cwd: Path, log: Path) -> tuple[float, int, str]:
    """Run ``cmd``; wall seconds, peak RSS in bytes (this child alone, from wait4) and its output.
    The disk is synced first, so the writing the last step left pending does not fall in this one."""
    os.sync()
    with open(log, "w") as out:
        start = time.perf_counter()
        process = subprocess.Popen(cmd, cwd=cwd, env=ENV, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    output = log.read_text(errors="replace")
    if process.returncode not in (0,) and not (cmd[-1] == "lint" and process.returncode == 1):
        raise RuntimeError(f"{' '.join(cmd)} exited {process.returncode}:\n{output[-3000:]}")
    return seconds, usage.ru_maxrss * 1024, output


def build(project: Path, site: Path, log: Path) -> tuple[float, int, int]:
    """`mkdocs build` of a project: seconds, peak RSS, number of WARNING lines."""
    seconds, rss, output = run([sys.executable, "-m", "mkdocs", "build", "--clean", "-f",
                                str(project / "mkdocs.yml"), "-d", str(site)], project, log)
    return seconds, rss, len(re.findall(r"^WARNING", output, re.M))


def lint(project: Path, log: Path) -> tuple[float, int, str]:
    """`findings --config mkdocs.yml lint`: seconds, peak RSS and its last line."""
    command = shutil.which("findings") or ""
    cmd = [command] if command else [sys.executable, "-m", "findings.cli"]
    seconds, rss, output = run(cmd + ["--config", str(project / "mkdocs.yml"), "lint"], project, log)
    return seconds, rss, (output.strip().splitlines() or [""])[-1]


def stages(project: Path, out: Path, cache: Path, mirror: Path, log: Path) -> dict:
    """The stage worker, in a fresh process so caches are cold and its peak RSS is its own."""
    _, rss, _ = run([sys.executable, "-m", "bench.measure", str(project), str(out), str(cache), str(mirror)],
                    REPO, log)
    result = json.loads(out.read_text())
    result["rss_process"] = rss
    return result


@dataclass
class Size:
    """One size of the benchmark on its way to a row: its folder, the stage runs (c) and the
    build runs of each site (wall seconds, peak RSS, warnings) so far."""

    findings: int
    references: int
    repeat: int
    work: Path
    prose: bool = False
    runs: list[dict] = field(default_factory=list)
    a: list[tuple] = field(default_factory=list)
    b: list[tuple] = field(default_factory=list)
    p: list[tuple] = field(default_factory=list)
    b_prose: list[tuple] = field(default_factory=list)

    @property
    def project(self) -> Path:
        return self.work / "findings-site"

    @property
    def mirror(self) -> Path:
        return self.work / "mirror-site"

    @property
    def plain(self) -> Path:
        return self.work / "plain-site"

    @property
    def prose_site(self) -> Path:
        return self.work / "prose-site"

    @property
    def logs(self) -> Path:
        return self.work / "logs"


def prepare(findings: int, references: int, repeat: int, work: Path, seed: int = 1, prose: bool = False,
            progress=print) -> Size:
    """Generate the findings project for one size, time its stages (c), and generate the plain
    sites; what build_round and finish carry on with."""
    size = Size(findings, references, repeat, work, prose)
    size.logs.mkdir(parents=True, exist_ok=True)
    progress(f"N={findings} M={references}: generating the project in {work}")
    generate_project(size.project, findings, references, seed)
    for i in range(repeat):
        progress(f"  stages, run {i + 1}/{repeat}")
        size.runs.append(stages(size.project, work / "stages.json", work / "html-cache.json", size.mirror,
                                size.logs / f"stages-{i}.log"))
    generate_plain_site(size.plain, len(size.runs[0]["sizes"]), seed)
    if prose:
        generate_prose_site(size.prose_site, size.runs[0]["sizes"], seed)
    return size


def build_round(size: Size, i: int, progress=print) -> None:
    """Run ``i`` of the builds of one size: a, b, p (and b′), one after another, so that drift in
    the machine's speed hits all alike."""
    work, logs, n, repeat = size.work, size.logs, size.findings, size.repeat
    progress(f"  N={n}: mkdocs build, run {i + 1}/{repeat}: findings site")
    size.a.append(build(size.project, work / "site-a", logs / f"build-a-{i}.log"))
    progress(f"  N={n}: mkdocs build, run {i + 1}/{repeat}: the same site without the plugin")
    size.b.append(build(size.mirror, work / "site-b", logs / f"build-b-{i}.log"))
    progress(f"  N={n}: mkdocs build, run {i + 1}/{repeat}: plain pages, as many")
    size.p.append(build(size.plain, work / "site-p", logs / f"build-p-{i}.log"))
    if size.prose:
        progress(f"  N={n}: mkdocs build, run {i + 1}/{repeat}: prose site")
        size.b_prose.append(build(size.prose_site, work / "site-b-prose", logs / f"build-b-prose-{i}.log"))


def finish(size: Size, progress=print) -> dict:
    """Time `findings lint` on one size, and give its row: the medians of its runs."""
    lints = []
    for i in range(size.repeat):
        progress(f"  N={size.findings}: findings lint, run {i + 1}/{size.repeat}")
        lints.append(lint(size.project, size.logs / f"lint-{i}.log"))
    a, b, p, runs = size.a, size.b, size.p, size.runs
    sizes = runs[0]["sizes"]
    median = statistics.median
    stage = {name: median(r["times"][name] for r in runs) for name in STAGES}
    return {
        "findings": size.findings, "references": size.references,
        "pages": len(sizes), "data_files": runs[0]["data_files"],
        "markdown_mb": sum(sizes.values()) / 1e6,
        "a": median(r[0] for r in a), "b": median(r[0] for r in b), "p": median(r[0] for r in p),
        "a_runs": [r[0] for r in a], "b_runs": [r[0] for r in b], "p_runs": [r[0] for r in p],
        "a_rss": max(r[1] for r in a), "b_rss": max(r[1] for r in b), "p_rss": max(r[1] for r in p),
        "a_warnings": a[0][2], "b_warnings": b[0][2], "p_warnings": p[0][2],
        "b_prose": median(r[0] for r in size.b_prose) if size.prose else None,
        "stages": stage, "c": sum(stage.values()),
        "c_rss": max(r["rss_after_link"] for r in runs),
        "c_rss_process": max(r["rss_process"] for r in runs),
        "lint": median(r[0] for r in lints), "lint_rss": max(r[1] for r in lints), "lint_said": lints[0][2],
    }


# --- the stage worker ---------------------------------------------------------------------------

def _stage_worker(project: Path, out: Path, cache: Path, mirror: Path) -> None:
    import markdown
    from mkdocs.utils.meta import get_data

    from findings import render
    from findings.cli import read_settings
    from findings.export import export_files
    from findings.pipeline import build_knowledge_base

    config = (project / "mkdocs.yml").read_text(encoding="utf-8")
    name = re.search(r"^site_name: (.*)$", config, re.M)[1]
    url = re.search(r"^site_url: (.*)$", config, re.M)[1]
    root, settings, docs = read_settings(project / "mkdocs.yml")
    pages = {p.relative_to(docs).as_posix(): p.read_text(encoding="utf-8") for p in sorted(docs.rglob("*.md"))}
    site = render.Site(name, url, settings.author or name, "tags.md" if "tags.md" in pages else "",
                       licence=settings.licence_terms)
    times = {}

    start = time.perf_counter()
    kb = build_knowledge_base(root, settings, pages, "docs")
    times["load"] = time.perf_counter() - start

    start = time.perf_counter()
    data = export_files(kb, site)
    times["export"] = time.perf_counter() - start

    # As the plugin does in a build, the data files are written (here, into the mirror site) before
    # the pages are made, and not held after.
    start = time.perf_counter()
    moved = render.moved_pages(kb, site) | render.script_files()
    times["render"] = time.perf_counter() - start
    if mirror.exists():
        shutil.rmtree(mirror)
    generate_mirror_site(mirror, data | moved, name)
    data_files = len(data) + len(moved)
    del data, moved

    start = time.perf_counter()
    generated = render.render_pages(kb, site)
    times["render"] += time.perf_counter() - start

    # As the plugin does: generated pages come with their citations linked; hand-written pages
    # get the blocks (untimed) and then their citations linked.
    hand = {path: render.render_blocks(text, path, kb, site) for path, text in pages.items()}
    start = time.perf_counter()
    linked = {path: kb.linker.link(text, render.reference_list_url(path)) for path, text in hand.items()}
    times["link"] = time.perf_counter() - start
    linked.update(generated)
    rss_after_link = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    # Sanitising runs on the HTML of the generated pages that hold record Markdown other than plain
    # prose. MkDocs' conversion is approximated with the `markdown` package and the site's
    # extensions, outside the timed region, once per project.
    start = time.perf_counter()
    to_sanitize = sorted(render.pages_to_sanitize(kb))
    times["sanitize"] = time.perf_counter() - start
    if cache.is_file():
        html = json.loads(cache.read_text(encoding="utf-8"))
    else:
        converter = markdown.Markdown(extensions=["attr_list", "md_in_html", "admonition", "toc"],
                                      extension_configs={"toc": {"permalink": True}})
        html = {path: converter.reset().convert(get_data(linked[path])[0]) for path in to_sanitize}
        cache.write_text(json.dumps(html), encoding="utf-8")
    for path in to_sanitize:
        start = time.perf_counter()
        render.sanitize_html(html[path])
        times["sanitize"] += time.perf_counter() - start

    generate_mirror_site(mirror, linked, name)
    out.write_text(json.dumps({
        "times": times, "rss_after_link": rss_after_link, "data_files": data_files,
        "sizes": {path: len(text) for path, text in linked.items() if path.endswith(".md")},
        "sanitized_pages": len(to_sanitize),
    }), encoding="utf-8")


if __name__ == "__main__":
    _stage_worker(*(Path(arg) for arg in sys.argv[1:5]))
