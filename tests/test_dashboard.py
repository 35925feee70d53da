"""The dashboard's shell logic without a browser: levers, uploads, run folders, the routes.

The browser tests (test_dashboard_browser.py) drive the pages end to end; these check the
pieces that decide what is run and what is served, in milliseconds.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from hashtide.dashboard import runs, uploads
from hashtide.dashboard.levers import Levers, apply_levers, read_scenario_data, scenario_levers
from hashtide.errors import InvalidInputError, ScenarioError
from hashtide.scenario import load_scenario, parse_scenario

REPO = Path(__file__).resolve().parents[1]
RESERVE = REPO / "scenarios" / "us-state-reserve.yaml"
BAN = REPO / "scenarios" / "china-2021-ban.yaml"


def _data_url(data: bytes) -> str:
    return "data:application/octet-stream;base64," + base64.b64encode(data).decode()


def test_levers_start_from_the_file_and_change_only_what_is_set() -> None:
    spec = load_scenario(RESERVE)
    start = scenario_levers(spec)
    # scenarios/us-state-reserve.yaml: variants 5/10/20 GW, five sites, GBM 0 %/45 %, market
    assert [v["gw"] for v in start["variants"]] == [5.0, 10.0, 20.0]
    assert [round(s["price"], 6) for s in start["sites"]] == [0.045, 0.03, 0.25, 0.02, 0.02]
    assert (start["miner"], start["response"], start["paths"]) == ("Antminer S21", "market", 100)
    levers = Levers(
        facility_power_gw=[None, 12.5, None],
        miner="Antminer S21 Pro",
        power_price_usd_per_kwh=[0.05],
        btc_growth_frac_per_year=0.1,
        btc_volatility_frac_per_year=0.3,
        paths=7,
    )
    changed = parse_scenario(apply_levers(read_scenario_data(RESERVE), levers), base=REPO)
    assert [v.facility_power for v in changed.variants] == [5e9, 12.5e9, 20e9]
    assert changed.actor is not None
    assert changed.actor.miner == "Antminer S21 Pro"
    assert changed.actor.machine_price is None  # the catalog's price follows the new model
    assert [s.power_price for s in changed.actor.sites][:2] == [pytest.approx(0.05), 0.03]
    assert (changed.btc_price.model, changed.btc_price.growth) == ("gbm", pytest.approx(0.1))
    assert changed.btc_price.volatility == pytest.approx(0.3)
    assert changed.paths == 7


def test_a_bad_lever_is_refused_with_the_scenario_rules_message() -> None:
    data = apply_levers(read_scenario_data(RESERVE), Levers(facility_power_gw=[-5.0]))
    with pytest.raises(ScenarioError, match=r"variants\[0\]\.facility_power"):
        parse_scenario(data, source="page")
    history = read_scenario_data(BAN)
    with pytest.raises(InvalidInputError, match="the price is history"):
        apply_levers(history, Levers(btc_volatility_frac_per_year=0.5))
    with pytest.raises(InvalidInputError, match="not a number"):
        apply_levers(history, Levers(facility_power_gw=[float("nan")]))


def test_ban_rows_round_trip_and_a_broken_share_is_refused() -> None:
    pytest.importorskip("dash")
    from hashtide.dashboard.pages.bans import apply_ban_rows, ban_rows

    data = read_scenario_data(BAN)
    rows = ban_rows(data)
    # scenarios/china-2021-ban.yaml: three bans (events 1–3), 36 / 22 / 42 % each
    assert [r["event"] for r in rows] == [1, 2, 3]
    assert {(r["stop"], r["relocate"], r["covert"]) for r in rows} == {("36 %", "22 %", "42 %")}
    same = parse_scenario(apply_ban_rows(data, rows), base=BAN.parent)
    assert same == load_scenario(BAN)
    rows[0]["covert"] = "90 %"
    with pytest.raises(ScenarioError, match=r"events\[1\]"):
        parse_scenario(apply_ban_rows(data, rows), base=BAN.parent)
    with pytest.raises(InvalidInputError, match="event 9"):
        apply_ban_rows(data, [{"event": 9}])


def test_uploads_are_limited_named_safely_and_listed_at_once(tmp_path: Path) -> None:
    assert uploads.safe_name("C:\\x\\..\\my meter.CSV", suffixes=(".csv",)) == "my_meter.csv"
    with pytest.raises(InvalidInputError, match=r"expected a \.yaml or \.yml file"):
        uploads.safe_name("scenario.exe", suffixes=(".yaml", ".yml"))
    big = _data_url(b"x" * 101)
    with pytest.raises(InvalidInputError, match="101 bytes is more than"):
        uploads.decode(big, "big.csv", limit_bytes=100)
    with pytest.raises(InvalidInputError, match="not valid base64"):
        uploads.decode("data:text/csv;base64,@@@@", "bad.csv", limit_bytes=100)
    with pytest.raises(InvalidInputError) as caught:
        uploads.save_meters(tmp_path, [_data_url(b"a"), _data_url(b"b")], ["a.txt", "b.exe"])
    assert "a.txt" in str(caught.value)
    assert "b.exe" in str(caught.value)
    assert not (tmp_path / "uploads").exists()  # nothing written when anything is wrong
    token, folder = uploads.save_meters(tmp_path, [_data_url(b"t,p\n")], ["m1.csv"])
    assert uploads.folder_of(tmp_path, token) == folder
    assert (folder / "m1.csv").read_bytes() == b"t,p\n"
    with pytest.raises(InvalidInputError, match="upload them again"):
        uploads.folder_of(tmp_path, "../../etc")


def test_run_folders_refuse_anything_but_run_ids(tmp_path: Path) -> None:
    run_id = runs.new_run_id()
    assert runs.run_folder(tmp_path, run_id) == tmp_path / run_id
    for bad in ("..", "../x", "20260101-000000-abcdeg", "x/y"):
        with pytest.raises(InvalidInputError, match="not a run id"):
            runs.run_folder(tmp_path, bad)
    assert runs.list_runs(tmp_path / "none") == []


def test_the_app_serves_only_run_files(tmp_path: Path) -> None:
    pytest.importorskip("dash")
    from hashtide.dashboard.app import create_app

    app = create_app(scenarios_dir=REPO / "scenarios", work_dir=tmp_path)
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    run_id = runs.new_run_id()
    folder = tmp_path / "runs" / run_id
    folder.mkdir(parents=True)
    (folder / "summary.csv").write_text("variant\n5 GW\n")
    (folder / "result.pickle").write_bytes(b"not served")
    answer = client.get(f"/download/{run_id}/summary.csv")
    assert answer.status_code == 200
    assert answer.data == b"variant\n5 GW\n"
    assert "attachment" in answer.headers["Content-Disposition"]
    assert client.get(f"/download/{run_id}/result.pickle").status_code == 404
    assert client.get("/download/x/summary.csv").status_code == 404
    (tmp_path / "secret.csv").write_text("secret")
    # a path that leaves the route is the page's own index (Dash routes every path), no file
    escape = client.get(f"/download/{run_id}/..%2F..%2Fsecret.csv")
    assert b"secret" not in escape.data
    assert "Content-Disposition" not in escape.headers
    assert app.server.config["MAX_CONTENT_LENGTH"] == uploads.MAX_REQUEST_BYTES


def test_the_command_serves_this_machine_only_by_default() -> None:
    import inspect

    from hashtide.cli.dashboard import dashboard

    defaults = {n: p.default for n, p in inspect.signature(dashboard).parameters.items()}
    assert (defaults["host"], defaults["port"]) == ("127.0.0.1", 8050)


def test_the_command_refuses_an_address_it_cannot_listen_on() -> None:
    import socket

    from typer.testing import CliRunner

    from hashtide.cli.dashboard import check_address
    from hashtide.cli.main import app

    # Was an internal error (UnicodeError from the name lookup), exit 1, after the app was built.
    result = CliRunner().invoke(app, ["dashboard", "--host", "not..a..host"])
    assert result.exit_code == 2, result.output
    assert "--host 'not..a..host' is not an address or a name" in result.output
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(InvalidInputError, match=f"another program is listening on .*:{port}"):
            check_address("127.0.0.1", port)
    check_address("127.0.0.1", port)  # closed: free again


@pytest.mark.parametrize("work_dir", ["/dev/null/x", "/proc/hashtide-x"])
def test_the_command_refuses_a_work_dir_it_cannot_write(work_dir: str) -> None:
    # Was an internal error (NotADirectoryError, FileNotFoundError) once the server started.
    from typer.testing import CliRunner

    from hashtide.cli.main import app

    result = CliRunner().invoke(app, ["dashboard", "--work-dir", work_dir])
    assert result.exit_code == 2, result.output
    assert f"--work-dir {work_dir!r}" in result.output
