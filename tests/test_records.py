"""The load stage: findings.records.read_yaml turns a file into data plus positions, or into
problems naming the file, the line and what is wrong."""

from __future__ import annotations

import datetime
import textwrap

import pytest

from findings.records import MAX_BYTES, read_yaml


def load(tmp_path, text: str | bytes, name: str = "record.yml"):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return read_yaml(path, f"findings/{name}")


def only_problem(problems):
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_positions_of_keys_and_list_items_are_one_based(tmp_path):
    document, problems = load(tmp_path, """\
        title: A claim.
        theme: power-dynamics
        citations:
          - kaye2020
          - key: localtrust2020survey
            locator: p. 12
        summary: |
          First line of the summary.
        """)
    assert problems == []
    assert document.data["citations"][1] == {"key": "localtrust2020survey", "locator": "p. 12"}
    assert document.position(("title",)) == (1, 1)
    assert document.position(("theme",)) == (2, 1)
    assert document.position(("citations",)) == (3, 1)
    assert document.position(("citations", 0)) == (4, 5)
    assert document.position(("citations", 1)) == (5, 5)
    assert document.position(("citations", 1, "locator")) == (6, 5)
    # Text inside a block scalar is found on its own line, after "summary: |".
    assert document.line_of(("summary",), "First line") == 8


def test_problem_at_a_location_names_file_and_line(tmp_path):
    document, _ = load(tmp_path, "title: A claim.\ntags:\n  - one\n  - two\n")
    problem = document.problem(("tags", 1), "bad tag")
    assert str(problem) == "findings/record.yml:4:5: bad tag"
    # An unknown location falls back to its deepest known parent.
    assert document.problem(("tags", 1, "nope"), "x").line == 4


def test_tab_indentation_is_named(tmp_path):
    document, problems = load(tmp_path, "title: A claim.\ncitations:\n\t- kaye2020\n")
    assert document is None
    problem = only_problem(problems)
    assert (problem.path, problem.line) == ("findings/record.yml", 3)
    assert "tab" in problem.message and "spaces" in problem.message


def test_unclosed_quote_names_the_line_where_it_opens(tmp_path):
    _, problems = load(tmp_path, """\
        title: A claim.
        summary: "The survey found
        theme: power-dynamics
        citations: [kaye2020]
        """)
    problem = only_problem(problems)
    assert (problem.path, problem.line) == ("findings/record.yml", 2)
    assert "never closed" in problem.message


def test_repeated_key_is_refused_with_both_lines(tmp_path):
    document, problems = load(tmp_path, """\
        title: A claim.
        theme: power-dynamics
        title: Another claim.
        """)
    assert document is None
    problem = only_problem(problems)
    assert problem.line == 3
    assert "'title' is given twice" in problem.message
    assert "first on line 1" in problem.message


def test_alias_bomb_is_refused(tmp_path):
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    previous = "a"
    for name in "bcdefghi":  # 9 levels of 9 aliases each: 9**9 strings if expanded
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
        previous = name
    document, problems = load(tmp_path, "\n".join(lines) + "\n")
    assert document is None
    problem = only_problem(problems)
    assert problem.path == "findings/record.yml" and problem.line >= 1
    assert "alias" in problem.message


def test_a_single_alias_is_refused_too(tmp_path):
    document, problems = load(tmp_path, "theme: &t power-dynamics\ntags: [*t]\n")
    assert document is None
    assert "alias" in only_problem(problems).message


@pytest.mark.parametrize("tag", ["!!python/object/apply:builtins.open", "!!python/object/new:builtins.open"])
def test_python_tags_are_refused_and_not_executed(tmp_path, tag):
    target = tmp_path / "created-by-yaml.txt"
    document, problems = load(tmp_path, f"title: {tag} ['{target.as_posix()}', 'w']\n")
    assert document is None
    problem = only_problem(problems)
    assert problem.line == 1
    assert "not allowed" in problem.message
    assert not target.exists()


def test_python_object_tag_is_refused(tmp_path):
    document, problems = load(tmp_path, "title: !!python/object:collections.OrderedDict {}\n")
    assert document is None
    assert "not allowed" in only_problem(problems).message


def test_non_utf8_bytes_name_the_line(tmp_path):
    document, problems = load(tmp_path, b"title: A claim.\ntheme: power-dynamics\nsummary: caf\xe9 culture\n")
    assert document is None
    problem = only_problem(problems)
    assert (problem.path, problem.line) == ("findings/record.yml", 3)
    assert "UTF-8" in problem.message


@pytest.mark.parametrize("text", ["", "\n\n", "   \n"])
def test_empty_file_is_a_problem(tmp_path, text):
    document, problems = load(tmp_path, text)
    assert document is None
    problem = only_problem(problems)
    assert problem.line == 1 and "empty" in problem.message


def test_comment_only_file_is_a_problem_not_a_crash(tmp_path):
    document, problems = load(tmp_path, "# to be written\n")
    assert document is None
    assert only_problem(problems).line == 1


def test_impossible_date_is_a_problem_not_a_crash(tmp_path):
    _, problems = load(tmp_path, "title: A claim.\nadded: 2020-13-01\n")
    problem = only_problem(problems)
    assert (problem.path, problem.line) == ("findings/record.yml", 2)


def test_valid_date_is_read_as_a_date(tmp_path):
    document, problems = load(tmp_path, "added: 2020-12-01\n")
    assert problems == [] and document.data == {"added": datetime.date(2020, 12, 1)}


def test_file_over_one_megabyte_is_refused(tmp_path):
    document, problems = load(tmp_path, "summary: " + "x" * MAX_BYTES + "\n")
    assert MAX_BYTES == 1_000_000
    assert document is None
    problem = only_problem(problems)
    assert problem.line == 1
    assert "at most 1,000,000" in problem.message


def test_file_just_under_the_limit_is_read(tmp_path):
    text = "summary: " + "x" * (MAX_BYTES - 20) + "\n"
    document, problems = load(tmp_path, text)
    assert problems == [] and len(document.data["summary"]) == MAX_BYTES - 20


def test_several_documents_in_one_file_are_refused(tmp_path):
    document, problems = load(tmp_path, "title: One.\n---\ntitle: Two.\n")
    assert document is None
    assert only_problem(problems).line == 2
