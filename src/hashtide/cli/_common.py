"""What every hashtide command shares: consoles, error handling, exit codes, user text.

Only light modules are imported here (typer, rich's console): ``hashtide --help`` imports this
and the command modules, and must stay fast; each command imports what it needs when it runs.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, ParamSpec, TypeVar

import typer
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
    typer.Option(min=0, help="Random seed, a whole number >= 0 (default: the scenario's)."),
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
