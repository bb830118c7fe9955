"""The one path from a record's or a bibliography entry's text to a generated page.

Generated pages are Markdown with inline HTML, so every value is written inert for both: HTML
syntax and Markdown syntax become character references, which the browser shows as the
characters they stand for. There is one function per place a value can go: ``text`` (element
text), ``attribute`` (an attribute value, such as a tooltip) and ``url`` (an address to link
to, checked by ``web_url``). A value made inert is never parsed as Markdown again; what Markdown has produced is never
put in an attribute without passing through ``attribute``.
"""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import quote, unquote, urlsplit

from markupsafe import Markup

# Characters HTML or Markdown would read as syntax, written as references so text stays text.
_INERT_TEXT = {ord(c): f"&#{ord(c)};" for c in "&<>\"'*_`[]{}\\#|~^"}
# In an attribute, also what Markdown extensions act on inside a tag's text: bare addresses and
# :emoji: (":"), ==marks== ("="), $math$ ("$").
_INERT_ATTRIBUTE = {**_INERT_TEXT, **{ord(c): f"&#{ord(c)};" for c in ":=$"}}


def text(value: str) -> Markup:
    """Element text in a Markdown page: HTML and Markdown syntax both inert."""
    return Markup(value.translate(_INERT_TEXT))


def attribute(value: str) -> Markup:
    """An attribute value (inside double quotes) in a Markdown page: whitespace folded to one
    line (a blank line would end the paragraph mid-tag), every character Markdown or HTML could
    act on written as a character reference."""
    return Markup(" ".join(value.split()).translate(_INERT_ATTRIBUTE))


# Characters no address holds: browsers drop them while reading a scheme, so they could hide one.
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
_DOI_PREFIX = re.compile(r"^\s*(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", re.I)


def web_url(value: str) -> str | None:
    """``value`` as an address a page may link to, or None. Only ``http`` and ``https`` with a
    host pass, and ``doi:10.…`` becomes ``https://doi.org/10.…``. The check is made on the value
    as a browser would read it (character references and percent-escapes decoded, invisible
    characters dropped), so no spelling of ``javascript:`` or ``data:`` gets through."""
    candidate = html.unescape(value).strip()
    if candidate[:4].lower() == "doi:":
        return doi_url(bare_doi(candidate))
    if _INVISIBLE.search(candidate) or "\\" in candidate:
        return None  # a space, control character or backslash inside an address: not a real one
    for form in (candidate, _INVISIBLE.sub("", unquote(candidate))):
        try:
            parts = urlsplit(form)
        except ValueError:  # e.g. an unbalanced [ in the host
            return None
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return None
    return candidate


# What Markdown could act on inside an address in a tag (links, code, escapes, autolinks), and
# what HTML could: percent-escaped, as addresses write them anyway.
_URL_UNSAFE = {ord(c): f"%{ord(c):02X}" for c in "\"'<>[]`\\ "}


def url(value: str) -> Markup | None:
    """An address for an ``href``, or None when ``value`` is not a web address (see ``web_url``)."""
    address = web_url(value)
    return None if address is None else Markup(address.translate(_URL_UNSAFE).replace("&", "&amp;"))


def bare_doi(value: str) -> str:
    """A DOI without the ``doi:`` or resolver prefix it is often written with."""
    return _DOI_PREFIX.sub("", value).strip()


def doi_url(doi: str) -> str:
    """The resolver address of a DOI, with the characters an address may not hold escaped."""
    return "https://doi.org/" + quote(doi, safe="/:;()._-~+")


def key_slug(key: str) -> str:
    """The stable name a BibTeX key gives its page and anchor (``sources/<slug>/``,
    ``#<slug>``): the key in Unicode's compatibility form, case-folded, its runs of letters and
    digits joined by hyphens. ``Baez/Article`` → ``baez-article``, ``Chambers'2014`` →
    ``chambers-2014``, ``javascript:void`` → ``javascript-void``. It holds no ``:``, ``/``, ``.``
    or ``#``, so it can never form a URL scheme or leave its folder; two keys with the same slug
    are reported by the bibliography stage."""
    words = re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", key).casefold())
    return "-".join(words) or "source"
