"""pint, imported without its dask integration.

pint imports ``dask.base`` at import time whenever ``importlib.util.find_spec("dask")`` finds
it (``pint/compat.py``), which costs about half a second and loads jinja2 — on every command
that reads a quantity, such as ``hashtide validate``. hashtide installs dask for its sweeps but
never gives pint a dask array, so while pint is imported, ``find_spec`` says there is no dask;
dask itself imports normally afterwards.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType
from typing import Any


def _import_pint() -> ModuleType:
    if "pint" in sys.modules or "dask" in sys.modules:
        import pint

        return pint
    real = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> Any:
        if name == "dask" or name.startswith("dask."):
            return None
        return real(name, package)

    importlib.util.find_spec = find_spec
    try:
        import pint
    finally:
        importlib.util.find_spec = real
    return pint


pint = _import_pint()
