"""Distillation: log what a Python function returns as fine-tuning data, then call the
fine-tuned model in its place.

A function annotated to return a pydantic model is decorated with
`Instructions.distil`. In `mode="distil"` it runs as usual and each call is
logged as one JSON line (to the handlers given, e.g. a `logging.FileHandler`
on a `.jsonl` file). In the MESSAGES format a line is an OpenAI chat
fine-tuning example: the function described in a system message, the call in a
user message, the result as the assistant's tool call, and the tool schema in
`tools` (the tools format OpenAI's fine-tuning accepts; the older
`functions`/`function_call` fields are deprecated there). In
`mode="dispatch"` the function body is not run: the same system and user
messages go to `model` (the fine-tuned one) through an instructor client,
which returns the function's model.

The OpenAI client is built on first dispatch, not when `Instructions` is
created: logging needs no API key.
"""

from __future__ import annotations

import enum
import functools
import inspect
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["FinetuneFormat", "Instructions"]

F = TypeVar("F", bound=Callable[..., Any])

DistilMode = Literal["distil", "dispatch"]


class FinetuneFormat(enum.Enum):
    """The shape of a logged line: an OpenAI fine-tuning example, or the raw call."""

    MESSAGES = "messages"
    RAW = "raw"


class NotAModelError(TypeError, AssertionError):
    """A distilled function's return annotation is not a pydantic model class.

    A `TypeError`; also an `AssertionError`, which is what code written for the
    published release catches here.
    """


class Instructions:
    """Collects fine-tuning data from Python functions and dispatches to the tuned model.

    Args:
        name: the logger's name (`logging.getLogger(name)`); None uses
            "instructor.distil".
        id: an identifier of this collection (a random UUID when None).
        log_handlers: handlers added to that logger, e.g.
            `[logging.FileHandler("finetune.jsonl")]`. The logger is set to INFO
            when it would drop INFO records.
        finetune_format: the default shape of each logged line.
        indent: the indentation of the result's JSON in a MESSAGES line.
        include_code_body: describe the function by its whole source instead of
            its signature and docstring.
        openai_client: the client `dispatch` calls: an instructor client, or an
            `openai.OpenAI`/`AsyncOpenAI` (wrapped with `instructor.from_openai`).
            None builds `openai.OpenAI()` on first dispatch (it reads
            `OPENAI_API_KEY` then).

    Example:
        >>> instructions = Instructions(name="three_digit_multiply",
        ...                             log_handlers=[logging.FileHandler("math.jsonl")])
        >>> @instructions.distil
        ... def multiply(a: int, b: int) -> Multiply:
        ...     return Multiply(a=a, b=b, result=a * b)
    """

    def __init__(
        self,
        name: str | None = None,
        id: str | None = None,
        log_handlers: Sequence[logging.Handler] | None = None,
        finetune_format: FinetuneFormat = FinetuneFormat.MESSAGES,
        indent: int = 2,
        include_code_body: bool = False,
        openai_client: Any = None,
    ) -> None:
        import uuid

        self.name = name
        self.id = id or str(uuid.uuid4())
        self.finetune_format = FinetuneFormat(finetune_format)
        self.indent = indent
        self.include_code_body = include_code_body
        self._client = openai_client
        self.logger = logging.getLogger(name or "instructor.distil")
        for handler in log_handlers or ():
            if handler not in self.logger.handlers:
                self.logger.addHandler(handler)
        if not self.logger.isEnabledFor(logging.INFO):
            self.logger.setLevel(logging.INFO)

    def __repr__(self) -> str:
        return f"Instructions(name={self.name!r}, id={self.id!r}, finetune_format={self.finetune_format})"

    @property
    def client(self) -> Any:
        """The instructor client `dispatch` calls (built on first use)."""
        from instructor.core.client import AsyncInstructor, Instructor

        if not isinstance(self._client, (Instructor, AsyncInstructor)):
            from instructor.providers.openai.factory import from_openai

            if self._client is None:
                import openai

                self._client = openai.OpenAI()
            self._client = from_openai(self._client)
        return self._client

    @overload
    def distil(self, fn: F, /) -> F: ...

    @overload
    def distil(
        self,
        *,
        name: str | None = None,
        mode: DistilMode = "distil",
        model: str = "gpt-3.5-turbo",
        fine_tune_format: FinetuneFormat | None = None,
    ) -> Callable[[F], F]: ...

    def distil(
        self,
        *args: Any,
        name: str | None = None,
        mode: DistilMode = "distil",
        model: str = "gpt-3.5-turbo",
        fine_tune_format: FinetuneFormat | None = None,
    ) -> Any:
        """Decorate a function returning a pydantic model: log its calls, or dispatch them.

        Usable bare (`@instructions.distil`) or called (`@instructions.distil(mode="dispatch",
        model="ft:gpt-4o-mini:...")`).

        Args:
            name: the function's name in the logged prompt (its `__name__` by default).
            mode: "distil" runs the function and logs each call; "dispatch" sends the
                call to `model` instead and returns its answer.
            model: the model `dispatch` calls.
            fine_tune_format: this function's line format (the instance's by default).

        Raises:
            NotAModelError: the return annotation is not a pydantic model class (a
                `TypeError`, also an `AssertionError`).
            ValueError: `mode` is neither "distil" nor "dispatch".

        Example:
            >>> @instructions.distil(mode="dispatch", model="ft:gpt-4o-mini:org::abc")
            ... def multiply(a: int, b: int) -> Multiply: ...
        """
        if mode not in ("distil", "dispatch"):
            raise ValueError(f"distil mode must be 'distil' or 'dispatch', got {mode!r}.")
        line_format = FinetuneFormat(fine_tune_format) if fine_tune_format is not None else None

        def decorate(fn: F) -> F:
            return self._wrap(fn, name or fn.__name__, mode, model, line_format)  # type: ignore[return-value]

        if args:
            if len(args) == 1 and callable(args[0]):
                return decorate(args[0])
            raise TypeError("distil takes the function to decorate, or keyword arguments only.")
        return decorate

    # -- the wrappers ------------------------------------------------------------------------
    def _wrap(self, fn: Callable[..., Any], name: str, mode: str, model: str,
              line_format: FinetuneFormat | None) -> Callable[..., Any]:
        response_model = _return_model(fn)
        description = _describe(fn, self.include_code_body)

        if mode == "dispatch":
            def messages(args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[dict[str, Any]]:
                return _prompt(description, name, args, kwargs)

            if inspect.iscoroutinefunction(fn):
                @functools.wraps(fn)
                async def adispatch(*args: Any, **kwargs: Any) -> Any:
                    result = self.client.chat.completions.create(
                        messages=messages(args, kwargs), model=model, response_model=response_model)
                    return await result if inspect.isawaitable(result) else result

                return adispatch

            @functools.wraps(fn)
            def dispatch(*args: Any, **kwargs: Any) -> Any:
                result = self.client.chat.completions.create(
                    messages=messages(args, kwargs), model=model, response_model=response_model)
                if inspect.isawaitable(result):
                    result.close()  # type: ignore[attr-defined]
                    raise TypeError(
                        f"{name} is a sync function but the dispatch client is async: pass a sync client "
                        "(openai.OpenAI) to Instructions, or make the function async."
                    )
                return result

            return dispatch

        def log(args: tuple[Any, ...], kwargs: dict[str, Any], result: Any) -> None:
            self._log(description, name, args, kwargs, result, response_model,
                      line_format or self.finetune_format)

        if inspect.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def atrack(*args: Any, **kwargs: Any) -> Any:
                result = await fn(*args, **kwargs)
                log(args, kwargs, result)
                return result

            return atrack

        @functools.wraps(fn)
        def track(*args: Any, **kwargs: Any) -> Any:
            result = fn(*args, **kwargs)
            log(args, kwargs, result)
            return result

        return track

    def _log(self, description: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any],
             result: Any, response_model: type[BaseModel], line_format: FinetuneFormat) -> None:
        import json

        from instructor.function_calls import generate_openai_schema

        if not isinstance(result, response_model):
            import warnings

            warnings.warn(
                f"{name} returned {type(result).__name__}, not {response_model.__name__} as annotated: "
                "this call is not logged for fine-tuning.",
                RuntimeWarning,
                stacklevel=3,
            )
            return
        schema = generate_openai_schema(response_model)
        if line_format is FinetuneFormat.RAW:
            line: dict[str, Any] = {
                "fn_name": name, "fn_repr": description, "args": list(args), "kwargs": kwargs,
                "resp": result.model_dump(mode="json"), "schema": schema,
            }
        else:
            call = {"id": "call_0", "type": "function",
                    "function": {"name": schema["name"], "arguments": result.model_dump_json(indent=self.indent)}}
            line = {
                "messages": [*_prompt(description, name, args, kwargs),
                             {"role": "assistant", "tool_calls": [call]}],
                "tools": [{"type": "function", "function": schema}],
            }
        self.logger.info(json.dumps(line, default=_jsonable))


# -- helpers -----------------------------------------------------------------------------------
def _return_model(fn: Callable[..., Any]) -> type[BaseModel]:
    import typing

    from pydantic import BaseModel

    try:
        annotation = typing.get_type_hints(fn).get("return")
    except (NameError, TypeError):  # an annotation that cannot be resolved here
        annotation = inspect.signature(fn).return_annotation
    if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        shown = getattr(annotation, "__name__", None) or repr(annotation)
        raise NotAModelError(
            f"{fn.__qualname__} must be annotated to return a pydantic model class "
            f"(`def {fn.__name__}(...) -> MyModel:`), got {shown}."
        )
    return annotation


class _Shown:
    """Renders as the given text inside an `inspect.Signature`."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _annotation_text(annotation: Any, module: str) -> _Shown | Any:
    if annotation is inspect.Parameter.empty:
        return annotation
    if isinstance(annotation, str):
        return _Shown(annotation)
    return _Shown(inspect.formatannotation(annotation, base_module=module))


def _describe(fn: Callable[..., Any], include_code_body: bool) -> str:
    """The function as the model sees it: its source, or its signature and docstring."""
    import textwrap

    if include_code_body:
        try:
            lines = textwrap.dedent(inspect.getsource(fn)).splitlines()
        except (OSError, TypeError):
            pass  # no source (defined in a REPL): fall back to the signature
        else:
            start = next((i for i, line in enumerate(lines) if line.startswith(("def ", "async def "))), 0)
            return "\n".join(lines[start:])
    signature = inspect.signature(fn)
    module = fn.__module__
    signature = signature.replace(
        parameters=[p.replace(annotation=_annotation_text(p.annotation, module))
                    for p in signature.parameters.values()],
        return_annotation=_annotation_text(signature.return_annotation, module),
    )
    prefix = "async def" if inspect.iscoroutinefunction(fn) else "def"
    text = f"{prefix} {fn.__name__}{signature}:"
    doc = inspect.getdoc(fn)
    if doc:
        text += "\n" + textwrap.indent(f'"""{doc}"""', "    ")
    return text


def _prompt(description: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[dict[str, Any]]:
    call = ", ".join([repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()])
    return [
        {"role": "system", "content": f"Predict the results of this function:\n\n{description}"},
        {"role": "user", "content": f"Return `{name}({call})`"},
    ]


def _jsonable(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    return dump(mode="json") if callable(dump) else repr(value)
