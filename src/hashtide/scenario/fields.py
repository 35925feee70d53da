"""Pydantic field helpers shared by scenario schemas: quantities with units, bounds, dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import AfterValidator, BeforeValidator

from hashtide.scenario.units import UnitParseError, parse_quantity


def quantity(kind: str) -> Any:
    """A validator reading text such as ``5 GW`` as a quantity of ``kind`` (hashtide's unit)."""

    def convert(value: Any) -> float:
        try:
            return parse_quantity(value, kind)
        except UnitParseError as exc:
            if kind == "btc_price":  # "85000 USD" for a BTC price means USD per BTC
                try:
                    return parse_quantity(value, "money")
                except UnitParseError:
                    pass
            raise ValueError(str(exc)) from None

    return BeforeValidator(convert)


def check(predicate: Any, message: str) -> Any:
    """A validator raising ``message`` (``{value}`` filled in) where ``predicate`` is false."""

    def verify(value: float) -> float:
        if not predicate(value):
            raise ValueError(message.format(value=value))
        return value

    return AfterValidator(verify)


def date_validator(example: str) -> Any:
    """A validator reading a ``datetime.date`` from ``YYYY-MM-DD`` (errors quote ``example``)."""

    def convert(value: Any) -> dt.date:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise ValueError(f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. {example}")

    return BeforeValidator(convert)
