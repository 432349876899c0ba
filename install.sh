#!/usr/bin/env bash
# Install healthsim into ./.venv with a Python >= 3.12 found on this machine.
#   ./install.sh          the tool, with the workshop app (`healthsim app`), Dask and Parquet
#   ./install.sh --dev    that and what its tests need (pytest, hypothesis, ruff, playwright)
# Set HEALTHSIM_PYTHON to choose the interpreter yourself.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

extras="[app,dask,parquet]"
for arg in "$@"; do
  case "$arg" in
    # --dev includes the workshop app, Dask, Parquet and the browser tests (tests/browser).
    --dev) extras="[dev,app,dask,parquet,browser]" ;;
    --app) ;;  # the app is always installed; kept so older instructions still work
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }

find_python() {
  local c
  if [ -n "${HEALTHSIM_PYTHON:-}" ]; then echo "$HEALTHSIM_PYTHON"; return; fi
  for c in python3.13 python3.12 python3 python; do
    if command -v "$c" >/dev/null 2>&1 && ok "$(command -v "$c")"; then command -v "$c"; return; fi
  done
  # pyenv installs (these machines keep 3.12 and 3.13 there), newest first
  local root="${PYENV_ROOT:-$HOME/.pyenv}"
  if command -v pyenv >/dev/null 2>&1; then root="$(pyenv root)"; fi
  for c in $(ls -d "$root"/versions/3.1[2-9]*/bin/python 2>/dev/null | sort -rV); do
    if ok "$c"; then echo "$c"; return; fi
  done
  return 1
}

if [ -x .venv/bin/python ] && ok .venv/bin/python; then
  :
else
  py="$(find_python)" || {
    echo "install.sh: healthsim needs Python 3.12 or newer and none was found." >&2
    echo "  Install one (e.g. 'pyenv install 3.12') or set HEALTHSIM_PYTHON=/path/to/python3.12." >&2
    exit 1
  }
  echo "Creating .venv with $py ($("$py" --version 2>&1))"
  rm -rf .venv
  "$py" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras}"
echo "healthsim installed in .venv ($(.venv/bin/healthsim --version))"
# compile the model now, so the first command does not spend about 20 s on it
.venv/bin/healthsim warm || echo "install.sh: 'healthsim warm' failed; the first run will compile the model" >&2
