#!/usr/bin/env bash
# Set up hashtide for development on a fresh machine: a virtual environment in .venv with
# hashtide (editable) and everything its tests, lint and type checks need, at the exact versions
# of requirements/dev-constraints.txt (so the test command's verdict does not drift).
# Usage: ./scripts/setup.sh          (PYTHON=/path/to/python3.11 to choose the interpreter)
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if ! "$python" -c 'import sys; raise SystemExit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "hashtide needs Python 3.11 or newer; '$python' is $("$python" --version 2>&1)." >&2
    echo "Set PYTHON=/path/to/python3.11 and run again." >&2
    exit 2
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -c requirements/dev-constraints.txt -e '.[dev]'
echo "hashtide $(.venv/bin/hashtide --version | cut -d' ' -f2) is set up in .venv."
echo "Run the tests with ./scripts/check.sh; try .venv/bin/hashtide chain verify"
