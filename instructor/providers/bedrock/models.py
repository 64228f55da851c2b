"""What instructor knows of Bedrock model families, from the model id alone (stdlib only).

A Bedrock model id names its vendor first (`anthropic.claude-...`, `amazon.nova-...`,
`meta.llama3-1-...`), optionally behind a cross-region inference profile prefix
(`us.`, `eu.`, `apac.`, `global.`...) or inside an ARN. The vendor and model decide
whether Converse tool use works, and whether it accepts a specific tool in `toolChoice`
and a `status` on tool results (only Anthropic Claude and Amazon Nova do).
"""

from __future__ import annotations

from instructor.mode import Mode

#: model-id prefixes (after any region prefix) of models without Converse tool use;
#: everything else, new families included, is asked through tools
JSON_ONLY_PREFIXES = (
    "amazon.titan",
    "anthropic.claude-v2",
    "anthropic.claude-instant",
    "meta.llama2",
    "meta.llama3-8b",
    "meta.llama3-70b",
    "mistral.mistral-7b",
    "mistral.mixtral",
    "cohere.command-text",
    "cohere.command-light",
    "ai21.j2",
    "ai21.jamba-instruct",
    "deepseek.r1",
)
_REGION_PREFIXES = ("us", "eu", "apac", "us-gov", "ca", "jp", "au", "global")


def base_model_id(model_id: str) -> str:
    """`model_id` without ARN or cross-region prefix: `us.anthropic.claude-x` -> `anthropic.claude-x`."""
    name = model_id.rsplit("/", 1)[-1].lower()
    head, dot, rest = name.partition(".")
    if dot and head in _REGION_PREFIXES and "." in rest:
        return rest
    return name


def select_mode(model_id: str) -> Mode:
    """The mode for `model_id` when the caller gives none (the config's `mode_selector`).

    Example:
        >>> select_mode("us.anthropic.claude-sonnet-4-5-20250929-v1:0")
        <Mode.TOOLS: 'tool_call'>
        >>> select_mode("amazon.titan-text-express-v1")
        <Mode.MD_JSON: 'markdown_json_mode'>
    """
    return Mode.MD_JSON if base_model_id(model_id).startswith(JSON_ONLY_PREFIXES) else Mode.TOOLS


def forces_tools(model_id: str | None) -> bool:
    """Whether the model takes `toolChoice: {"tool": ...}` (Claude and Nova; others get `auto`)."""
    if not model_id:
        return True
    base = base_model_id(model_id)
    return base.startswith(("anthropic.", "amazon.nova"))


__all__ = ["JSON_ONLY_PREFIXES", "base_model_id", "forces_tools", "select_mode"]
