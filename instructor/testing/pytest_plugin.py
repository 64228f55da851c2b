"""pytest fixtures for testing code that uses instructor: no key, no network, no tokens.

Registered through the `pytest11` entry point, so installing instructor is enough. This
module imports nothing but pytest: the fake provider, pydantic and the SDKs load only
when a test asks for a fixture, so other test sessions do not change or slow down.

Fixtures:
    fake_provider: a started `FakeProvider`, with the environment pointing every SDK that
        reads its base URL from the environment at it (dummy keys, real ones removed).
        Whatever is not scripted is answered by `Reply.auto()`: a valid instance of the
        schema the request asked for.
    fake_client: `fake_client("anthropic/claude-sonnet-4-6", async_client=False, **kw)`
        builds `instructor.from_provider(...)` already pointed at `fake_provider`.

Example:
    >>> def test_extract_user(fake_provider):
    ...     reply = Reply.auto(User, seed=1)
    ...     fake_provider.add(reply)
    ...     assert extract_user("Jason is 25") == reply.instance   # your code, unchanged
    ...     assert fake_provider.requests[-1].sent.tools == ["User"]

Without the entry point (a vendored copy, `-p no:...` elsewhere), load it explicitly
with `pytest -p instructor.testing.pytest_plugin` or `pytest_plugins = [...]` in conftest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from instructor.testing.server import FakeProvider


@pytest.fixture
def fake_provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProvider]:
    """A `FakeProvider` for this test, the SDKs pointed at it, auto-replying by default."""
    from instructor.testing.connect import CLEARED, fake_env
    from instructor.testing.replies import Reply
    from instructor.testing.server import FakeProvider

    with FakeProvider() as fake:
        for name in CLEARED:
            monkeypatch.delenv(name, raising=False)
        for name, value in fake_env(fake).items():
            monkeypatch.setenv(name, value)
        fake.always(Reply.auto())
        yield fake


@pytest.fixture
def fake_client(fake_provider: FakeProvider) -> Callable[..., Any]:
    """Build an instructor client for `"provider/model"` that talks to `fake_provider`.

    Call it as `fake_client("openai/gpt-4o-mini")`, or with `async_client=True` for an
    `AsyncInstructor`; other keywords go to `instructor.from_provider` (`mode=...`).
    """

    def build(model: str = "openai/gpt-4o-mini", *, async_client: bool = False, **kwargs: Any) -> Any:
        import instructor
        from instructor.testing.connect import connect_kwargs

        options: dict[str, Any] = {**connect_kwargs(model, fake_provider), **kwargs}
        if async_client:
            return instructor.from_provider(model, async_client=True, **options)
        return instructor.from_provider(model, **options)

    return build
