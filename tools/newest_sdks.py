"""Try the newest release of every provider SDK on the package index against instructor's tests.

    .venv/bin/python tools/newest_sdks.py                   # every SDK (a few minutes)
    .venv/bin/python tools/newest_sdks.py google mistral    # some of them, by extra
    .venv/bin/python tools/newest_sdks.py --json newest.json

For each SDK a provider extra installs (read from the provider registry and instructor's own
extras): ask the index for its newest release, make a venv of its own under `.venv-newest/`
with instructor (editable), that extra, exactly that release and the test tools, and run the
tests that drive that SDK: its own test files, and the fault, secret and concurrency matrices
for its families (tests/provider_families.py). The report says, per SDK: the release tried,
whether it installs beside instructor's other requirements (when it does not, the newest
that does is tested instead, and the conflict is a finding), passed / failed, and what broke.

Not part of CI: what it tests changes whenever an SDK ships. CI pins what it runs
(scripts/test.sh: the main venv, the litellm and google-genai 3.x lanes); this is how one
learns, before users do, what the next releases break.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENVS = ROOT / ".venv-newest"
TOOLS = ["pytest", "pytest-asyncio", "pytest-timeout", "certifi"]
FEATURES = "testing,retry,templating"  # instructor's own extras some provider tests use (Reply.auto, tenacity, jinja2)
MATRICES = ["test_faults.py", "test_secrets.py", "test_concurrency.py", "test_faults_docs.py"]
#: extra -> the test files that drive its SDK (the matrices come on top, for its families)
TESTS = {
    "openai": ["test_openai_e2e.py", "test_responses_api.py", "test_provider_azure.py",
               "test_provider_compatible.py", "test_hooks.py", "test_validators.py"],
    "anthropic": ["test_anthropic.py", "test_anthropic_stream.py"],
    "bedrock": ["test_bedrock.py", "test_bedrock_stream.py", "test_bedrock_units.py"],
    "google": ["test_provider_google.py", "test_multimodal_genai_files.py"],
    "mistral": ["test_provider_mistral.py"],
    "cohere": ["test_provider_cohere.py"],
    "groq": ["test_provider_groq.py"],
    "writer": ["test_provider_writer.py"],
    "cerebras": ["test_provider_cerebras.py"],
    "fireworks": ["test_provider_fireworks.py"],
    "litellm": ["test_provider_litellm.py"],
    "vertexai": ["test_provider_vertexai.py"],
    "generative-ai": ["test_provider_generative_ai.py"],
}
#: what some SDKs need besides themselves for the tests to run (litellm's `completion` imports mcp)
EXTRA_REQUIREMENTS = {"litellm": ["mcp"]}
PYTEST_ARGS = {"litellm": ["-m", "litellm"]}
_SUMMARY = re.compile(r"^=*\s*(\d+ (?:passed|failed|errors?|skipped|deselected)\b.*?) in [\d.]+s", re.M)


@dataclass
class Sdk:
    extra: str
    distribution: str
    package: str
    families: list[str]


@dataclass
class Outcome:
    extra: str
    distribution: str
    newest: str = ""
    tried: str = ""  # the version installed and tested
    installs: bool = False  # the newest release installs beside instructor[extra]
    conflict: str = ""
    passed: int = 0
    failed: int = 0
    summary: str = ""
    broke: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def verdict(self) -> str:
        if not self.tried:
            return "not installable"
        if self.failed:
            return "FAILED"
        return "passed" if self.installs else "passed (older release)"


def sdks() -> list[Sdk]:
    """One entry per SDK distribution a built-in provider extra installs."""
    sys.path.insert(0, str(ROOT / "tests"))
    from provider_families import FAMILIES

    from instructor.cli.providers import collect

    rows, _ = collect()
    found: dict[str, Sdk] = {}
    for row in sorted((r for r in rows if r.origin == "built-in"), key=lambda r: r.name != r.extra):
        if row.distribution not in found and row.extra in TESTS:
            ids = [f.id for f in FAMILIES if f.package == row.package]
            found[row.distribution] = Sdk(row.extra, row.distribution, row.package, ids)
    return sorted(found.values(), key=lambda s: list(TESTS).index(s.extra))


def _run(cmd: list[str], timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=timeout)


def newest_release(distribution: str) -> str:
    """The newest version of `distribution` on the package index (pip's own index settings)."""
    out = _run([sys.executable, "-m", "pip", "index", "versions", "--disable-pip-version-check", distribution])
    match = re.search(rf"^{re.escape(distribution)} \(([^)]+)\)", out.stdout, re.M | re.I)
    if out.returncode != 0 or match is None:
        raise RuntimeError(f"the index has no release of {distribution}: {out.stderr.strip()[-300:]}")
    return match.group(1)


def _installer() -> list[str] | None:
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    return [uv, "pip", "install", "--quiet", "--python"] if uv else None


def install(venv: Path, sdk: Sdk, requirement: str) -> subprocess.CompletedProcess[str]:
    """instructor (editable) with the extra, `requirement` and the test tools, in `venv`."""
    if not (venv / "bin" / "python").exists():
        venv.parent.mkdir(parents=True, exist_ok=True)
        made = _run([sys.executable, "-m", "venv", str(venv)])
        if made.returncode != 0:
            return made
    python = str(venv / "bin" / "python")
    packages = ["-e", f".[{sdk.extra},{FEATURES}]", requirement, *TOOLS, *EXTRA_REQUIREMENTS.get(sdk.extra, [])]
    uv = _installer()
    if uv:
        return _run([*uv, python, *packages])
    return _run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *packages])


def installed_version(venv: Path, distribution: str) -> str:
    out = _run([str(venv / "bin" / "python"), "-c",
                f"from importlib.metadata import version; print(version({distribution!r}))"])
    return out.stdout.strip()


def test_path(name: str) -> str:
    """Where a test file lives under tests/ (which mirrors the package in subfolders)."""
    found = sorted((ROOT / "tests").rglob(name))
    if not found:
        raise FileNotFoundError(f"no test file named {name!r} under tests/")
    return str(found[0].relative_to(ROOT))


def run_tests(venv: Path, sdk: Sdk, outcome: Outcome) -> None:
    python = str(venv / "bin" / "python")
    base = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    runs = [[*PYTEST_ARGS.get(sdk.extra, []), *(test_path(name) for name in TESTS[sdk.extra])]]
    if sdk.families:  # the matrices, for this SDK's families only (the others are not installed here)
        runs.append(["-k", " or ".join(sdk.families), *(test_path(name) for name in MATRICES)])
    summaries = []
    for args in runs:
        out = _run([*base, *args], timeout=1800)
        text = out.stdout + out.stderr
        found = _SUMMARY.findall(text)
        summary = found[-1] if found else f"pytest exited {out.returncode}: {text.strip()[-200:]}"
        summaries.append(summary)
        outcome.passed += sum(int(n) for n in re.findall(r"(\d+) passed", summary))
        failed = sum(int(n) for n in re.findall(r"(\d+) (?:failed|errors?)\b", summary))
        outcome.failed += failed or (1 if out.returncode not in (0, 5) else 0)
        outcome.broke += _what_broke(text)
    outcome.summary = "; ".join(summaries)


def _what_broke(text: str, limit: int = 6) -> list[str]:
    """The FAILED/ERROR lines of pytest's short summary (test id and first words of the error)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.startswith(("FAILED ", "ERROR "))]
    return [ln[:240] for ln in lines[:limit]] + ([f"... and {len(lines) - limit} more"] if len(lines) > limit else [])


def check(sdk: Sdk) -> Outcome:
    outcome = Outcome(sdk.extra, sdk.distribution)
    started = time.perf_counter()
    venv = VENVS / sdk.extra
    try:
        outcome.newest = newest_release(sdk.distribution)
    except RuntimeError as exc:
        outcome.conflict = str(exc)
        return outcome
    pinned = install(venv, sdk, f"{sdk.distribution}=={outcome.newest}")
    outcome.installs = pinned.returncode == 0
    if not outcome.installs:  # a resolver conflict: test the newest release that does install
        outcome.conflict = "\n".join(pinned.stderr.strip().splitlines()[-4:])
        fallback = install(venv, sdk, sdk.distribution)
        if fallback.returncode != 0:
            outcome.conflict += "\n" + "\n".join(fallback.stderr.strip().splitlines()[-4:])
            return outcome
    outcome.tried = installed_version(venv, sdk.distribution)
    run_tests(venv, sdk, outcome)
    outcome.seconds = time.perf_counter() - started
    return outcome


def report(outcomes: list[Outcome]) -> str:
    lines = ["| extra | SDK | newest on the index | tested | result | tests | what broke |",
             "|---|---|---|---|---|---|---|"]
    for o in outcomes:
        broke = "<br>".join(o.broke) or (o.conflict.replace("\n", " ")[:300] if o.conflict else "")
        lines.append(f"| {o.extra} | {o.distribution} | {o.newest} | {o.tried or '-'} | {o.verdict} "
                     f"| {o.summary} | {broke} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("extras", nargs="*", help=f"extras to check (default: all): {', '.join(TESTS)}")
    parser.add_argument("--json", type=Path, help="also write the outcomes as JSON")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.extras) - set(TESTS))
    if unknown:
        parser.error(f"unknown extra(s) {unknown}; these are checked: {', '.join(TESTS)}")
    chosen = [s for s in sdks() if not args.extras or s.extra in args.extras]
    outcomes = []
    for sdk in chosen:
        print(f"{sdk.extra}: {sdk.distribution} ...", flush=True)
        outcome = check(sdk)
        print(f"  {outcome.newest or '?'} -> {outcome.tried or '-'}: {outcome.verdict} ({outcome.summary})"
              f" {outcome.seconds:.0f} s", flush=True)
        outcomes.append(outcome)
    print("\n" + report(outcomes))
    if args.json:
        args.json.write_text(json.dumps([asdict(o) for o in outcomes], indent=1), encoding="utf-8")
    return 1 if any(o.verdict in ("FAILED", "not installable") for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
