"""One ASIC model: nameplate hashrate and power, with where each figure comes from."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from numbers import Real
from typing import Literal, get_args

from hashtide.errors import InvalidInputError
from hashtide.units import HS_PER_THS

Cooling = Literal["air", "hydro", "immersion"]
COOLINGS: tuple[str, ...] = get_args(Cooling)
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def _is_real(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


@dataclass(frozen=True, kw_only=True)
class MinerModel:
    """An ASIC miner model: what one machine hashes and draws at its nameplate setting.

    Catalog models come from :func:`hashtide.hardware.get_model`; a custom model needs only a
    name, a hashrate and a power, e.g. ``MinerModel(model="rig", hashrate_ths=250,
    power_w=3500)``. Every value is checked on construction, and every problem is reported at
    once in one :class:`~hashtide.errors.InvalidInputError`.

    Parameters
    ----------
    model : str
        Model name, e.g. ``"Antminer S21"``.
    hashrate_ths : float
        Nameplate hashrate of one machine [TH/s]; finite and > 0.
    power_w : float
        Nameplate power of one machine at the wall [W]; finite and > 0.
    manufacturer : str or None
        Maker, e.g. ``"Bitmain"``.
    release : str or None
        Release month ``"YYYY-MM"`` as the release source states it.
    cooling : {"air", "hydro", "immersion"} or None
        How the machine is cooled.
    price_usd : float or None
        A price of one machine [USD], of the kind ``price_kind`` says; finite and >= 0.
    price_date : str or None
        Month of that price, ``"YYYY-MM"``.
    price_kind : str or None
        What the price is, e.g. ``"retail listing"``. Never a launch price unless it says so.
    price_source, release_source, source : str or None
        Where the price, the release month and the hashrate/power come from (for catalog
        models: raw file, line and the name as written there). ``source`` defaults to
        ``"user-defined"``.
    source_date : str or None
        Date of the source (for catalog models: last change of the upstream file).

    Examples
    --------
    >>> rig = MinerModel(model="my rig", hashrate_ths=250, power_w=3500)
    >>> rig.efficiency_j_per_th
    14.0
    >>> MinerModel(model="bad", hashrate_ths=-1, power_w=float("nan"))
    Traceback (most recent call last):
    ...
    hashtide.errors.InvalidInputError: invalid MinerModel 'bad':
      hashrate_ths=-1 must be a finite number > 0 [TH/s]
      power_w=nan must be a finite number > 0 [W]
    """

    model: str
    hashrate_ths: float
    power_w: float
    manufacturer: str | None = None
    release: str | None = None
    cooling: Cooling | None = None
    price_usd: float | None = None
    price_date: str | None = None
    price_kind: str | None = None
    price_source: str | None = None
    release_source: str | None = None
    source: str | None = "user-defined"
    source_date: str | None = None

    def __post_init__(self) -> None:
        problems = []
        if not isinstance(self.model, str) or not self.model.strip():
            problems.append(f"model={self.model!r} must be a non-empty string")
        for name, unit in (("hashrate_ths", "TH/s"), ("power_w", "W")):
            value = getattr(self, name)
            if not _is_real(value) or not math.isfinite(value) or value <= 0:
                problems.append(f"{name}={value!r} must be a finite number > 0 [{unit}]")
        if self.price_usd is not None and (
            not _is_real(self.price_usd) or not math.isfinite(self.price_usd) or self.price_usd < 0
        ):
            problems.append(f"price_usd={self.price_usd!r} must be a finite number >= 0 [USD]")
        for name in ("release", "price_date"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not _MONTH.fullmatch(value)):
                problems.append(f"{name}={value!r} must be a month 'YYYY-MM'")
        if self.cooling is not None and self.cooling not in COOLINGS:
            problems.append(f"cooling={self.cooling!r} must be one of {', '.join(COOLINGS)}")
        for name in (
            "manufacturer",
            "price_kind",
            "price_source",
            "release_source",
            "source",
            "source_date",
        ):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                problems.append(f"{name}={value!r} must be a string or None")
        if problems:
            raise InvalidInputError(
                f"invalid MinerModel {self.model!r}:\n  " + "\n  ".join(problems)
            )
        object.__setattr__(self, "hashrate_ths", float(self.hashrate_ths))
        object.__setattr__(self, "power_w", float(self.power_w))
        if self.price_usd is not None:
            object.__setattr__(self, "price_usd", float(self.price_usd))

    @property
    def efficiency_j_per_th(self) -> float:
        """Energy per unit of work [J/TH]: ``power_w / hashrate_ths`` (W per TH/s = J/TH)."""
        return self.power_w / self.hashrate_ths

    @property
    def hashrate_hs(self) -> float:
        """Nameplate hashrate of one machine [H/s]."""
        return self.hashrate_ths * HS_PER_THS
