"""`instructor.utils`: the published release's helper module; of it, `disable_pydantic_error_url`."""

from __future__ import annotations

__all__ = ["disable_pydantic_error_url"]

_URL = "https://errors.pydantic.dev"


def disable_pydantic_error_url() -> None:
    """Leave pydantic's documentation links out of `str()` of its `ValidationError`, process-wide.

    Each error of `str(error)` ends with a "For further information visit
    https://errors.pydantic.dev/..." line; after this call those lines are gone, in
    re-ask prompts (fewer tokens, nothing for the model to follow) and in logs alike.
    `repr(error)` and `error.errors()` keep the URL. Calling it again changes nothing.
    Nothing calls it for you: it changes a pydantic class for the whole process.

    Example:
        >>> from instructor.utils import disable_pydantic_error_url
        >>> disable_pydantic_error_url()
    """
    from pydantic import ValidationError

    original = ValidationError.__str__
    if getattr(original, "_instructor_without_url", False):
        return

    def __str__(self: ValidationError) -> str:
        return "\n".join(line for line in original(self).splitlines() if _URL not in line)

    __str__._instructor_without_url = True  # type: ignore[attr-defined]
    ValidationError.__str__ = __str__  # type: ignore[method-assign, assignment]
