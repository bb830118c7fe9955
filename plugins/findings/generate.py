"""`findings generate`: the site as an ordinary project that any engine builds without the
findings plugin (MkDocs, ProperDocs, Zensical, which runs only its own plugins).

The project holds the docs folder with every generated page and data file, the hand-written
pages with their findings blocks filled in, citations linked and snippets included (as the
plugin and the build would make them), the theme files the config names, and a mkdocs.yml
without the plugin. Record Markdown that is not plain prose is written as sanitised HTML, as no
plugin will sanitise the built page. The plugin renders with the same functions."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable

import yaml
from markdown import Markdown
from pymdownx.snippets import SnippetMissingError

from .convert import SNIPPETS, record_markdown
from .datafiles import encoded
from .export import export_files
from .models import Settings
from .pipeline import KnowledgeBase
from .problems import FindingsError, Problem, shown_path
from .render import (SCRIPTS, Site, markup_template, moved_pages, reference_list_link, render_blocks, render_pages,
                     sanitize_html, script_files, unlisted_pages)

# The extensions the findings pages need; the plugin adds those missing to the site's.
REQUIRED_EXTENSIONS = ("attr_list", "md_in_html", "admonition", "findings.captions")
# Marks a folder as written by `findings generate`, listing its files (so stale ones can go).
MANIFEST = ".findings-generate.json"
CLASH = "these files in the docs folder clash with generated pages; rename or remove them: "

def footer(copyright: str | None, licence: tuple[str, str, str]) -> str:
    """The site's footer: its copyright (HTML the site's own config gives), then the content's licence."""
    return markup_template("footer.html.j2").render(copyright=copyright, licence=licence).strip()


def make_site(settings: Settings, name: str, url: str | None, directory_urls: bool, plugins: Iterable[str],
              has_tags_file: bool) -> Site:
    """What the pages need to know of the site, from its config (the plugin's and generate's).
    Material's tags plugin lists its index on a page; by convention a site's is tags.md."""
    tags_page = "tags.md" if has_tags_file and any(plugin.endswith("tags") for plugin in plugins) else ""
    return Site(name, url or "", settings.author or name, tags_page, directory_urls, settings.licence_terms)


ENGINE = "this engine will not run the findings plugin: use `findings generate`"


def engine_warnings(root: Path, config: Path | None = None) -> list[Problem]:
    """A warning when the site is set up for an engine that will not run the findings plugin:
    Zensical reads zensical.toml (``config``, or one beside mkdocs.yml) before mkdocs.yml and
    runs only plugins of its own, so its site would lack every generated page."""
    toml = config or root / "zensical.toml"
    if not toml.is_file():
        return []
    lines = toml.read_text(encoding="utf-8", errors="replace").splitlines()
    line = next((number for number, text in enumerate(lines, 1) if "findings" in text and "[" in text), 0)
    return [Problem(shown_path(toml, root), line, 0, f"{ENGINE} (Zensical builds from this file, not mkdocs.yml, "
                    "and runs only its own plugins)", "warning")]


def written_pages(kb: KnowledgeBase, site: Site, extensions: list, extension_configs: dict) -> dict[str, str | bytes]:
    """The generated pages and data files as `findings generate` writes them: citations as
    Markdown links to bibliography.md (Zensical reads a link in HTML as relative to the page's
    file, not its address), and each summary that is not plain prose as sanitised HTML, made
    with the site's Markdown extensions (without snippets: a summary includes no file)."""
    site = replace(site, file_links=True)
    safe = record_markdown(extensions, extension_configs)

    def made_safe(markdown: str) -> str:
        # In a block of its own, so no engine reads as Markdown any text the sanitiser left.
        return f"<div>\n{sanitize_html(safe.reset().convert(markdown))}\n</div>"

    return render_pages(kb, site, made_safe) | export_files(kb, site) | moved_pages(kb, site) | script_files()


def clashes(present: dict[str, bytes], *renderings: dict[str, str | bytes]) -> list[str]:
    """The generated paths at which the docs folder holds a file (``present``) that is none of
    the renderings of it: a page as the plugin or `findings generate` makes it is no clash."""
    return sorted(path for path, content in present.items()
                  if all(content != encoded(rendering[path]) for rendering in renderings))


@dataclass(frozen=True)
class Source:
    """What `findings generate` reads of a site, from its mkdocs.yml as MkDocs validates it."""

    root: Path  # the folder of mkdocs.yml
    config_file: Path
    docs_dir: Path
    site: Site
    extensions: list  # the Markdown extensions as MkDocs gives them, with their settings
    extension_configs: dict
    copyright: str | None = None


class RefusedFolder(Exception):
    """The output folder cannot be written: why, and what to do."""


def check_output(out: Path, source: Source) -> Path:
    """The output folder, resolved, once it is known to be safe to write: new, empty or written
    by `findings generate` before, and neither the project nor inside its docs folder."""
    out = out.resolve()
    root, docs = source.root.resolve(), source.docs_dir.resolve()
    if out == root or out in root.parents:
        raise RefusedFolder(f"{out} holds the project itself; give a new folder, e.g. build/site-source")
    if out == docs or docs in out.parents:
        raise RefusedFolder(f"{out} is inside the docs folder; give a folder outside it")
    if out.exists() and not out.is_dir():
        raise RefusedFolder(f"{out} is a file; give a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise RefusedFolder(f"{out} is not empty and was not written by `findings generate` (it has no {MANIFEST}); "
                            "give a new or empty folder")
    return out


def project_files(kb: KnowledgeBase, source: Source) -> dict[str, bytes]:
    """Every file of the generated project: path in it → content. Raises FindingsError for what
    the project cannot be made with (a clash, a missing snippet, config only MkDocs reads)."""
    site = replace(source.site, file_links=True)
    generated = written_pages(kb, source.site, source.extensions, source.extension_configs)
    docs, problems = _relative(source, source.docs_dir, "docs_dir")
    shown = docs or "docs"
    existing = {path.relative_to(source.docs_dir).as_posix(): path for path in sorted(source.docs_dir.rglob("*"))
                if path.is_file() and not any(part.startswith(".") for part in path.relative_to(source.docs_dir).parts)}
    clashing = clashes({path: existing[path].read_bytes() for path in generated if path in existing}, generated)
    if clashing:
        problems.append(Problem(shown, 0, 0, CLASH + ", ".join(clashing)))
    include = _snippets(source)
    files: dict[str, bytes] = {}
    for path, file in existing.items():
        if path in generated:
            continue
        if path.endswith(".md"):
            markdown = render_blocks(file.read_text(encoding="utf-8"), path, kb, site)
            markdown = kb.linker.link(markdown, reference_list_link(path, site))
            try:
                markdown = include(markdown)
            except (SnippetMissingError, OSError) as error:
                problems.append(Problem(f"{shown}/{path}", 0, 0, f"{error}; correct the snippet's path"))
            files[f"{shown}/{path}"] = markdown.encode("utf-8")
        else:
            files[f"{shown}/{path}"] = file.read_bytes()
    files |= {f"{shown}/{path}": encoded(content) for path, content in generated.items()}
    pages = [path for path in [*existing, *generated] if path.endswith(".md")]
    config, found, copied = portable_config(source, not_in_nav(unlisted_pages(kb, generated), pages))
    problems += found
    for setting, folder in copied:
        relative, found = _relative(source, source.root / folder, setting)
        problems += found
        if relative:
            where = source.root / relative
            for path in sorted(where.rglob("*")) if where.is_dir() else [where]:
                if path.is_file():
                    files[path.relative_to(source.root).as_posix()] = path.read_bytes()
    if problems:
        raise FindingsError(problems)
    files["mkdocs.yml"] = config.encode("utf-8")
    return files


def _relative(source: Source, path: Path, setting: str) -> tuple[str, list[Problem]]:
    """``path`` relative to the project, or a problem naming the setting that leads outside it."""
    try:
        return path.resolve().relative_to(source.root.resolve()).as_posix(), []
    except ValueError:
        return "", [Problem(source.config_file.name, 0, 0, f"{setting}: {path} is outside the project folder; "
                            "`findings generate` copies only the project's own files: move it inside")]


def _snippets(source: Source) -> Callable[[str], str]:
    """Include a page's snippets as the build would (pymdownx.snippets, with the site's settings)."""
    if SNIPPETS not in source.extensions:
        return lambda markdown: markdown
    snippet = Markdown(extensions=[SNIPPETS], extension_configs={
        SNIPPETS: source.extension_configs.get(SNIPPETS, {})}).preprocessors["snippet"]
    return lambda markdown: "\n".join(snippet.run(markdown.split("\n")))


def not_in_nav(unlisted: set[str], pages: list[str]) -> list[str]:
    """The not_in_nav patterns for the pages the plugin keeps out of the navigation: a folder's
    when no other page is in it (``/sources/``), else each page's (``/a-finding.md``)."""
    listed = {path.split("/")[0] for path in pages if "/" in path and path not in unlisted}
    folders = sorted({path.split("/")[0] for path in unlisted if "/" in path} - listed)
    return [f"/{folder}/" for folder in folders] + [f"/{path}" for path in sorted(unlisted)
                                                    if path.split("/")[0] not in folders]


def portable_config(source: Source, unlisted: list[str]) -> tuple[str, list[Problem], list[tuple[str, str]]]:
    """The site's mkdocs.yml without the findings plugin (the pages it makes are files now) and
    without snippets (included already); with the extensions the pages need, the footer the
    plugin sets, and the ``unlisted`` patterns under not_in_nav. Tags (!ENV, !!python/name)
    stay as written. Also the problems (what only MkDocs reads), and the settings naming files
    to copy with their values (the theme's custom_dir, hooks)."""
    name = source.config_file.name
    text = source.config_file.read_text(encoding="utf-8")
    root = yaml.compose(text, Loader=yaml.SafeLoader)  # nodes: tags and order kept as written
    problems = []
    if _get(root, "INHERIT"):
        problems.append(Problem(name, _get(root, "INHERIT")[0].start_mark.line + 1, 0, (
            "INHERIT: `findings generate` reads one mkdocs.yml; write the inherited settings into this file")))
    plugins = _get(root, "plugins")
    if plugins:
        _drop(plugins[1], "findings")
    _add_missing(root, "markdown_extensions", REQUIRED_EXTENSIONS, dropped=SNIPPETS)
    problems += [Problem(name, node.start_mark.line + 1, node.start_mark.column + 1,
                         f"{node.tag} is read by MkDocs alone, and other engines stop on it; write the path "
                         "relative to the folder the site is built from, e.g. base_path: .")
                 for node in _nodes(root) if node.tag == "!relative"]  # snippets' own has gone with them
    _add_missing(root, "extra_javascript", SCRIPTS)
    if source.site.licence[0]:
        _set(root, "copyright", _scalar(footer(source.copyright, source.site.licence), '"'))
    existing = _get(root, "not_in_nav")
    patterns = (existing[1].value.rstrip("\n") + "\n" if existing else "") + "".join(f"{p}\n" for p in unlisted)
    _set(root, "not_in_nav", _scalar(patterns, "|"))
    theme = _get(root, "theme")
    custom_dir = _get(theme[1], "custom_dir") if theme and isinstance(theme[1], yaml.MappingNode) else None
    hooks = _get(root, "hooks")
    copied = ([("theme.custom_dir", custom_dir[1].value)] if custom_dir else []) + (
        [("hooks", item.value) for item in hooks[1].value] if hooks and isinstance(hooks[1], yaml.SequenceNode) else [])
    header = (f"# Written by `findings generate` from the site's {name}, without the findings plugin: its pages\n"
              "# are files here. Change the site's own files and generate again; changes here are overwritten.\n")
    return header + yaml.serialize(root, allow_unicode=True, width=10_000), problems, copied


def _add_missing(root: yaml.MappingNode, key: str, names: Iterable[str], dropped: str = "") -> None:
    """Give the list setting ``key`` (made if absent) each of ``names`` it lacks, after taking out
    ``dropped``; a setting written as a mapping is left as it is."""
    entry = _get(root, key)
    if entry is None:
        root.value.append((_scalar(key), yaml.SequenceNode("tag:yaml.org,2002:seq", [])))
        entry = root.value[-1]
    if dropped:
        _drop(entry[1], dropped)
    if isinstance(entry[1], yaml.SequenceNode):
        given = {_name(item) for item in entry[1].value}
        entry[1].value += [_scalar(name) for name in names if name not in given]


def _scalar(value: str, style: str | None = None) -> yaml.ScalarNode:
    return yaml.ScalarNode("tag:yaml.org,2002:str", value, style=style)


def _nodes(node: yaml.Node):
    yield node
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _nodes(item)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _nodes(key)
            yield from _nodes(value)


def _get(mapping: yaml.Node, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    if not isinstance(mapping, yaml.MappingNode):
        return None
    return next(((k, v) for k, v in mapping.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)


def _set(mapping: yaml.MappingNode, key: str, value: yaml.Node) -> None:
    mapping.value = [(k, v) for k, v in mapping.value if not (isinstance(k, yaml.ScalarNode) and k.value == key)]
    mapping.value.append((_scalar(key), value))


def _name(item: yaml.Node) -> str:
    """The name of an entry in a list of plugins or extensions: `- name` or `- name: {settings}`."""
    if isinstance(item, yaml.ScalarNode):
        return item.value
    if isinstance(item, yaml.MappingNode) and len(item.value) == 1:
        return item.value[0][0].value
    return ""


def _drop(collection: yaml.Node, name: str) -> None:
    """Remove the entry ``name`` from a list (or mapping) of plugins or extensions."""
    if isinstance(collection, yaml.SequenceNode):
        collection.value = [item for item in collection.value if _name(item) != name]
    elif isinstance(collection, yaml.MappingNode):
        collection.value = [(k, v) for k, v in collection.value if k.value != name]


def write_project(files: dict[str, bytes], out: Path) -> list[str]:
    """Write the project into ``out`` (checked by check_output): files whose content changed,
    then the manifest; files the last run wrote and this one does not are removed. Returns the
    paths written or removed."""
    manifest = out / MANIFEST
    before = json.loads(manifest.read_text(encoding="utf-8"))["files"] if manifest.is_file() else []
    changed = []
    for path in sorted(set(before) - set(files)):
        target = (out / path).resolve()
        if out in target.parents and target.is_file():  # never outside the folder, whatever the manifest says
            target.unlink()
            changed.append(path)
            for folder in target.parents:
                if folder == out or any(folder.iterdir()):
                    break
                folder.rmdir()
    for path, content in sorted(files.items()):
        target = out / path
        if not target.is_file() or target.read_bytes() != content:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            changed.append(path)
    listing = json.dumps({"written by": "findings generate", "files": sorted(files)}, indent=1) + "\n"
    if not manifest.is_file() or manifest.read_text(encoding="utf-8") != listing:
        manifest.write_text(listing, encoding="utf-8")
    return changed
