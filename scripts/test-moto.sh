#!/usr/bin/env bash
# The integration tests against moto's server, a second DynamoDB and S3 implementation besides the
# in-process dynalite and s3rver (README, "Development"). .ci/run calls it; run it from the repository root.
#   scripts/test-moto.sh [vitest arguments]     e.g. scripts/test-moto.sh test/integration/registry.test.ts
# Installs moto from PyPI into $PROMPTOPS_MOTO_VENV (default ~/.cache/promptops-moto) unless a Python
# here already imports it, starts it on a free 127.0.0.1 port through scripts/moto-server.py (one
# request at a time, so conditional writes are atomic as on DynamoDB), and writes the vitest JSON
# report to test-results/vitest-moto.json. Exit status 3 means moto could not be installed or started.
set -euo pipefail

MOTO_VENV="${PROMPTOPS_MOTO_VENV:-$HOME/.cache/promptops-moto}"
REPORT="test-results/vitest-moto.json"
rm -f "$REPORT"

# A Python that imports moto: the venv's, else the machine's; failing both, moto is installed.
moto_python=
for candidate in "$MOTO_VENV/bin/python" python3; do
  if "$candidate" -c 'import moto.server' >/dev/null 2>&1; then
    moto_python=$candidate
    break
  fi
done
if [[ -z "$moto_python" ]]; then
  echo "Installing moto[server] from PyPI into $MOTO_VENV"
  if python3 -m venv "$MOTO_VENV" &&
    "$MOTO_VENV/bin/python" -m pip install --quiet --disable-pip-version-check 'moto[server]'; then
    moto_python="$MOTO_VENV/bin/python"
  else
    # No venv module (some Debian images): a user install instead.
    rm -rf "$MOTO_VENV"
    if python3 -m pip install --quiet --disable-pip-version-check --user 'moto[server]'; then
      moto_python=python3
    else
      echo "moto: could not install moto[server] from PyPI; the moto pass cannot run"
      exit 3
    fi
  fi
fi

# The kernel picks a free port; moto binds it a moment later (a race no other process here runs).
port=$(node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')
log_file=$(mktemp -t promptops-moto.XXXXXX.log)
"$moto_python" scripts/moto-server.py -H 127.0.0.1 -p "$port" >"$log_file" 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true; rm -f "$log_file"' EXIT

endpoint="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  if curl -fsS -o /dev/null "$endpoint/moto-api/" 2>/dev/null; then break; fi
  if ! kill -0 "$moto_pid" 2>/dev/null; then
    echo "moto: moto_server exited at start:"
    cat "$log_file"
    exit 3
  fi
  sleep 0.2
done
if ! curl -fsS -o /dev/null "$endpoint/moto-api/" 2>/dev/null; then
  echo "moto: moto_server did not answer on $endpoint within 20 s"
  cat "$log_file"
  exit 3
fi
echo "moto_server on $endpoint"

# The same endpoint serves DynamoDB and S3; moto accepts any credentials (the s3rver pair stays).
export PROMPTOPS_DYNAMODB_ENDPOINT="$endpoint"
export PROMPTOPS_S3_ENDPOINT="$endpoint"
export PROMPTOPS_INTEGRATION_STORE=moto
status=0
PROMPTOPS_VITEST_REPORT="$REPORT" npx vitest run --project integration "$@" || status=$?
exit "$status"
