"""What a request asked the model for, read the same way whatever the provider's wire.

The fake provider records raw requests; `Sent` reads one as a test wants to see it:
the messages as (role, text) pairs, the tools offered, the JSON schema of the answer
asked for (through a tool, a response format or the prompt) and how it was asked
(`mode`). `instructor.testing.auto` uses it to answer in the shape that was asked.

Example:
    >>> sent = fake.requests[-1].sent
    >>> sent.tools                      # ["User"]
    >>> sent.mode                       # "tools"
    >>> sent.schema["required"]         # ["name", "age"]
    >>> "Jason is 25" in sent.text
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from instructor.testing.server import RecordedRequest

#: how the structured answer was asked for, in words that do not depend on the provider
MODES = ("tools", "parallel_tools", "json_schema", "json", "text")


@dataclass
class Sent:
    """One request, read independently of its wire.

    Attributes:
        wire: the wire that served it ("openai", "anthropic", "bedrock", "genai", ...).
        model: the model asked for ("" when the wire puts it in the path only).
        messages: (role, text) pairs in order; the system prompt first, as role "system".
        tools: the names of the tools offered, in order.
        tool_schemas: each tool's parameters schema, by name.
        schema: the JSON schema of the answer asked for: the forced (or only) tool's
            parameters, the response format's schema, or a schema written in the prompt.
        mode: how the answer was asked for: "tools" (one tool), "parallel_tools" (several
            tools, the model picks), "json_schema" (a schema in the request's response
            format), "json" (JSON asked for in the prompt), "text" (nothing structured).
        stream: whether a stream was asked for.
    """

    wire: str
    model: str = ""
    messages: list[tuple[str, str]] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    tool_schemas: dict[str, dict[str, Any]] = field(default_factory=dict)
    schema: dict[str, Any] | None = None
    mode: str = "text"
    stream: bool = False

    @property
    def text(self) -> str:
        """Every message's text, one message a line."""
        return "\n".join(text for _, text in self.messages)

    @property
    def forced_tool(self) -> str | None:
        """The tool the request forces, when one is offered alone or named by the tool choice."""
        if len(self.tools) == 1 or self.mode == "tools":
            return self.tools[0] if self.tools else None
        return None

    @classmethod
    def of(cls, request: RecordedRequest) -> Sent:
        """Read `request` with the reader of its wire."""
        body = request.json if isinstance(request.json, dict) else {}
        reader = _READERS.get(request.wire, _read_openai)
        sent = cls(wire=request.wire, model=str(body.get("model") or ""),
                   stream=bool(body.get("stream")) or "stream" in request.path.lower())
        reader(sent, body, request)
        if sent.schema is None and sent.mode in ("text", "json"):
            found = schema_in_text(sent.text)
            if found is not None:
                sent.schema, sent.mode = found, "json"
        return sent


def _text_of(content: Any) -> str:
    """The text of a message's content in any provider's shape (string, parts, blocks)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(t for t in (_text_of(part) for part in content) if t)
    if isinstance(content, dict):
        for key in ("text", "content", "parts"):
            if key in content:
                return _text_of(content[key])
        for key in ("tool_result", "toolResult", "functionResponse", "input", "json"):
            if key in content:
                return json.dumps(content[key], ensure_ascii=False)
    return ""


def _add_tools(sent: Sent, pairs: list[tuple[str, Any]], forced: bool) -> None:
    for name, schema in pairs:
        sent.tools.append(name)
        sent.tool_schemas[name] = schema if isinstance(schema, dict) else {}
    if not sent.tools:
        return
    if len(sent.tools) == 1 or forced:
        sent.mode = "tools"
    else:
        sent.mode = "parallel_tools"


def _choose(sent: Sent, forced_name: str | None) -> None:
    name = forced_name if forced_name in sent.tool_schemas else (sent.tools[0] if len(sent.tools) == 1 else None)
    if name is not None:
        sent.schema = sent.tool_schemas[name]


def _read_openai(sent: Sent, body: dict[str, Any], request: RecordedRequest) -> None:
    """OpenAI Chat Completions and the wires of its shape (Mistral, Writer, Groq, Cohere v2...)."""
    for message in body.get("messages") or []:
        if isinstance(message, dict):
            sent.messages.append((str(message.get("role", "")), _text_of(message.get("content"))))
    pairs = []
    for tool in body.get("tools") or []:
        function = tool.get("function", tool) if isinstance(tool, dict) else {}
        pairs.append((str(function.get("name", "")), function.get("parameters")))
    choice = body.get("tool_choice")
    forced_name = None
    if isinstance(choice, dict):
        forced_name = (choice.get("function") or {}).get("name") or choice.get("name")
    _add_tools(sent, pairs, forced=forced_name is not None or choice in ("required", "REQUIRED", "any"))
    _choose(sent, forced_name)
    response_format = body.get("response_format")
    if isinstance(response_format, dict) and not sent.tools:
        inner = response_format.get("json_schema")
        schema = (inner.get("schema") if isinstance(inner, dict) and "schema" in inner else inner) \
            or response_format.get("schema")
        if isinstance(schema, dict):
            sent.schema, sent.mode = schema, "json_schema"
        elif response_format.get("type") in ("json_object", "json_schema"):
            sent.mode = "json"


def _read_anthropic(sent: Sent, body: dict[str, Any], request: RecordedRequest) -> None:
    if body.get("system"):
        sent.messages.append(("system", _text_of(body["system"])))
    for message in body.get("messages") or []:
        sent.messages.append((str(message.get("role", "")), _text_of(message.get("content"))))
    choice = body.get("tool_choice") or {}
    forced_name = choice.get("name") if choice.get("type") == "tool" else None
    pairs = [(str(t.get("name", "")), t.get("input_schema")) for t in body.get("tools") or []]
    _add_tools(sent, pairs, forced=forced_name is not None)
    _choose(sent, forced_name)


def _read_bedrock(sent: Sent, body: dict[str, Any], request: RecordedRequest) -> None:
    sent.model = request.path.split("/model/", 1)[-1].split("/", 1)[0]
    if body.get("system"):
        sent.messages.append(("system", _text_of(body["system"])))
    for message in body.get("messages") or []:
        sent.messages.append((str(message.get("role", "")), _text_of(message.get("content"))))
    config = body.get("toolConfig") or {}
    pairs = [(str(t["toolSpec"].get("name", "")), (t["toolSpec"].get("inputSchema") or {}).get("json"))
             for t in config.get("tools") or [] if "toolSpec" in t]
    forced_name = ((config.get("toolChoice") or {}).get("tool") or {}).get("name")
    _add_tools(sent, pairs, forced=forced_name is not None)
    _choose(sent, forced_name)


def _get(node: Any, camel: str) -> Any:
    """`node[camel]`, or its snake_case spelling (google-genai sends either)."""
    if not isinstance(node, dict):
        return None
    if camel in node:
        return node[camel]
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in camel)
    return node.get(snake)


def _read_genai(sent: Sent, body: dict[str, Any], request: RecordedRequest) -> None:
    sent.model = request.path.split("?", 1)[0].rsplit("/models/", 1)[-1].split(":", 1)[0]
    system = _get(body, "systemInstruction")
    if system:
        sent.messages.append(("system", _text_of(system)))
    for content in body.get("contents") or []:
        sent.messages.append((str(content.get("role", "user")), _text_of(content.get("parts"))))
    pairs = []
    for tool in body.get("tools") or []:
        for declaration in _get(tool, "functionDeclarations") or []:
            schema = _get(declaration, "parametersJsonSchema") or declaration.get("parameters")
            pairs.append((str(declaration.get("name", "")), schema))
    config = _get(_get(body, "toolConfig"), "functionCallingConfig")
    allowed = _get(config, "allowedFunctionNames") or []
    forced_name = allowed[0] if len(allowed) == 1 else None
    _add_tools(sent, pairs, forced=forced_name is not None)
    _choose(sent, forced_name)
    generation = _get(body, "generationConfig") or {}
    schema = _get(generation, "responseJsonSchema") or _get(generation, "responseSchema")
    if not sent.tools and isinstance(schema, dict):
        sent.schema, sent.mode = schema, "json_schema"
    elif not sent.tools and _get(generation, "responseMimeType") == "application/json":
        sent.mode = "json"


def _read_responses(sent: Sent, body: dict[str, Any], request: RecordedRequest) -> None:
    """OpenAI's Responses API: `instructions`, `input` (text or items), flat tools, `text.format`."""
    if body.get("instructions"):
        sent.messages.append(("system", _text_of(body["instructions"])))
    items = body.get("input")
    for item in [{"role": "user", "content": items}] if isinstance(items, str) else items or []:
        if isinstance(item, dict) and "role" in item:
            sent.messages.append((str(item["role"]), _text_of(item.get("content"))))
        elif isinstance(item, dict) and item.get("type") == "function_call_output":
            sent.messages.append(("tool", _text_of(item.get("output"))))
    _read_openai(sent, {k: v for k, v in body.items() if k != "messages"}, request)
    text_format = (body.get("text") or {}).get("format") or {}
    if not sent.tools and isinstance(text_format.get("schema"), dict):
        sent.schema, sent.mode = text_format["schema"], "json_schema"


_READERS = {"anthropic": _read_anthropic, "bedrock": _read_bedrock, "genai": _read_genai,
            "openai-responses": _read_responses}


def schema_in_text(text: str) -> dict[str, Any] | None:
    """The first JSON schema (an object with "properties") written in `text`, if any."""
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            value, end = decoder.raw_decode(text, start)
        except ValueError:
            start = text.find("{", start + 1)
            continue
        if isinstance(value, dict) and ("properties" in value or "$defs" in value):
            return value
        start = text.find("{", end)
    return None
