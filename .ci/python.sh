# Sourced by .ci/setup and .ci/lock: sets $py to the first Python >= 3.12 (Mesa 3.5 needs it).
# Tries $NEGSIM_PYTHON, python3.13, python3.12, python3, then any pyenv-installed 3.12+ (pyenv shims
# exist for versions that are not active, so each candidate is asked for its version rather than
# trusted by name).

suitable() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }

candidates=()
[ -n "${NEGSIM_PYTHON:-}" ] && candidates+=("$NEGSIM_PYTHON")
candidates+=(python3.13 python3.12 python3 python)
root="${PYENV_ROOT:-$HOME/.pyenv}"
for p in "$root"/versions/3.1[2-9]*/bin/python3 /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do
  [ -x "$p" ] && candidates+=("$p")
done

py=""
for c in "${candidates[@]}"; do
  if suitable "$c"; then py="$c"; break; fi
done
if [ -z "$py" ]; then
  echo "negsim needs Python 3.12 or newer; none found. Set NEGSIM_PYTHON=/path/to/python3.12." >&2
  exit 2
fi
