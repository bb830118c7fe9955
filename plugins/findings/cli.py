"""The findings command: check the records without building the site, start a new finding,
write the JSON Schema that editors use to check finding files as they are typed, and write the
site as a project any engine builds without the plugin.

It reads the findings plugin's settings from mkdocs.yml and runs the same checks as the build."""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from importlib.metadata import version
from pathlib import Path

import yaml
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import ConfigurationError

from .models import ID_LENGTH, ID_PATTERN, Settings, finding_json_schema, slugify
from .changes import Revision, changes_markdown, compare
from .generate import (REQUIRED_EXTENSIONS, RefusedFolder, Source, check_output, engine_warnings, make_site,
                       project_files, write_project)
from .pipeline import KnowledgeBase, build_knowledge_base
from .problems import FindingsError, Problem, check_settings, did_you_mean, shown_path
from .render import template
from .bibliography import read_bibliography

SCHEMA_PATH = "schema/finding.schema.json"


class UsageError(Exception):
    """A mistake in how the command was called (exit status 2)."""


def read_settings(config_file: Path) -> tuple[Path, Settings, Path]:
    """The project root, the plugin's settings and the docs folder, from mkdocs.yml read as
    MkDocs reads it (``!ENV``, ``!relative`` and ``INHERIT`` as in a build). Raises FindingsError
    when MkDocs could not read the file or the settings are invalid."""
    if not config_file.is_file():
        raise UsageError(f"{config_file}: not found; run in the project folder or pass --config")
    config = MkDocsConfig(config_file_path=str(config_file.resolve()))
    try:
        with config_file.open("rb") as file:
            config.load_file(file)  # what mkdocs.config.load_config does before validating
    except ConfigurationError as error:
        raise FindingsError([_unreadable(error, config_file.name)]) from None
    plugins = config.get("plugins") or []
    for plugin in plugins if isinstance(plugins, list) else [plugins]:
        if plugin == "findings" or isinstance(plugin, dict) and "findings" in plugin:
            options = (plugin["findings"] if isinstance(plugin, dict) else None) or {}  # as MkDocs takes them
            if isinstance(options, dict):
                options = {name: value for name, value in options.items() if name != "enabled"}  # MkDocs' own
            root = config_file.resolve().parent
            return root, check_settings(options, config_file), root / config.get("docs_dir", "docs")
    raise UsageError(f"{config_file}: the findings plugin is not enabled under plugins:")


def _unreadable(error: ConfigurationError, name: str) -> Problem:
    """A mkdocs.yml MkDocs could not read, at the line where reading stopped."""
    cause = error.__context__  # yaml_load raises ConfigurationError while handling the YAMLError
    if not isinstance(cause, yaml.MarkedYAMLError):
        return Problem(name, 0, 0, str(error))
    mark = cause.problem_mark or cause.context_mark
    what = ", ".join(filter(None, [cause.context, cause.problem]))
    return Problem(name, mark.line + 1 if mark else 0, mark.column + 1 if mark else 0,
                   f"not valid YAML: {what}; correct the text here (MkDocs cannot read the file)")


def _command_value(value: str, is_property: bool = False) -> str:
    """A value escaped as GitHub's workflow commands require, so no text from a file can end the
    annotation and start a command of its own."""
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if is_property else value


ANNOTATION_LEVELS = {"error": "error", "warning": "warning", "note": "notice"}


def _annotation(problem: Problem) -> str:
    where = f"file={_command_value(problem.path, True)}" + (f",line={problem.line}" if problem.line else "") + (
        f",col={problem.column}" if problem.column else "")
    return f"::{ANNOTATION_LEVELS[problem.severity]} {where}::{_command_value(problem.message)}"


def knowledge_base(config: Path, every_entry: bool = False) -> tuple[Path, KnowledgeBase | None, list[Problem]]:
    """The project root and its knowledge base, built as the site build does, or the problems
    that stopped it. Raises FindingsError when mkdocs.yml itself cannot be read."""
    root, settings, docs = read_settings(config)
    pages = {p.relative_to(docs).as_posix(): p.read_text(encoding="utf-8")
             for p in sorted(docs.rglob("*.md"))} if docs.is_dir() else {}
    try:
        return root, build_knowledge_base(root, settings, pages, shown_path(docs, root), every_entry), []
    except FindingsError as error:
        return root, None, error.problems


def lint(args: argparse.Namespace) -> int:
    if args.config.suffix == ".toml":  # Zensical's own format: no findings plugin is run from it
        return _report(engine_warnings(args.config.parent, args.config))
    try:
        root, kb, problems = knowledge_base(args.config, args.all_entries)
    except FindingsError as error:  # mkdocs.yml itself: the records cannot be checked without it
        return _report(error.problems)
    findings = None
    if kb is not None:
        count = len(kb.findings)
        problems, findings = kb.warnings, f"{count} published finding{'s' if count != 1 else ''}" + (
            f", {kb.drafts} draft{'s' if kb.drafts != 1 else ''}" if kb.drafts else "")
    problems = problems + engine_warnings(root)
    if args.paths:
        wanted = {shown_path(Path(p), root) for p in args.paths}
        problems = [p for p in problems if p.path in wanted]
    return _report(problems, findings)


def generate(args: argparse.Namespace) -> int:
    """Write the site as a project that any engine builds without the plugin (see generate.py);
    with problems in the records, lint's messages and exit status, and nothing written."""
    root, settings, docs = read_settings(args.config)
    config = _validated(args.config)
    extensions = list(config.markdown_extensions) + [e for e in REQUIRED_EXTENSIONS
                                                     if e not in config.markdown_extensions]
    site = make_site(settings, config.site_name, config.site_url, config.use_directory_urls, config.plugins,
                     (docs / "tags.md").is_file())
    source = Source(root, args.config.resolve(), docs, site, extensions, config.mdx_configs, config.copyright)
    try:
        out = check_output(args.out, source)
    except RefusedFolder as error:
        raise UsageError(str(error)) from None
    _, kb, problems = knowledge_base(args.config)
    failing = problems if kb is None else [p for p in kb.warnings if p.severity != "note"]
    if failing:
        return _report(problems if kb is None else kb.warnings)
    files = project_files(kb, source)
    changed = write_project(files, out)
    print(f"{out}: {len(files)} files, {len(changed)} written or removed. Build the site there with "
          "`zensical build`, `mkdocs build` or `properdocs build`.", file=sys.stderr)
    return 0


def _validated(config_file: Path) -> MkDocsConfig:
    """mkdocs.yml as MkDocs validates it for a build (read_settings has read it already)."""
    try:
        return load_config(str(config_file))
    except ConfigurationError as error:
        raise FindingsError([Problem(config_file.name, 0, 0, f"{error}; correct the setting")]) from None


def _report(problems: list[Problem], findings: str | None = None) -> int:
    """Print lint's problems (GitHub annotations in Actions); the exit status. Notes (what
    will look odd in print, but is not wrong) are shown and never fail the check."""
    github = bool(os.environ.get("GITHUB_ACTIONS"))
    for problem in problems:
        if github:
            print(_annotation(problem))
        else:
            print(problem if problem.severity == "error" else f"{problem} [{problem.severity}]")
    failing = [p for p in problems if p.severity != "note"]
    notes = len(problems) - len(failing)
    also = f" ({notes} note{'s' if notes != 1 else ''})" if notes else ""
    if failing:
        print(f"{len(failing)} problem{'s' if len(failing) != 1 else ''} found{also}.", file=sys.stderr)
        return 1
    print(f"All records are valid ({findings}){also}.", file=sys.stderr)
    return 0


def new(args: argparse.Namespace) -> int:
    root, settings, _ = read_settings(args.config)
    interactive = sys.stdin.isatty()
    theme_ids = [t.id for t in settings.themes]
    keys = set(read_bibliography(root / settings.bibliography, settings.bibliography).references)
    title = args.title or (_ask("Claim, in one sentence") if interactive else "")
    theme = args.theme or (_ask(f"Theme ({', '.join(theme_ids)})") if interactive else "")
    cites = args.cite or (_ask("BibTeX keys of the sources, separated by spaces").split() if interactive else [])
    missing = [name for name, value in (("--title", title), ("--theme", theme), ("--cite", cites)) if not value]
    if missing:
        raise UsageError(f"give {', '.join(missing)} (or run in a terminal to be asked)")
    errors = []
    given = _facet_values(args.facet or [], settings, interactive, errors)
    if theme not in theme_ids:
        errors.append(f"unknown theme '{theme}'{did_you_mean(theme, theme_ids)}; themes: {', '.join(theme_ids)}")
    errors += [f"unknown citation key '{key}'{did_you_mean(key, keys)}; add it to {settings.bibliography} first"
               for key in cites if key not in keys]
    finding_id = args.id or slugify(title)
    if not re.match(ID_PATTERN, finding_id):
        raise UsageError(f"--id '{finding_id}' is not a valid id: use lower-case letters, digits and hyphens, "
                         f"e.g. '{slugify(finding_id)}'")
    existing = [p for p in (root / settings.findings).rglob(f"{finding_id}.y*ml")]
    if existing:
        errors.append(f"a finding with id '{finding_id}' exists already: {existing[0].relative_to(root)}; "
                      "choose another --id")
    if errors:
        for error in errors:
            print(f"findings new: {error}", file=sys.stderr)
        return 1
    path = root / settings.findings / theme / f"{finding_id}.yml"
    schema = os.path.relpath(root / SCHEMA_PATH, path.parent)
    citations = "".join(f"\n  - {key}" for key in cites)
    summary = args.summary or _cited(title, cites)
    summary_block = "".join(f"\n  {line}" if line.strip() else "\n" for line in summary.strip().splitlines())
    record = (f"# yaml-language-server: $schema={Path(schema).as_posix()}\n"
              f"title: {json.dumps(title, ensure_ascii=False)}\ntheme: {theme}\n"
              f"summary: |{summary_block}\ncitations:{citations}\n"
              + "".join(f"{facet.field}: " + (f"[{', '.join(values)}]" if facet.multiple else values[0]) + "\n"
                        for facet in settings.facets if (values := given.get(facet.id)))
              + f"status: {args.status}\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(record, encoding="utf-8")
    print(path.relative_to(root).as_posix())
    return 0


def _facet_values(pairs: list[str], settings: Settings, interactive: bool, errors: list[str]) -> dict[str, list[str]]:
    """The facet values given as ``--facet ID=VALUE`` (or asked for in a terminal), each
    checked against the declared facets; problems are added to ``errors``."""
    facets = {facet.id: facet for facet in settings.facets}
    if not pairs and interactive:
        pairs = [f"{facet.id}={value}" for facet in settings.facets for value in _ask(
            f"{facet.title} ({', '.join(facet.labels)}; Enter to skip)").replace(",", " ").split()]
    given: dict[str, list[str]] = {}
    for pair in pairs:
        facet_id, _, value = pair.partition("=")
        facet = facets.get(facet_id.strip())
        if facet is None:
            errors.append(f"--facet {pair}: no facet '{facet_id}'{did_you_mean(facet_id, facets)}; "
                          f"facets: {', '.join(facets) or 'none are declared'}")
        elif value.strip() not in facet.labels:
            errors.append(f"--facet {pair}: '{value}' is not one of {', '.join(facet.labels)}"
                          f"{did_you_mean(value.strip(), facet.labels, facet.labels)}")
        elif len(given.setdefault(facet.id, [])) and not facet.multiple:
            errors.append(f"--facet {pair}: {facet.id} takes one value")
        else:
            given[facet.id].append(value.strip())
    return given


def _cited(sentence: str, keys: list[str]) -> str:
    """The sentence with its citations before its closing mark: 'It works [@a; @b].'"""
    citation = f"[{'; '.join('@' + key for key in keys)}]"
    body, mark = (sentence[:-1], sentence[-1]) if sentence.endswith((".", "?", "!")) else (sentence, ".")
    return f"{body} {citation}{mark}"


def changes(args: argparse.Namespace) -> int:
    """Compare the knowledge base at two git revisions (the second, by default, the files as
    they are now) and print the difference as Markdown."""
    config = args.config.resolve()
    top = Path(_git(config.parent, "rev-parse", "--show-toplevel").decode().strip())
    inside = config.relative_to(top.resolve())
    with tempfile.TemporaryDirectory() as folder:
        before = _revision(args.base, top, inside, Path(folder) / "before")
        after = _revision(args.revision, top, inside, Path(folder) / "after") if args.revision else (
            _built("the files as they are now", config))
        print(changes_markdown(compare(before, after)), end="")
    return 0


def _git(where: Path, *command: str) -> bytes:
    try:
        result = subprocess.run(["git", "-C", str(where), *command], capture_output=True, check=False)
    except FileNotFoundError:
        raise UsageError("git is not installed; findings changes compares git revisions") from None
    if result.returncode:
        message = result.stderr.decode(errors="replace").strip().splitlines()
        raise UsageError(f"git {command[0]}: {message[0] if message else 'failed'}")
    return result.stdout


def _revision(name: str, top: Path, config: Path, folder: Path) -> Revision:
    """The knowledge base as it was at the git revision ``name``, read from a copy of it."""
    archive = _git(top, "archive", "--format=tar", name)
    folder.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    return _built(name, folder / config)


def _built(name: str, config: Path) -> Revision:
    try:
        _, kb, problems = knowledge_base(config)
    except (FindingsError, UsageError) as error:  # no mkdocs.yml, or one that cannot be read, there
        problems = error.problems if isinstance(error, FindingsError) else [Problem(config.name, 0, 0, str(error))]
        kb = None
    return Revision(name, kb, [p for p in problems if p.severity == "error"])


def _ask(prompt: str) -> str:
    return input(f"{prompt}: ").strip()


def schema_text(settings: Settings) -> str:
    schema = finding_json_schema([t.id for t in settings.themes], tuple(settings.facets), settings.ratings)
    return json.dumps(schema, indent=2) + "\n"


def schema(args: argparse.Namespace) -> int:
    root, settings, _ = read_settings(args.config)
    text = schema_text(settings)
    target = root / SCHEMA_PATH
    if args.check:
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            print(f"{SCHEMA_PATH} is out of date; run `findings schema` and commit it", file=sys.stderr)
            return 1
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(SCHEMA_PATH)
    return 0


# What `findings init` writes: path (with {theme} for the first theme's id) → template, and what it is.
INIT_FILES = {
    "mkdocs.yml": ("mkdocs.yml.j2", "the site's settings: the findings plugin with one theme and two facets"),
    "findings/{theme}/residents-lead-local-projects.yml": ("finding.yml.j2", "one example finding, to copy"),
    "bibliography.bib": ("bibliography.bib.j2", "two example sources in BibTeX, an organisation and a book"),
    "questions.yml": ("questions.yml.j2", "one open question"),
    "docs/index.md": ("index.md.j2", "the home page, with the themes and the newest findings"),
    "docs/tags.md": ("tags.md.j2", "the index of tags"),
    "CONTRIBUTING.md": ("CONTRIBUTING.md.j2", "how staff add a finding, field by field"),
    "README.md": ("README.md.j2", "the two commands: serve the site, and check it as pull requests are"),
    "requirements.txt": ("requirements.txt.j2", "what to install: this package"),
    ".github/workflows/pull-request.yml": ("pull-request.yml.j2",
                                           "checks each pull request and comments what it changes"),
    ".github/workflows/deploy.yml": ("deploy.yml.j2", "publishes main to GitHub Pages"),
    ".pre-commit-config.yaml": ("pre-commit-config.yaml.j2", "runs findings lint before each commit"),
    ".gitignore": ("gitignore.j2", "keeps the built site and the virtual environment out of git"),
}


def init(args: argparse.Namespace) -> int:
    """Start a new knowledge base in an empty folder; it passes lint and a strict build at once."""
    target = args.dir
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(f"{target} is not an empty folder; give a new one")
    interactive = sys.stdin.isatty()
    site_name = args.site_name or (_ask("Name of the site") if interactive else "") or "Findings"
    author = args.author or (_ask("Who publishes the findings (an organisation)") if interactive else "") or site_name
    theme_title = args.theme or (_ask("A first theme") if interactive else "") or "Community power"
    context = {"site_name": site_name, "author": author, "site_url": args.site_url or "",
               "theme_title": theme_title, "theme_id": slugify(theme_title), "today": datetime.date.today().isoformat(),
               "bib_author": re.sub(r"[{}\\]", "", author), "version": version("findings")}
    with tempfile.TemporaryDirectory(dir=target.parent if target.parent.exists() else None) as folder:
        draft = Path(folder) / "project"
        for path, (name, _) in INIT_FILES.items():
            written = draft / path.format(theme=context["theme_id"])
            written.parent.mkdir(parents=True, exist_ok=True)
            written.write_text(template(f"init/{name}").render(**context), encoding="utf-8")
        _, settings, _ = read_settings(draft / "mkdocs.yml")  # the settings as the build will read them
        (draft / SCHEMA_PATH).parent.mkdir(parents=True)
        (draft / SCHEMA_PATH).write_text(schema_text(settings), encoding="utf-8")
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target.rmdir()
        shutil.move(str(draft), str(target))  # all files at once: nothing half-written
    for path in sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()):
        print(path)
    print(f"\nNext: cd {target} and run the commands in README.md.", file=sys.stderr)
    return 0


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(prog="findings", description=__doc__)
    main_parser.add_argument("--config", type=Path, default=Path("mkdocs.yml"), help="the site's mkdocs.yml")
    commands = main_parser.add_subparsers(dest="command", required=True)
    lint_parser = commands.add_parser("lint", help="check findings, questions and the bibliography")
    lint_parser.add_argument("paths", nargs="*", help="report only problems in these files")
    lint_parser.add_argument("--all-entries", action="store_true",
                             help="check every bibliography entry, not only the ones the site cites")
    lint_parser.set_defaults(run=lint)
    new_parser = commands.add_parser(
        "new", help="write a new finding file", description=(
            "Write findings/<theme>/<id>.yml from a claim, a theme and the keys of its sources. "
            "Run in a terminal without options to be asked for each; prints the file written."))
    new_parser.add_argument("--title", help="the claim, in one sentence")
    new_parser.add_argument("--theme", help="a theme id from mkdocs.yml")
    new_parser.add_argument("--cite", action="append", metavar="KEY",
                            help="the BibTeX key of a source in the bibliography (repeat for more)")
    new_parser.add_argument("--id", help=f"the finding's id and file name (default: from the title, "
                                          f"cut after a whole word at {ID_LENGTH} characters)")
    new_parser.add_argument("--summary", help="the Markdown summary (default: the title, its sources cited "
                                              "before the full stop)")
    new_parser.add_argument("--facet", action="append", metavar="FACET=VALUE",
                            help="a value of one of the facets in mkdocs.yml, e.g. evidence=survey (repeat for more)")
    new_parser.add_argument("--status", choices=("draft", "published"), default="published",
                            help="published (the default) puts the finding on the site; a draft is checked "
                                 "but not shown")
    new_parser.set_defaults(run=new)
    changes_parser = commands.add_parser(
        "changes", help="summarise what a change does to the findings and sources", description=(
            "Build the knowledge base at two git revisions and print, as Markdown, the findings added, changed and "
            "removed, the sources added and removed, and any new warnings (the pull-request comment)."))
    changes_parser.add_argument("base", help="the revision to compare with, e.g. origin/main")
    changes_parser.add_argument("revision", nargs="?",
                                help="the revision to describe (default: the files as they are now)")
    changes_parser.set_defaults(run=changes)
    files = "\n".join(f"  {path.format(theme='<theme>'):53} {what}" for path, (_, what) in INIT_FILES.items())
    init_parser = commands.add_parser(
        "init", help="start a new knowledge base in an empty folder",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Write a new knowledge base that passes `findings lint` and `mkdocs build --strict` at once. "
                    "Options not given are asked for in a terminal.",
        epilog=f"It writes:\n{files}\n  {SCHEMA_PATH:53} the editor schema for finding files")
    init_parser.add_argument("dir", type=Path, help="the folder to create (it must be new or empty)")
    init_parser.add_argument("--site-name", help="the site's name (default: Findings)")
    init_parser.add_argument("--author", help="who publishes the findings, cited in 'Cite this finding'")
    init_parser.add_argument("--theme", help="the title of a first theme (default: Community power)")
    init_parser.add_argument("--site-url", help="where the site will be published, e.g. https://example.org/findings/")
    init_parser.set_defaults(run=init)
    generate_parser = commands.add_parser(
        "generate", help="write the site as a project any engine builds (Zensical, MkDocs, ProperDocs)",
        description="Write every page the findings plugin makes, the hand-written pages with their findings blocks "
                    "filled in and citations linked, the theme files and a mkdocs.yml without the plugin into OUT, "
                    "for engines that do not run MkDocs plugins (Zensical). Run it again after each change: files "
                    "no longer made are removed. Problems in the records stop it as they stop `findings lint`.")
    generate_parser.add_argument("--out", type=Path, required=True,
                                 help="the folder to write (new, empty, or written by findings generate before)")
    generate_parser.set_defaults(run=generate)
    schema_parser = commands.add_parser("schema", help=f"write {SCHEMA_PATH} for editors")
    schema_parser.add_argument("--check", action="store_true", help="fail if the committed schema is stale")
    schema_parser.set_defaults(run=schema)
    return main_parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except UsageError as error:
        print(f"findings: {error}", file=sys.stderr)
        return 2
    except FindingsError as error:  # mkdocs.yml, for `new` and `schema`
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
