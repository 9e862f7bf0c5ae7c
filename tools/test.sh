#!/usr/bin/env bash
# The whole test suite: lint, then pytest on SQLite, then pytest on a throw-away PostgreSQL server
# started for the run. Extra arguments go to both pytest runs (e.g. tools/test.sh -k scoping).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin

echo "== lint (ruff)"
$PY/ruff check .
$PY/ruff format --check .

echo "== tests on SQLite (the browser tests run once, on PostgreSQL below)"
FENGQIAO_DATA="$(mktemp -d)" $PY/pytest -q -m "not browser" "$@"

echo "== tests on PostgreSQL"
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$BIN" ]; then echo "PostgreSQL server binaries not found (tools/install.sh --test installs them)" >&2; exit 1; fi
dir=$(mktemp -d)
port=$($PY/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as=()
if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; as=(runuser -u postgres --); fi
"${as[@]}" "$BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${as[@]}" "$BIN/pg_ctl" -D "$dir/data" -o "-p $port -k $dir -c fsync=off -c full_page_writes=off" -l "$dir/log" -w start >/dev/null
trap '"${as[@]}" "$BIN/pg_ctl" -D "$dir/data" -m fast stop >/dev/null; rm -rf "$dir"' EXIT
DATABASE_URL="postgres://postgres@127.0.0.1:$port/fengqiao" FENGQIAO_DATA="$(mktemp -d)" $PY/pytest -q "$@"
