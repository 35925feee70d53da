"""Pydantic field helpers shared by scenario schemas: quantities with units, bounds, dates.

Numbers are strict: ``true`` is not 1, ``"nan"`` is not a number, and a date outside the span
hashtide can say anything about (:data:`EARLIEST_DATE` to :data:`LATEST_DATE`) is refused.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Final

from pydantic import AfterValidator, BeforeValidator, Field

from hashtide.scenario.units import UnitParseError, parse_quantity

#: The day of the genesis block (2009-01-03 18:15:05 UTC): no date in a scenario comes before it.
EARLIEST_DATE: Final = dt.date(2009, 1, 3)
#: The latest date a scenario may name: beyond it nothing hashtide models (hardware, prices,
#: the subsidy schedule's last halvings) means anything.
LATEST_DATE: Final = dt.date(2100, 12, 31)

#: A whole number written as one (``true`` and ``1.0`` are refused).
Integer = Annotated[int, Field(strict=True)]
#: A finite number written as one (``true``, ``"nan"``, ``.inf`` are refused).
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]


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


def date_validator(
    example: str, earliest: dt.date = EARLIEST_DATE, latest: dt.date = LATEST_DATE
) -> Any:
    """A validator reading a ``datetime.date`` from ``YYYY-MM-DD`` in ``[earliest, latest]``.

    Errors quote ``example`` and say why a date is impossible (``month must be in 1..12``).
    """

    def convert(value: Any) -> dt.date:
        if value is None:
            raise ValueError(f"a value is required; write a date as YYYY-MM-DD, e.g. {example}")
        if isinstance(value, dt.datetime):
            day = value.date()
        elif isinstance(value, dt.date):
            day = value
        elif isinstance(value, str) and len(value) <= 40:
            try:
                day = dt.date.fromisoformat(value.strip())
            except ValueError as exc:
                shaped = re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()) is not None
                reason = str(exc) if shaped else ""  # e.g. "month must be in 1..12"
                raise ValueError(
                    f"{value!r} is not a date{' (' + reason + ')' if reason else ''}; "
                    f"write it as YYYY-MM-DD, e.g. {example}"
                ) from None
        else:
            shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "…"
            raise ValueError(f"{shown} is not a date; write it as YYYY-MM-DD, e.g. {example}")
        if not earliest <= day <= latest:
            raise ValueError(f"{day} is outside the dates allowed here: {earliest} to {latest}")
        return day

    return BeforeValidator(convert)
