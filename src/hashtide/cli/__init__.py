"""The ``hashtide`` command line: a thin shell over the public API, no model logic."""
