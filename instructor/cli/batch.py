"""`python -m instructor batch create|status|results|list|cancel|run|resume|repair`: batch jobs from a shell.

    instructor batch create --model openai/gpt-4o-mini --response-model app.models:User --messages in.jsonl
    instructor batch status batch_abc123 [--wait]
    instructor batch results batch_abc123 --response-model app.models:User > users.jsonl
    instructor batch run --record users.json --model bedrock/us.anthropic.claude-... \
        --response-model app.models:User --messages in.jsonl --option s3_uri=s3://b/p --option role_arn=arn:...
    instructor batch resume users.json          # any process, after any stop
    instructor batch repair users.json --rounds 1
    instructor batch results users.json > users.jsonl

`--messages` is a JSONL file with one request per line: a list of messages, or
an object with a `messages` list (and a `custom_id`, for `run`). The SDK client reads its key
and base URL from the environment (OPENAI_API_KEY / OPENAI_BASE_URL, ANTHROPIC_API_KEY /
ANTHROPIC_BASE_URL, AWS credentials and AWS_ENDPOINT_URL, GEMINI_API_KEY, MISTRAL_API_KEY). The provider of an existing job comes from its id (`batch_...` is
OpenAI, `msgbatch_...` Anthropic, an ARN Bedrock, `batches/...` Gemini) unless `--provider`
says. Where `status`, `results` and `cancel` take a job id they also take a record (a `.json`
file or a folder written by `run`). Results go to stdout as JSONL, one object per request;
progress (while polling and downloading) and counts go to stderr as plain lines.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from typing import Any

PROVIDERS = ("openai", "anthropic", "bedrock", "google", "mistral")
#: the packages whose exceptions are a provider saying no (shown as a one-line error)
SDK_PACKAGES = ("openai", "anthropic", "botocore", "boto3", "google", "mistralai")


class UsageError(Exception):
    """A command line that cannot run as given; the message says how to fix it."""


def _load_model(spec: str) -> Any:
    """`module:Class` (or `module.Class`) imported, the current directory first on the path."""
    import importlib
    import os

    module_name, sep, name = spec.partition(":")
    if not sep:
        module_name, _, name = spec.rpartition(".")
    if not module_name or not name:
        raise UsageError(f"--response-model must be 'module:Class' (e.g. app.models:User), got {spec!r}.")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UsageError(f"Cannot import {module_name!r} for --response-model {spec!r}: {exc}") from exc
    try:
        return getattr(module, name)
    except AttributeError:
        raise UsageError(f"Module {module_name!r} has no {name!r} (from --response-model {spec!r}).") from None


def _provider_of(batch_id: str, given: str | None) -> str:
    if given:
        return given
    if batch_id.startswith("msgbatch_"):
        return "anthropic"
    if batch_id.startswith("batch_"):
        return "openai"
    if batch_id.startswith("arn:aws") and ":bedrock:" in batch_id:
        return "bedrock"
    if batch_id.startswith("batches/"):
        return "google"
    raise UsageError(f"Cannot tell the provider of batch {batch_id!r} from its id: pass --provider "
                     f"{'|'.join(PROVIDERS)}.")


def _is_record(target: str) -> bool:
    """Whether a command's target is a run's record (a `.json` file or a folder) rather than a job id."""
    import os

    return target.endswith(".json") or os.path.isdir(target)


def _say(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _options(items: list[str] | None) -> dict[str, Any]:
    """`--option key=value` pairs (a number stays a number)."""
    options: dict[str, Any] = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--option takes key=value, got {item!r}.")
        options[key] = int(value) if value.isdigit() else value
    return options


def _messages(path: str) -> Iterator[list[dict[str, Any]]]:
    for _, messages in _items(path):
        yield messages


def _items(path: str) -> Iterator[tuple[str | None, list[dict[str, Any]]]]:
    """(custom_id or None, messages) of each line of a `--messages` file."""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError as exc:
                raise UsageError(f"{path}:{number} is not JSON ({exc}).") from None
            messages = item.get("messages") if isinstance(item, dict) else item
            if not isinstance(messages, list):
                raise UsageError(f"{path}:{number} must be a list of messages or an object with 'messages'.")
            yield (item.get("custom_id") if isinstance(item, dict) else None), messages


def _mode(mode: str | None) -> Any:
    if mode is None:
        return None
    from instructor.mode import Mode

    try:
        return Mode[mode] if mode in Mode.__members__ else Mode(mode)
    except ValueError:
        raise UsageError(f"Unknown mode {mode!r}: use a Mode name such as JSON_SCHEMA or TOOLS.") from None


#: a model name for commands that need none (status, list...): a family Bedrock's batches serve
_ANY_MODEL = {"bedrock": "anthropic.claude"}


def _processor(provider: str, model: str | None, response_model: Any, mode: str | None,
               options: dict[str, Any] | None = None) -> Any:
    from instructor.batch.processor import BatchProcessor

    return BatchProcessor(model or f"{provider}/{_ANY_MODEL.get(provider, '-')}", response_model, mode=_mode(mode),
                          batch_options=options)


def _info_json(info: Any) -> str:
    data = info.model_dump(mode="json", exclude={"raw_data"})
    return json.dumps(data, indent=2)


def _create(args: argparse.Namespace) -> int:
    response_model = _load_model(args.response_model)
    processor = _processor(args.model.partition("/")[0], args.model, response_model, args.mode, _options(args.option))
    path = args.output or (None if not args.dry_run else "batch_requests.jsonl")
    metadata = dict(item.split("=", 1) for item in args.metadata) if args.metadata else None
    source = processor.create_batch_from_messages(_messages(args.messages), file_path=path,
                                                  max_tokens=args.max_tokens, temperature=args.temperature)
    if args.dry_run:
        print(source)
        return 0
    print(processor.submit_batch(source, metadata=metadata))
    return 0


def _status(args: argparse.Namespace) -> int:
    if _is_record(args.batch_id):
        return _record_status(args.batch_id, args.json)
    processor = _processor(_provider_of(args.batch_id, args.provider), None, None, None)
    if args.wait:
        info = processor.wait(args.batch_id, poll_interval=args.poll_interval, timeout=args.timeout, progress=_say)
    else:
        info = processor.get_batch_info(args.batch_id)
    if args.json:
        print(_info_json(info))
        return 0
    counts = {k: v for k, v in info.request_counts.model_dump().items() if v is not None}
    print(f"{info.id}  {info.status.value} ({info.raw_status})  " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    return 0


def _row(result: Any) -> dict[str, Any]:
    from instructor.batch.models import BatchSuccess

    if isinstance(result, BatchSuccess):
        value = result.result
        dumped = value.model_dump(mode="json") if hasattr(value, "model_dump") else value
        return {"custom_id": result.custom_id, "success": True, "result": dumped}
    return {"custom_id": result.custom_id, "success": False, "error_type": result.error_type,
            "error_message": result.error_message}


def _write_results(results: Any, strict: bool) -> int:
    succeeded = failed = 0
    for result in results:
        row = _row(result)
        succeeded, failed = succeeded + row["success"], failed + (not row["success"])
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        if (succeeded + failed) % 10_000 == 0:
            _say(f"read {succeeded + failed} results")
    _say(f"{succeeded} succeeded, {failed} failed")
    return 0 if not (failed and strict) else 1


def _results(args: argparse.Namespace) -> int:
    if _is_record(args.batch_id):
        from instructor.batch.run import BatchRun

        model = _load_model(args.response_model) if args.response_model else None
        return _write_results(BatchRun.open(args.batch_id, model).results(), args.strict)
    provider = _provider_of(args.batch_id, args.provider)
    if args.raw:
        processor = _processor(provider, None, None, None)
        for line in processor.result_lines(args.batch_id):
            sys.stdout.write(line + "\n")
        return 0
    if not args.response_model:
        raise UsageError("results needs --response-model module:Class to parse the answers (or --raw).")
    from instructor.batch.parsing import iter_parsed

    response_model = _load_model(args.response_model)
    processor = _processor(provider, None, response_model, args.mode)
    mode = processor.mode if args.mode else None  # None: each line read as what it holds
    lines = iter_parsed(processor.result_lines(args.batch_id), response_model, mode, provider=provider,
                        lenient=False)
    return _write_results(lines, args.strict)


def _list(args: argparse.Namespace) -> int:
    processor = _processor(args.provider, None, None, None)
    for info in processor.list_batches(limit=args.limit):
        print(f"{info.id}  {info.status.value} ({info.raw_status})")
    return 0


def _cancel(args: argparse.Namespace) -> int:
    from instructor.batch.models import BatchJobInfo

    if _is_record(args.batch_id):
        from instructor.batch.run import BatchRun

        run: BatchRun[object] = BatchRun.open(args.batch_id, response_model=object)
        running = [] if run.finished else [p["job_id"] for p in run.rounds[-1].get("parts", ())
                                           if p["state"] == "submitted"]
        if not running:
            raise UsageError(f"The run {args.batch_id!r} has no job running to cancel.")
        ids, args.provider = running, run.processor.provider
    else:
        ids = [args.batch_id]
    provider = _provider_of(ids[0], args.provider)
    processor = _processor(provider, None, None, None)
    for batch_id in ids:  # every job of the run's round (its parts)
        info = BatchJobInfo.from_provider(provider, processor.cancel_batch(batch_id))
        print(f"{info.id}  {info.status.value} ({info.raw_status})")
    return 0


def _record_status(path: str, as_json: bool) -> int:
    from instructor.batch.run import BatchRun

    run: BatchRun[object] = BatchRun.open(path, response_model=object)  # the model is not needed here
    if as_json:
        print(json.dumps({"phase": run.phase, "rounds": run.rounds, "states": run.states(),
                          "usage": run.usage.as_dict()}, indent=2, default=str))
        return 0
    print(f"{path}  {run.phase}  " + ", ".join(f"{state}={n}" for state, n in sorted(run.states().items())))
    for entry in run.rounds:
        parts = entry.get("parts") or [{}]
        jobs = ", ".join(p.get("job_id") or "-" for p in parts)
        print(f"  round {entry['round']}: {entry['state']}  {'jobs' if len(parts) > 1 else 'job'} {jobs}  "
              f"{entry['items']} requests")
    return 0


def _run(args: argparse.Namespace) -> int:
    from instructor.batch.run import BatchRun

    response_model = _load_model(args.response_model)
    pairs = list(_items(args.messages))
    ids = [str(cid) for cid, _ in pairs if cid]
    run = BatchRun.create(args.record, args.model, response_model, [messages for _, messages in pairs],
                          custom_ids=ids if len(ids) == len(pairs) else None, mode=_mode(args.mode), max_repairs=args.max_repairs,
                          max_tokens=args.max_tokens, temperature=args.temperature, batch_options=_options(args.option))
    _say(f"recorded {len(pairs)} requests in {run.path}")
    return _finish(run, args)


def _resume(args: argparse.Namespace) -> int:
    from instructor.batch.run import BatchRun

    model = _load_model(args.response_model) if args.response_model else None
    return _finish(BatchRun.open(args.record, model, batch_options=_options(args.option)), args)


def _repair(args: argparse.Namespace) -> int:
    from instructor.batch.run import BatchRun

    model = _load_model(args.response_model) if args.response_model else None
    run = BatchRun.open(args.record, model, batch_options=_options(args.option))
    run.repair(args.rounds)
    return _finish(run, args)


def _finish(run: Any, args: argparse.Namespace) -> int:
    """Step the run on: once (`--no-wait`), or polling until it is finished."""
    if args.no_wait:
        run.step(_say)
        # no waiting needed for these: a round's other jobs, reading results, repairing
        while run.phase in ("submitting", "downloaded", "classified") and not run.finished:
            run.step(_say)
    else:
        run.run(poll_interval=args.poll_interval, timeout=args.timeout, progress=_say)
    print(f"{run.path}  {run.phase}  " + ", ".join(f"{s}={n}" for s, n in sorted(run.states().items())))
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m instructor batch",
                                   description="Create, watch and read provider batch jobs.")
    commands = root.add_subparsers(dest="command", required=True)

    create = commands.add_parser("create", help="build the request file from message lists and submit it")
    create.add_argument("--model", required=True, help="provider/model, e.g. openai/gpt-4o-mini")
    create.add_argument("--response-model", required=True, help="module:Class of the pydantic model")
    create.add_argument("--messages", required=True, help="JSONL: one message list (or {'messages': [...]}) a line")
    create.add_argument("--output", help="also keep the request file at this path")
    create.add_argument("--dry-run", action="store_true", help="write the request file, do not submit")
    create.add_argument("--max-tokens", type=int, default=1000)
    create.add_argument("--temperature", type=float, default=0.1)
    create.add_argument("--mode", help="a Mode name (default: JSON_SCHEMA on OpenAI, TOOLS on Anthropic)")
    create.add_argument("--metadata", action="append", metavar="KEY=VALUE", help="the job's metadata, where the "
                        "provider keeps some (OpenAI, Mistral; Bedrock's tags)")
    create.add_argument("--option", action="append", metavar="KEY=VALUE",
                        help="a batch option: Bedrock's s3_uri and role_arn, Gemini's input=inline|file, "
                        "max_requests / max_bytes per job, Bedrock's min_records...")
    create.set_defaults(run=_create)

    run_verb = commands.add_parser("run", help="record a new run at --record, submit it, poll, repair, until finished")
    run_verb.add_argument("--record", required=True, help="the job record: a .json file, or a folder")
    run_verb.add_argument("--model", required=True, help="provider/model, e.g. openai/gpt-4o-mini")
    run_verb.add_argument("--response-model", required=True, help="module:Class of the pydantic model")
    run_verb.add_argument("--messages", required=True, help="JSONL: one message list (or {'custom_id', 'messages'}) a line")
    run_verb.add_argument("--max-repairs", type=int, default=1, help="repair rounds allowed after the first (default 1)")
    run_verb.add_argument("--max-tokens", type=int, default=1000)
    run_verb.add_argument("--temperature", type=float, default=0.1)
    run_verb.add_argument("--mode", help="a Mode name (default: the provider's batch default)")
    run_verb.add_argument("--option", action="append", metavar="KEY=VALUE", help="a batch option (see create)")
    for name, target, text in (("resume", _resume, "carry a recorded run on from where its record stands"),
                               ("repair", _repair, "allow more repair rounds for a run's given-up items")):
        verb = commands.add_parser(name, help=text)
        verb.add_argument("record", help="the job record (.json file or folder)")
        verb.add_argument("--response-model", help="module:Class (default: the one the record names)")
        verb.add_argument("--option", action="append", metavar="KEY=VALUE",
                          help="change a recorded batch option from now on, e.g. min_records=10")
        if name == "repair":
            verb.add_argument("--rounds", type=int, default=1, help="how many more repair rounds (default 1)")
        verb.set_defaults(run=target)
    for verb in (run_verb, *(commands.choices[n] for n in ("resume", "repair"))):
        verb.add_argument("--poll-interval", type=float, default=30.0)
        verb.add_argument("--timeout", type=float, default=None, help="stop waiting after this many seconds")
        verb.add_argument("--no-wait", action="store_true", help="one step (submit, or poll once), then exit")
    run_verb.set_defaults(run=_run)

    for name, verb_run, text in (("status", _status, "the job's (or a record's) status and request counts"),
                                 ("results", _results, "the job's (or a record's) results as JSONL on stdout"),
                                 ("cancel", _cancel, "ask the provider to stop the job (or a record's running job)")):
        command = commands.add_parser(name, help=text)
        command.add_argument("batch_id", help="the provider's job id, or a run's record (.json file or folder)")
        command.add_argument("--provider", choices=PROVIDERS, help="default: from the id's prefix")
        command.set_defaults(run=verb_run)
        if name == "status":
            command.add_argument("--json", action="store_true", help="the whole status as JSON")
            command.add_argument("--wait", action="store_true", help="poll until the job is done")
            command.add_argument("--poll-interval", type=float, default=30.0)
            command.add_argument("--timeout", type=float, default=None)
        if name == "results":
            command.add_argument("--response-model", help="module:Class of the pydantic model")
            command.add_argument("--mode", help="the Mode the requests were built with (default: read each answer as what it holds)")
            command.add_argument("--raw", action="store_true", help="the provider's result lines, unparsed")
            command.add_argument("--strict", action="store_true", help="exit 1 when any request failed")

    listing = commands.add_parser("list", help="the most recent jobs")
    listing.add_argument("--provider", choices=PROVIDERS, required=True)
    listing.add_argument("--limit", type=int, default=10)
    listing.set_defaults(run=_list)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    from instructor.core.exceptions import InstructorError

    try:
        status: int = args.run(args)
        return status
    except (UsageError, InstructorError, TimeoutError, NotImplementedError, OSError, ValueError, RuntimeError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    except Exception as exc:
        if type(exc).__module__.split(".")[0] not in SDK_PACKAGES:
            raise
        # the provider's SDK said no (unknown id, bad key, rate limit): its message says why
        sys.stderr.write(f"error: {type(exc).__name__}: {exc}\n")
        return 1
