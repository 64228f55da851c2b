"""Citations that are checked against the source: quotes the text does not contain are fixed or dropped.

A model that subclasses `CitationMixin` gets a `substring_quotes` field. When the
call passes the source text as `context={"context": text}` (or
`validation_context=`), every quote is looked up in it: an exact quote stays; a
quote that differs only in case or whitespace is replaced by the text's own
words; a quote the text does not contain is dropped, so what remains can be
shown as evidence.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, model_validator

__lazy_modules__ = ["pydantic"]  # PEP 810: lazy on Pythons that support it

_TRIM = " \t\r\n\"'“”‘’.…"


def locate_quote(quote: str, context: str) -> str | None:
    """The text of `context` that `quote` cites, or None when it cites nothing there.

    Tried in order: the exact quote; the same words ignoring case and spacing; the
    same without surrounding quote marks and ellipses.

    Example:
        >>> locate_quote("jason  is 25", "Jason is 25 years old.")
        'Jason is 25'
    """
    if not quote.strip():
        return None
    if quote in context:
        return quote
    for candidate in (quote, quote.strip(_TRIM)):
        words = candidate.split()
        if not words:
            continue
        pattern = r"\s+".join(re.escape(word) for word in words)
        match = re.search(pattern, context, flags=re.IGNORECASE)
        if match:
            return match.group()
    return None


class CitationMixin(BaseModel):
    """Adds `substring_quotes`: verbatim quotes of the source that support the answer.

    Example:
        >>> class Fact(CitationMixin):
        ...     fact: str
        >>> fact = client.create(response_model=Fact, messages=[...], context={"context": source})
        >>> fact.substring_quotes   # only quotes found in `source`, in its own words
    """

    substring_quotes: list[str] = Field(
        default_factory=list,
        description="Every quote from the context that supports the answer, copied word for word.",
    )

    @model_validator(mode="after")
    def _check_quotes(self, info: ValidationInfo) -> Any:
        source = (info.context or {}).get("context")
        if not isinstance(source, str):
            return self  # nothing to check against
        found = (locate_quote(quote, source) for quote in self.substring_quotes)
        self.substring_quotes = [quote for quote in found if quote is not None]
        return self


__all__ = ["CitationMixin", "locate_quote"]
