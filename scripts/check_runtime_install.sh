#!/usr/bin/env bash
# Runtime code must never need a test-only package: install the hub as an operator does
# (`pip install .`, no extras) into a fresh virtual environment, then run a short
# `tthc-hub demo` and start `tthc-hub mocks serve`, check that a mock answers on loopback
# and stop it. Run by .ci/run after `make test`; takes 1-3 minutes (mostly the install).
#
#   scripts/check_runtime_install.sh            # PYTHON=python3.12 to pick the interpreter
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/tthc-hub-install.XXXXXX")"
MOCKS_PID=""

cleanup() {
  if [[ -n "$MOCKS_PID" ]] && kill -0 "$MOCKS_PID" 2>/dev/null; then
    kill "$MOCKS_PID" 2>/dev/null || true
    wait "$MOCKS_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "check_runtime_install: $*" >&2
  exit 1
}

echo "== fresh venv, pip install . (no extras)"
"$PYTHON" -m venv "$WORK/venv"
VENV_PY="$WORK/venv/bin/python"
# Built from a copy of the tracked and new files: a stale build/ in the checkout could
# install a module that no longer exists, and the build leaves nothing behind.
mkdir "$WORK/src"
git -C "$ROOT" ls-files -z --cached --others --exclude-standard \
  | tar -C "$ROOT" --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -C "$WORK/src" -xf -
"$VENV_PY" -m pip install --quiet --disable-pip-version-check "$WORK/src" \
  || fail "pip install . failed"

# Run from an empty folder: only the installed package may be imported, never the checkout.
cd "$WORK"
for pkg in pytest hypothesis openapi_spec_validator; do
  if "$VENV_PY" -c "import $pkg" 2>/dev/null; then
    fail "$pkg is installed by 'pip install .': it belongs in the test extra only"
  fi
done

echo "== tthc-hub demo (short)"
timeout 300 "$WORK/venv/bin/tthc-hub" demo --dossiers 6 --ministry-filed 2 --invalid 1 \
  --fault-rate 0.1 > "$WORK/demo.log" 2>&1 \
  || { cat "$WORK/demo.log" >&2; fail "tthc-hub demo failed"; }
tail -n 5 "$WORK/demo.log"

echo "== tthc-hub mocks serve"
COLUMNS=200 "$WORK/venv/bin/tthc-hub" mocks serve --base-port 0 > "$WORK/mocks.log" 2>&1 &
MOCKS_PID=$!
URL=""
for _ in $(seq 1 60); do
  URL="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$WORK/mocks.log" | head -n 1 || true)"
  [[ -n "$URL" ]] && break
  kill -0 "$MOCKS_PID" 2>/dev/null || { cat "$WORK/mocks.log" >&2; fail "mocks serve exited"; }
  sleep 0.5
done
[[ -n "$URL" ]] || { cat "$WORK/mocks.log" >&2; fail "mocks serve printed no URL in 30 s"; }
"$VENV_PY" - "$URL" <<'EOF' || { cat "$WORK/mocks.log" >&2; fail "no mock answered at $URL"; }
import json, sys, urllib.request

with urllib.request.urlopen(sys.argv[1] + "/_mock/stats", timeout=10) as reply:
    stats = json.load(reply)
assert reply.status == 200 and "requests" in stats, stats
print(f"{sys.argv[1]}/_mock/stats answered: {sorted(stats)}")
EOF

echo "check_runtime_install: ok (pip install . alone runs the demo and the mocks)"
