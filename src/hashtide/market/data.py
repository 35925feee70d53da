"""The market model's historical inputs: BTC price, fees per block and mining-map shares.

All three ship with hashtide (``scripts/build_market_inputs.py`` derives them from public raw
data; each has a ``.meta.json`` with sources, licences and checks):

* ``btc_price_daily.csv`` — BTC/USD per UTC day, CoinGecko's snapshot at 00:00 UTC
  ("Price data by CoinGecko"), 2013-04-28 … 2026-01-02;
* ``btc_fees_daily.csv`` — mean transaction fees per block per UTC day [BTC], 2016-01-01 …
  2026-01-30, from on-chain totals;
* ``mining_map_shares.csv`` — the Cambridge Bitcoin Mining Map's country shares for a few
  months, as quoted by the publications named per row (the full CBECI export is
  CC BY-NC-SA 4.0 and does not ship; :func:`read_mining_map` reads a user's own copy).

Series are returned as :class:`DailySeries`: values on consecutive UTC midnights, with the
value of a day holding for the whole day, the first value before the first day and the last
value after the last day.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from hashtide.errors import DataError, InvalidInputError
from hashtide.units import SECONDS_PER_DAY

FloatArray = npt.NDArray[np.float64]


def _read_rows(name: str) -> list[dict[str, str]]:
    """Rows of a shipped CSV table in ``hashtide/data``."""
    try:
        text = resources.files("hashtide.data").joinpath(name).read_text(encoding="utf-8")
    except OSError as exc:  # pragma: no cover - only a broken install gets here
        raise DataError(f"the shipped table {name} cannot be read: {exc}") from exc
    return list(csv.DictReader(io.StringIO(text)))


def _read_meta(name: str) -> dict[str, Any]:
    text = resources.files("hashtide.data").joinpath(name).read_text(encoding="utf-8")
    meta: dict[str, Any] = json.loads(text)
    return meta


def day_start_s(day: dt.date) -> float:
    """Midnight UTC of ``day`` [s since 1970-01-01 UTC]."""
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).timestamp()


@dataclass(frozen=True, kw_only=True, eq=False)
class DailySeries:
    """A quantity per UTC day.

    Parameters
    ----------
    first_day_s : float
        Midnight UTC of the first day [s since 1970-01-01 UTC].
    values : array of float
        One value per consecutive day, finite.
    name : str
        What the values are, with their unit (for messages).
    """

    first_day_s: float
    values: FloatArray
    name: str = "value"

    def __post_init__(self) -> None:
        values = np.array(self.values, dtype=np.float64)
        if values.ndim != 1 or values.size == 0:
            raise InvalidInputError(f"{self.name}: values must be a non-empty 1-D array")
        if not np.all(np.isfinite(values)):
            bad = int(np.flatnonzero(~np.isfinite(values))[0])
            raise InvalidInputError(
                f"{self.name}: value {bad} is {float(values[bad])!r}, not finite"
            )
        if self.first_day_s % SECONDS_PER_DAY:
            raise InvalidInputError(f"{self.name}: first_day_s must be a UTC midnight")
        values.setflags(write=False)
        object.__setattr__(self, "values", values)

    @property
    def last_day_s(self) -> float:
        """Midnight UTC of the last day."""
        return self.first_day_s + (self.values.size - 1) * SECONDS_PER_DAY

    def at(self, time_s: npt.ArrayLike) -> FloatArray:
        """The value of the day each time falls in (held flat outside the series)."""
        index = np.floor((np.asarray(time_s, dtype=float) - self.first_day_s) / SECONDS_PER_DAY)
        index = np.clip(index, 0, self.values.size - 1).astype(np.int64)
        result: FloatArray = self.values[index]
        return result

    def trailing_mean(self, time_s: npt.ArrayLike, days: int) -> FloatArray:
        """Mean of the ``days`` days ending with the day each time falls in."""
        if days < 1:
            raise InvalidInputError(f"days={days!r} must be >= 1")
        cumulative = np.concatenate([[0.0], np.cumsum(self.values)])
        day = np.floor((np.asarray(time_s, dtype=float) - self.first_day_s) / SECONDS_PER_DAY)
        last = np.clip(day, 0, self.values.size - 1).astype(np.int64)
        first = np.clip(day - days + 1, 0, self.values.size - 1).astype(np.int64)
        result: FloatArray = (cumulative[last + 1] - cumulative[first]) / (last - first + 1)
        return result

    def scaled(self, factor: float) -> DailySeries:
        """The same series multiplied by ``factor``."""
        return DailySeries(
            first_day_s=self.first_day_s, values=self.values * factor, name=self.name
        )


def _daily(rows: list[dict[str, str]], column: str, name: str) -> DailySeries:
    days = [dt.date.fromisoformat(row["date"]) for row in rows]
    values = [float(row[column]) for row in rows]
    first, last = days[0], days[-1]
    grid = np.full((last - first).days + 1, np.nan)
    for day, value in zip(days, values, strict=True):
        grid[(day - first).days] = value
    # A missing day takes the previous day's value (two such days in the price table).
    for k in range(1, grid.size):
        if np.isnan(grid[k]):
            grid[k] = grid[k - 1]
    return DailySeries(first_day_s=day_start_s(first), values=grid, name=name)


@functools.cache
def btc_price_usd() -> DailySeries:
    """BTC price per UTC day [USD/BTC]: CoinGecko's snapshot at 00:00 UTC.

    Price data by CoinGecko (https://www.coingecko.com). Missing days (two) take the previous
    day's price. :func:`provenance` gives the source and why it was chosen.

    Examples
    --------
    >>> price = btc_price_usd()
    >>> round(float(price.at(day_start_s(dt.date(2021, 7, 1)))))
    35171
    """
    return _daily(_read_rows("btc_price_daily.csv"), "price_usd", "BTC price [USD]")


@functools.cache
def btc_fees_per_block() -> DailySeries:
    """Mean transaction fees per block, per UTC day [BTC], 2016-01-01 … 2026-01-30.

    Examples
    --------
    >>> fees = btc_fees_per_block()
    >>> round(float(fees.at(day_start_s(dt.date(2021, 7, 5)))), 4)  # getblockstats: 47.55 BTC
    0.3602
    """
    return _daily(_read_rows("btc_fees_daily.csv"), "fee_btc_per_block", "fees [BTC/block]")


#: Region keys of the shipped mining-map table that are provinces of mainland China, quoted
#: as shares of the world (2020-04 only).
CHINA_PROVINCES = ("china_xinjiang", "china_sichuan", "china_inner_mongolia", "china_yunnan")


@dataclass(frozen=True, kw_only=True)
class MapQuote:
    """One quoted mining-map figure: a region's share of world hashrate in a month."""

    month: str
    region: str
    share_frac: float
    source: str


@functools.cache
def mining_map_quotes() -> tuple[MapQuote, ...]:
    """The shipped Cambridge mining-map figures, oldest month first.

    Examples
    --------
    >>> [q.share_frac for q in mining_map_quotes() if q.region == "china"][:3]
    [0.7553, 0.6508, 0.46]
    """
    rows = _read_rows("mining_map_shares.csv")
    quotes = tuple(
        MapQuote(
            month=row["month"],
            region=row["region"],
            share_frac=float(row["share_frac"]),
            source=row["source"],
        )
        for row in rows
    )
    return tuple(sorted(quotes, key=lambda q: q.month))


def read_mining_map(path: str | Path) -> tuple[MapQuote, ...]:
    """Read a CBECI mining-map export (``date,country,monthly_hashrate_%,…``) into quotes.

    For users who hold the full monthly table (CC BY-NC-SA 4.0, not shipped). Country names
    are mapped to hashtide's region keys; unknown countries go to ``other``.

    Raises
    ------
    DataError
        If the file lacks the expected columns or a share is not a percentage.
    """
    names = {
        "Mainland China": "china",
        "United States": "united_states",
        "Kazakhstan": "kazakhstan",
        "Russian Federation": "russia",
        "Canada": "canada",
        "Malaysia": "malaysia",
        "Iran, Islamic Rep.": "iran",
    }
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise DataError(f"{path}: cannot read the mining map ({exc.strerror})") from None
    reader = csv.DictReader(io.StringIO(text))
    needed = {"date", "country", "monthly_hashrate_%"}
    if not needed <= set(reader.fieldnames or ()):
        raise DataError(f"{path}: needs columns {sorted(needed)}, got {reader.fieldnames}")
    totals: dict[tuple[str, str], float] = {}
    for line, row in enumerate(reader, start=2):
        text_share = row["monthly_hashrate_%"].strip().rstrip("%")
        try:
            share = float(text_share) / 100
        except ValueError:
            raise DataError(f"{path} line {line}: share {row['monthly_hashrate_%']!r}") from None
        key = (row["date"][:7], names.get(row["country"], "other"))
        totals[key] = totals.get(key, 0.0) + share
    quotes = [
        MapQuote(month=m, region=r, share_frac=s, source=str(path))
        for (m, r), s in sorted(totals.items())
    ]
    return tuple(quotes)


def provenance() -> dict[str, Any]:
    """Sources, licences and checks of the three shipped tables, by table name."""
    return {
        name: _read_meta(f"{name}.meta.json")
        for name in ("btc_price_daily", "btc_fees_daily", "mining_map_shares")
    }
