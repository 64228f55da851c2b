"""The import profiler and the budget check (`tools/importtime.py`, `instructor.cli.importtime`).

The decisive test: on a temporary copy of the package placed first on
PYTHONPATH (the real files are never touched), one eager `import pydantic` in
`instructor/__init__.py` makes the budget check fail, and names the culprit.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from instructor.cli.budget import Check, expand, judge, load_budget
from instructor.cli.importtime import (
    ImportNode,
    Profile,
    Run,
    parse_importtime,
    profile,
    run_once,
    write_log,
)
from instructor.cli.waterfall import render_html, render_svg

pytestmark = pytest.mark.subprocess

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "importtime.py"
BUDGET = ROOT / "tools" / "import_budget.json"
PACKAGE = ROOT / "instructor"


# -- parsing and measuring -----------------------------------------------------------------------
IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:       100 |        100 |     _c
import time:       200 |        300 |   b
import time:        50 |         50 |   d
import time:        10 |        360 | a
import time:         5 |          5 | e
"""


def test_parse_importtime_builds_the_tree() -> None:
    roots = parse_importtime(IMPORTTIME.splitlines())
    assert [r.name for r in roots] == ["a", "e"]
    a = roots[0]
    assert [(c.name, c.self_us, c.cumulative_us) for c in a.children] == [("b", 200, 300), ("d", 50, 50)]
    assert [c.name for c in a.children[0].children] == ["_c"]
    assert [n.name for n in a.walk()] == ["a", "b", "_c", "d"]


def test_write_log_round_trips(tmp_path: Path) -> None:
    run = Run(0.001, {}, parse_importtime(IMPORTTIME.splitlines()))
    write_log(Profile("import a", [run]), tmp_path / "a.log")
    again = parse_importtime((tmp_path / "a.log").read_text().splitlines())
    assert again == run.roots


def test_run_once_reports_what_the_statement_added() -> None:
    run = run_once("import json", site=False)
    assert {"json", "json.decoder", "json.scanner"} <= set(run.added)
    assert run.error == "" and run.seconds > 0
    json_node = next(r for r in run.roots if r.name == "json")
    assert {"json.decoder", "json.encoder"} <= {n.name for n in json_node.walk()}
    assert run.added["json"].endswith("__init__.py")  # the file each module came from


def test_modules_loaded_by_import_module_are_in_the_tree() -> None:
    # lazy_loader and instructor's registries load modules with `importlib.import_module`, which
    # `-X importtime` alone does not report: the profile would miss them (instructor's own, above all)
    run = run_once("import importlib; importlib.import_module('json.decoder')")
    assert {"json", "json.decoder", "json.scanner"} <= set(run.added)
    assert {"json", "json.decoder", "json.scanner"} <= {n.name for r in run.roots for n in r.walk()}


def test_a_first_provider_call_shows_every_instructor_module_it_loads() -> None:
    run = run_once("import instructor; instructor.from_provider('openai/gpt-4o-mini', api_key='sk-test')")
    assert run.error == ""
    ours = {m for m in run.added if m == "instructor" or m.startswith("instructor.")}
    assert "instructor.providers.openai.factory" in ours  # loaded by the registry, through import_module
    assert ours <= {n.name for r in run.roots for n in r.walk()}


def test_setup_is_not_measured() -> None:
    run = run_once("import json", setup="import json", site=False)
    assert "json" not in run.added and run.roots == []


def test_errors_are_reported_not_raised() -> None:
    run = run_once("import module_that_does_not_exist_42")
    assert run.error.startswith("ModuleNotFoundError")


def test_profile_aggregates_runs_by_module_and_package() -> None:
    prof = profile("import json", runs=3)
    assert len(prof.runs) == 3
    names = [m.name for m in prof.modules()]
    assert "json.decoder" in names and all(m.seen <= 3 for m in prof.modules())
    packages = {p.package: p for p in prof.packages()}
    assert packages["json"].modules >= 3 and packages["json"].self_ms > 0
    assert prof.own_ms(["json"]) == pytest.approx(packages["json"].self_ms, rel=1e-6)


def test_waterfall_renders_every_module_of_the_median_run() -> None:
    prof = profile("import json", runs=2)
    svg = render_svg(prof)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    for node in prof.representative.nodes():
        assert f"{node.name}\nself" in svg  # each bar's tooltip
    page = render_html(prof)
    assert page.startswith("<!doctype html>") and "json.decoder" in page


# -- judging ---------------------------------------------------------------------------------------
def _run(*modules: str, ms: float = 1.0, tree: list[ImportNode] | None = None) -> Run:
    return Run(ms / 1000, {m: "" for m in modules}, tree or [])


def test_judge_allowed_forbidden_and_baseline() -> None:
    check = Check(name="x", statement="import x", allowed=["x", "@stdlib"], forbidden=["pydantic"])
    assert judge(check, _run("x", "x.sub", "json"), [], set()).ok
    tree = [ImportNode("x", 1, 3, [ImportNode("pydantic", 1, 2, [ImportNode("pydantic.main", 1, 1)])])]
    bad = judge(check, _run("x", "pydantic", "pydantic.main", "requests", tree=tree), [], set())
    assert not bad.ok
    forbidden, outside = bad.problems
    assert forbidden.startswith("2 modules forbidden: pydantic, pydantic.main; first through x > pydantic")
    assert outside.startswith("1 module outside the allowed list: requests")
    many = judge(check, _run("x", *(f"pydantic.m{i}" for i in range(6)), "typing_extensions"), [], set())
    assert many.problems[0].startswith("6 modules forbidden: pydantic (6)")
    # what `allowed_from` measured is allowed
    assert judge(check, _run("x", "requests"), [], {"requests"}).ok


def test_judge_exempts_shared_code_and_its_parent_packages() -> None:
    check = Check(name="x", statement="import x", forbidden=["fam"], exempt=["fam.shared"])
    assert judge(check, _run("fam", "fam.shared"), [], set()).ok
    result = judge(check, _run("fam", "fam.shared", "fam.factory"), [], set())
    assert result.problems[0].startswith("1 module forbidden: fam.factory")


def test_judge_time_ceiling_fails_own_budget_only_reports() -> None:
    check = Check(name="x", statement="import x", max_ms=10, max_own_ms=1, own=["x"])
    slow = [Run(0.020, {"x": ""}, [ImportNode("x", 5000, 5000)])] * 3
    result = judge(check, slow[0], slow, set())
    assert not result.ok and result.problems == ["median in-process time 20.0 ms is over the ceiling of 10 ms"]
    assert "own share (x) 5.00 ms is over its budget of 1 ms (reported, not enforced" in result.notes[0]
    fast_but_heavy = [Run(0.005, {"x": ""}, [ImportNode("x", 5000, 5000)])] * 3
    assert judge(check, fast_but_heavy[0], fast_but_heavy, set()).ok
    assert not judge(check, fast_but_heavy[0], fast_but_heavy, set(), enforce_time=True).ok


def test_the_budget_file_expands_to_every_public_name_and_provider() -> None:
    import instructor

    checks = {c.name: c for c in expand(load_budget(BUDGET))}
    assert checks["import instructor"].max_ms == 100
    public = [n for n in instructor.__all__ if not n.startswith("__")]
    for name in public:
        assert f"instructor.{name} (first access)" in checks
    assert "pydantic" in checks["instructor.Mode (first access)"].forbidden
    assert "pydantic" in checks["instructor.from_provider (first access)"].forbidden
    partial = checks["instructor.Partial (first access)"]
    assert "pydantic" not in partial.forbidden and "pydantic" in (partial.allowed or [])
    openai = next(c for n, c in checks.items() if n.startswith("from_provider('openai/"))
    assert openai.setup == "import openai"
    assert "anthropic" in openai.forbidden and "boto3" in openai.forbidden and "openai" not in openai.forbidden
    anthropic = next(c for n, c in checks.items() if n.startswith("from_provider('anthropic/"))
    assert {"openai", "instructor.providers.openai"} <= set(anthropic.forbidden)
    bedrock = next(c for n, c in checks.items() if n.startswith("from_provider('bedrock/"))
    assert bedrock.setup == "import boto3" and "pydantic" in bedrock.forbidden and "openai" in bedrock.forbidden
    xai = next(c for n, c in checks.items() if n.startswith("from_provider('xai/"))
    assert "instructor.providers.openai" not in xai.forbidden  # OpenAI-compatible: shares that code


# -- the budget check, end to end ----------------------------------------------------------------
def _copy_package(tmp_path: Path, eager_import: str | None = None) -> Path:
    site = tmp_path / "site"
    shutil.copytree(PACKAGE, site / "instructor", ignore=shutil.ignore_patterns("__pycache__"))
    if eager_import:
        init = site / "instructor" / "__init__.py"
        source = init.read_text()
        anchor = "import lazy_loader as _lazy\n"
        assert anchor in source
        init.write_text(source.replace(anchor, anchor + eager_import + "\n", 1))
    return site


def _check(site: Path, env: dict[str, str], *only: str) -> subprocess.CompletedProcess[str]:
    args = [arg for text in only for arg in ("--only", text)]
    return subprocess.run([sys.executable, str(TOOL), "check", *args], capture_output=True, text=True,
                          env={**env, "PYTHONPATH": str(site)}, cwd=site, timeout=600)


def test_budget_check_passes_on_an_untouched_copy(tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    site = _copy_package(tmp_path)
    out = _check(site, subprocess_env, "import instructor")
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"checking {site / 'instructor' / '__init__.py'}" in out.stdout  # it measured the copy
    assert "PASS  import instructor" in out.stdout


def test_budget_check_fails_on_an_eager_pydantic_import(tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    site = _copy_package(tmp_path, eager_import="import pydantic")
    assert "import pydantic" not in (PACKAGE / "__init__.py").read_text()  # the real file is untouched
    out = _check(site, subprocess_env, "import instructor", "instructor.Mode ")
    assert out.returncode == 1, out.stdout
    assert f"checking {site / 'instructor' / '__init__.py'}" in out.stdout
    assert "FAIL  import instructor" in out.stdout
    assert "forbidden: pydantic (" in out.stdout and "first through instructor > pydantic" in out.stdout
    assert "1 failed: import instructor" in out.stdout  # first access to Mode is judged after import: fine


def test_budget_check_of_this_tree_passes_for_import_and_public_names(subprocess_env: dict[str, str]) -> None:
    """The same check scripts/test.sh runs, on the import and every public name (providers: see test.sh)."""
    out = subprocess.run([sys.executable, str(TOOL), "check", "--quiet", "--only", "import instructor",
                          "--only", "(first access)"], capture_output=True, text=True, env=subprocess_env,
                         cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    summary = out.stdout.strip().splitlines()[-1]
    assert summary.endswith("checks, 0 failed") and int(summary.split()[0]) > 40


def test_budget_file_errors_are_clear(tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    bad = tmp_path / "budget.json"
    bad.write_text(json.dumps({"checks": [{"name": "x", "statement": "pass", "allowd": []}]}))
    out = subprocess.run([sys.executable, str(TOOL), "check", "--budget", str(bad)], capture_output=True,
                         text=True, env=subprocess_env, timeout=120)
    assert out.returncode != 0 and "Unknown keys ['allowd']" in out.stderr
