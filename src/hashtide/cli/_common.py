"""What every hashtide command shares: consoles, error handling, exit codes, user text.

Only light modules are imported here (typer, rich's console): ``hashtide --help`` imports this
and the command modules, and must stay fast; each command imports what it needs when it runs.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer
import typer.core
from rich.console import Console
from rich.markup import escape

from hashtide.errors import HashtideError, InvalidInputError

if TYPE_CHECKING:
    from rich.progress import Progress

P = ParamSpec("P")
R = TypeVar("R")

#: Exit status for bad input (a file, an option, a parameter), as STYLE.md asks.
EXIT_BAD_INPUT = 2
#: Exit status for an internal error or a failed check.
EXIT_FAILURE = 1

#: Piped or captured output gets 120 columns, so tables are not cut to 80 in logs and CI.
_WIDTH = None if sys.stdout.isatty() else 120
console = Console(width=_WIDTH)
err_console = Console(stderr=True, width=_WIDTH)

#: The ``--seed`` option of the commands that simulate: numpy takes only seeds >= 0.
Seed = Annotated[
    int | None,
    typer.Option(min=0, help="Random seed, a whole number (default: the scenario's)."),
]


def plain(value: object) -> str:
    """``value`` as text that rich prints as written, never as markup.

    Every piece of text a command did not write itself — names and values from the user's
    files, file names, exception messages, catalog entries — goes through this before it is
    put into a rich message, table cell or title, so that ``[/]`` or ``[bold]`` in a scenario
    name prints as typed instead of raising ``rich.errors.MarkupError`` or restyling the line.

    Examples
    --------
    >>> plain("pip install 'hashtide[plot]'")
    "pip install 'hashtide\\\\[plot]'"
    >>> plain(12)
    '12'
    """
    return escape(str(value))


def _examples(*lines: str) -> str:
    """An epilog "Examples:" with one invocation per line (a line starting with spaces continues
    the one before), as typer prints it (it dedents the lines after the first)."""
    return "Examples:\n\n" + "\n".join(lines)


#: The "Examples:" shown under each command's ``--help``: real invocations from the repository's
#: root (the shipped scenarios and example data). Each line fits 76 columns.
EXAMPLES: dict[str, str] = {
    "validate": _examples("hashtide validate scenarios/us-state-reserve.yaml"),
    "run": _examples(
        "hashtide run scenarios/single-site-miner.yaml --paths 200",
        "hashtide run scenarios/us-state-reserve.yaml --json > summary.json",
        "hashtide run scenarios/us-state-reserve.yaml --sensitivity-paths 50",
    ),
    "replay": _examples(
        "hashtide replay scenarios/china-2021-ban.yaml",
        "hashtide replay scenarios/china-2021-ban.yaml --paths 200 --json",
    ),
    "backtest": _examples(
        "hashtide backtest --from 2023-01-01 --to 2023-05-01",
        "hashtide backtest --from 2021-05-02 --to 2022-01-31 \\",
        "    --scenario scenarios/china-2021-ban.yaml",
        "hashtide backtest --from 2016-01-01 --to 2025-10-01 --horizon 8 \\",
        "    --scenario scenarios/china-2021-ban.yaml   # the walk-forward",
    ),
    "detect": _examples(
        "hashtide detect src/hashtide/data/regulation/meters/office_b4.csv",
        "hashtide detect METER.csv --timezone Europe/London --json",
    ),
    "classify": _examples(
        "hashtide classify src/hashtide/data/regulation/facilities.yaml \\",
        "    --rules china-ndrc-2021-1283",
        "hashtide classify FACILITIES.yaml --rules china-sichuan-tariff \\",
        "    --explain cd-cloud-park",
    ),
    "catalog": _examples("hashtide catalog", "hashtide catalog 's21 hyd' --json"),
    "screen": _examples(
        "hashtide screen src/hashtide/data/regulation/meters \\",
        "    --timezone Europe/London",
        "hashtide screen meters.csv --meta meta.csv --top 20 --json",
    ),
    "sweep": _examples(
        "hashtide sweep scenarios/single-site-miner.yaml --paths 50 \\",
        "    --grid 'variants.0.facility_power=3 MW,6 MW,12 MW' \\",
        "    --grid 'btc_price.volatility=30 %/year,60 %/year'",
        "hashtide sweep scenarios/us-state-reserve.yaml --grid 'seed=1,2,3' \\",
        "    --scheduler tcp://10.0.0.5:8786 --report sweep.html",
    ),
    "dashboard": _examples("hashtide dashboard", "hashtide dashboard --port 8060"),
    "chain verify": _examples(
        "hashtide chain verify", "hashtide chain verify --headers blockchain_headers --json"
    ),
    "chain show": _examples(
        "hashtide chain show --since 2021-05-01",
        "hashtide chain show --since 2012-01-01 --plot history.html",
        "hashtide chain show --csv --since 2024-01-01 > periods.csv",
    ),
    "results list": _examples("hashtide results list", "hashtide results list --store r.duckdb"),
    "results show": _examples("hashtide results show ee68d152   # an id prefix will do"),
    "results query": _examples(
        'hashtide results query "SELECT variant, avg(npv_usd) AS npv_usd',
        '    FROM variants GROUP BY variant"',
        'hashtide results query "SELECT * FROM yearly" --json',
    ),
    "results export": _examples("hashtide results export --parquet results/"),
}


def reflow(text: str | None) -> str | None:
    r"""``text`` with the single line breaks inside its paragraphs removed.

    Docstrings are wrapped at ~96 columns in the source; typer's rich help keeps their line
    breaks and rich rewraps each line at the terminal's width, so every other line came out
    short. Paragraphs (separated by a blank line) are joined into one line each, for rich to
    wrap; a paragraph whose lines are indented (an example block) or that starts with ``\b``
    keeps its lines.

    Examples
    --------
    >>> reflow("Run a scenario.\n\nPrints a summary\nper variant.")
    'Run a scenario.\n\nPrints a summary per variant.'
    >>> reflow("Example:\n\nhashtide sweep a.yaml\n    --grid seed=1,2")
    'Example:\n\nhashtide sweep a.yaml\n    --grid seed=1,2'
    """
    if text is None:
        return None
    import inspect

    paragraphs = inspect.cleandoc(text).split("\n\n")
    out = []
    for paragraph in paragraphs:
        lines = paragraph.splitlines()
        keep = paragraph.startswith("\b") or any(line.startswith(" ") for line in lines)
        out.append(paragraph if keep else " ".join(line.strip() for line in lines))
    return "\n\n".join(out)


def _number(value: float) -> str:
    return f"{value:,}"


def _range_text(low: float | None, high: float | None) -> str:
    """``1–100,000``, ``≥ 0.1`` or ``≤ 9``: a number range as people write it."""
    if low is not None and high is not None:
        return f"{_number(low)}–{_number(high)}"
    return f"≥ {_number(low)}" if low is not None else f"≤ {_number(high)}"  # type: ignore[arg-type]


def _tidy_help(command: typer.core.TyperCommand | typer.core.TyperGroup, ctx: Any) -> None:
    """Make ``--help`` fit 80 columns: reflow the help texts (:func:`reflow`), show no type
    beside a flag (typer writes ``<bool>`` as if it took a value), and write a number's range
    in its help (``N`` … ``Range: 1–100,000.``) instead of a wide ``<int range>
    [1<=x<=100000]`` column that squeezed the option names into ``--sensitivity-pa…``.

    Only the help's display changes: typer checks the range from the option's declaration.
    """
    command.help = reflow(command.help)
    for param in command.get_params(ctx):
        if not isinstance(param, typer.core.TyperOption | typer.core.TyperArgument):
            if getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""  # click's own --help
            continue
        param.help = reflow(param.help)
        if isinstance(param, typer.core.TyperArgument) and param.metavar is None and param.name:
            # typer writes an argument as "{file}" in the usage line and "<file>" beside it
            param.metavar = param.name.upper()
        if isinstance(param, typer.core.TyperOption) and param.is_flag and param.metavar is None:
            param.metavar = ""
        low, high = getattr(param, "min", None), getattr(param, "max", None)
        if (low is not None or high is not None) and param.metavar is None:
            kind = "N" if isinstance(low if low is not None else high, int) else "X"
            param.metavar = kind
            param.help = f"{param.help or ''} Range: {_range_text(low, high)}.".strip()
            param.min = param.max = None


def _argument_metavars(command: typer.core.TyperCommand, ctx: Any) -> None:
    """Name each argument as ``--help`` does (``FILE``), also in the usage line an error prints
    (typer wrote ``{file}`` there)."""
    for param in command.get_params(ctx):
        if isinstance(param, typer.core.TyperArgument) and param.metavar is None and param.name:
            param.metavar = param.name.upper()


class HelpCommand(typer.core.TyperCommand):
    """A command whose ``--help`` reads well at any width (see :func:`reflow`)."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _tidy_help(self, ctx)
        super().format_help(ctx, formatter)

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        _argument_metavars(self, ctx)
        super().format_usage(ctx, formatter)


class HelpGroup(typer.core.TyperGroup):
    """A group of commands whose ``--help`` reads well at any width (see :func:`reflow`)."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _tidy_help(self, ctx)
        for command in self.commands.values():  # their one-line summaries in the list
            command.help = reflow(command.help)
        super().format_help(ctx, formatter)


class _Options:
    """Options of the root command that every subcommand's error handling reads."""

    debug = False


def set_debug(debug: bool) -> None:
    """Record ``hashtide --debug`` (called by the root command for every invocation)."""
    _Options.debug = debug


def _debug_requested() -> bool:
    return _Options.debug


def guarded(command: Callable[P, R]) -> Callable[P, R]:
    """Run ``command`` turning hashtide errors into a message and an exit status.

    Bad input (``ValueError`` subclasses of :class:`HashtideError`) exits 2; any other hashtide
    error or an unexpected exception exits 1. ``hashtide --debug ...`` shows the traceback.
    The message is printed as plain text (see :func:`plain`): it often quotes the user's input.
    """

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except HashtideError as exc:
            if _debug_requested():
                raise
            err_console.print(f"[bold red]error:[/] {plain(exc)}", highlight=False, soft_wrap=True)
            bad_input = isinstance(exc, InvalidInputError | ValueError)
            raise typer.Exit(EXIT_BAD_INPUT if bad_input else EXIT_FAILURE) from None
        except Exception as exc:
            if _debug_requested():
                raise
            err_console.print(
                f"[bold red]internal error:[/] {type(exc).__name__}: {plain(exc)}\n"
                "This is a bug in hashtide. Rerun with 'hashtide --debug …' for the traceback "
                "and report it.",
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(EXIT_FAILURE) from None

    return wrapper


def progress_bar(
    *, unit: str | None = None, elapsed: bool = False, disable: bool = False
) -> Progress:
    """The commands' progress bar on stderr: description, bar, done/total[, unit][, elapsed].

    Transient (gone when the work ends) and on stderr, so ``--json`` output stays clean.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.progress import Progress as _Progress

    columns: list[ProgressColumn] = [
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
    ]
    if unit is not None:
        columns.append(TextColumn(unit))
    if elapsed:
        columns.append(TimeElapsedColumn())
    return _Progress(*columns, console=err_console, transient=True, disable=disable)
