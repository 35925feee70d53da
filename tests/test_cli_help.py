"""``hashtide … --help`` at 80 and 120 columns: paragraphs, full option names, examples."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from hashtide.cli._common import EXAMPLES
from hashtide.cli.main import app

runner = CliRunner()


def _commands() -> list[list[str]]:
    """Every command and group of the CLI, as the words a user types."""
    root = typer.main.get_command(app)
    out: list[list[str]] = [[]]
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        out.append([name])
        for sub in getattr(command, "commands", {}):
            out.append([name, sub])
    return out


COMMANDS = _commands()


def _help(words: list[str], width: int) -> str:
    result = runner.invoke(app, [*words, "--help"], env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    return result.output


def test_every_command_is_covered() -> None:
    # The commands the walkthrough named (independent list: README's command overview).
    names = {" ".join(words) for words in COMMANDS}
    assert {"run", "validate", "replay", "backtest", "sweep", "screen", "detect", "classify",
            "chain verify", "chain show", "results list", "results show", "results query",
            "results export"} <= names  # fmt: skip


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("words", COMMANDS, ids=lambda w: " ".join(w) or "hashtide")
def test_help_reads_well(words: list[str], width: int) -> None:
    text = _help(words, width)
    lines = text.splitlines()
    assert "<bool>" not in text  # a flag takes no value
    assert "``" not in text  # reST markup printed literally
    # Every option's name is printed whole (it was cut to "--sensitivity-pa…" at 80 columns).
    command = typer.main.get_command(app)
    for word in words:
        command = command.commands[word]  # type: ignore[attr-defined]
    for param in command.params:
        for name in param.opts:
            if name.startswith("--"):
                assert name in text, name
    # The description's paragraphs are rewrapped as wholes: no line but a paragraph's last is
    # much shorter than the width (the docstrings' own line breaks made every other line short).
    end = next(i for i, line in enumerate(lines) if line.startswith(("╭", "╰")))
    paragraph: list[str] = []
    for line in [*lines[2:end], ""]:
        if line.strip():
            paragraph.append(line.rstrip())
            continue
        for inner in paragraph[:-1]:
            assert len(inner) >= width * 0.7, inner
        paragraph = []


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_each_command_shows_examples_that_fit(name: str) -> None:
    text = _help(name.split(), 80)
    assert "Examples:" in text
    for line in EXAMPLES[name].splitlines()[2:]:
        assert len(line) <= 76, line
        assert line.strip() in text


@pytest.mark.parametrize("command", ["list", "show", "query", "export"])
def test_results_store_help_says_it_must_exist(command: str) -> None:
    text = " ".join(_help(["results", command], 120).split())
    assert "created if missing" not in text
    assert "it must exist" in text


def test_chain_group_and_plot_help() -> None:
    group = " ".join(_help(["chain"], 120).split())
    assert "'chain verify' and 'chain show' take --headers FILE" in group
    show = " ".join(_help(["chain", "show"], 120).split())
    assert ".png (needs the plot extra" in show


@pytest.mark.parametrize(
    ("words", "usage"),
    [
        (["validate", "no-such.yaml"], "hashtide validate [OPTIONS] {FILE}"),
        (["detect", "no-such.csv"], "hashtide detect [OPTIONS] {METER}"),
        (["results", "show", "--nope"], "hashtide results show [OPTIONS] {RUN}"),
    ],
)
def test_an_error_prints_the_usage_line_of_help(words: list[str], usage: str) -> None:
    # The usage line printed above an option error named the argument '{file}', --help 'FILE'.
    result = runner.invoke(app, words)
    assert result.exit_code == 2, result.output
    assert usage in result.output
    assert usage in _help([w for w in words if w in ("validate", "detect", "results", "show")], 120)
