"""The shipped tables are exactly what the build scripts derive from the raw public data."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RAW = REPO.parent / "shared" / "data" / "raw"
SHIPPED = REPO / "src" / "hashtide" / "data"

needs_raw = pytest.mark.skipif(
    not (RAW / "chain").is_dir(),
    reason="raw data (../shared/data/raw) not beside this checkout; nothing to rebuild from",
)


@needs_raw
def test_chain_history_rebuilds_identically(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import build_chain_history
    finally:
        sys.path.pop(0)
    assert build_chain_history.main(["--raw", str(RAW), "--out", str(tmp_path)]) == 0
    rebuilt = (tmp_path / "chain_epochs.csv").read_text()
    assert rebuilt == (SHIPPED / "chain_epochs.csv").read_text()


@needs_raw
def test_chain_tips_rebuild_identically(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import build_chain_tips
    finally:
        sys.path.pop(0)
    assert build_chain_tips.main(["--raw", str(RAW), "--out", str(tmp_path)]) == 0
    rebuilt = (tmp_path / "chain_tips_daily.csv").read_text()
    assert rebuilt == (SHIPPED / "chain_tips_daily.csv").read_text()


@needs_raw
def test_carbon_tables_rebuild_identically(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import build_carbon_factors
    finally:
        sys.path.pop(0)
    assert build_carbon_factors.main(["--raw", str(RAW), "--out", str(tmp_path)]) == 0
    for name in ("carbon_lifecycle.csv", "carbon_grid.csv", "china_hydro_season.csv"):
        assert (tmp_path / name).read_text() == (SHIPPED / name).read_text(), name


@pytest.mark.skipif(
    not (RAW / "asic").is_dir(),
    reason="raw data (../shared/data/raw) not beside this checkout; nothing to rebuild from",
)
def test_hardware_catalog_rebuilds_identically(tmp_path: Path) -> None:
    import json
    import sys

    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import build_hardware_catalog
    finally:
        sys.path.pop(0)
    assert build_hardware_catalog.main(["--raw", str(RAW), "--out", str(tmp_path)]) == 0
    rebuilt = (tmp_path / "asic_catalog.csv").read_text(encoding="utf-8")
    assert rebuilt == (SHIPPED / "asic_catalog.csv").read_text(encoding="utf-8")
    meta = json.loads((tmp_path / "asic_catalog.meta.json").read_text(encoding="utf-8"))
    shipped = json.loads((SHIPPED / "asic_catalog.meta.json").read_text(encoding="utf-8"))
    meta.pop("built_on")
    shipped.pop("built_on")
    assert meta == shipped


@needs_raw
def test_market_inputs_rebuild_identically(tmp_path: Path) -> None:
    import json
    import sys

    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import build_market_inputs
    finally:
        sys.path.pop(0)
    assert build_market_inputs.main(["--raw", str(RAW), "--out", str(tmp_path)]) == 0
    for name in ("btc_price_daily", "btc_fees_daily", "mining_map_shares"):
        rebuilt = (tmp_path / f"{name}.csv").read_text(encoding="utf-8")
        assert rebuilt == (SHIPPED / f"{name}.csv").read_text(encoding="utf-8"), name
        meta = json.loads((tmp_path / f"{name}.meta.json").read_text(encoding="utf-8"))
        shipped = json.loads((SHIPPED / f"{name}.meta.json").read_text(encoding="utf-8"))
        meta.pop("built_on")
        shipped.pop("built_on")
        assert meta == shipped, name
