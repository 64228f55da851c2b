"""`python -m instructor batch create|status|results|list|cancel`: batch jobs from a shell.

    instructor batch create --model openai/gpt-4o-mini --response-model app.models:User --messages in.jsonl
    instructor batch status batch_abc123 [--wait]
    instructor batch results batch_abc123 --response-model app.models:User > users.jsonl

`--messages` is a JSONL file with one request per line: a list of messages, or
an object with a `messages` list. The SDK client reads its key and base URL
from the environment (OPENAI_API_KEY / OPENAI_BASE_URL, ANTHROPIC_API_KEY /
ANTHROPIC_BASE_URL). The provider of an existing job comes from its id
(`batch_...` is OpenAI, `msgbatch_...` Anthropic) unless `--provider` says.
Results go to stdout as JSONL, one object per request; counts go to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from typing import Any

PROVIDERS = ("openai", "anthropic")


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
    raise UsageError(f"Cannot tell the provider of batch {batch_id!r} from its id: pass --provider openai|anthropic.")


def _messages(path: str) -> Iterator[list[dict[str, Any]]]:
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
            yield messages


def _processor(provider: str, model: str | None, response_model: Any, mode: str | None) -> Any:
    from instructor.batch.processor import BatchProcessor

    if mode is not None:
        from instructor.mode import Mode

        try:
            chosen = Mode[mode] if mode in Mode.__members__ else Mode(mode)
        except ValueError:
            raise UsageError(f"Unknown mode {mode!r}: use a Mode name such as JSON_SCHEMA or TOOLS.") from None
        return BatchProcessor(model or f"{provider}/-", response_model, mode=chosen)
    return BatchProcessor(model or f"{provider}/-", response_model)


def _info_json(info: Any) -> str:
    data = info.model_dump(mode="json", exclude={"raw_data"})
    return json.dumps(data, indent=2)


def _create(args: argparse.Namespace) -> int:
    response_model = _load_model(args.response_model)
    processor = _processor(args.model.partition("/")[0], args.model, response_model, args.mode)
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
    processor = _processor(_provider_of(args.batch_id, args.provider), None, None, None)
    if args.wait:
        info = processor.wait(args.batch_id, poll_interval=args.poll_interval, timeout=args.timeout)
    else:
        info = processor.get_batch_info(args.batch_id)
    if args.json:
        print(_info_json(info))
        return 0
    counts = {k: v for k, v in info.request_counts.model_dump().items() if v is not None}
    print(f"{info.id}  {info.status.value} ({info.raw_status})  " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    return 0


def _results(args: argparse.Namespace) -> int:
    from instructor.batch.models import BatchSuccess

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
    succeeded = failed = 0
    for result in iter_parsed(processor.result_lines(args.batch_id), response_model, mode):
        if isinstance(result, BatchSuccess):
            succeeded += 1
            row = {"custom_id": result.custom_id, "success": True, "result": result.result.model_dump(mode="json")}
        else:
            failed += 1
            row = {"custom_id": result.custom_id, "success": False, "error_type": result.error_type,
                   "error_message": result.error_message}
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    sys.stderr.write(f"{succeeded} succeeded, {failed} failed\n")
    return 0 if not (failed and args.strict) else 1


def _list(args: argparse.Namespace) -> int:
    processor = _processor(args.provider, None, None, None)
    for info in processor.list_batches(limit=args.limit):
        print(f"{info.id}  {info.status.value} ({info.raw_status})")
    return 0


def _cancel(args: argparse.Namespace) -> int:
    from instructor.batch.models import BatchJobInfo

    provider = _provider_of(args.batch_id, args.provider)
    info = BatchJobInfo.from_provider(provider, _processor(provider, None, None, None).cancel_batch(args.batch_id))
    print(f"{info.id}  {info.status.value} ({info.raw_status})")
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
    create.add_argument("--metadata", action="append", metavar="KEY=VALUE", help="OpenAI batch metadata")
    create.set_defaults(run=_create)

    for name, run, text in (("status", _status, "the job's status and request counts"),
                            ("results", _results, "the job's results as JSONL on stdout"),
                            ("cancel", _cancel, "ask the provider to stop the job")):
        command = commands.add_parser(name, help=text)
        command.add_argument("batch_id")
        command.add_argument("--provider", choices=PROVIDERS, help="default: from the id's prefix")
        command.set_defaults(run=run)
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
    except (UsageError, InstructorError, TimeoutError, NotImplementedError, OSError, ValueError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    except Exception as exc:
        if type(exc).__module__.split(".")[0] not in PROVIDERS:
            raise
        # the provider's SDK said no (unknown id, bad key, rate limit): its message says why
        sys.stderr.write(f"error: {type(exc).__name__}: {exc}\n")
        return 1
