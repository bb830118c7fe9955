"""Every kind of bad finding file a member of staff might commit, end to end: `findings lint`
and `mkdocs build` each name the file and line, exit non-zero, print no traceback, and the
build writes no page."""

from __future__ import annotations

import re

import pytest

GOOD = "theme: power-dynamics\nsummary: Text [@kaye2020].\ncitations: [kaye2020]\n"
DIR = "findings/power-dynamics"

# (name, file path, content as bytes, expected line, words the message must contain)
CASES = [
    ("tab indentation", f"{DIR}/tabbed.yml",
     b"title: A claim.\ncitations:\n\t- kaye2020\n", 3, "tab"),
    ("unclosed quote", f"{DIR}/unclosed.yml",
     b'title: "A claim.\ntheme: power-dynamics\n', 1, "never closed"),
    ("citations as a number", f"{DIR}/number-citations.yml",
     b"title: A claim.\ntheme: power-dynamics\nsummary: Text.\ncitations: 3\n", 4, "citations"),
    ("title as a list", f"{DIR}/list-title.yml",
     b"title: [a, b]\ntheme: power-dynamics\nsummary: Text.\ncitations: [kaye2020]\n", 1, "title"),
    ("unknown field", f"{DIR}/typo.yml",
     b"title: A claim.\n" + GOOD.encode() + b"citaton: [kaye2020]\n", 5, "did you mean 'citations'"),
    ("empty file", f"{DIR}/empty.yml", b"", 1, "empty"),
    ("a list, not a mapping", f"{DIR}/a-list.yml", b"- title: A claim.\n- theme: power-dynamics\n", 1, "mapping"),
    ("key repeated", f"{DIR}/repeated.yml",
     b"title: A claim.\ntitle: Another claim.\n" + GOOD.encode(), 2, "given twice"),
    ("not UTF-8", f"{DIR}/latin1.yml", b"title: A claim.\n" + GOOD.encode() + b"tags: [caf\xe9]\n", 5, "UTF-8"),
    ("file name with a space", f"{DIR}/My finding.yml", b"title: A claim.\n" + GOOD.encode(), 1, "not a valid finding id"),
    ("file name with capitals", f"{DIR}/MyFinding.yml", b"title: A claim.\n" + GOOD.encode(), 1, "not a valid finding id"),
    ("file name with a dot", f"{DIR}/my.finding.yml", b"title: A claim.\n" + GOOD.encode(), 1, "not a valid finding id"),
    ("unknown theme", f"{DIR}/bad-theme.yml",
     b"title: A claim.\ntheme: power-dynamic\nsummary: Text.\ncitations: [kaye2020]\n", 2, "did you mean 'power-dynamics'"),
    ("unknown citation key", f"{DIR}/bad-key.yml",
     b"title: A claim.\ntheme: power-dynamics\nsummary: Text.\ncitations: [kaye2021]\n", 4, "did you mean 'kaye2020'"),
    ("same id in two folders", "findings/relationship-quality/influence-local-decision-making.yml",
     b"title: A claim.\n" + GOOD.encode(), 1, "already used by"),
    ("alias bomb", f"{DIR}/bomb.yml",
     b"a: &a [x, x, x, x, x, x, x, x, x]\n"
     + b"".join(f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n".encode()
                for p, c in zip("abcdefgh", "bcdefghi")), 1, "aliases are not allowed"),
    ("python object tag", f"{DIR}/python-tag.yml",
     b"title: !!python/object/apply:os.system ['touch pwned']\n" + GOOD.encode(), 1, "not allowed"),
    ("10 MB file", f"{DIR}/huge.yml", b"title: A claim.\nsummary: " + b"x" * 10_000_000 + b"\n", 1, "at most"),
    ("statistic .nan", f"{DIR}/nan.yml", b"title: A claim.\n" + GOOD.encode()
     + b"statistics:\n  - {value: .nan, unit: per cent, measure: members, source: kaye2020}\n", 6, "finite number"),
    ("control character in the title", f"{DIR}/control.yml", b'title: "A \\x7f claim."\n' + GOOD.encode(), 1,
     "holds the control character U+007F"),
    ("citation listed twice", f"{DIR}/twice.yml",
     b"title: A claim.\n" + GOOD.replace("[kaye2020]", "[kaye2020, kaye2020]").encode(), 4, "listed twice"),
    ("summary cites a key citations lacks", f"{DIR}/unlisted.yml",
     b"title: A claim.\ntheme: power-dynamics\nsummary: Text [@localtrust2020reps].\ncitations: [kaye2020]\n", 3,
     "citations does not list it"),
    ("colon in an unquoted title", f"{DIR}/colon.yml",
     b"title: Councils: a study of power.\n" + GOOD.encode(), 1,
     'put the whole text in double quotes: title: "Councils: a study of power."'),
    ("summary paragraph not indented", f"{DIR}/unindented.yml",
     b"title: A claim.\ntheme: power-dynamics\nsummary: |\n  First paragraph [@kaye2020].\n\n"
     b"Second paragraph goes on\nover two lines.\ncitations: [kaye2020]\n", 6, "indent it by two spaces"),
    ("summary paragraph with a colon not indented", f"{DIR}/unindented-colon.yml",
     b"title: A claim.\ntheme: power-dynamics\nsummary: |\n  First paragraph [@kaye2020].\n\n"
     b"Second paragraph: more.\ncitations: [kaye2020]\n", 6, "indent it by two spaces"),
    ("text after a closing quote", f"{DIR}/stray-quote.yml",
     b"title: 'A claim' that goes on.\n" + GOOD.encode(), 1, "goes on after the closing one"),
    ("date written day first", f"{DIR}/uk-date.yml",
     b"title: A claim.\n" + GOOD.encode() + b"added: 30/11/2026\n", 5, "write it year-month-day: 2026-11-30"),
    ("theme given by its title", f"{DIR}/theme-title.yml",
     b"title: A claim.\ntheme: Power dynamics\nsummary: Text.\ncitations: [kaye2020]\n", 2,
     "did you mean 'power-dynamics'"),
    ("nested 100,000 deep", f"{DIR}/deep.yml", b"title: " + b"[" * 100_000 + b"]" * 100_000 + b"\n", 1,
     "nest more than"),
]

PROBLEM = re.compile(r"(?P<path>findings/[^:]+\.yml):(?P<line>\d+)(?::\d+)?: (?P<message>.*)")


def problems_for(output: str, path: str) -> list[tuple[int, str]]:
    return [(int(m["line"]), m["message"]) for m in PROBLEM.finditer(output) if m["path"] == path]


@pytest.mark.parametrize("name, path, content, line, words", CASES, ids=[case[0] for case in CASES])
def test_bad_input_is_named_with_its_line_and_nothing_is_built(
        name, path, content, line, words, project, run_cli, build_site, tmp_path):
    target = project.root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)

    code, out, err = run_cli("lint", cwd=project.root)
    assert code == 1, (out, err)
    assert "Traceback" not in out + err
    found = problems_for(out, path)
    assert found and found[0][0] == line and words in found[0][1], out

    code, output, site_dir = build_site(project.config, tmp_path / "site")
    assert code != 0
    assert "Traceback" not in output
    assert any(words in message for _, message in problems_for(output, path)), output
    assert not site_dir.exists() or not list(site_dir.rglob("*.html"))
    assert not (project.root / "pwned").exists()
