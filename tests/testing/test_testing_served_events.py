"""The fake provider counts the stream events it served, and paces them when asked: how a test sees
that a client hung up mid-stream (a stream cut early) rather than reading it to its end."""

from __future__ import annotations

import time

import httpx

from instructor.testing import FakeProvider, Reply


def stream_request(fake: FakeProvider, read_events: int | None) -> None:
    """POST a streamed chat completion and read `read_events` SSE events (None: all), then close."""
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": True}
    with httpx.Client() as client, client.stream("POST", f"{fake.openai_base_url}/chat/completions", json=body) as r:
        seen = 0
        for line in r.iter_lines():
            if line.startswith("data:"):
                seen += 1
                if read_events is not None and seen >= read_events:
                    break


def test_a_stream_read_to_its_end_counts_every_event() -> None:
    with FakeProvider() as fake:
        fake.add(Reply.text("a" * 60, chunk_size=3))
        stream_request(fake, None)
        request = fake.requests[0]
        assert request.events_served == request.events_total > 20 and not request.hung_up


def test_a_paced_stream_the_client_left_says_how_far_it_was_read() -> None:
    with FakeProvider() as fake:
        fake.add(Reply.text("a" * 600, chunk_size=3, event_delay=0.002))  # 200 events, 0.4 s in all
        stream_request(fake, 5)
        request = fake.requests[0]
        for _ in range(100):  # the server counts an event just after writing it: let it catch up with the
            if request.hung_up and request.events_served >= 5:  # client, which read 5 (and then hung up)
                break
            time.sleep(0.01)
        assert request.hung_up and request.events_total > 200
        assert 5 <= request.events_served < 60


def test_a_whole_answer_has_no_event_count() -> None:
    with FakeProvider() as fake:
        fake.add(Reply.text("hello"))
        httpx.post(f"{fake.openai_base_url}/chat/completions",
                   json={"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": False})
        request = fake.requests[0]
        assert request.events_served is None and request.events_total is None and not request.hung_up
