"""hashtide: Bitcoin mining under energy and policy constraints, with numbers anyone can check.

The library is organised in layers (see ``docs/architecture.md``); import the layer you need::

    from hashtide import protocol, chain

Nothing happens on import: no logging set-up, no global random state, no data loaded.
"""

__version__ = "0.1.0.dev0"

__all__ = ["__version__"]
