"""The command line: `python -m instructor providers | doctor | importtime`, run as a user would.

Each test runs a fresh interpreter (the CLI reads the environment and installed
packages); a provider plugin is a real distribution on a temporary sys.path
entry, found through the real entry-point machinery.
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from instructor.cli._render import format_table
from instructor.cli.doctor import _version_ok, check_providers
from instructor.cli.providers import ProviderStatus, collect
from instructor.core.provider_registry import ProviderConfig, ProviderRegistry
from instructor.mode import Mode
from instructor.providers._catalog import BUILTIN_PROVIDERS

pytestmark = pytest.mark.subprocess

SECRET = "sk-test-secret-value-4242"


def cli(*args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "instructor", *args], capture_output=True, text=True, env=env,
                          timeout=180, cwd=cwd)


@pytest.fixture
def plugin_path(tmp_path: Path) -> Path:
    """An installed-looking distribution with two provider plugins: one fine (SDK missing), one broken."""
    (tmp_path / "acme_llm.py").write_text(
        "from instructor import Mode, ProviderConfig\n"
        "def config():\n"
        "    return ProviderConfig(name='acme', package='acme_sdk_not_installed', extra='acme',\n"
        "        factory='acme_llm:create', default_mode=Mode.JSON, supported_modes=(Mode.JSON,),\n"
        "        env_vars=('ACME_API_KEY',))\n"
    )
    (tmp_path / "broken_llm.py").write_text("raise RuntimeError('broken_llm cannot be imported')\n")
    dist = tmp_path / "acme_llm-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-llm\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[instructor.providers]\nacme = acme_llm:config\nbroken = broken_llm:config\n")
    return tmp_path


def with_path(env: dict[str, str], path: Path) -> dict[str, str]:
    return {**env, "PYTHONPATH": str(path)}


# -- entry point -------------------------------------------------------------------------------
def test_help_lists_every_command(subprocess_env: dict[str, str]) -> None:
    out = cli("--help", env=subprocess_env)
    assert out.returncode == 0
    for command in ("providers", "doctor", "importtime"):
        assert command in out.stdout
    assert cli(env=subprocess_env).returncode == 2  # no command: usage, and a usage exit status


def test_unknown_command_suggests_the_closest(subprocess_env: dict[str, str]) -> None:
    out = cli("provider", env=subprocess_env)
    assert out.returncode == 2
    assert "Unknown command 'provider'" in out.stderr and "Did you mean 'providers'?" in out.stderr


def test_version(subprocess_env: dict[str, str]) -> None:
    out = cli("--version", env=subprocess_env)
    assert out.returncode == 0 and out.stdout.strip() == f"instructor {version('instructor')}"


@pytest.mark.parametrize("unbuffered", ["1", ""])
def test_output_into_a_closed_pipe_is_not_an_error(subprocess_env: dict[str, str], unbuffered: str) -> None:
    """`instructor providers | head -1`: nothing on stderr when the reader has gone."""
    env = {**subprocess_env, "PYTHONUNBUFFERED": unbuffered}
    proc = subprocess.Popen([sys.executable, "-m", "instructor", "providers", "--style", "plain"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the command has written anything
    assert proc.wait(timeout=120) == 0
    assert proc.stderr.read().decode() == ""


def test_console_script_entry_is_as_cheap_as_import(subprocess_env: dict[str, str]) -> None:
    """`instructor = instructor.__main__:main`: importing it adds no third-party module and no argparse."""
    code = ("import sys; before = set(sys.modules); from instructor.__main__ import main; "
            "print(' '.join(sorted(set(sys.modules) - before)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=subprocess_env,
                         timeout=60)
    added = out.stdout.split()
    assert "instructor.__main__" in added
    outside = [m for m in added if not (m.startswith("instructor") or m == "lazy_loader"
                                        or m.split(".")[0] in sys.stdlib_module_names)]
    assert outside == []
    assert "argparse" not in added and "pydantic" not in added


# -- providers -----------------------------------------------------------------------------------
def test_providers_table_shows_sdk_version_key_and_mode(subprocess_env: dict[str, str]) -> None:
    out = cli("providers", "--style", "plain", env={**subprocess_env, "OPENAI_API_KEY": SECRET})
    assert out.returncode == 0, out.stderr
    assert SECRET not in out.stdout + out.stderr
    openai_line = next(line for line in out.stdout.splitlines() if line.startswith("openai "))
    assert f"openai {version('openai')}" in openai_line
    assert "set (OPENAI_API_KEY)" in openai_line and "TOOLS" in openai_line and "yes" in openai_line
    anthropic_line = next(line for line in out.stdout.splitlines() if line.startswith("anthropic "))
    assert "missing (ANTHROPIC_API_KEY)" in anthropic_line and "TOOLS" in anthropic_line


def test_providers_json_lists_every_builtin_without_importing_sdks(subprocess_env: dict[str, str]) -> None:
    code = ("import json, sys; from instructor.__main__ import main; main(['providers', '--json']); "
            "print(json.dumps(sorted({'openai', 'anthropic', 'boto3', 'pydantic'} & set(sys.modules))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=subprocess_env,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    *payload_lines, loaded = out.stdout.strip().splitlines()
    payload = json.loads("\n".join(payload_lines))
    rows = {row["name"]: row for row in payload["providers"]}
    assert set(BUILTIN_PROVIDERS) <= set(rows)
    assert rows["openai"]["installed"] is True and rows["openai"]["version"] == version("openai")
    assert rows["bedrock"]["distribution"] == "boto3" and rows["bedrock"]["default_mode"] == "TOOLS"
    assert json.loads(loaded) == []  # listing providers imports no SDK, and not even pydantic


def test_providers_include_plugins_and_report_broken_ones(subprocess_env: dict[str, str], plugin_path: Path) -> None:
    out = cli("providers", "--json", env=with_path(subprocess_env, plugin_path))
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    acme = next(row for row in payload["providers"] if row["name"] == "acme")
    assert acme["origin"] == "plugin" and acme["installed"] is False and acme["ready"] is False
    assert "broken_llm cannot be imported" in payload["broken_plugins"]["broken"]


def test_collect_on_a_registry_of_ones_own() -> None:
    registry = ProviderRegistry(entry_points=False)
    registry.register(ProviderConfig(name="local", package="json", extra="local", factory="json:loads",
                                     default_mode=Mode.JSON, supported_modes=(Mode.JSON,), requires_api_key=False))
    rows, broken = collect(registry)
    assert broken == {}
    [row] = rows
    assert (row.name, row.origin, row.installed, row.key, row.ready) == ("local", "plugin", True, "not needed", True)


# -- doctor ----------------------------------------------------------------------------------------
def test_doctor_on_a_sound_install_exits_zero(subprocess_env: dict[str, str]) -> None:
    out = cli("doctor", env={**subprocess_env, "OPENAI_API_KEY": SECRET})
    assert out.returncode == 0, out.stdout + out.stderr
    assert SECRET not in out.stdout
    assert "`import instructor` takes" in out.stdout and "instructor modules, lazy_loader" in out.stdout
    assert "ready to use:" in out.stdout and "openai" in out.stdout
    assert "ok     base install (no extra): " in out.stdout and "within the budget of <= 16 MB / <= 9 packages" in out.stdout
    assert out.stdout.strip().endswith("0 errors, 0 warnings")


def test_doctor_names_each_problem_and_its_fix(subprocess_env: dict[str, str], plugin_path: Path) -> None:
    env = {**with_path(subprocess_env, plugin_path), "ACME_API_KEY": SECRET, "INSTRUCTOR_EAGER_IMPORT": "1"}
    out = cli("doctor", "--json", env=env)
    assert out.returncode == 1  # the broken plugin is an error
    findings = json.loads(out.stdout)["findings"]
    by_text = {f["what"]: f for f in findings}
    broken = next(f for w, f in by_text.items() if "plugin 'broken' failed to load" in w)
    assert broken["level"] == "error" and "uninstall" in broken["fix"]
    acme = next(f for w, f in by_text.items() if w.startswith("acme: ACME_API_KEY is set"))
    assert acme["level"] == "warn" and acme["fix"] == 'pip install "instructor[acme]"'
    eager = next(f for w, f in by_text.items() if w.startswith("INSTRUCTOR_EAGER_IMPORT"))
    assert eager["level"] == "warn" and "unset INSTRUCTOR_EAGER_IMPORT" in eager["fix"]
    assert SECRET not in out.stdout


def _status(**overrides: object) -> ProviderStatus:
    base: dict[str, object] = dict(
        name="openai", origin="built-in", package="openai", extra="openai", distribution="openai",
        installed=True, version="1.2.0", requirement=">=1.40", env_vars=["OPENAI_API_KEY"], key_set=[],
        requires_api_key=True, default_mode="TOOLS", deprecated=False, built=True)
    base.update(overrides)
    return ProviderStatus(**base)  # type: ignore[arg-type]


def test_doctor_flags_an_sdk_older_than_the_extra_requires() -> None:
    findings = check_providers([_status()], {})
    [old] = [f for f in findings if f.level == "error"]
    assert "openai 1.2.0 is older than instructor supports (openai>=1.40)" in old.what
    assert old.fix == 'pip install -U "instructor[openai]"'
    assert _version_ok("1.40.0", ">=1.40") is True and _version_ok("2.0", "") is True


def test_doctor_says_when_no_provider_is_ready() -> None:
    findings = check_providers([_status(version="1.50.0")], {})
    assert [f.level for f in findings if "no provider is ready" in f.what] == ["warn"]


# -- importtime ------------------------------------------------------------------------------------
def test_importtime_command_profiles_the_installed_package(subprocess_env: dict[str, str], tmp_path: Path) -> None:
    html = tmp_path / "import.html"
    out = cli("importtime", "--runs", "2", "--style", "plain", "--html", str(html), env=subprocess_env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("import instructor\n  2 fresh processes: median")
    assert "By package" in out.stdout and "instructor._exports" in out.stdout
    page = html.read_text()
    assert "<svg" in page and "instructor._exports" in page


def test_format_table_aligns_columns() -> None:
    text = format_table(["name", "ms"], [["a", "1.5"], ["longer", "12.25"]], right=(1,))
    assert text.splitlines() == ["name       ms", "------  -----", "a         1.5", "longer  12.25"]
