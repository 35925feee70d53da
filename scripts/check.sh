#!/usr/bin/env bash
# The project's test command: lint, formatting, types, then the test suite (with doctests).
# Usage: ./scripts/check.sh [extra pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
if [ ! -x "$bin/pytest" ]; then
    echo "No .venv here: run ./scripts/setup.sh first." >&2
    exit 2
fi
echo "== ruff check";  "$bin/ruff" check .
echo "== ruff format"; "$bin/ruff" format --check .
echo "== mypy";        "$bin/mypy"
echo "== pytest";      "$bin/pytest" "$@"
