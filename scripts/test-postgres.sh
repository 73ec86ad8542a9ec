#!/usr/bin/env bash
# Run the test suite against a throw-away PostgreSQL server on loopback (port 55432).
# Installs Debian's postgresql when missing (as root). The cluster lives in a temp folder and is
# stopped and removed at the end, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PLNET_PG_PORT:-55432}
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
DIR=$(mktemp -d /tmp/plnet-pg.XXXXXX)
chown postgres "$DIR"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() { as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$DIR"; }
trap cleanup EXIT
as_pg "$PGBIN/initdb" -D "$DIR/data" -U postgres --auth=trust >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c full_page_writes=off" start >/dev/null
as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres plnet
export PLNET_DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/plnet"
"${VENV:-.venv}/bin/python" -m plnet.cli migrate --verbosity 0
"${VENV:-.venv}/bin/pytest" -q -m "not browser" "$@"
