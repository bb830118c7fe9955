"""LaTeX in BibTeX fields to plain Unicode text, as a reader expects to see it.

pylatexenc does the decoding. Before it runs, addresses in ``\\url{…}`` are set aside (its
``~`` and ``%`` are characters of the address, not LaTeX), and math is read here: sub- and
superscripts become Unicode where Unicode has them (H$_2$O → H₂O, $^{13}$C → ¹³C, 5$^{th}$ → 5ᵗʰ).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from pylatexenc import latex2text, latexwalker, macrospec

SUPERSCRIPTS = dict(zip("0123456789+-=()abcdefghijklmnoprstuvwxyz",
                        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ"))
SUBSCRIPTS = dict(zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))

# Macros whose argument is the text itself (pylatexenc would drop it: it knows their argument
# but not their text), with what each becomes; %(1)s is the argument.
TEXT_MACROS = {name: "%(1)s" for name in (
    "mbox", "hbox", "texttt", "textsf", "textmd", "textup", "textnormal", "textrm", "textsl", "textsc",
    "nolinkurl", "path", "NoCaseChange", "mkbibquote", "mkbibemph", "mkbibitalic", "mkbibbold")}
TEXT_MACROS |= {"TeX": "TeX", "LaTeX": "LaTeX", "BibTeX": "BibTeX", "hyphen": "-", "slash": "/",
                "textendash": "\u2013", "textemdash": "\u2014", ",": "\u202f", "url": "%(1)s", "href": "%(2)s"}
ARGUMENTS = {"href": "{{", "foreignlanguage": "[{{"} | {name: "" for name, repl in TEXT_MACROS.items() if "%(" not in repl}


def _script(mapping: dict[str, str], mark: str):
    """A pylatexenc text macro making its argument super- or subscript."""
    def repl(node, l2tobj) -> str:  # pylatexenc passes itself by this name
        argument = node.nodeargd.argnlist[0] if node.nodeargd and node.nodeargd.argnlist else None
        return scripted(l2tobj.nodelist_to_text([argument]) if argument else "", mapping, mark)
    return repl


def scripted(text: str, mapping: dict[str, str], mark: str) -> str:
    """``text`` in super- or subscript characters when Unicode has all of them, else ``^text``."""
    if text and all(c in mapping for c in text):
        return "".join(mapping[c] for c in text)
    return mark + text if len(text) <= 1 else f"{mark}({text})"


def _contexts() -> tuple[macrospec.LatexContextDb, macrospec.LatexContextDb]:
    """pylatexenc's macro tables, taught the macros reference managers write that it lacks."""
    parsing = latexwalker.get_default_latex_context_db()
    parsing.add_context_category("references", prepend=True, macros=[
        macrospec.MacroSpec(name, ARGUMENTS.get(name, "{")) for name in TEXT_MACROS if name.isalpha()] + [
        macrospec.MacroSpec(name, "{") for name in ("textsuperscript", "textsubscript")] + [
        macrospec.MacroSpec("foreignlanguage", ARGUMENTS["foreignlanguage"])])
    to_text = latex2text.get_default_latex_context_db()
    to_text.add_context_category("references", prepend=True, macros=[
        latex2text.MacroTextSpec(name, simplify_repl=repl) for name, repl in TEXT_MACROS.items()] + [
        latex2text.MacroTextSpec("foreignlanguage", simplify_repl="%(3)s"),
        latex2text.MacroTextSpec("textsuperscript", simplify_repl=_script(SUPERSCRIPTS, "^")),
        latex2text.MacroTextSpec("textsubscript", simplify_repl=_script(SUBSCRIPTS, "_"))])
    return parsing, to_text


_PARSING, _TO_TEXT = _contexts()
_latex = latex2text.LatexNodes2Text(latex_context=_TO_TEXT)
logging.getLogger("pylatexenc").setLevel(logging.CRITICAL)  # a macro it cannot read is reported by the caller

# Plain-text stand-ins for the LaTeX ligatures and spacing that need no macro.
_LIGATURES = (("---", "\u2014"), ("--", "\u2013"), ("``", "\u201c"), ("''", "\u201d"), ("~", " "),
              ("{", ""), ("}", ""))
_MACRO = re.compile(r"\\(?:[a-zA-Z@]+\*?|(.))|\$")
_URL = re.compile(r"\\(?:url|nolinkurl|path)\s*\{([^{}]*)\}")
_MATH = re.compile(r"\$\$(.+?)\$\$|(?<!\\)\$(.+?)(?<!\\)\$|\\\((.+?)\\\)|\\ensuremath\s*\{((?:[^{}]|\{[^{}]*\})*)\}", re.S)
_SCRIPT = re.compile(r"([\^_])\s*(?:\{((?:[^{}]|\{[^{}]*\})*)\}|(\\[a-zA-Z]+|[^\s{}\\]))")
_MATH_TEXT = re.compile(r"\\(?:mbox|text|textrm|mathrm|mathit|mathsf|mathbf|mathnormal|operatorname)\s*\{([^{}]*)\}")
_SPACES = re.compile(r"[ \t\n\r\f\v\u00a0]+")
# Characters that LaTeX escapes with a backslash and that addresses hold as they are.
_ESCAPED = re.compile(r"\\([&%_#$~{}])")


def _plain(text: str) -> str:
    for ligature, replacement in _LIGATURES:
        text = text.replace(ligature, replacement)
    return text


def _math(match: re.Match) -> str:
    """One piece of math as text: scripts as Unicode, ``\\mbox{th}`` as th, other macros kept
    (in $…$ again) for pylatexenc to read (``\\alpha`` → α)."""
    body = next(group for group in match.groups() if group is not None)
    body = _MATH_TEXT.sub(lambda m: m[1], body).replace("{}", "")
    body = _SCRIPT.sub(lambda m: scripted(_math_word(m[2] if m[2] is not None else m[3]),
                                          SUPERSCRIPTS if m[1] == "^" else SUBSCRIPTS, m[1]), body)
    return f"${body}$" if "\\" in body else body


def _math_word(text: str) -> str:
    text = _MATH_TEXT.sub(lambda m: m[1], text).replace("{", "").replace("}", "")
    return _latex.latex_to_text(f"${text}$", latex_context=_PARSING) if "\\" in text else text.replace(" ", "")


def unescape(address: str) -> str:
    """An address as LaTeX writes it (``\\&``, ``\\%``, ``\\_``, ``\\~{}``) as it is."""
    return _ESCAPED.sub(r"\1", address.replace("\\~{}", "~").replace("{\\textasciitilde}", "~")
                        .replace("\\textasciitilde", "~"))


@lru_cache(maxsize=65536)
def decode_checked(text: str) -> tuple[str, bool]:
    """LaTeX to plain Unicode text, whitespace folded, and whether the LaTeX could be read.
    Text with no macro (no backslash or $) skips the full LaTeX parser: it only needs braces
    dropped and ligatures replaced. LaTeX the parser cannot read (``\\href`` without its
    arguments, a bare ``\\sqrt``) falls back to its text with the macro names dropped."""
    readable = True
    if "\\" in text or "$" in text:
        addresses: list[str] = []

        def set_aside(match: re.Match) -> str:  # NUL cannot be in the text: the reader removed it
            addresses.append(unescape(match[1]))
            return f"\x00{len(addresses) - 1}\x00"

        text = _MATH.sub(_math, _URL.sub(set_aside, text))
        try:
            text = _latex.latex_to_text(text, latex_context=_PARSING)
        except Exception:  # pylatexenc raises IndexError, KeyError... on macros it cannot parse
            text, readable = _plain(_MACRO.sub(lambda m: m[1] or "", text)), False
        text = re.sub("\x00(\\d+)\x00", lambda m: addresses[int(m[1])], text)
    else:
        text = _plain(text)
    return _SPACES.sub(" ", text).strip().replace(" : ", ": "), readable


def decode(text: str) -> str:
    """LaTeX to plain Unicode text (see ``decode_checked``)."""
    return decode_checked(text)[0]
