"""Synthetic loads of mining, AI training, AI inference, storage — and an office to hide them in.

Each generator returns a power series [kW] on a given time axis, drawn with an explicit
``numpy.random.Generator``. The parameters are frozen dataclasses whose defaults come from
public specifications where one exists; where a number is an assumption, :data:`PARAMETER_SOURCES`
says so. The detector is evaluated on *real* building loads with these loads added
(:func:`hide_in`); the synthetic office (:func:`office_load`) exists only for tests and examples
that must not depend on the raw data.

What each load looks like on a meter
------------------------------------
* **PoW mining** (:class:`MiningFleet`): N ASICs from the catalog, each drawing its nameplate
  power within the maker's ±5 % tolerance, around the clock. Hour to hour the fleet moves by a
  fraction of a percent (fans follow the temperature). Optional: outages (a breaker trips, the
  pool is down, the owner switches off), curtailment above a power price.
* **AI training** (:class:`TrainingCluster`): GPU servers that run jobs lasting hours to days;
  between jobs they idle at a quarter of their maximum. Within a job the draw swings with every
  iteration (compute, then communication) — on a 15-min meter that averages out, but checkpoint
  pauses do not.
* **AI inference** (:class:`InferenceCluster`): the same servers following user demand — a daily
  cycle, quieter at weekends, well below peak power on average.
* **Storage** (:class:`StorageArray`): spinning disks, nearly flat, with a small daily cycle of
  input/output activity.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashtide.errors import InvalidInputError
from hashtide.hardware import get_model
from hashtide.regulation.patterns import HIDDEN_PATTERNS
from hashtide.units import SECONDS_PER_HOUR

FloatArray = npt.NDArray[np.float64]

#: Every default parameter of the generators: value, unit, where it comes from, and whether it is
#: ``published`` (a specification or paper states it) or an ``assumption`` (ours, stated).
PARAMETER_SOURCES: Final[dict[str, tuple[str, str, str]]] = {
    "MiningFleet.model": (
        "catalog",
        "hashtide.hardware catalog: nameplate power_w per model (asic_catalog.csv and its "
        "sources: F2Pool, BTCBESS, asicminervalue, asicmarketplace listings)",
        "published",
    ),
    "MiningFleet.unit_tolerance_frac": (
        "0.05",
        "Bitmain rates wall power '±5 %' (e.g. Antminer S19 Pro: 3250 W ±5 %, 110 TH/s ±3 %, "
        "as quoted from the launch specification by operators' evaluations, e.g. "
        "https://blog.zeusmining.co/2022/08/Antminer-s19-pro-110t-evaluation.html)",
        "published",
    ),
    "MiningFleet.noise_frac": (
        "0.003",
        "hour-to-hour variation of one machine's draw at fixed frequency and voltage; the "
        "variation comes from fans and board temperature",
        "assumption",
    ),
    "MiningFleet.temperature_coeff_per_c": (
        "0.002",
        "power rises with board temperature at fixed frequency (measured on the X19 series: "
        "https://www.ydminer.com/blog/influence-of-temperature-on-power-consumption-ratio-"
        "of-antminer-x19-series/); the size, 0.2 %/°C of ambient, is ours",
        "assumption",
    ),
    "TrainingCluster.server_max_w": (
        "10200",
        "NVIDIA DGX H100: maximum system power 10.2 kW (NVIDIA DGX H100/H200 User Guide, "
        "'Power Specifications': six 3.3 kW supplies, 4+2 redundant, 10.2 kW max input)",
        "published",
    ),
    "TrainingCluster.busy_frac": (
        "0.85",
        "share of maximum drawn while training; training runs GPUs near their TDP (Patel et al., "
        "'Characterizing Power Management Opportunities for LLMs in the Cloud', ASPLOS 2024, "
        "https://doi.org/10.1145/3620666.3651329); the system-level share is ours",
        "assumption",
    ),
    "TrainingCluster.idle_frac": (
        "0.25",
        "share of maximum drawn by an idle 8-GPU server (GPUs, CPUs, fans, NICs at idle)",
        "assumption",
    ),
    "TrainingCluster.job_hours": (
        "36 (median, lognormal σ 0.8)",
        "length of a training job; jobs of hours to weeks are typical of GPU clusters",
        "assumption",
    ),
    "TrainingCluster.gap_hours": (
        "8 (median, lognormal σ 0.8)",
        "time between jobs",
        "assumption",
    ),
    "TrainingCluster.swing_frac": (
        "0.15",
        "iteration-scale power swings between compute and communication phases (seconds): "
        "NERC Large Loads Task Force, 'Characteristics and Risks of Emerging Large Loads', "
        "white paper, July 2025 (AI training loads oscillate within seconds); amplitude ours. "
        "They average out over a meter interval of a minute or more",
        "assumption",
    ),
    "TrainingCluster.checkpoint": (
        "every 30 min, 60 s at idle",
        "checkpoint pauses: GPUs wait while the model state is written",
        "assumption",
    ),
    "InferenceCluster.busy_frac": (
        "0.20 at night to 0.60 in the afternoon",
        "inference clusters run well below peak power on average (Patel et al., ASPLOS 2024, "
        "above: 'the average and peak power utilization in LLM clusters for inference should "
        "not be very high'); the daily cycle follows users (Azure LLM inference traces, "
        "Patel et al., 'Splitwise', ISCA 2024); the shape is ours",
        "assumption",
    ),
    "StorageArray.drive_w": (
        "7 W idle, 10 W busy",
        "3.5-inch 7,200 rpm enterprise hard drives; data sheets of this class list roughly "
        "5–8 W idle and 8–10 W in random read/write",
        "assumption",
    ),
    "StorageArray.overhead_w_per_drive": (
        "6.7",
        "controllers, fans and power-supply losses: 400 W per 60-drive 4U enclosure",
        "assumption",
    ),
    "office_load": (
        "floor 35 % of peak, working hours 08–18 local on weekdays",
        "a synthetic office for tests only; evaluation uses real buildings",
        "assumption",
    ),
}


def _hours(time: pd.DatetimeIndex) -> FloatArray:
    """Hours since the first interval start."""
    ns = time.as_unit("ns").asi8
    return np.asarray((ns - ns[0]) / 3.6e12, dtype=float)


def _check_time(time: pd.DatetimeIndex, interval_s: int) -> None:
    if not isinstance(time, pd.DatetimeIndex) or time.tz is None or len(time) < 2:
        raise InvalidInputError("time must be a tz-aware pandas.DatetimeIndex of 2 or more steps")
    if not isinstance(interval_s, int) or interval_s <= 0:
        raise InvalidInputError(f"interval_s={interval_s!r} must be a positive whole number")


def _onset_hour(time: pd.DatetimeIndex, onset: str | pd.Timestamp | None) -> float:
    if onset is None:
        return -math.inf
    when = pd.Timestamp(onset)
    when = when.tz_localize("UTC") if when.tzinfo is None else when.tz_convert("UTC")
    return float((when.as_unit("ns").value - time.as_unit("ns").asi8[0]) / 3.6e12)


def _on_fraction(start_h: FloatArray, step_h: float, on_h: float) -> FloatArray:
    """Share of each interval ``[t, t + step)`` after the moment ``on_h`` [h]."""
    return np.clip((start_h + step_h - on_h) / step_h, 0.0, 1.0)


@dataclass(frozen=True, kw_only=True)
class MiningFleet:
    """A fleet of identical ASIC miners (defaults: see :data:`PARAMETER_SOURCES`).

    Parameters
    ----------
    n_machines : int
        Number of machines (>= 1).
    model : str
        A catalog model name (:func:`hashtide.hardware.get_model`).
    unit_tolerance_frac : float
        Each machine's own draw is its nameplate power times ``1 + u``, ``u`` uniform in
        ``±unit_tolerance_frac``.
    noise_frac : float
        Hour-to-hour variation of one machine's draw (standard deviation, share of its draw).
    temperature_coeff_per_c : float
        Relative change of draw per °C of outdoor temperature above 25 °C (when a temperature
        series is given).
    switch_on_hours : float
        The machines are switched on one by one within this many hours after the onset.
    outages_per_day : float
        Rate of outages (a breaker trips, the pool is unreachable, the owner switches off); each
        stops a uniform 20–100 % of the machines for an exponential time of mean
        ``outage_hours``. Default 0: a disciplined, steady fleet (the hardest to see).
    outage_hours : float
        Mean outage length [h].
    curtail_above_usd_per_kwh : float or None
        Switch the whole fleet off while the power price is above this [USD/kWh].
    """

    n_machines: int
    model: str = "Antminer S19j Pro"
    unit_tolerance_frac: float = 0.05
    noise_frac: float = 0.003
    temperature_coeff_per_c: float = 0.002
    switch_on_hours: float = 1.0
    outages_per_day: float = 0.0
    outage_hours: float = 2.0
    curtail_above_usd_per_kwh: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.n_machines, int) or self.n_machines < 1:
            raise InvalidInputError(f"n_machines={self.n_machines!r} must be a whole number >= 1")
        get_model(self.model)  # raises with suggestions for an unknown model
        for name in ("unit_tolerance_frac", "noise_frac", "switch_on_hours", "outages_per_day"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise InvalidInputError(f"{name}={value!r} must be finite and >= 0")
        if not self.outage_hours > 0:
            raise InvalidInputError(f"outage_hours={self.outage_hours!r} must be > 0")

    @property
    def power_w(self) -> float:
        """Nameplate draw of the fleet [W]."""
        return self.n_machines * get_model(self.model).power_w


def mining_load(
    time: pd.DatetimeIndex,
    interval_s: int,
    fleet: MiningFleet,
    rng: np.random.Generator,
    *,
    onset: str | pd.Timestamp | None = None,
    price_usd_per_kwh: FloatArray | None = None,
    temperature_c: FloatArray | None = None,
) -> FloatArray:
    """Power [kW] drawn by ``fleet`` in each interval starting at ``time``.

    ``onset`` is when switching on begins (default: running before the series starts).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> time = pd.date_range("2024-03-04", periods=48, freq="h", tz="UTC")
    >>> load = mining_load(time, 3600, MiningFleet(n_machines=10), np.random.default_rng(1))
    >>> bool(abs(load.mean() - 30.68) < 0.05 * 30.68)  # 10 × 3,068 W within the ±5 % tolerance
    True
    """
    _check_time(time, interval_s)
    power_w = get_model(fleet.model).power_w
    n = fleet.n_machines
    unit_w = power_w * (1 + rng.uniform(-fleet.unit_tolerance_frac, fleet.unit_tolerance_frac, n))
    start_h = _hours(time)
    step_h = interval_s / SECONDS_PER_HOUR
    base = _onset_hour(time, onset)
    on_h = base + rng.uniform(0.0, fleet.switch_on_hours, n) if math.isfinite(base) else None
    running = np.ones((len(time),))
    if on_h is None:
        draw_w = np.full(len(time), unit_w.sum())
    else:
        # Sum over machines of (own draw × share of the interval it is on).
        draw_w = np.zeros(len(time))
        for w, h in zip(unit_w, on_h, strict=True):
            draw_w += w * _on_fraction(start_h, step_h, float(h))
    if fleet.outages_per_day > 0:
        days = (start_h[-1] + step_h) / 24
        for _ in range(rng.poisson(fleet.outages_per_day * days)):
            begin = rng.uniform(0, days * 24)
            length = rng.exponential(fleet.outage_hours)
            share = rng.uniform(0.2, 1.0)
            overlap = np.clip(
                np.minimum(start_h + step_h, begin + length) - np.maximum(start_h, begin), 0, None
            )
            running -= share * overlap / step_h
        running = np.clip(running, 0.0, 1.0)
    if fleet.curtail_above_usd_per_kwh is not None and price_usd_per_kwh is not None:
        running = running * (np.asarray(price_usd_per_kwh) <= fleet.curtail_above_usd_per_kwh)
    factor = 1 + rng.normal(0.0, fleet.noise_frac / math.sqrt(n), len(time))
    if temperature_c is not None:
        factor = factor * (1 + fleet.temperature_coeff_per_c * (np.asarray(temperature_c) - 25))
    return draw_w * running * factor / 1e3


@dataclass(frozen=True, kw_only=True)
class TrainingCluster:
    """GPU servers running training jobs (defaults: see :data:`PARAMETER_SOURCES`)."""

    n_servers: int
    server_max_w: float = 10_200.0
    busy_frac: float = 0.85
    idle_frac: float = 0.25
    job_hours: float = 36.0
    gap_hours: float = 8.0
    swing_frac: float = 0.15
    checkpoint_every_h: float = 0.5
    checkpoint_s: float = 60.0

    def __post_init__(self) -> None:
        if not isinstance(self.n_servers, int) or self.n_servers < 1:
            raise InvalidInputError(f"n_servers={self.n_servers!r} must be a whole number >= 1")
        if not 0 <= self.idle_frac <= self.busy_frac <= 1:
            raise InvalidInputError("need 0 <= idle_frac <= busy_frac <= 1")


def _alternating(
    total_h: float, rng: np.random.Generator, on_median: float, off_median: float
) -> list[tuple[float, float, float]]:
    """``(start, end, share of servers)`` of jobs; lognormal on and off times (σ 0.8)."""
    jobs = []
    t = -rng.uniform(0, on_median)
    while t < total_h:
        length = on_median * math.exp(0.8 * rng.standard_normal())
        share = float(rng.choice([0.5, 0.75, 1.0]))
        jobs.append((t, t + length, share))
        t += length + off_median * math.exp(0.8 * rng.standard_normal())
    return jobs


def ai_training_load(
    time: pd.DatetimeIndex,
    interval_s: int,
    cluster: TrainingCluster,
    rng: np.random.Generator,
    *,
    onset: str | pd.Timestamp | None = None,
) -> FloatArray:
    """Power [kW] of a training cluster: jobs on a share of the servers, idle between jobs.

    Within a job the draw averages ``busy_frac`` of maximum, less the checkpoint pauses, with the
    iteration swings averaged over the interval (their residual shrinks as the square root of
    the number of ~10 s iterations per interval). Before ``onset`` the cluster is not there.
    """
    _check_time(time, interval_s)
    start_h = _hours(time)
    step_h = interval_s / SECONDS_PER_HOUR
    total = start_h[-1] + step_h
    utilisation = np.zeros(len(time))
    for begin, end, share in _alternating(total, rng, cluster.job_hours, cluster.gap_hours):
        overlap = np.clip(np.minimum(start_h + step_h, end) - np.maximum(start_h, begin), 0, None)
        utilisation += share * overlap / step_h
    utilisation = np.clip(utilisation, 0.0, 1.0)
    pause = cluster.checkpoint_s / (cluster.checkpoint_every_h * SECONDS_PER_HOUR)
    busy = cluster.busy_frac * (1 - pause) + cluster.idle_frac * pause
    iterations = max(interval_s / 10.0, 1.0)
    swing = cluster.swing_frac / math.sqrt(iterations)
    level = cluster.idle_frac + (busy - cluster.idle_frac) * utilisation
    level = level * (1 + swing * utilisation * rng.standard_normal(len(time)))
    if interval_s < cluster.checkpoint_every_h * SECONDS_PER_HOUR:
        # A checkpoint falls in this interval: part of it at idle.
        phase = (start_h % cluster.checkpoint_every_h) < step_h
        dip = min(cluster.checkpoint_s / interval_s, 1.0) * (cluster.busy_frac - cluster.idle_frac)
        level = level - phase * utilisation * dip
    present = _on_fraction(start_h, step_h, _onset_hour(time, onset))
    return cluster.n_servers * cluster.server_max_w * level * present / 1e3


@dataclass(frozen=True, kw_only=True)
class InferenceCluster:
    """GPU servers answering user requests (defaults: see :data:`PARAMETER_SOURCES`)."""

    n_servers: int
    server_max_w: float = 10_200.0
    idle_frac: float = 0.25
    night_busy_frac: float = 0.20
    peak_busy_frac: float = 0.60
    peak_hour: float = 15.0
    weekend_factor: float = 0.8
    noise_frac: float = 0.05

    def __post_init__(self) -> None:
        if not isinstance(self.n_servers, int) or self.n_servers < 1:
            raise InvalidInputError(f"n_servers={self.n_servers!r} must be a whole number >= 1")


def ai_inference_load(
    time: pd.DatetimeIndex,
    interval_s: int,
    cluster: InferenceCluster,
    rng: np.random.Generator,
    *,
    timezone: str = "UTC",
    onset: str | pd.Timestamp | None = None,
) -> FloatArray:
    """Power [kW] of an inference cluster whose load follows users' day (``timezone`` clock)."""
    _check_time(time, interval_s)
    local = time.tz_convert(timezone)
    hour = local.hour.to_numpy() + local.minute.to_numpy() / 60
    cycle = 0.5 * (1 + np.cos(2 * np.pi * (hour - cluster.peak_hour) / 24))
    busy = cluster.night_busy_frac + (cluster.peak_busy_frac - cluster.night_busy_frac) * cycle
    busy = busy * np.where(local.day_of_week.to_numpy() >= 5, cluster.weekend_factor, 1.0)
    noise = np.empty(len(time))
    noise[0] = rng.standard_normal()
    for i in range(1, len(time)):  # AR(1) demand noise, correlation 0.8 per interval
        noise[i] = 0.8 * noise[i - 1] + 0.6 * rng.standard_normal()
    busy = np.clip(busy * (1 + cluster.noise_frac * noise), 0.0, 1.0)
    level = cluster.idle_frac + (1 - cluster.idle_frac) * busy
    step_h = interval_s / SECONDS_PER_HOUR
    present = _on_fraction(_hours(time), step_h, _onset_hour(time, onset))
    return cluster.n_servers * cluster.server_max_w * level * present / 1e3


@dataclass(frozen=True, kw_only=True)
class StorageArray:
    """Spinning-disk storage (defaults: see :data:`PARAMETER_SOURCES`)."""

    n_drives: int
    drive_idle_w: float = 7.0
    drive_busy_w: float = 10.0
    overhead_w_per_drive: float = 400.0 / 60
    mean_activity: float = 0.3
    daily_amplitude: float = 0.2
    noise_frac: float = 0.05

    def __post_init__(self) -> None:
        if not isinstance(self.n_drives, int) or self.n_drives < 1:
            raise InvalidInputError(f"n_drives={self.n_drives!r} must be a whole number >= 1")


def storage_load(
    time: pd.DatetimeIndex,
    interval_s: int,
    array: StorageArray,
    rng: np.random.Generator,
    *,
    timezone: str = "UTC",
    onset: str | pd.Timestamp | None = None,
) -> FloatArray:
    """Power [kW] of a storage array: idle drives plus input/output activity following the day."""
    _check_time(time, interval_s)
    local = time.tz_convert(timezone)
    hour = local.hour.to_numpy() + local.minute.to_numpy() / 60
    activity = array.mean_activity * (
        1 + array.daily_amplitude * np.cos(2 * np.pi * (hour - 14) / 24)
    )
    activity = np.clip(activity * (1 + array.noise_frac * rng.standard_normal(len(time))), 0, 1)
    per_drive = (
        array.drive_idle_w
        + (array.drive_busy_w - array.drive_idle_w) * activity
        + array.overhead_w_per_drive
    )
    step_h = interval_s / SECONDS_PER_HOUR
    present = _on_fraction(_hours(time), step_h, _onset_hour(time, onset))
    return array.n_drives * per_drive * present / 1e3


def office_load(
    time: pd.DatetimeIndex,
    interval_s: int,
    mean_kw: float,
    rng: np.random.Generator,
    *,
    timezone: str = "UTC",
) -> FloatArray:
    """A synthetic office [kW] with mean about ``mean_kw``: for tests and examples only.

    Floor 35 % of peak around the clock, occupied 08–18 local on weekdays (ramping over an
    hour), 5 % noise with hour-to-hour correlation and a slow weather-like drift.
    """
    _check_time(time, interval_s)
    if not mean_kw > 0:
        raise InvalidInputError(f"mean_kw={mean_kw!r} must be > 0")
    local = time.tz_convert(timezone)
    hour = local.hour.to_numpy() + local.minute.to_numpy() / 60
    occupied = np.clip(np.minimum(hour - 7, 19 - hour), 0, 1) * (local.day_of_week.to_numpy() < 5)
    shape = 0.35 + 0.65 * occupied
    noise = np.empty(len(time))
    noise[0] = rng.standard_normal()
    for i in range(1, len(time)):
        noise[i] = 0.7 * noise[i - 1] + 0.71 * rng.standard_normal()
    drift = 1 + 0.05 * np.sin(2 * np.pi * _hours(time) / (24 * 9) + rng.uniform(0, 2 * np.pi))
    load = shape * drift * (1 + 0.05 * noise)
    return np.asarray(np.clip(load / load.mean() * mean_kw, 0.0, None), dtype=float)


def hide_in(building_kw: FloatArray, *extra_kw: FloatArray) -> FloatArray:
    """A building's load with other loads added (NaN in the building stays NaN)."""
    total = np.asarray(building_kw, dtype=float).copy()
    for extra in extra_kw:
        if np.shape(extra) != total.shape:
            raise InvalidInputError(
                f"loads must have the same length: {np.shape(extra)} vs {total.shape}"
            )
        total = total + extra
    return total


def fleet_for_share(share_frac: float, building_mean_kw: float, model: str) -> int:
    """Machines of ``model`` drawing closest to ``share_frac`` of a building's mean load (>= 1).

    Examples
    --------
    >>> fleet_for_share(0.2, 200.0, "Antminer S19j Pro")  # 40 kW / 3.068 kW = 13.04
    13
    """
    if not (math.isfinite(share_frac) and share_frac > 0):
        raise InvalidInputError(f"share_frac={share_frac!r} must be > 0")
    power_kw = get_model(model).power_w / 1e3
    return max(1, round(share_frac * building_mean_kw / power_kw))


#: How a hidden fleet runs (see :func:`pattern_load`). ``storage_pos`` is a small storage-proof
#: or proof-of-stake node rather than an ASIC fleet.
PATTERNS: Final = HIDDEN_PATTERNS
#: Assumptions behind the patterns (value, what, kind), as in :data:`PARAMETER_SOURCES`.
PATTERN_SOURCES: Final[dict[str, tuple[str, str, str]]] = {
    "night_only": (
        "00:00–07:00 local",
        "a 7-hour cheap night tariff (the UK's Economy 7 gives 7 off-peak hours a night; the "
        "clock hours vary by supplier and region)",
        "assumption",
    ),
    "weekend_only": (
        "Saturday 00:00 to Monday 00:00 local",
        "machines run while the office is empty",
        "assumption",
    ),
    "batches": (
        "2–4 batches, the first in the first 60 % of the history",
        "a fleet grown as machines arrive",
        "assumption",
    ),
    "curtailed": (
        "1–3 events a week, 2–24 h, starting 16:00–19:00 local",
        "off at evening price peaks and on days of dear power (demand response)",
        "assumption",
    ),
    "seasonal_heat": (
        "on from about 1 November to about 31 March (±14 days)",
        "machines heat the building in the heating season and are off in summer",
        "assumption",
    ),
    "gpu_mining": (
        "rigs of 1.2 kW (6 GPUs), stints of 3 days on (median) and 1 day off, level ±15 % "
        "per stint, hourly noise 3 %",
        "GPU rigs mining other coins, switched with profitability and tuned per coin",
        "assumption",
    ),
    "storage_pos": (
        "flat node with a 20 % daily I/O cycle",
        "storage-proof (Chia/Filecoin-like) or proof-of-stake nodes: servers with disks, "
        "nearly flat; a single validator draws 0.1–0.3 kW",
        "assumption",
    ),
}
#: GPU rig draw used by the ``gpu_mining`` pattern [kW] (see :data:`PATTERN_SOURCES`).
GPU_RIG_KW: Final = 1.2


def _local_clock(time: pd.DatetimeIndex, timezone: str) -> tuple[FloatArray, FloatArray, Any]:
    local = time.tz_convert(timezone)
    return (
        np.asarray(local.hour.to_numpy(), dtype=float),
        np.asarray(local.day_of_week.to_numpy(), dtype=float),
        local,
    )


def _square(start_h: FloatArray, step_h: float, spans: list[tuple[float, float]]) -> FloatArray:
    """Share of each interval covered by the union of ``spans`` (start, end) [h]."""
    cover = np.zeros(start_h.size)
    for begin, end in spans:
        cover += (
            np.clip(np.minimum(start_h + step_h, end) - np.maximum(start_h, begin), 0, None)
            / step_h
        )
    return np.clip(cover, 0.0, 1.0)


def pattern_load(
    time: pd.DatetimeIndex,
    interval_s: int,
    power_kw: float,
    pattern: str,
    rng: np.random.Generator,
    *,
    model: str = "Antminer S19j Pro",
    timezone: str = "UTC",
    onset: str | pd.Timestamp | None = None,
) -> FloatArray:
    """Power [kW] of a hidden load of about ``power_kw`` when running, in one of :data:`PATTERNS`.

    ASIC patterns use whole machines of ``model`` (at least one); ``gpu_mining`` uses rigs of
    :data:`GPU_RIG_KW`; ``storage_pos`` a :class:`StorageArray`. ``onset`` (default: a random
    hour between 30 % and 70 % of the series) is used by ``onset`` and ``storage_pos``; the
    other patterns draw their own timing (:data:`PATTERN_SOURCES`).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> time = pd.date_range("2024-03-04", periods=14 * 24, freq="h", tz="UTC")
    >>> load = pattern_load(time, 3600, 30.0, "night_only", np.random.default_rng(1))
    >>> float(load[3]) > 25, float(load[12]) == 0.0  # 03:00 on, 12:00 off
    (True, True)
    """
    _check_time(time, interval_s)
    if pattern not in PATTERNS:
        raise InvalidInputError(f"pattern={pattern!r}; expected one of {', '.join(PATTERNS)}")
    if not (math.isfinite(power_kw) and power_kw > 0):
        raise InvalidInputError(f"power_kw={power_kw!r} must be > 0")
    start_h = _hours(time)
    step_h = interval_s / SECONDS_PER_HOUR
    total_h = float(start_h[-1] + step_h)
    if onset is None:
        first = time[0] + pd.Timedelta(hours=float(rng.uniform(0.3, 0.7)) * total_h)
        onset = first.floor("h")
    if pattern == "storage_pos":
        drive_kw = (7.0 + 3.0 * 0.3 + 400.0 / 60) / 1e3
        array = StorageArray(n_drives=max(1, round(power_kw / drive_kw)))
        return storage_load(time, interval_s, array, rng, timezone=timezone, onset=onset)
    if pattern == "gpu_mining":
        return _gpu_rigs(time, interval_s, power_kw, rng, onset=None)
    n = max(1, round(power_kw / (get_model(model).power_w / 1e3)))
    fleet = MiningFleet(n_machines=n, model=model)
    if pattern == "onset":
        return mining_load(time, interval_s, fleet, rng, onset=onset)
    if pattern == "batches":
        k = min(int(rng.integers(2, 5)), n)
        cuts = [0, *sorted(int(c) for c in rng.choice(np.arange(1, n), k - 1, replace=False)), n]
        out = np.zeros(len(time))
        moment = float(rng.uniform(0.05, 0.6)) * total_h
        for lo, hi in itertools.pairwise(cuts):
            when = time[0] + pd.Timedelta(hours=round(min(moment, total_h - 1)))
            batch = MiningFleet(n_machines=hi - lo, model=model)
            out += mining_load(time, interval_s, batch, rng, onset=when)
            moment += float(rng.uniform(0.05, 0.3)) * total_h
        return out
    always = mining_load(time, interval_s, fleet, rng)
    hour, weekday, local = _local_clock(time, timezone)
    if pattern == "always_on":
        return always
    if pattern == "night_only":
        return always * (hour < 7)
    if pattern == "weekend_only":
        return always * (weekday >= 5)
    if pattern == "curtailed":
        first_day = local[0].normalize()
        spans = []
        for week in range(int(total_h // (24 * 7)) + 1):
            for _ in range(int(rng.integers(1, 4))):
                begin = first_day + pd.Timedelta(
                    days=7 * week + int(rng.integers(0, 7)), hours=float(rng.uniform(16, 19))
                )
                b = float((begin - time[0]).total_seconds() / SECONDS_PER_HOUR)
                spans.append((b, b + float(rng.uniform(2, 24))))
        return always * (1 - _square(start_h, step_h, spans))
    # seasonal_heat: on from ~1 November to ~31 March.
    on = np.zeros(len(time), dtype=bool)
    for year in range(local[0].year - 1, local[-1].year + 1):
        begin = pd.Timestamp(year=year, month=11, day=1, tz=timezone) + pd.Timedelta(
            days=int(rng.integers(-14, 15)), hours=int(rng.integers(8, 18))
        )
        end = pd.Timestamp(year=year + 1, month=3, day=31, tz=timezone) + pd.Timedelta(
            days=int(rng.integers(-14, 15)), hours=int(rng.integers(8, 18))
        )
        on |= np.asarray((time >= begin) & (time < end))
    return always * on


def _gpu_rigs(
    time: pd.DatetimeIndex,
    interval_s: int,
    power_kw: float,
    rng: np.random.Generator,
    *,
    onset: str | pd.Timestamp | None,
) -> FloatArray:
    """GPU rigs mining other coins: stints on and off, a level per stint, hourly noise."""
    start_h = _hours(time)
    step_h = interval_s / SECONDS_PER_HOUR
    total = float(start_h[-1] + step_h)
    rigs = max(1, round(power_kw / GPU_RIG_KW))
    level = np.zeros(len(time))
    t = -float(rng.uniform(0, 72))
    while t < total:
        length = 72 * math.exp(0.8 * rng.standard_normal())
        share = float(rng.choice([0.5, 0.75, 1.0])) * float(rng.uniform(0.85, 1.15))
        cover = np.clip(np.minimum(start_h + step_h, t + length) - np.maximum(start_h, t), 0, None)
        level += share * cover / step_h
        t += length + 24 * math.exp(0.8 * rng.standard_normal())
    noise = 1 + 0.03 * rng.standard_normal(len(time))
    present = _on_fraction(start_h, step_h, _onset_hour(time, onset))
    return rigs * GPU_RIG_KW * level * noise * present
