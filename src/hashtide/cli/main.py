"""Entry point of the ``hashtide`` command."""

from __future__ import annotations

from typing import Annotated

import typer

from hashtide import __version__
from hashtide.cli._common import EXAMPLES, HelpCommand, HelpGroup, set_debug
from hashtide.cli.chain import chain_app
from hashtide.cli.dashboard import dashboard
from hashtide.cli.hardware import catalog
from hashtide.cli.market import backtest, replay
from hashtide.cli.regulation import classify, detect
from hashtide.cli.results import results_app
from hashtide.cli.scenario import run, validate
from hashtide.cli.screen import screen
from hashtide.cli.sweep import sweep

app = typer.Typer(
    name="hashtide",
    help=(
        "Simulate and analyse Bitcoin mining under energy and policy constraints.\n\n"
        "Start with 'hashtide chain verify' (replays every difficulty retarget in the shipped "
        "chain history with Bitcoin Core's rule), 'hashtide chain show --since 2021-05-01', or "
        "'hashtide run scenarios/us-state-reserve.yaml' (a state mining program, 5-20 GW, "
        "with the published claims checked)."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    cls=HelpGroup,
    pretty_exceptions_enable=False,
)
app.add_typer(chain_app, name="chain")
app.command(cls=HelpCommand, epilog=EXAMPLES["validate"])(validate)
app.command(cls=HelpCommand, epilog=EXAMPLES["run"])(run)
app.command(cls=HelpCommand, epilog=EXAMPLES["replay"])(replay)
app.command(cls=HelpCommand, epilog=EXAMPLES["backtest"])(backtest)
app.command(cls=HelpCommand, epilog=EXAMPLES["detect"])(detect)
app.command(cls=HelpCommand, epilog=EXAMPLES["classify"])(classify)
app.command(cls=HelpCommand, epilog=EXAMPLES["catalog"])(catalog)
app.command(cls=HelpCommand, epilog=EXAMPLES["screen"])(screen)
app.command(cls=HelpCommand, epilog=EXAMPLES["sweep"])(sweep)
app.add_typer(results_app, name="results")
app.command(cls=HelpCommand, epilog=EXAMPLES["dashboard"])(dashboard)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"hashtide {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show full tracebacks instead of short messages.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """hashtide: Bitcoin mining under energy and policy constraints."""
    set_debug(debug)


def main() -> None:
    """Run the command line."""
    app()
