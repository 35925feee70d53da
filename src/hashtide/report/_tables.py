"""The table model the HTML templates render: columns with units, cells with a small sub-line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cell:
    """One cell: its text, an optional grey sub-line (e.g. a 5–95 % range), numeric alignment."""

    text: str
    sub: str = ""
    num: bool = True


@dataclass(frozen=True)
class Column:
    """A column title with its unit shown in brackets."""

    title: str
    unit: str = ""
    num: bool = True


@dataclass(frozen=True)
class Table:
    """Columns and rows of cells."""

    columns: list[Column]
    rows: list[list[Cell]]
