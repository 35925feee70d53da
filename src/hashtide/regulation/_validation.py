"""Validation helpers for facility files and rule packs: the shared ones, raising
:class:`~hashtide.errors.InvalidInputError` (bad input, exit status 2 in the CLI)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from hashtide import _validation
from hashtide._validation import did_you_mean
from hashtide.errors import InvalidInputError

M = TypeVar("M", bound=BaseModel)

__all__ = ["did_you_mean", "read_yaml", "validate"]


def validate(root: type[M], data: Any, source: str, what: str) -> M:
    """``root.model_validate(data)``, or :class:`InvalidInputError` listing every problem."""
    return _validation.validate(root, data, source, what, InvalidInputError)


def read_yaml(path: str | Path, what: str) -> Any:
    """Safe-load a YAML file; unreadable files and syntax errors name the file and the line."""
    return _validation.read_yaml(path, what, InvalidInputError)
