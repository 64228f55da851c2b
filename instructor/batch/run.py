"""`BatchRun`: a batch job that outlives its process, repairs its failed items, and counts its tokens.

A run is a set of items (one message list each, keyed by `custom_id`) taken through rounds of
provider batch jobs: round 0 asks for every item; each repair round asks again for the items
whose answer was invalid (not JSON, failing validation, a tool nobody offered), their requests
carrying the re-ask messages a live call would send (the mode handler's `reask`), and sends
again as they were the items the provider failed to run (`errored`: a rate limit, an expired
job). Refusals and answers cut at the length limit are kept apart, never asked again. Results
merge by `custom_id`: each item's answer is the one of the last round it was in.

A round goes to the provider as as many jobs ("parts") as its limits need (`instructor.batch.limits`:
OpenAI takes 50,000 requests a job, Anthropic 100,000, Bedrock has a minimum too...): the round's
requests file is cut into byte ranges, each job submitted, polled and read on its own, and the
round is read once every job is done.

Everything lives in a job record the caller names (`instructor.batch.record`): any process can
`BatchRun.open(path)` and carry on from where the record stands, and a process killed at any
point loses nothing. The hard point, a job created whose id was never written down, is covered
by writing a client-side token into the record before submitting each job: the job carries it, and on
resume the run finds the job by it (`find_submitted`) instead of submitting twice.

Example:
    >>> run = BatchRun.create("users.json", "openai/gpt-4o-mini", User, messages_list, max_repairs=2)
    >>> run.run(poll_interval=60)          # or, from cron: BatchRun.open("users.json").step()
    >>> users = [r.result for r in run.results() if r.success]
    >>> run.usage, run.cost(Price(input=0.075, output=0.30))
"""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from instructor.batch import record as rec
from instructor.batch.models import BatchError, BatchSuccess

if TYPE_CHECKING:
    from instructor.batch.limits import JobLimits
    from instructor.batch.processor import BatchProcessor
    from instructor.core.billing import Price, Usage
    from instructor.mode import Mode

T = TypeVar("T")

#: item states: where each item of a run is
PENDING, SUBMITTED, REPAIRING = "pending", "submitted", "repairing"
SUCCEEDED, REPAIRED = "succeeded", "repaired"
INVALID_JSON, INVALID = "failed-invalid-json", "failed-validation"
REFUSED, INCOMPLETE, ERRORED, GIVEN_UP = "refused", "incomplete", "errored", "given-up"
#: states a repair round asks again (re-asked: the first two; sent again as it was: errored)
REPAIRABLE = frozenset({INVALID_JSON, INVALID, ERRORED})
DONE = frozenset({SUCCEEDED, REPAIRED, REFUSED, INCOMPLETE, GIVEN_UP})
#: BatchError.error_type -> item state (anything else the provider reported: errored)
_STATE_OF_ERROR = {"invalid_json": INVALID_JSON, "validation_error": INVALID, "response_parsing_error": INVALID,
                   "refusal": REFUSED, "incomplete_output": INCOMPLETE}

Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    return None


class BatchRun(Generic[T]):
    """Rounds of provider batch jobs over the same items, recorded in a file any process resumes.

    Build one with `BatchRun.create(...)`, pick one up with `BatchRun.open(path)`; then
    `step()` moves it on by what can be done now (submit, poll, download, repair) and
    `run()` steps until it is finished. `results()` gives each item's final answer,
    `states()` how many items are in each state, `usage` / `cost(prices)` what it spent.
    """

    def __init__(self, path: str | os.PathLike[str], data: dict[str, Any], processor: BatchProcessor[T]) -> None:
        self.path, self.folder = rec.locate(path)
        self.data = data
        self.processor = processor

    def __repr__(self) -> str:
        return f"BatchRun({str(self.path)!r}, {self.data['model']!r}, phase={self.phase!r})"

    # -- making and opening -----------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        model: str,
        response_model: type[T],
        messages_list: Iterable[list[dict[str, Any]]],
        *,
        custom_ids: Iterable[str] | None = None,
        mode: Mode | None = None,
        max_repairs: int = 1,
        max_tokens: int | None = 1000,
        temperature: float | None = 0.1,
        batch_options: Mapping[str, Any] | None = None,
        client: Any = None,
        **client_kwargs: Any,
    ) -> BatchRun[T]:
        """Write a new record at `path` (nothing is sent yet: `step()` or `run()` submits).

        Args:
            path: the record: a `.json` file (its round files go in `<name>.batch/`
                beside it) or a folder.
            model, response_model, mode, batch_options, client, client_kwargs: as `BatchProcessor`'s.
            messages_list: one message list per item.
            custom_ids: the items' ids (default `request-0`, `request-1`...); unique.
            max_repairs: how many repair rounds may follow the first (0: none).
            max_tokens, temperature: sent with every request (None: the provider's default).

        Raises:
            FileExistsError: a record is at `path` already (open it with `BatchRun.open`).
            ValueError: a custom id repeats, or `max_repairs` is negative.
            ConfigurationError: a limit in `batch_options` is wrong, or there are fewer messages than
                one job of the provider takes (Bedrock's minimum).
        """
        from instructor.batch.limits import job_limits
        from instructor.batch.processor import BatchProcessor
        from instructor.batch.request import line_body

        record_path, folder = rec.locate(path)
        if record_path.exists():
            raise FileExistsError(f"A batch record already exists at {str(record_path)!r}: resume it with "
                                  "BatchRun.open(path), or choose another path.")
        if not isinstance(max_repairs, int) or max_repairs < 0:
            raise ValueError(f"max_repairs is a number of repair rounds (0 or more), got {max_repairs!r}.")
        processor = BatchProcessor(model, response_model, mode=mode, client=client, batch_options=batch_options,
                                   **client_kwargs)
        limits = job_limits(processor._provider, batch_options)  # a clear error before anything is written
        folder.mkdir(parents=True, exist_ok=True)
        items: dict[str, list[Any]] = {}
        ids = iter(custom_ids) if custom_ids is not None else (f"request-{i}" for i in _count())
        offset = 0
        with rec.atomic_file(folder / "round-0.requests.jsonl") as spool:
            for messages in messages_list:
                custom_id = next(ids)
                if custom_id in items:
                    raise ValueError(f"custom_ids must be unique: {custom_id!r} repeats.")
                body = line_body(processor.model_name, messages, max_tokens, temperature)
                line = processor._provider.request_line(custom_id, body, response_model, processor._line_mode)
                raw = rec.dumps_line(line)
                spool.write(raw)
                items[custom_id] = [PENDING, 0, offset, None, 0, 0, 0, 0, 0, None]
                offset += len(raw)
        data = {
            "version": rec.VERSION, "model": model, "mode": None if mode is None else processor.mode.value,
            "response_model": _import_path(response_model), "max_repairs": max_repairs,
            "batch_options": dict(batch_options or {}), "created_at": time.time(), "finished": False,
            "rounds": [{"round": 0, "state": "prepared", "items": len(items)}],
            "item_fields": list(rec.FIELDS), "items": items,
        }
        run = cls(path, data, processor)
        if len(items) < limits.min_requests:
            (folder / "round-0.requests.jsonl").unlink()
            raise run._too_small(0, len(items), limits)
        run._save()
        return run

    @classmethod
    def open(cls, path: str | os.PathLike[str], response_model: type[T] | None = None, *,
             client: Any = None, batch_options: Mapping[str, Any] | None = None,
             **client_kwargs: Any) -> BatchRun[T]:
        """The run recorded at `path`, in this process (the SDK client is made from `client_kwargs`
        and the environment, as `BatchProcessor`'s is; nothing secret is in the record).

        `response_model` defaults to the class the record names (`module:Class`), imported.
        `batch_options` change the recorded ones from now on (e.g. a lower `min_records`).
        A record written by an earlier version (one job per round) opens as it stands.

        Raises:
            FileNotFoundError: no record at `path`.
        """
        from instructor.batch.processor import BatchProcessor
        from instructor.mode import Mode

        record_path, _ = rec.locate(path)
        if not record_path.exists():
            raise FileNotFoundError(f"No batch record at {str(record_path)!r}: start one with BatchRun.create(...).")
        data = rec.upgrade(rec.read_json(record_path))
        model = response_model if response_model is not None else _import(data["response_model"])
        mode = None if data.get("mode") is None else Mode(data["mode"])
        options = {**data.get("batch_options", {}), **(batch_options or {})}
        processor = BatchProcessor(data["model"], model, mode=mode, client=client, batch_options=options,
                                   **client_kwargs)
        run = cls(path, data, processor)
        if batch_options:
            run.limits  # noqa: B018  (validates the new options before they are recorded)
            data["batch_options"] = options
            run._save()
        return run

    # -- where it stands ----------------------------------------------------------------------------
    @property
    def rounds(self) -> list[dict[str, Any]]:
        """The rounds so far: `round`, `state` (prepared, submitting, submitted, downloaded, classified),
        `items`, its `parts` (the provider jobs it is sent as, once it is submitted: `part`, `items`,
        `state`, `token`, `job_id`...), and once classified `counts` and `usage`."""
        rounds: list[dict[str, Any]] = self.data["rounds"]
        return rounds

    @property
    def phase(self) -> str:
        """`finished`, or the last round's state."""
        return "finished" if self.data["finished"] else str(self.rounds[-1]["state"])

    @property
    def finished(self) -> bool:
        return bool(self.data["finished"])

    @property
    def job_ids(self) -> list[str]:
        """The provider's job id of each job submitted so far (every part of every round)."""
        return [p["job_id"] for r in self.rounds for p in r.get("parts", ()) if p.get("job_id")]

    def states(self) -> dict[str, int]:
        """How many items are in each state."""
        return dict(Counter(row[rec.STATE] for row in self.data["items"].values()))

    def state_of(self, custom_id: str) -> str:
        return str(self.data["items"][custom_id][rec.STATE])

    @property
    def usage(self) -> Usage:
        """The tokens of every answer of every round, read alike whatever the provider."""
        from instructor.core.billing import Usage

        total = [0, 0, 0, 0, 0]
        for row in self.data["items"].values():
            for i in range(5):
                total[i] += row[rec.INPUT + i]
        return Usage(*total)

    def item_usage(self, custom_id: str) -> Usage:
        """The tokens of one item's answers, every round it was in."""
        from instructor.core.billing import Usage

        row = self.data["items"][custom_id]
        return Usage(*row[rec.INPUT:rec.INPUT + 5])

    def cost(self, prices: Price | Mapping[str, Price]) -> float | None:
        """What the run's tokens cost at `prices` (a `Price`, or model name -> `Price`); None when
        no price is given for this model. Batch rates are the provider's: pass its batch prices."""
        from instructor.core.billing import price_of

        price = price_of(prices, self.processor.model_name)
        return None if price is None else price.cost(self.usage)

    # -- moving on ---------------------------------------------------------------------------------
    def run(self, poll_interval: float = 30.0, timeout: float | None = None,
            progress: Progress | None = None) -> BatchRun[T]:
        """Step until the run is finished (every round submitted, polled, read, repaired).

        Raises:
            TimeoutError: `timeout` seconds passed first; the record keeps where it is.
            ConfigurationError: a round has fewer requests than a job of the provider takes
                (Bedrock's minimum); nothing was submitted (the message says the ways on).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.finished:
            moved = self.step(progress)
            if moved == "waiting":
                if deadline is not None and time.monotonic() + poll_interval > deadline:
                    running = [p["job_id"] for p in self.rounds[-1].get("parts", ()) if p["state"] == "submitted"]
                    raise TimeoutError(
                        f"The batch run {str(self.path)!r} is still waiting for job(s) {', '.join(running)} "
                        f"after {timeout} s. They keep running at the provider: run() or step() again later."
                    )
                time.sleep(poll_interval)
        return self

    def step(self, progress: Progress | None = None) -> str:
        """Do what can be done now, once: submit the next job of a prepared round, poll a submitted
        round's jobs (and read the results of those done), or repair. Returns what happened:
        `submitted`, `waiting`, `downloaded`, `classified`, `repairing`, `finished`."""
        say = progress or _quiet
        if self.finished:
            return "finished"
        current = self.rounds[-1]
        state = current["state"]
        if state in ("prepared", "submitting"):
            self._submit(current, say)
            return "submitted"
        if state == "submitted":
            return self._poll(current, say)
        if state == "downloaded":
            self._classify(current, say)
            return "classified"
        return self._repair_or_finish(current, say)

    @property
    def limits(self) -> JobLimits:
        """What one job of the provider may hold (`batch_options` overrides included)."""
        from instructor.batch.limits import job_limits

        return job_limits(self.processor._provider, self.processor.batch_options)

    def _submit(self, current: dict[str, Any], say: Progress) -> None:
        """Submit the round's next job (cutting the round into parts first, once)."""
        if "parts" not in current:
            self._plan(current)
        part = next(p for p in current["parts"] if p["state"] in ("prepared", "submitting"))
        module, client = self.processor._provider, self.processor.client
        label = self._label(current, part)
        if part["state"] == "submitting":  # a submission may have gone out before the process died
            found = module.find_submitted(client, part["token"], part["intent_at"], part["items"])
            known = set(self.job_ids)
            found = [job for job in found if job not in known]
            if len(found) > 1 and module.PROVIDER == "anthropic":
                raise RuntimeError(
                    f"{label.capitalize()} of {str(self.path)!r} was being submitted when its process "
                    f"stopped, and {len(found)} Anthropic batches created since then have its "
                    f"{part['items']} requests: {', '.join(found)}. Anthropic batches carry no token to "
                    "tell which is this run's: cancel the others, then call run.adopt(<batch id>)."
                )
            if found:
                say(f"{label}: found job {found[0]} submitted before the process stopped")
                self._submitted(current, part, found[0])
                return
        else:
            part.update(state="submitting", token=uuid.uuid4().hex, intent_at=time.time())
            self._save()  # the intent first: a kill after the job is created finds it by its token
        from instructor.core.instrumentation import batch_submission

        source = self._part_file(current, part)
        try:
            with batch_submission(self.processor) as submitted:
                job_id = module.submit(client, str(source), None, model=self.processor.model_name,
                                       token=part["token"], options=self.processor.batch_options)
                submitted(job_id)
        finally:
            if source.name != f"round-{current['round']}.requests.jsonl":
                source.unlink(missing_ok=True)
        say(f"{label}: submitted {part['items']} requests as job {job_id}")
        self._submitted(current, part, job_id)

    def _plan(self, current: dict[str, Any]) -> None:
        """Cut the round's requests into the jobs the provider's limits allow, and record them."""
        from instructor.batch.limits import plan

        limits = self.limits
        if current["items"] < limits.min_requests:
            raise self._too_small(current["round"], current["items"], limits)
        parts = plan(self.folder / f"round-{current['round']}.requests.jsonl", limits)
        current["parts"] = [{"part": i, "items": p.items, "offset": p.offset, "end": p.end, "state": "prepared"}
                            for i, p in enumerate(parts)]
        current["state"] = "submitting"
        self._save()

    def _part_file(self, current: dict[str, Any], part: dict[str, Any]) -> Path:
        """The requests file of one job: the round's own when it is one job, else its lines copied out."""
        from instructor.batch.limits import copy_range

        requests = self.folder / f"round-{current['round']}.requests.jsonl"
        if len(current["parts"]) == 1:
            return requests
        target = self.folder / f"round-{current['round']}.part-{part['part']}.requests.jsonl"
        with rec.atomic_file(target) as out:
            copy_range(requests, part["offset"], part["end"], out)
        return target

    def _label(self, current: dict[str, Any], part: dict[str, Any]) -> str:
        parts = len(current["parts"])
        return f"round {current['round']}" + (f", part {part['part'] + 1}/{parts}" if parts > 1 else "")

    def _too_small(self, number: int, count: int, limits: JobLimits) -> Exception:
        """The error of a round with fewer requests than a job takes: what stopped, and the ways on."""
        from instructor.core.exceptions import ConfigurationError

        provider = self.processor._provider.PROVIDER
        if number:
            ways = (f"lower the minimum if your account's quota allows (BatchRun.open(path, batch_options="
                    f"{{'min_records': {count}}}).run()), or ask these items live with client.create (their ids: "
                    "[r.custom_id for r in run.results() if not r.success]) and close the run with run.finish()")
        else:
            ways = (f"lower the minimum if your account's quota allows (batch_options={{..., 'min_records': {count}}}), "
                    "or send these requests live with client.create, or run more of them at once")
        return ConfigurationError(
            f"Round {number} of {str(self.path)!r} has {count:,} requests, and a {provider} batch job takes at "
            f"least {limits.min_requests:,} (batch_options['min_records']: the account's quota 'Minimum number of "
            "records per batch inference job'). Nothing was submitted, and every item keeps what it had. "
            f"Either {ways}."
        )

    def repair(self, rounds: int = 1) -> None:
        """Allow `rounds` more repair rounds: a finished run's given-up items are asked again.

        The run goes on with `step()` / `run()`.
        """
        if not isinstance(rounds, int) or rounds < 1:
            raise ValueError(f"rounds is how many more repair rounds to allow (1 or more), got {rounds!r}.")
        self.data["max_repairs"] = max(self.data["max_repairs"], self.rounds[-1]["round"]) + rounds
        for row in self.data["items"].values():
            if row[rec.STATE] == GIVEN_UP:
                row[rec.STATE] = _STATE_OF_ERROR.get(row[rec.ERROR], ERRORED)
        self.data["finished"] = False
        self._save()

    def finish(self) -> None:
        """Close the run where it stands, its last round read: the items a repair round would ask
        again are given up (their last answers stay in `results()`; `repair()` opens it again)."""
        current = self.rounds[-1]
        if self.finished:
            return
        if current["state"] != "classified":
            raise ValueError(f"Round {current['round']} of {str(self.path)!r} is {current['state']!r}: a run is "
                             "finished once its last round is read (run.step() until it is, or cancel its jobs).")
        self._give_up(current["round"])

    def _give_up(self, number: int) -> None:
        for row in self.data["items"].values():
            if row[rec.ROUND] == number and row[rec.STATE] in REPAIRABLE:
                row[rec.STATE] = GIVEN_UP
        self.data["finished"] = True
        self._save()

    def adopt(self, job_id: str) -> None:
        """Record `job_id` as the job being submitted (when `step` could not tell which it is)."""
        current = self.rounds[-1]
        part = next((p for p in current.get("parts", ()) if p["state"] == "submitting"), None)
        if part is None:
            raise ValueError(f"Round {current['round']} has no job being submitted ({current['state']!r}): "
                             "nothing to adopt.")
        self._submitted(current, part, job_id)

    def _submitted(self, current: dict[str, Any], part: dict[str, Any], job_id: str) -> None:
        part.update(state="submitted", job_id=job_id, submitted_at=time.time())
        if all(p["state"] != "prepared" and p["state"] != "submitting" for p in current["parts"]):
            current["state"] = "submitted"
        state = SUBMITTED if current["round"] == 0 else REPAIRING
        start, end = part["offset"], part["end"]
        for row in self.data["items"].values():
            if (row[rec.ROUND] == current["round"] and row[rec.STATE] == PENDING
                    and start <= row[rec.REQUEST_AT] and (end is None or row[rec.REQUEST_AT] < end)):
                row[rec.STATE] = state
        self._save()

    def _poll(self, current: dict[str, Any], say: Progress) -> str:
        """Poll each job of the round not yet read; read those done; join their results once all are."""
        module, client = self.processor._provider, self.processor.client
        waiting = False
        for part in current["parts"]:
            if part["state"] != "submitted":
                continue
            info = module.info(module.retrieve(client, part["job_id"]))
            counts = {k: v for k, v in info.request_counts.model_dump().items() if v is not None}
            say(f"{self._label(current, part)}: job {part['job_id']} {info.raw_status}"
                + (" (" + ", ".join(f"{k} {v}" for k, v in counts.items()) + ")" if counts else ""))
            if info.is_done:
                self._download(current, part, say)
            else:
                waiting = True
        if waiting:
            return "waiting"
        self._join(current)
        return "downloaded"

    def _download(self, current: dict[str, Any], part: dict[str, Any], say: Progress) -> None:
        label, n = self._label(current, part), 0
        with rec.atomic_file(self._results_of(current, part)) as out:
            for line in self.processor.result_lines(part["job_id"]):
                if line.strip():
                    out.write(line.encode("utf-8").rstrip(b"\r\n") + b"\n")
                    n += 1
                    if n % 10_000 == 0:
                        say(f"{label}: downloaded {n} result lines")
        say(f"{label}: downloaded {n} result lines")
        part.update(state="downloaded", lines=n)
        self._save()

    def _results_of(self, current: dict[str, Any], part: dict[str, Any]) -> Path:
        return self.folder / f"round-{current['round']}.part-{part['part']}.results.jsonl"

    def _join(self, current: dict[str, Any]) -> None:
        """The round's results file: its jobs' results one after the other (a job's file as it is, when one)."""
        from instructor.batch.limits import copy_range

        joined = self.folder / f"round-{current['round']}.results.jsonl"
        parts = current["parts"]
        if len(parts) == 1:
            source = self._results_of(current, parts[0])
            if source.exists():  # else moved already, by a process stopped before it recorded so
                os.replace(source, joined)
        else:
            with rec.atomic_file(joined) as out:
                for part in parts:
                    source = self._results_of(current, part)
                    copy_range(source, 0, source.stat().st_size, out)
        current["state"] = "downloaded"
        self._save()
        for part in parts:
            self._results_of(current, part).unlink(missing_ok=True)

    def _classify(self, current: dict[str, Any], say: Progress) -> None:
        """One pass over the round's results: each item's state, tokens and where its line is."""
        from instructor.batch.parsing import parse_answer, read_answer
        from instructor.core.billing import Usage
        from instructor.core.mode_registry import get_handler

        number, items = current["round"], self.data["items"]
        seen: set[str] = set()
        round_usage = Usage()
        offset = 0
        with open(self.folder / f"round-{number}.results.jsonl", "rb") as handle:
            for raw in handle:
                at, offset = offset, offset + len(raw)
                result, answer = self._parse(raw, read_answer, parse_answer)
                row = items.get(result.custom_id)
                if row is None or row[rec.ROUND] != number:
                    continue  # not an item of this round (a line of a foreign file)
                seen.add(result.custom_id)
                row[rec.RESULT_AT] = at
                if answer is not None:
                    counts = get_handler(answer.mode, provider=answer.provider).usage(answer.response)
                    usage = Usage.of_counts(counts)
                    round_usage += usage
                    for i, value in enumerate((usage.input_tokens, usage.output_tokens, usage.cached_tokens,
                                               usage.cache_write_tokens, usage.reasoning_tokens)):
                        row[rec.INPUT + i] += value
                if isinstance(result, BatchSuccess):
                    row[rec.STATE], row[rec.ERROR] = (SUCCEEDED if number == 0 else REPAIRED), None
                else:
                    row[rec.STATE] = _STATE_OF_ERROR.get(result.error_type, ERRORED)
                    row[rec.ERROR] = result.error_type
        for custom_id, row in items.items():
            if row[rec.ROUND] == number and custom_id not in seen:
                row[rec.STATE], row[rec.ERROR], row[rec.RESULT_AT] = ERRORED, "missing", None
        counts = Counter(row[rec.STATE] for row in items.values() if row[rec.ROUND] == number)
        current.update(state="classified", counts=dict(counts), usage=round_usage.as_dict())
        say(f"round {number}: " + ", ".join(f"{n} {state}" for state, n in sorted(counts.items())))
        self._save()

    def _parse(self, raw: bytes, read_answer: Any, parse_answer: Any) -> tuple[Any, Any]:
        """(the result of one line, the answer it held or None), as the processor parses lines."""
        import json

        processor = self.processor
        try:
            data = json.loads(raw)
        except ValueError:
            from instructor.batch.parsing import parse_line

            return parse_line(raw, processor.response_model, processor.mode, provider=processor.provider,
                              lenient=False), None
        answer = read_answer(data, processor.response_model, processor.mode, provider=processor.provider,
                             lenient=False)
        if isinstance(answer, BatchError):
            return answer, None
        return parse_answer(answer, processor.response_model, data), answer

    def _repair_or_finish(self, current: dict[str, Any], say: Progress) -> str:
        items = self.data["items"]
        number = current["round"]
        failed = [cid for cid, row in items.items() if row[rec.ROUND] == number and row[rec.STATE] in REPAIRABLE]
        if not failed or number >= self.data["max_repairs"]:
            self._give_up(number)
            say("finished: " + ", ".join(f"{n} {state}" for state, n in sorted(self.states().items())))
            return "finished"
        limits = self.limits
        if len(failed) < limits.min_requests:  # before the round is prepared: every item keeps its answer
            raise self._too_small(number + 1, len(failed), limits)
        self._prepare_repair(number, failed)
        say(f"round {number + 1}: {len(failed)} requests to repair")
        return "repairing"

    def _prepare_repair(self, number: int, failed: list[str]) -> None:
        """The next round's requests: one extra pass over the failed lines only (each read at its offset)."""
        import json

        from instructor.batch.parsing import parse_answer, read_answer
        from instructor.core.mode_registry import get_handler

        module, processor, items = self.processor._provider, self.processor, self.data["items"]
        requests = self.folder / f"round-{number}.requests.jsonl"
        results = self.folder / f"round-{number}.results.jsonl"
        offset = 0
        with rec.atomic_file(self.folder / f"round-{number + 1}.requests.jsonl") as spool:
            for custom_id in failed:
                row = items[custom_id]
                line = json.loads(rec.line_at(requests, row[rec.REQUEST_AT]))
                if row[rec.STATE] != ERRORED and row[rec.RESULT_AT] is not None:
                    raw = rec.line_at(results, row[rec.RESULT_AT])
                    result, answer = self._parse(raw, read_answer, parse_answer)
                    if answer is not None and isinstance(result, BatchError) and result.exception is not None:
                        _, kwargs = module.request_of(line)
                        handler = get_handler(answer.mode, provider=answer.provider)
                        kwargs = handler.reask(kwargs, answer.response, result.exception)
                        line = module.line_of(custom_id, kwargs, processor.model_name)
                raw_line = rec.dumps_line(line)
                spool.write(raw_line)
                row[rec.STATE], row[rec.ROUND], row[rec.REQUEST_AT], row[rec.RESULT_AT] = PENDING, number + 1, offset, None
                offset += len(raw_line)
        self.rounds.append({"round": number + 1, "state": "prepared", "items": len(failed)})
        self._save()

    # -- results -----------------------------------------------------------------------------------
    def results(self, *, context: Mapping[str, Any] | None = None,
                strict: bool | None = None) -> Iterator[BatchSuccess[T] | BatchError]:
        """Each item's final answer (of the last round it was in), read one line at a time.

        Items whose result never came (`missing`) come last, as `BatchError`s.
        """
        items = self.data["items"]
        processor = self.processor
        for entry in self.rounds:
            path = self.folder / f"round-{entry['round']}.results.jsonl"
            if entry["state"] not in ("downloaded", "classified") or not path.exists():
                continue
            with open(path, "rb") as handle:
                for result in processor.parse_lines(handle, context=context, strict=strict):
                    row = items.get(result.custom_id)
                    if row is not None and row[rec.ROUND] == entry["round"] and row[rec.RESULT_AT] is not None:
                        yield result
        for custom_id, row in items.items():
            if row[rec.ERROR] == "missing" and row[rec.STATE] in DONE | REPAIRABLE:
                yield BatchError(custom_id=custom_id, error_type="missing",
                                 error_message="The provider returned no result for this request.")

    # -- the record --------------------------------------------------------------------------------
    def _save(self) -> None:
        self.data["usage"] = self.usage.as_dict()
        rec.write_json(self.path, self.data)


def _count() -> Iterator[int]:
    n = 0
    while True:
        yield n
        n += 1


def _import_path(cls: Any) -> str:
    return f"{getattr(cls, '__module__', '')}:{getattr(cls, '__qualname__', repr(cls))}"


def _import(path: str) -> Any:
    """The class a record names as `module:Qualified.Name`."""
    import importlib

    module_name, _, qualname = path.partition(":")
    if "<locals>" in qualname:
        raise ValueError(f"The record's response model {path!r} was defined inside a function: pass it to "
                         "BatchRun.open(path, response_model=...).")
    obj: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj
