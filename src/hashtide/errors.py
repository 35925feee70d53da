"""The hashtide exception tree.

Everything hashtide raises on purpose derives from :class:`HashtideError`, so a caller can catch
the library's errors without catching its bugs. Errors about bad input also derive from
:class:`ValueError`, as Python code expects.
"""

from __future__ import annotations


class HashtideError(Exception):
    """Root of every error hashtide raises on purpose."""


class InvalidInputError(HashtideError, ValueError):
    """A parameter passed to a hashtide function is out of its domain."""


class ScenarioError(HashtideError, ValueError):
    """A scenario file or object is invalid; the message lists every problem found."""


class DataError(HashtideError):
    """A data table (shipped or user-supplied) is missing, malformed or inconsistent."""


class HeadersError(DataError, ValueError):
    """A block-headers file is truncated, mislinked or fails a consensus check.

    Attributes
    ----------
    height : int or None
        Height of the first offending header, when one can be named.
    """

    def __init__(self, message: str, *, height: int | None = None) -> None:
        super().__init__(message)
        self.height = height


class ResourceLimitError(InvalidInputError):
    """A run would need more memory (or time) than allowed; the message gives the estimate."""
