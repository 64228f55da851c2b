"""Live calls on a Dask cluster: the recipe of docs/scaling-out.md runs as written.

A `LocalCluster` of worker processes gets a client made by `from_provider`: it travels as its
recipe (pickled once, by `scatter`), each worker rebuilds it from its own environment and calls
the fake provider. Dask is not a dependency of the project: scripts/test.sh runs these tests in
a venv of their own (`.venv-dask`, marker `dask`); the main run deselects them.
"""

from __future__ import annotations

import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest

from instructor.testing import FakeProvider, Reply

pytestmark = pytest.mark.dask

PAGE = Path(__file__).resolve().parents[2] / "docs" / "scaling-out.md"


def _block(marker: str) -> str:
    found = re.search(rf"<!-- no-run: {re.escape(marker)}[^\n]*-->\n```python\n(.*?)```", PAGE.read_text(),
                      flags=re.DOTALL)
    assert found is not None, f"docs/scaling-out.md has no block marked for {marker}"
    return found.group(1)


@pytest.mark.subprocess
def test_the_dask_recipe_runs_on_a_local_cluster(fake: FakeProvider, tmp_path: Path,
                                                  subprocess_env: dict[str, str]) -> None:
    (tmp_path / "on_dask.py").write_text(_block("tests/core/test_scaling_dask.py"))
    fake.always(Reply.tool("User", {"name": "Jason", "age": 25}))
    env = {**subprocess_env, "OPENAI_BASE_URL": fake.openai_base_url, "OPENAI_API_KEY": "sk-dask-worker-key"}
    out = subprocess.run([sys.executable, "on_dask.py"], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().splitlines()[-1] == "8 users from 2 Dask worker processes"
    assert fake.attempts == 8
    # every request came from a worker that read the key from its own environment
    assert {request.headers["authorization"] for request in fake.requests} == {"Bearer sk-dask-worker-key"}


def test_what_dask_ships_holds_no_key(fake: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    """What `scatter` sends is Dask's own serialisation of the client: the recipe, never the key."""
    from distributed.protocol import serialize

    import instructor

    monkeypatch.setenv("OPENAI_API_KEY", "sk-never-shipped-5678")
    client = instructor.from_provider("openai/gpt-4o-mini", base_url=fake.openai_base_url)
    _, frames = serialize(client, serializers=("dask", "pickle"))
    shipped = b"".join(bytes(frame) for frame in frames)
    assert b"gpt-4o-mini" in shipped  # the recipe went
    assert b"sk-never-shipped" not in shipped  # the key did not
    assert b"sk-never-shipped" not in pickle.dumps(client)
