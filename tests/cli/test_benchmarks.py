"""The benchmark command: it runs, writes the table and the plot, and the README quotes exactly its output."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "benchmarks"
sys.path.insert(0, str(BENCH))

import plot  # noqa: E402
import run_all  # noqa: E402
from _harness import Comparison, compare, interleaved, ratio_row, verdict  # noqa: E402

pytestmark = pytest.mark.subprocess


def test_readme_quotes_the_recorded_run_verbatim() -> None:
    """Every figure in the Performance page's block is the one benchmarks/results/latest.json recorded."""
    recorded = json.loads((BENCH / "results" / "latest.json").read_text())
    readme = run_all.PERFORMANCE_PAGE.read_text()
    block = readme.split(run_all.README_BEGIN, 1)[1].split(run_all.README_END, 1)[0]
    stale = "docs/performance.md is stale: run `.venv/bin/python benchmarks/run_all.py --readme`"
    assert run_all.provenance(recorded["meta"]) in block, stale
    assert run_all.markdown_table(recorded["rows"]) in block, stale
    assert "assets/benchmarks.svg" in block
    assert (ROOT / "docs" / "assets" / "benchmarks.svg").resolve() == (BENCH / "results" / "latest.svg").resolve()
    assert recorded["meta"]["machine"]["python"] in block and recorded["meta"]["machine"]["cpu"] in block
    table = (BENCH / "results" / "latest.md").read_text()
    assert run_all.markdown_table(recorded["rows"]) in table  # latest.md is the same run
    assert not recorded["meta"]["quick"], "the README must quote a full run, not --quick"


def test_the_command_writes_table_plot_and_samples(tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    out = subprocess.run([sys.executable, str(BENCH / "run_all.py"), "--quick", "--only", "a", "--out", str(tmp_path)],
                         capture_output=True, text=True, env=subprocess_env, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    data = json.loads((tmp_path / "latest.json").read_text())
    keys = [row["key"] for row in data["rows"]]
    assert keys == ["a", "a", "f"]
    wall = data["rows"][0]
    assert wall["ratio"] > 0 and wall["spread"][0] <= wall["spread"][1]
    table = (tmp_path / "latest.md").read_text()
    assert "Python " + data["meta"]["machine"]["python"] in table and "cores" in table
    svg = ET.parse(tmp_path / "latest.svg").getroot()
    assert svg.tag.endswith("svg")
    assert data["meta"]["date"] in (tmp_path / "latest.svg").read_text()


def test_interleaved_fresh_processes_and_paired_statistics() -> None:
    ours, bare = interleaved("import json", "pass", pairs=3, warmup=0)
    assert len(ours) == len(bare) == 3
    modules = compare(ours, bare, lambda s: s.modules)
    assert modules.ours_median > modules.bare_median  # json brings its submodules
    c = Comparison(ours=[2.0, 3.0, 4.0], bare=[1.0, 2.0, 2.0])
    assert c.pair_ratios == [2.0, 1.5, 2.0] and c.ratio == 2.0 and c.delta_median == 1.0
    assert (c.ours_median, c.bare_median) == (3.0, 2.0)
    row = ratio_row("d", "x", c, unit="µs", digits=0, budget_ratio=1.15, cpu=Comparison([1.0], [1.0]))
    assert (row.ours, row.bare, row.within, row.budget, row.cpu_ratio) == ("3 µs", "2 µs", False, "≤ 1.15x", 1.0)
    # a verdict needs the whole interquartile range on one side of the budget
    assert verdict((0.98, 1.02), 1.03) is True and verdict((1.04, 1.2), 1.03) is False
    assert verdict((0.98, 1.08), 1.03) is None and verdict((0.9, 1.1), None) is None


def test_streaming_row_reads_the_streaming_benchmark_figures() -> None:
    result = {"machinery": {"ours_last_over_first_quarter": 1.04, "naive_last_over_first_quarter": 9.5},
              "end_to_end": {"bare_sdk_plus_final_parse_us_per_chunk": 400.0,
                             "create_partial_us_per_chunk": 440.0, "ratio": 1.1}}
    row = run_all.streaming_row(result, 200)
    assert (row.ours, row.bare, row.ratio, row.within) == ("440.0 µs/chunk", "400.0 µs/chunk", 1.1, True)
    assert "1.04x" in row.note and row.budget == "≤ 1.30x, flat"
    # with paired samples, the verdict reads the interquartile range, and the note says what is ours
    result["end_to_end"].update(ratio=1.3, ratio_iqr=[1.22, 1.38], cpu_ratio=1.1, ours_us_per_unit=40.0,
                                ours_cpu_us_per_unit=35.0, sdk_us_per_unit=300.0)
    row = run_all.streaming_row(result, 200)
    assert (row.spread, row.within, row.cpu_ratio) == ((1.22, 1.38), None, 1.1)
    assert "ours 40.0 µs/chunk (35.0 µs CPU), the SDK's 300.0 µs/chunk" in row.note
    result["end_to_end"].update(floor_ratio=1.11)  # what is left of the budget for the cursor
    assert "floor without a cursor" in run_all.streaming_row(result, 200).note and "1.11x)" in run_all.streaming_row(
        result, 200).note
    result["machinery"]["ours_last_over_first_quarter"] = 2.0  # the cost grows with the object: over
    result["end_to_end"]["ratio_iqr"] = [1.0, 1.1]
    assert run_all.streaming_row(result, 200).within is False


def test_token_sized_streaming_has_its_own_row_and_budget() -> None:
    tokens = {"sse_chunks": 3133, "bare_sdk_plus_final_parse_us_per_chunk": 100.0,
              "create_partial_us_per_chunk": 115.0, "ratio": 1.15, "ratio_iqr": [1.12, 1.17], "cpu_ratio": 1.16,
              "ours_us_per_unit": 8.0, "ours_cpu_us_per_unit": 8.1, "sdk_us_per_unit": 99.0, "floor_ratio": 1.05}
    row = run_all.token_streaming_row({"end_to_end_tokens": tokens})
    assert (row.budget, row.budget_ratio, row.within, row.spread) == ("≤ 1.20x", 1.2, True, (1.12, 1.17))
    assert "3,133 chunks of 3 characters" in row.what and "floor without a cursor: 1.05x" in row.note
    tokens["ratio_iqr"] = [1.21, 1.3]
    assert run_all.token_streaming_row({"end_to_end_tokens": tokens}).within is False


def test_snapshot_floor_reads_every_item_of_the_stream() -> None:
    """The floor of the partial benchmark yields a snapshot per argument chunk and builds each item once."""
    from types import SimpleNamespace as NS

    from bench_partial_streaming import N_ITEMS, N_SECTIONS, pieces_of, report_json, snapshot_floor

    text = report_json()
    pieces = pieces_of(text, 200)
    chunks = [NS(choices=[NS(delta=NS(tool_calls=[NS(function=NS(arguments=piece))]))]) for piece in pieces]
    consume = snapshot_floor(text, len(pieces[0]))
    assert consume(iter(chunks)) == (len(pieces), N_SECTIONS * N_ITEMS)
    shown, items = consume(iter(chunks[:100]))  # a second stream starts from nothing
    assert shown == 100 and 0 < items < N_SECTIONS * N_ITEMS


def test_paired_rounds_alternate_and_time_both_sides() -> None:
    from _harness import paired_rounds

    order: list[str] = []
    wall, cpu = paired_rounds(lambda: order.append("ours"), lambda: order.append("bare"), rounds=4)
    assert order == ["bare", "ours", "ours", "bare", "bare", "ours", "ours", "bare"]
    assert len(wall.ours) == len(wall.bare) == len(cpu.ours) == 4


def test_server_process_serves_real_http_and_stops() -> None:
    import urllib.request

    from _harness import ServerProcess

    server = ServerProcess("fake.always(Reply.tool('User', {'name': 'Jo', 'age': 3}))")
    with server as url:
        request = urllib.request.Request(f"{url}/chat/completions", data=b'{"model": "m", "messages": []}',
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            body = json.loads(response.read())
    assert json.loads(body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]) == {
        "name": "Jo", "age": 3}
    assert server.proc is not None and server.proc.poll() is not None  # killed on exit


def test_plot_draws_one_bar_per_ratio_with_its_budget() -> None:
    rows = [ratio_row("b", "cold", Comparison([1.1, 1.2], [1.0, 1.0]), unit="ms", budget_ratio=1.03).as_dict(),
            run_all.unavailable("e", "streaming", "pending").as_dict()]
    meta = {"date": "2026-01-01 00:00 UTC", "load_start": 0.5,
            "machine": {"python": "3.11.7", "implementation": "CPython", "os": "Linux", "arch": "x86_64",
                        "cpu": "cpu", "cores": 2}}
    svg = plot.render(rows, meta)
    root = ET.fromstring(svg)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "1.15x" in texts and "(b) cold" in texts and not any("streaming" in (t or "") for t in texts)
    assert 'stroke="#c0392b"' in svg  # the budget mark


def test_footprint_row_holds_the_budget_and_the_doctors_agreement() -> None:
    from bench_footprint import footprint_row

    nine = {"pydantic-core": 5_600_000, "pydantic": 4_100_000, "instructor": 2_300_000,
            **{f"small-{i}": 100_000 for i in range(6)}}
    row = footprint_row({"site": nine, "doctor": dict(nine), "wheel": "instructor-0.1.0-py3-none-any.whl"})
    assert (row.key, row.ours, row.budget, row.within) == ("i", "12.6 MB, 9 packages", "≤ 16 MB, ≤ 9 packages", True)
    assert row.note.startswith("pydantic-core 5.6 MB, pydantic 4.1 MB, instructor 2.3 MB")
    ten = {**nine, "faker": 16_000_000}
    assert footprint_row({"site": ten, "doctor": ten}).within is False  # over both budgets
    disagree = footprint_row({"site": nine, "doctor": {"instructor": 2_300_000}})
    assert disagree.within is False and "the doctor counts otherwise" in disagree.note


def test_fallback_row_measures_every_side_and_reads_the_budget() -> None:
    """(j) runs its five sides (each asserted to give the same object in the child) and reports the
    chain's extra per call against the 1 ms budget; the figure itself is the benchmark's, not a test's."""
    from bench_fallback import run

    row, = run(rounds=2, calls=3)
    assert (row.key, row.status, row.budget) == ("j", "measured", "< 1 ms added"), row.note
    assert set(row.data["sides"]) == {"chain", "bare", "single", "failed_ours", "failed_bare"}
    assert all(len(times) == 2 for times in row.data["sides"].values())
    assert row.within is (row.data["added_us"] < 1000) and "instructor's own work on the failed attempt" in row.note


def test_telemetry_row_compares_on_with_off_and_splits_out_the_sdk() -> None:
    """(k) runs the three sides (each asserted in the child to give the same object, the traced one
    to make its two spans and three metric series) and reads the 2% budget; the figure is the benchmark's."""
    from bench_telemetry import run

    row, = run(rounds=2, calls=3)
    assert (row.key, row.status, row.budget) == ("k", "measured", "≤ 1.02x"), row.note
    assert len(row.data["samples"]["ours"]) == 2 and "own_us" in row.data
    assert "instructor's own work" in row.note
