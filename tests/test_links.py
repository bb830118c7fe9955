"""Every internal link on the built site leads somewhere: build the real repository once, read
every HTML page and check each href and src that stays on the site, and each #anchor."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit


# Where the site is pretended to live while resolving relative links.
BASE = "http://site.invalid/"
SKIP_SCHEMES = {"mailto", "tel", "javascript", "data"}
# (tag, attribute) pairs that point at something the site should serve.
LINK_ATTRIBUTES = {("a", "href"), ("area", "href"), ("link", "href"), ("img", "src"), ("script", "src"),
                   ("source", "src"), ("iframe", "src")}
# <link rel=...> values that name something other than a file of this site.
NOT_FILES = {"preconnect", "dns-prefetch"}


class _Page(HTMLParser):
    """The ids on a page and the links (tag, attribute, value, line) it holds."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str, str, int]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        if tag == "a" and attributes.get("name"):
            self.ids.add(attributes["name"])
        rel = set((attributes.get("rel") or "").split())
        if tag == "link" and rel & NOT_FILES:
            return
        for name, value in attrs:
            if (tag, name) in LINK_ATTRIBUTES and value is not None:
                self.links.append((tag, name, value, self.getpos()[0]))

    handle_startendtag = handle_starttag


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def _target_file(site: Path, url_path: str) -> Path:
    """The file a URL path on the site names (a folder means its index.html)."""
    target = site / unquote(url_path).lstrip("/")
    if url_path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target


def broken_links(site: Path, site_url: str = "") -> tuple[list[str], int]:
    """Every broken internal link or anchor on the site as 'page:line: <tag attr="..."> ...',
    and how many internal links were checked."""
    pages = {path: _parse(path) for path in sorted(site.rglob("*.html"))}
    # Absolute links to the published site (canonical URLs, "Cite this finding") and paths from
    # the server root (the 404 page) count as internal.
    published = urlsplit(site_url) if site_url else None
    prefix = (published.path if published else "/").rstrip("/") + "/"
    problems: list[str] = []
    checked = 0
    for path, page in pages.items():
        here = BASE + path.relative_to(site).as_posix()
        for tag, attribute, value, line in page.links:
            link = value.strip()
            parts = urlsplit(link)
            if parts.scheme in SKIP_SCHEMES:
                continue
            if parts.scheme or parts.netloc:
                if not (published and parts.netloc == published.netloc and parts.path.startswith(prefix)):
                    continue  # external
                resolved = urlsplit(BASE + parts.path[len(prefix):] + (f"#{parts.fragment}" if parts.fragment else ""))
            elif link.startswith("/"):
                stripped = link[len(prefix):] if link.startswith(prefix) else link.lstrip("/")
                resolved = urlsplit(BASE + stripped)
            else:
                resolved = urlsplit(urljoin(here, link))
            checked += 1
            where = f"{path.relative_to(site).as_posix()}:{line}: <{tag} {attribute}=\"{value}\">"
            target = _target_file(site, resolved.path)
            if not target.is_file():
                problems.append(f"{where} -> no file {target.relative_to(site).as_posix()}")
                continue
            fragment = unquote(resolved.fragment)
            if not fragment or (tag, attribute) not in {("a", "href"), ("area", "href")}:
                continue
            if target.suffix != ".html":
                problems.append(f"{where} -> #{fragment} on a file that is not a page")
            elif fragment not in pages[target].ids:
                problems.append(f"{where} -> no id=\"{fragment}\" on {target.relative_to(site).as_posix()}")
    return problems, checked


def test_no_broken_internal_link_or_anchor(built_site, sample_root):
    site_url = re.search(r"^site_url:[ \t]*(\S*)", (sample_root / "mkdocs.yml").read_text(encoding="utf-8"), re.M)
    site_url = site_url[1].strip("'\"") if site_url else ""
    problems, checked = broken_links(built_site, site_url)
    assert checked > 1000, f"only {checked} internal links found: is the site built?"
    assert not problems, f"{len(problems)} broken internal links or anchors:\n" + "\n".join(problems)


def test_the_checker_finds_a_broken_link_and_a_broken_anchor(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "index.html").write_text(
        '<a href="a/">ok</a> <a href="a/#here">ok</a> <a href="#top">ok</a> <p id="top"></p>'
        '<a href="missing/">bad</a> <a href="a/#nowhere">bad</a> <a href="https://example.org/x">external</a>'
        '<a href="mailto:x@example.org">mail</a> <a href="https://example.org/site/a/#gone">bad</a>',
        encoding="utf-8")
    (tmp_path / "a" / "index.html").write_text('<h2 id="here">Here</h2>', encoding="utf-8")
    problems, checked = broken_links(tmp_path, "https://example.org/site/")
    assert checked == 6
    assert len(problems) == 3, problems
    assert "no file missing/index.html" in problems[0]
    assert 'no id="nowhere" on a/index.html' in problems[1]
    assert 'no id="gone" on a/index.html' in problems[2]


def test_no_broken_link_with_html_file_urls(copy_sample, build_site):
    """With `use_directory_urls: false` pages are folder/page.html; the citation links the plugin
    writes itself (HTML, not resolved by MkDocs) must follow."""
    root = copy_sample
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "\nuse_directory_urls: false\n", encoding="utf-8")
    code, output, site = build_site(config, root / "site")
    assert code == 0, output
    assert (site / "councillor-dual-role-conflicts.html").is_file()
    site_url = re.search(r"^site_url:[ \t]*(\S*)", config.read_text(encoding="utf-8"), re.M)[1]
    problems, checked = broken_links(site, site_url)
    assert checked > 1000
    assert not problems, "\n".join(problems)
