"""The README and docs/ held against the code, so they cannot go stale unnoticed.

- Every `uniintervene ...` command they quote (in code blocks and inline code, and
  `make demo DEMO_ARGS="..."`) parses with the real argument parser (`cli.build_parser`):
  no quoted command names a subcommand, flag or choice that does not exist. Placeholders
  (`<ip>`, `DIR`, `S`) stand for values. An inline mention (`uniintervene hilrl`,
  `uniintervene experiment --observation`) may leave out required arguments and the
  value of its last flag; a command in a code block may not.
- The README's headline table is what `uniintervene report` makes of the results file
  the README names under it.
- Every relative link in them reaches a file, and a heading where it names one.
- Every subcommand's help says what it writes and how long it takes on two cores.
"""

import argparse
import contextlib
import io
import json
import pathlib
import re
import shlex
import shutil
import subprocess

import pytest

from uniintervene_experiments.cli import build_parser
from uniintervene_experiments.report import markdown

ROOT = pathlib.Path(__file__).resolve().parents[3]
README = ROOT / "README.md"
README_MAX_LINES = 200
DOCS = [README, *sorted((ROOT / "docs").rglob("*.md"))]
SEPARATORS = {"&&", "||", ";", "|", "&"}
FENCE = re.compile(r"^\s*```")
PLACEHOLDER = re.compile(r"^(<[^>]*>|[A-Z][A-Z_]*)$")  # <ip>, DIR, S, N
INLINE_CODE = re.compile(r"`([^`]+)`")


class ParseError(Exception):
    pass


def _raise(self, message):
    raise ParseError(f"{self.prog}: {message}")


def _shell_tokens(line: str) -> list[str]:
    line = re.sub(r"<[^>]*>", "PLACEHOLDER", line)  # <make demo's models> has a quote
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    return list(lexer)


def _commands_in(tokens: list[str]):
    """The argument lists of the `uniintervene` (and `make demo DEMO_ARGS=`) commands."""
    segment: list[str] = []
    for token in [*tokens, ";"]:
        if token not in SEPARATORS:
            segment.append(token)
            continue
        while segment and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", segment[0]):
            segment = segment[1:]  # OMP_NUM_THREADS=1 uniintervene ...
        segment = [word for word in segment if word not in ("...", "…")]  # elided
        if segment[:1] == ["uniintervene"] and len(segment) > 1:
            yield segment[1:]
        elif segment[:2] == ["make", "demo"]:
            for word in segment[2:]:
                if word.startswith("DEMO_ARGS="):
                    yield ["demo", *shlex.split(word.removeprefix("DEMO_ARGS="))]
        segment = []


def quoted_commands(path: pathlib.Path):
    """(line number, text, argument list, inline) for every command quoted in a file."""
    prose = []  # (line number, text) outside code blocks
    yield from _block_commands(path.read_text().split("\n"), prose)
    yield from _inline_commands(prose)


def _block_commands(lines: list[str], prose: list):
    """Commands in code blocks (a trailing backslash continues a line); the lines outside
    them go to `prose`."""
    in_block, pending, first = False, "", 0
    for number, line in enumerate(lines, 1):
        if FENCE.match(line):
            in_block, pending = not in_block, ""
            prose.append((number, ""))
            continue
        if not in_block:
            prose.append((number, line))
            continue
        first = first if pending else number
        pending += line
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        text, pending = pending, ""
        if "uniintervene" not in text and "DEMO_ARGS" not in text:
            continue
        try:
            tokens = _shell_tokens(text)
        except ValueError:
            continue  # not shell
        for argv in _commands_in(tokens):
            yield first, " ".join(text.split()), argv, False


def _inline_commands(prose: list):
    """Commands in inline code, which may run over a line break inside a paragraph (a
    blank line ends it)."""
    for paragraph in _paragraphs(prose):
        joined = " ".join(text for _, text in paragraph)
        starts = [0]
        for _, text in paragraph:
            starts.append(starts[-1] + len(text) + 1)
        for match in INLINE_CODE.finditer(joined):
            span = " ".join(match.group(1).split())
            if not re.match(r"^(uniintervene |make demo DEMO_ARGS=)", span):
                continue
            row = next(i for i in range(len(paragraph)) if starts[i + 1] > match.start())
            try:
                tokens = _shell_tokens(span)
            except ValueError:
                continue  # not shell
            for argv in _commands_in(tokens):
                yield paragraph[row][0], span, argv, True


def _paragraphs(prose):
    paragraph = []
    for number, text in prose:
        if text.strip():
            paragraph.append((number, text))
        elif paragraph:
            yield paragraph
            paragraph = []
    if paragraph:
        yield paragraph


def parse_problem(parser, argv: list[str], inline: bool) -> str | None:
    """Why `uniintervene argv` does not parse, or None when it does."""
    argv = ["1" if PLACEHOLDER.match(a) else a for a in argv]  # any value will do
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            parser.parse_args(argv)
    except SystemExit as exit_:  # --help
        return None if exit_.code == 0 else f"exit {exit_.code}"
    except ParseError as error:
        message = str(error)
        fragment = "the following arguments are required" in message or (
            "expected one argument" in message and argv[-1].startswith("-")
        )
        return None if inline and fragment else message
    return None


@pytest.fixture
def parser(monkeypatch):
    monkeypatch.setattr(argparse.ArgumentParser, "error", _raise)
    return build_parser()


def test_every_quoted_uniintervene_command_parses_with_the_real_parser(parser):
    checked, problems = 0, []
    for path in DOCS:
        for number, text, argv, inline in quoted_commands(path):
            checked += 1
            problem = parse_problem(parser, argv, inline)
            if problem:
                problems.append(f"{path.relative_to(ROOT)}:{number}: `{text}`: {problem}")
    assert not problems, "quoted commands that do not parse:\n" + "\n".join(problems)
    assert checked > 30, f"only {checked} commands found: is the extraction broken?"


def test_the_checker_finds_a_flag_that_does_not_exist(parser, tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "Run `uniintervene hilrl --task wipe \n--no-such-flag 3 --out runs/x` or\n\n"
        "```bash\nOMP_NUM_THREADS=1 uniintervene eval --episodes 10 \\\n"
        "    --seed S --models <make demo's models>  # a comment\n"
        "uniintervene collect --out DIR && uniintervene nonsense\n```\n"
        'and `make demo DEMO_ARGS="--episodes 10 --eval-episodes 3"`, `uniintervene import`.\n'
    )
    found = {(n, " ".join(argv), inline) for n, _, argv, inline in quoted_commands(page)}
    assert found == {
        (1, "hilrl --task wipe --no-such-flag 3 --out runs/x", True),
        (5, "eval --episodes 10 --seed S --models PLACEHOLDER", False),
        (7, "collect --out DIR", False),
        (7, "nonsense", False),
        (9, "demo --episodes 10 --eval-episodes 3", True),
        (9, "import", True),
    }
    verdicts = {argv[0]: parse_problem(parser, argv, i) for _, _, argv, i in quoted_commands(page)}
    assert "unrecognized arguments: --no-such-flag" in verdicts["hilrl"]
    assert "invalid choice: 'nonsense'" in verdicts["nonsense"]
    assert verdicts["eval"] is None and verdicts["collect"] is None
    assert verdicts["demo"] is None and verdicts["import"] is None  # a mention may be partial
    assert "required" in parse_problem(parser, ["import"], inline=False)


def headline_table(readme: str):
    """(results file, the table's lines, the line after it) under 'Source: [`...json`]'."""
    lines = readme.split("\n")
    for number, line in enumerate(lines):
        source = re.match(r"^Source: \[`([^`]+\.json)`\]", line)
        if source:
            above = number - 1
            while above >= 0 and not lines[above].strip():
                above -= 1
            summary = lines[above]
            end = above
            while end >= 0 and not lines[end].startswith("|"):
                end -= 1
            start = end
            while start > 0 and lines[start - 1].startswith("|"):
                start -= 1
            return source.group(1), lines[start : end + 1], summary
    raise AssertionError("README.md names no results file under a table ('Source: [`x.json`]')")


def headline_problems(readme: str) -> list[str]:
    source, table, summary = headline_table(readme)
    expected = markdown(json.loads((ROOT / source).read_text())).split("\n")
    expected_table = [line for line in expected if line.startswith("|")]
    problems = []
    if len(table) != len(expected_table):
        problems.append(f"{len(table)} table lines, {source} gives {len(expected_table)}")
    for ours, theirs in zip(table, expected_table, strict=False):
        if ours != theirs:
            problems.append(f"README: {ours}\n{source}: {theirs}")
    if summary not in expected:
        problems.append(f"the line under the table is not report's: {summary}")
    return problems


def test_the_readme_headline_table_is_what_report_makes_of_its_results_file():
    problems = headline_problems(README.read_text())
    assert not problems, "README.md's headline table and its results file disagree:\n" + (
        "\n".join(problems)
    )


def test_a_changed_figure_in_the_headline_table_is_caught():
    readme = README.read_text()
    _, table, _ = headline_table(readme)
    row = table[2]
    changed = readme.replace(row, row.replace(" / ", " / 1", 1), 1)
    assert changed != readme
    assert any("README: " in problem for problem in headline_problems(changed))


def test_the_readme_is_short():
    lines = len(README.read_text().split("\n"))
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move detail to docs/"


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to '-'."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_relative_link_reaches_a_file_and_heading():
    problems = []
    for path in DOCS:
        text = re.sub(r"```.*?```", "", path.read_text(), flags=re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"^[a-z]+:", target):
                continue  # https:, mailto:
            file, _, anchor = target.partition("#")
            linked = (path.parent / file).resolve() if file else path
            if not linked.exists():
                problems.append(f"{path.relative_to(ROOT)}: {target}: no such file")
            elif anchor and linked.suffix == ".md":
                headings = re.findall(r"^#+ (.+)$", linked.read_text(), flags=re.M)
                if anchor not in {_slug(h) for h in headings}:
                    problems.append(f"{path.relative_to(ROOT)}: {target}: no such heading")
    assert not problems, "broken links:\n" + "\n".join(problems)


@pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout"
)
def test_no_linked_file_is_ignored_by_git():
    """A linked file that .gitignore hides exists here and nowhere else: a clean
    checkout (CI, a user's clone) has a broken link. `hilrl/` once hid docs/hilrl/v4."""
    linked = set()
    for path in DOCS:
        text = re.sub(r"```.*?```", "", path.read_text(), flags=re.S)
        for target in re.findall(r"\]\(([^)\s#]+)", text):
            if not re.match(r"^[a-z]+:", target) and (path.parent / target).exists():
                linked.add(str((path.parent / target).resolve().relative_to(ROOT)))
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", *sorted(linked)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    ).stdout.split()  # fmt: skip
    assert not ignored, f"linked but ignored by git: {ignored}"


def test_every_command_help_says_what_it_writes_and_how_long_it_takes():
    parser = build_parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    duration = re.compile(r"\d+(\.\d+)? ?(s|min)\b|not measured|until Ctrl-C")
    for name, command in commands.choices.items():
        assert "Writes" in command.description, f"{name}: its help says nothing it writes"
        assert duration.search(command.description), f"{name}: its help gives no duration"
        assert re.search(rf"^  ({name}\b|.*, {name}\b)", parser.epilog, re.M), name
    assert "2 cores" in parser.epilog
