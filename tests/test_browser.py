"""The built site in a real browser: axe-core finds no WCAG 2.1 A/AA violation on any kind of
page, the keyboard reaches and follows citations, pages fit a phone and a desktop, and a printed
page is its content only.

The site is built once, served on 127.0.0.1 and opened in headless Chromium (Debian's `chromium`
package, driven by Playwright; `playwright install` is never needed). Requests that leave
127.0.0.1 (web fonts) are refused, so the tests need no network. Screenshots at 390 px and
1280 px go to tests/screenshots/ (or $SCREENSHOT_DIR) for a person to look at.

Chromium is looked for as $CHROMIUM, then as `chromium` (Debian), `chromium-browser` or
`google-chrome` on the PATH, then in macOS's Applications folder. Without it these tests are
skipped with one notice, unless the CI environment variable is set: then they fail."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import re
import shutil
import sys
import threading
from pathlib import Path

import pytest
import yaml

from conftest import read_config

try:
    from playwright.sync_api import sync_playwright
    from axe_playwright_python.sync_playwright import Axe
except ImportError as error:  # pragma: no cover - depends on the machine
    sync_playwright = Axe = None
    MISSING_PACKAGE = str(error)

MAC_BROWSERS = ("/Applications/Chromium.app/Contents/MacOS/Chromium",
                "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome")


def find_chromium() -> str | None:
    """The Chromium (or Chrome) these tests drive, or None when the machine has none."""
    names = ("chromium", "chromium-browser", "google-chrome")
    found = [os.environ.get("CHROMIUM")] + [shutil.which(name) for name in names]
    return next((path for path in found + list(MAC_BROWSERS) if path and Path(path).is_file()), None)


# As root and on a machine without internet, Chromium needs no sandbox and none of its
# background networking (it stalls on refused connections otherwise).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE, DESKTOP = 390, 1280
HEIGHTS = {PHONE: 844, DESKTOP: 800}
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR") or Path(__file__).parent / "screenshots")

# One page of each kind the plugin generates, plus the hand-written home page.
KINDS = ["home", "themes index", "theme", "finding", "source", "bibliography", "questions",
         "evidence map", "tags", "browse", "public body", "kind of evidence"]


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI is set, so the browser tests must run (see the README's test command)",
                    pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    if sync_playwright is None:
        _unavailable(f"Playwright or axe-playwright-python is not installed ({MISSING_PACKAGE}): "
                     "python3 -m pip install -e '.[test]'")
    executable = find_chromium()
    if executable is None:
        _unavailable("browser tests skipped: no Chromium found (install the chromium package, "
                     "or set CHROMIUM to a Chromium or Chrome program)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A tab closed while a file was still being sent (the search index) is not an error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def served(folder: Path):
    """A built site served on 127.0.0.1 at a free port: its address, e.g. 'http://127.0.0.1:43117/'."""
    server = _Server(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def site_url(built_site) -> str:
    with served(built_site) as url:
        yield url


def _first_dir(folder: Path) -> str:
    names = sorted(p.name for p in folder.iterdir() if (p / "index.html").is_file())
    assert names, f"no pages in {folder}"
    return names[0]


@pytest.fixture(scope="session")
def site_pages(sample_root, built_site, page_text) -> dict[str, str]:
    """Kind of page -> its path on the site. The finding is the one with the longest title
    (the hardest to lay out) that has a citation; the theme is the first one configured."""
    theme = page_text.plugin_settings(sample_root / "mkdocs.yml")["themes"][0]["id"]
    findings = []
    for path in sorted((sample_root / "findings").glob("*/*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if data.get("citations") and (built_site / path.stem / "index.html").is_file():
            findings.append((len(str(data.get("title", ""))), path.stem))
    assert findings, "no published finding with a citation"
    finding = max(findings)[1]
    return {
        "home": "",
        "themes index": "themes/",
        "theme": f"themes/{theme}/",
        "finding": f"{finding}/",
        "source": f"sources/{_first_dir(built_site / 'sources')}/",
        "bibliography": "bibliography/",
        "questions": "questions/",
        "evidence map": "evidence-map/",
        "tags": "tags/",
        "browse": "browse/",
        "public body": f"public-bodies/{_first_dir(built_site / 'public-bodies')}/",
        "kind of evidence": f"evidence/{_first_dir(built_site / 'evidence')}/",
    }


@pytest.fixture
def open_page(browser, site_url):
    """``open_page(path, width, script)``: a fresh browser tab of that width showing a page of the
    site, ``script`` (if given) run before the page's own."""
    contexts = []

    def open_(path: str, width: int = DESKTOP, script: str = ""):
        context = browser.new_context(viewport={"width": width, "height": HEIGHTS[width]})
        contexts.append(context)
        context.set_default_timeout(20_000)
        # Nothing but the site itself: no web fonts or anything else from outside.
        context.route(re.compile(r"^(?!" + re.escape(site_url) + ")"), lambda route: route.abort())
        if script:
            context.add_init_script(script)
        page = context.new_page()
        response = page.goto(site_url + path)
        assert response is not None and response.ok, f"{site_url + path}: {response.status if response else 'no response'}"
        return page

    yield open_
    for context in contexts:
        context.close()


def _report(where: str, violations: list[dict]) -> str:
    lines = [f"{where}: {len(violations)} axe violations"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {', '.join(map(str, node['target']))}: {summary}")
    return "\n".join(lines)


@pytest.mark.parametrize("kind", KINDS)
def test_axe_finds_no_wcag_violation(kind, site_pages, open_page):
    page = open_page(site_pages[kind], DESKTOP)
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS},
                                       "resultTypes": ["violations"]})
    violations = results.response["violations"]
    assert not violations, _report(f"{kind} page /{site_pages[kind]}", violations)


def test_search_works_from_the_keyboard_and_its_results_pass_axe(site_pages, open_page, site_url):
    page = open_page(site_pages["home"], DESKTOP)
    page.keyboard.press("/")  # Material's shortcut to the search box
    assert page.evaluate("document.activeElement.matches('.md-search__input')"), "'/' did not focus the search box"
    page.keyboard.type("council")
    page.locator(".md-search-result__item").first.wait_for()
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS},
                                       "resultTypes": ["violations"]})
    violations = results.response["violations"]
    assert not violations, _report("search results for 'council'", violations)
    page.keyboard.press("ArrowDown")
    first = page.evaluate("document.activeElement.href")
    assert first and first.startswith(site_url), f"ArrowDown did not reach a search result: {first}"
    page.keyboard.press("Enter")
    page.wait_for_url(first)


# The page's messages to Material's search worker and the worker's answers, counted: the results
# shown are those of the whole query once the last message asked for it and every one is answered.
_COUNT_SEARCHES = """
window.__asked = 0; window.__answered = 0; window.__lastAsked = null;
const PageWorker = window.Worker;
window.Worker = class extends PageWorker {
  constructor(...args) { super(...args); this.addEventListener('message', () => { window.__answered += 1; }); }
  postMessage(message, ...rest) {
    window.__asked += 1; window.__lastAsked = message && message.data;
    return super.postMessage(message, ...rest);
  }
};
"""


def _search(page, query: str) -> tuple[str, list[dict]]:
    """Type ``query`` into the search box of a page opened with _COUNT_SEARCHES and wait for its
    results: the count Material states, and each result as the page's path and the titles shown."""
    page.wait_for_function("window.__answered > 0 && window.__asked === window.__answered")  # the index is ready
    page.keyboard.press("/")
    page.keyboard.type(query)
    page.wait_for_function("query => window.__lastAsked === query && window.__asked === window.__answered", arg=query)
    return page.inner_text(".md-search-result__meta"), page.evaluate("""() =>
      [...document.querySelectorAll('.md-search-result__list > .md-search-result__item')].map(item => ({
        page: new URL(item.querySelector('a').href).pathname.slice(1),
        titles: [...item.querySelectorAll('article h1, article h2')].map(h => h.innerText.trim())}))""")


_NDC = {f"ndc-{name}/" for name in (
    "agencies-improved-area-perception", "closer-senior-agency-relationships", "improved-agency-relationships",
    "national-targets-barrier", "public-sector-risk-aversion", "regional-remit-neighbourhood-barrier",
    "reorganisation-staff-turnover-challenges")}

# Query; the pages one of which comes first (those fitting it equally well); every page found, if
# the query is that narrow.
SEARCHES = [
    # Words of one finding, which its neighbours' pagers, its theme page, its source's "cited by",
    # the bibliography and the tags page all repeated: its own page alone.
    ("staff turnover", {"ndc-reorganisation-staff-turnover-challenges/"},
     {"ndc-reorganisation-staff-turnover-challenges/"}),
    # The two findings tagged health whose claims name health bodies, then the rest.
    ("health", {"health-agency-cuts-mergers-outsourcing/", "health-relationships-weaker/"}, None),
    # Six of the seven New Deal for Communities findings never say NDC: the synonym finds them,
    # the theme page whose description names the programme, and the evaluation's source page.
    ("NDC", _NDC, _NDC | {"themes/place-based-lessons/", "sources/batty2010/"}),
    ("New Deal for Communities", _NDC, None),
    # The evaluation's author: its source page, not the seven findings citing it.
    ("Batty", {"sources/batty2010/"}, {"sources/batty2010/"}),
    # A theme's title: its page, before the findings tagged power.
    ("Power dynamics", {"themes/power-dynamics/"}, None),
]


@pytest.mark.parametrize("query, first, found", SEARCHES, ids=[search[0] for search in SEARCHES])
def test_search_finds_each_page_once_and_the_one_wanted_first(query, first, found, site_pages, open_page):
    page = open_page(site_pages["home"], DESKTOP, _COUNT_SEARCHES)
    stated, results = _search(page, query)
    pages = [result["page"] for result in results]
    assert pages and pages[0] in first, f"{query!r}: first result {pages[:1]}, wanted one of {sorted(first)}"
    assert len(pages) == len(set(pages)), f"{query!r}: a page listed twice: {pages}"
    titles = [title for result in results for title in result["titles"]]
    assert titles.count(results[0]["titles"][0]) == 1, f"{query!r}: {results[0]['titles'][0]!r} shown again: {titles}"
    if found is not None:
        assert set(pages) == found and stated == f"{len(found)} matching document{'s' if len(found) > 1 else ''}", \
            f"{query!r}: {stated}: {pages}"
    if query == "NDC":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "search-ndc.png"))
    assert first <= set(pages), f"{query!r}: not found: {sorted(first - set(pages))}"


_FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const style = getComputedStyle(e);
  return {href: e.href || null, text: (e.innerText || e.value || '').trim().slice(0, 80),
          className: String(e.className || ''), outline: style.outlineStyle, outlineWidth: style.outlineWidth};
}"""


def _tab_until(page, wanted: str, limit: int = 200) -> list[dict]:
    """Press Tab until the focused element's href is `wanted`; every element focused on the way."""
    focused = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = page.evaluate(_FOCUSED)
        focused.append(now)
        if now and now["href"] == wanted:
            return focused
    raise AssertionError(f"{limit} presses of Tab never reached {wanted}; focus went through:\n"
                         + "\n".join(f"  {f}" for f in focused))


def test_keyboard_reaches_the_theme_and_a_citation_and_follows_it(site_pages, open_page):
    page = open_page(site_pages["finding"], DESKTOP)
    links = page.evaluate("""() => {
      const article = [...document.querySelectorAll('article a')];
      const theme = article.find(a => /\\/themes\\/[^/]+\\/$/.test(a.pathname));
      const citation = article.find(a => a.pathname.endsWith('/bibliography/') && a.hash.length > 1);
      return {theme: theme && theme.href, citation: citation && citation.href};
    }""")
    assert links["theme"], "no link to the finding's theme"
    assert links["citation"], "no citation linking to the bibliography"

    first = _tab_until(page, links["theme"])
    assert first[0] and "md-skip" in first[0]["className"], f"the first Tab should reach 'Skip to content', not {first[0]}"
    theme = first[-1]
    assert theme["outline"] != "none" and theme["outlineWidth"] != "0px", f"no visible focus on the theme link: {theme}"

    _tab_until(page, links["citation"])
    page.keyboard.press("Enter")
    key = links["citation"].split("#", 1)[1]
    page.wait_for_url(re.compile(r"/bibliography/#" + re.escape(key) + "$"))
    target = page.evaluate("() => { const t = document.querySelector(':target'); if (!t) return null;"
                           " const r = t.getBoundingClientRect(); return {id: t.id, top: r.top, bottom: r.bottom}; }")
    assert target and target["id"] == key, f"Enter on the citation did not land on #{key}: {target}"
    assert 0 <= target["bottom"] and target["top"] < 800, f"#{key} is not scrolled into view: {target}"


def test_skip_link_jumps_over_the_navigation(site_pages, open_page):
    page = open_page(site_pages["finding"], DESKTOP)
    page.keyboard.press("Tab")
    assert "md-skip" in page.evaluate(_FOCUSED)["className"]
    page.keyboard.press("Enter")
    theme = page.evaluate("() => [...document.querySelectorAll('article a')].find(a => /\\/themes\\//.test(a.pathname)).href")
    focused = _tab_until(page, theme, limit=5)  # past the title's permalink, straight to the theme
    assert len(focused) <= 5


SCREENSHOT_PAGES = ["home", "theme", "finding", "evidence map", "browse", "bibliography", "source"]


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
@pytest.mark.parametrize("kind", SCREENSHOT_PAGES)
def test_page_fits_the_screen_and_is_screenshotted(kind, width, site_pages, open_page):
    page = open_page(site_pages[kind], width)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{kind.replace(' ', '-')}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    # Nothing makes the page itself scroll sideways: wide tables scroll inside their own box.
    overflow = page.evaluate("""() => {
      const width = document.documentElement.clientWidth;
      if (document.scrollingElement.scrollWidth <= width) return null;
      return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > width + 1)
        .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : ''));
    }""")
    assert overflow is None, f"/{site_pages[kind]} at {width} px scrolls sideways; too wide: {overflow}"


def test_evidence_map_scrolls_in_its_own_box_on_a_phone_keeping_the_themes_in_view(site_pages, open_page):
    page = open_page(site_pages["evidence map"], PHONE)
    result = page.evaluate("""() => {
      const table = document.querySelector('.evidence-map table');
      let box = table.parentElement;
      while (box && !(box.scrollWidth > box.clientWidth && getComputedStyle(box).overflowX === 'auto')) box = box.parentElement;
      if (!box || box === document.documentElement || box === document.body) return null;
      const theme = table.querySelector('tbody th');
      box.scrollLeft = box.scrollWidth;
      const shown = box.getBoundingClientRect(), cell = theme.getBoundingClientRect();
      return {box: box.className, scrolled: box.scrollLeft, box_left: shown.left, box_right: shown.right,
              theme_left: cell.left, theme_right: cell.right};
    }""")
    assert result, "the evidence map does not scroll inside a box of its own on a phone"
    assert result["scrolled"] > 0
    assert result["box_left"] - 1 <= result["theme_left"] and result["theme_right"] <= result["box_right"], \
        f"scrolled to its last column, the map hides the theme names: {result}"


def test_the_evidence_map_shows_every_column_whole_on_a_desktop(site_pages, open_page):
    page = open_page(site_pages["evidence map"], DESKTOP)
    result = page.evaluate("""() => {
      const box = document.querySelector('.evidence-map'), shown = box.getBoundingClientRect();
      const cells = [...box.querySelectorAll('thead th, tbody tr:first-child > *')];
      return {box: [box.scrollWidth, box.clientWidth],
              cut: cells.filter(c => c.getBoundingClientRect().right > shown.right + 1 || c.scrollWidth > c.clientWidth + 1)
                        .map(c => c.innerText.trim()),
              columns: box.querySelectorAll('thead th').length};
    }""")
    assert result["columns"] >= 4
    assert result["box"][0] <= result["box"][1], f"at {DESKTOP} px the map is wider than its box: {result}"
    assert not result["cut"], f"at {DESKTOP} px these columns are cut off: {result['cut']}"


def test_the_evidence_map_says_it_scrolls_on_a_phone_until_scrolled_to_the_end(site_pages, open_page):
    page = open_page(site_pages["evidence map"], PHONE)
    state = """() => {
      const box = document.querySelector('.evidence-map'), cue = box.querySelector('.evidence-map__cue');
      const style = getComputedStyle(box), shown = cue.getBoundingClientRect();
      return {cue: cue.checkVisibility({opacityProperty: true}) ? cue.innerText.trim() : null,
              in_view: shown.left >= box.getBoundingClientRect().left && shown.right <= innerWidth,
              shadow: style.backgroundImage.includes('radial-gradient') && style.backgroundAttachment,
              supported: CSS.supports('animation-timeline: scroll()')};
    }"""
    start = page.evaluate(state)
    assert start["cue"] and "sideways" in start["cue"] and start["in_view"], start
    # The edge shadow stays at the box's edge; a cover that scrolls with the table hides it at the end.
    assert start["shadow"] and start["shadow"].startswith("local, scroll"), start
    page.evaluate("() => { const box = document.querySelector('.evidence-map'); box.scrollLeft = box.scrollWidth / 2; }")
    page.wait_for_timeout(100)
    assert page.evaluate(state)["in_view"], "the line saying the map scrolls scrolled out of view with it"
    if start["supported"]:  # else the line stays, on a phone, whatever the scrolling
        page.evaluate("() => { const box = document.querySelector('.evidence-map'); box.scrollLeft = box.scrollWidth; }")
        page.wait_for_timeout(100)
        assert page.evaluate(state)["cue"] is None, "scrolled to its end, the map still says it scrolls"


def test_the_keyboard_reaches_and_scrolls_the_evidence_map_on_a_phone(site_pages, open_page):
    page = open_page(site_pages["evidence map"], PHONE)
    for _ in range(100):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('.evidence-map')"):
            break
    else:
        raise AssertionError("Tab never reached the evidence map's scrolling box")
    name = page.evaluate("""() => { const box = document.activeElement;
      return [box.getAttribute('role'), document.getElementById(box.getAttribute('aria-labelledby')).innerText]; }""")
    assert name == ["region", "Findings by theme and kind of public body"], name
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.activeElement.scrollLeft > 0")
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS},
                                       "resultTypes": ["violations"]})
    violations = results.response["violations"]
    assert not violations, _report(f"evidence map at {PHONE} px, scrolled", violations)


def test_the_menu_shows_a_findings_theme_as_it_shows_the_current_page(site_pages, open_page, site_url):
    colour = """(href) => { const link = [...document.querySelectorAll('.md-nav--primary a.md-nav__link')]
      .find(a => a.href === href); return link && getComputedStyle(link).color; }"""
    finding = open_page(site_pages["finding"], DESKTOP)
    theme = finding.evaluate("() => [...document.querySelectorAll('article a')].find(a => /\\/themes\\/[^/]+\\/$/.test(a.pathname)).href")
    theme = theme.split("#")[0]  # the finding's place on its theme page
    marked = finding.evaluate(colour, theme)
    on_theme = open_page(theme.removeprefix(site_url), DESKTOP)
    current, other = on_theme.evaluate(colour, theme), on_theme.evaluate(colour, site_url)
    assert marked == current != other, f"menu link to the theme: {marked} on the finding, {current} on the theme (others {other})"


@pytest.mark.parametrize("kind", ["home", "finding"])
def test_the_site_name_is_whole_in_the_header_on_a_phone(kind, site_pages, open_page, sample_root):
    page = open_page(site_pages[kind], PHONE)
    title = page.evaluate("""() => { const e = document.querySelector('.md-header__topic:first-child .md-ellipsis');
      return {text: e.innerText.trim(), width: [e.scrollWidth, e.clientWidth], height: [e.scrollHeight, e.clientHeight],
              inside: e.getBoundingClientRect().bottom <= document.querySelector('.md-header').getBoundingClientRect().bottom}; }""")
    assert " ".join(title["text"].split()) == read_config(sample_root / "mkdocs.yml")["site_name"]
    assert title["width"][0] <= title["width"][1] and title["height"][0] <= title["height"][1] and title["inside"], \
        f"at {PHONE} px the site's name is cut short in the header: {title}"


@pytest.mark.parametrize("kind", ["finding", "theme"])
def test_a_printed_page_is_its_content_only(kind, site_pages, open_page):
    page = open_page(site_pages[kind], DESKTOP)
    page.emulate_media(media="print")
    shown = page.evaluate("""() => Object.fromEntries(
      ['.md-header', '.md-search', '.md-tabs', '.md-sidebar--primary', '.md-sidebar--secondary',
       '.md-footer', '.md-top', '.md-skip', 'article h1', 'article']
        .map(s => [s, [...document.querySelectorAll(s)].some(e => e.checkVisibility())]))""")
    hidden = {name: visible for name, visible in shown.items() if not name.startswith("article")}
    assert not any(hidden.values()), f"printed with the page: {[name for name, v in hidden.items() if v]}"
    assert shown["article"] and shown["article h1"], "the content itself is not printed"
    # A link whose text is its own address is not followed by the address again.
    repeated = page.evaluate("""() => [...document.querySelectorAll('article a[href^="http"]')]
      .filter(a => a.textContent.trim() === a.getAttribute('href') && getComputedStyle(a, '::after').content !== 'none')
      .map(a => a.href)""")
    assert not repeated, f"printed twice: {repeated}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.pdf(path=str(SCREENSHOTS / f"{kind}-print.pdf"), format="A4", print_background=True)


# Script traps: every way a payload in the hostile entries could run ends up recorded here.
_TRAPS = """
window.__ran = [];
for (const name of ['alert', 'confirm', 'prompt', 'print']) {
  window[name] = (...args) => { window.__ran.push(name + '(' + args.join(',') + ')'); };
}
"""


@pytest.fixture(scope="module")
def hostile_url(hostile_site):
    """The site built from hostile bibliography entries, served on 127.0.0.1."""
    assert hostile_site.code == 0, hostile_site.output
    server = _Server(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(hostile_site.site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


# Citations link to the reference list (Material shows their title as a tooltip, taking the
# attribute off the link); .url links are a reference's own address.
_CITATIONS = "article a[href*='bibliography/#'], article a.url"


@pytest.mark.parametrize("path", ["hostile-sources/", "themes/power-dynamics/", "sources/url2021/"])
def test_hovering_focusing_and_clicking_every_citation_runs_no_script(browser, hostile_url, path):
    context = browser.new_context(viewport={"width": DESKTOP, "height": HEIGHTS[DESKTOP]})
    context.set_default_timeout(20_000)
    context.route(re.compile(r"^(?!" + re.escape(hostile_url) + ")"), lambda route: route.abort())
    context.add_init_script(_TRAPS)
    dialogs = []
    try:
        page = context.new_page()
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(hostile_url + path)
        links = page.locator(_CITATIONS)
        count = links.count()
        assert count >= 1, f"{path}: no citation to try"
        for index in range(count):
            link = links.nth(index)
            if not link.is_visible():
                continue
            link.hover()
            link.focus()
            page.wait_for_timeout(50)  # let Material show the tooltip
            href = link.get_attribute("href") or ""
            assert not re.match(r"\s*(javascript|data|vbscript):", href, re.I), href
            if href.startswith(("http://", "https://")) and not href.startswith(hostile_url):
                continue  # an outside address: following it would only be refused
            link.click()
            page.wait_for_load_state()
            assert page.evaluate("window.__ran") == [] and dialogs == [], (path, href)
            assert page.url.startswith(hostile_url), page.url
            page.goto(hostile_url + path)
            links = page.locator(_CITATIONS)
        assert page.evaluate("window.__ran") == [] and dialogs == []
        assert page.locator("article img, article script, article iframe").count() == 0
    finally:
        context.close()


_SHOWN = """() => [...document.querySelectorAll('[data-findings-list] > li')].filter(li => li.checkVisibility())
  .map(li => new URL(li.querySelector('a').href).pathname.split('/').slice(-2)[0]).sort()"""


def _matching(sample_root, **wanted) -> list[str]:
    """The sample's published findings with, for each field given, one of the values given."""
    found = []
    for path in sorted((sample_root / "findings").glob("*/*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if data.get("status", "published") != "published":
            continue
        has = {"theme": [data["theme"]], "evidence": [data.get("evidence")], "tags": data.get("tags", []),
               "public_bodies": data.get("public_bodies", [])}
        if all(set(values) & set(has[field]) for field, values in wanted.items()):
            found.append(path.stem)
    return sorted(found)


def test_browse_filters_show_the_matching_findings_count_them_and_keep_them_in_the_address(
        site_pages, open_page, sample_root, site_url):
    page = open_page(site_pages["browse"], DESKTOP)
    every = _matching(sample_root)
    count = page.locator(".browse-count")
    assert count.is_visible() and count.inner_text() == f"{len(every)} of {len(every)} findings shown."
    assert page.evaluate(_SHOWN) == every
    # From the keyboard: Tab to the first theme's box and tick it with Space.
    page.locator("input[name=theme][value=power-dynamics]").focus()
    page.keyboard.press("Space")
    page.get_by_label("Qualitative research (", exact=False).check()
    page.get_by_label("Police (", exact=False).check()
    page.get_by_label("Local authorities and councils (", exact=False).check()
    wanted = {"theme": ["power-dynamics"], "evidence": ["qualitative"],
              "public_bodies": ["local-authorities", "police"]}
    expected = _matching(sample_root, **wanted)
    assert 0 < len(expected) < len(every)
    assert page.evaluate(_SHOWN) == expected
    assert count.inner_text() == f"{len(expected)} of {len(every)} findings shown."
    assert page.url == (site_url + site_pages["browse"] + "?theme=power-dynamics&evidence=qualitative"
                        "&public_bodies=local-authorities&public_bodies=police")
    page.select_option("#filter-tags", "councillors")
    expected = _matching(sample_root, tags=["councillors"], **wanted)
    assert page.evaluate(_SHOWN) == expected and page.url.endswith("&tags=councillors")
    # The address is the filtered view: opened again, it shows the same findings and choices.
    shared = page.url
    page.goto(shared)
    assert page.evaluate(_SHOWN) == expected
    assert page.locator("input[name=evidence][value=qualitative]").is_checked()
    assert page.locator("#filter-tags").input_value() == "councillors"
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]})
    assert not results.response["violations"], _report("filtered browse page", results.response["violations"])
    # Nothing matches: the page says so.
    page.select_option("#filter-tags", "covid-19")
    assert page.evaluate(_SHOWN) == [] and page.locator("[data-none]").is_visible()
    assert count.inner_text() == f"0 of {len(every)} findings shown."
    page.get_by_role("button", name="Clear filters").click()
    assert page.evaluate(_SHOWN) == every and page.url == site_url + site_pages["browse"]
    assert not page.locator("[data-none]").is_visible()
    assert page.locator("form[data-findings-filter] input:checked").count() == 0


def test_browse_with_an_unknown_value_in_the_address_ignores_it(site_pages, open_page, site_url):
    page = open_page(site_pages["browse"] + "?theme=covid-19&tags=no-such-tag&colour=red", DESKTOP)
    assert page.locator("#filter-tags").input_value() == ""
    assert page.url == site_url + site_pages["browse"] + "?theme=covid-19"
    assert len(page.evaluate(_SHOWN)) == 2


def test_browse_without_javascript_lists_every_finding(browser, site_url, site_pages, sample_root):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site_url + site_pages["browse"] + "?theme=covid-19")
        shown = page.locator("[data-findings-list] > li")
        assert shown.count() == len(_matching(sample_root))
        assert all(shown.nth(i).is_visible() for i in range(shown.count()))
        assert not page.locator("form[data-findings-filter]").is_visible()
        assert not page.locator(".browse-count").is_visible()
    finally:
        context.close()


WEIGHED_SOURCES = """
@article{baker2016, author = {Baker, L.}, title = {Working together}, year = {2016}, journal = {J}}
@report{mccabe2019, author = {McCabe, A.}, title = {Power in place}, year = {2019}, institution = {TSRC}}
"""


def test_browse_orders_findings_by_strength_or_date_and_keeps_the_order_in_the_address(
        browser, project, build_site, tmp_path):
    project.write("bibliography.bib", (project.root / "bibliography.bib").read_text(encoding="utf-8") + WEIGHED_SOURCES)
    project.write("findings/power-dynamics/shared-outcomes.yml", "title: Shared outcomes help.\n"
                  "theme: power-dynamics\nsummary: Text.\ncitations: [baker2016, mccabe2019, kaye2020]\n"
                  "added: 2019-01-01\n")
    newest = project.root / "findings/relationship-quality/good-relationships-with-external-partners.yml"
    newest.write_text(newest.read_text(encoding="utf-8") + "added: 2024-05-06\n", encoding="utf-8")
    code, output, site = build_site(project.config, tmp_path / "site")
    assert code == 0, output
    with served(site) as url:
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(url + "browse/")
            listed = lambda: page.evaluate(_SHOWN.replace(".sort()", ""))
            as_built = listed()
            page.select_option("#browse-sort", "strength")
            by_strength = listed()
            assert by_strength[:2] == ["shared-outcomes", "devolving-power-enables-local-solutions"], by_strength
            assert page.url == url + "browse/?sort=strength"
            page.select_option("#browse-sort", "date")
            assert listed()[:2] == ["good-relationships-with-external-partners", "shared-outcomes"]
            page.goto(url + "browse/?sort=strength&theme=power-dynamics")
            assert listed() == [name for name in by_strength if name in (
                "shared-outcomes", "devolving-power-enables-local-solutions", "influence-local-decision-making")]
            page.get_by_role("button", name="Clear filters").click()
            assert listed() == as_built and page.url == url + "browse/"
        finally:
            context.close()
