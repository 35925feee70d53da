"""Regulator's toolkit: find hidden mining in metered load, classify facilities under a rule set.

* **Meter series** — :func:`read_meter_csv` (any interval up to an hour, power or energy
  columns, every problem reported at once), :func:`meter_from_frame`, :func:`meter_from_array`.
* **Screen** — :func:`load_meters`, :func:`read_meta` and :func:`screen`: many meters at once,
  ranked by the probability that they hide mining, whatever the fleet's pattern.
* **Detector** — :func:`compute_features` (load-profile features with a physical meaning) and
  :func:`detect`: the probability that a site hides PoW mining, the machines that would explain
  it, and the evidence in sentences and numbers.
* **Generator** — :mod:`hashtide.regulation.generator`: mining, AI-training, AI-inference and
  storage loads from public specifications, to hide in real building loads.
* **Evaluation** — :mod:`hashtide.regulation.evaluation`: the protocol and figures of
  ``docs/regulation.md`` (``scripts/evaluate_detector.py`` regenerates them).
* **Rule packs** — :func:`load_pack` and :func:`classify_file`: declarative YAML rules from
  evidence (declared activity, hardware matched against the ASIC catalog, detector output,
  network evidence, power density, location) to an industry category and a regulatory track,
  with an audit trail. Two packs ship: ``positive-list-example`` and ``china-ndrc-2021-1283``.
* **Economics of hiding** — :func:`hiding_economics`: what a hidden fleet earns and costs on a
  commercial tariff, and how likely it is to be found.

>>> from hashtide.regulation import detect, example_path, read_meter_csv
>>> result = detect(read_meter_csv(example_path("meters/office_b4_hidden_s9.csv")))
>>> result.flagged, result.estimated_machines > 0
(True, True)
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from hashtide.regulation.detector import (
    Detection,
    DetectorModel,
    detect,
    load_model,
)
from hashtide.regulation.evidence import Evidence, MachineEstimate, estimate_machines
from hashtide.regulation.facilities import (
    FIELDS,
    FacilityEvidence,
    evidence_of,
    load_facilities,
)
from hashtide.regulation.features import LoadFeatures, compute_features
from hashtide.regulation.hiding import (
    Market,
    break_even_tariff_usd_per_kwh,
    detectability_curve,
    detection_probability,
    hiding_economics,
)
from hashtide.regulation.meter import (
    MeterSeries,
    meter_from_array,
    meter_from_frame,
    read_meter_csv,
)
from hashtide.regulation.population import MeterInfo, load_meters, read_meta
from hashtide.regulation.rules import (
    CATEGORIES,
    SHIPPED_PACKS,
    TRACKS,
    Decision,
    RulePack,
    classify,
    classify_file,
    load_pack,
    parse_pack,
)
from hashtide.regulation.screening import ScreenResult, screen


def example_path(name: str) -> Path:
    """Path of a shipped example: ``facilities.yaml``, ``meters/<file>.csv``, ``packs/<pack>.yaml``.

    The examples live in the installed package (``hashtide/data/regulation/``), so they work
    from any folder.
    """
    root = resources.files("hashtide.data").joinpath("regulation")
    path = Path(str(root.joinpath(name)))
    if not path.exists():
        available = sorted(
            str(p.relative_to(Path(str(root))))
            for p in Path(str(root)).rglob("*")
            if p.is_file() and p.suffix in (".csv", ".yaml") and "meta" not in p.name
        )
        from hashtide.errors import InvalidInputError

        raise InvalidInputError(f"no example {name!r}; examples: {', '.join(available)}")
    return path


__all__ = [
    "CATEGORIES",
    "FIELDS",
    "SHIPPED_PACKS",
    "TRACKS",
    "Decision",
    "Detection",
    "DetectorModel",
    "Evidence",
    "FacilityEvidence",
    "LoadFeatures",
    "MachineEstimate",
    "Market",
    "MeterInfo",
    "MeterSeries",
    "RulePack",
    "ScreenResult",
    "break_even_tariff_usd_per_kwh",
    "classify",
    "classify_file",
    "compute_features",
    "detect",
    "detectability_curve",
    "detection_probability",
    "estimate_machines",
    "evidence_of",
    "example_path",
    "hiding_economics",
    "load_facilities",
    "load_meters",
    "load_model",
    "load_pack",
    "meter_from_array",
    "meter_from_frame",
    "parse_pack",
    "read_meta",
    "read_meter_csv",
    "screen",
]
