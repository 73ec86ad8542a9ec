#!/usr/bin/env bash
# `make interop`: Pingback between plnet and a real WordPress 6.1 (Debian's package) on loopback.
#
#   1. installs (first time: several minutes) and starts the WordPress peer on 127.0.0.1:8080
#      with ../shared/tools/wordpress-peer/wordpress-peer.sh (needs root and Debian packages);
#   2. starts plnet on 127.0.0.1:$PORT (default 8000) with a fresh data dir in a temp folder and
#      PLNET_FETCH_ALLOWED_NETWORKS=127.0.0.0/8, gunicorn and the task worker (`plnet run`);
#   3. WordPress → plnet: WordPress publishes a post linking to a plnet post and pings it; the
#      pingback must be in plnet's moderation queue with WordPress's post title and URL;
#   4. plnet → WordPress: a plnet post cites a WordPress post; plnet's worker finds no Webmention
#      endpoint, falls back to Pingback, and WordPress must record the pingback.
# Never part of `make test`. Every request stays on 127.0.0.1. Exit status 0 when both pass.
# The peer is stopped again at the end when this script started it (KEEP_PEER=1 keeps it).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEER=${WP_PEER:-$ROOT/../shared/tools/wordpress-peer/wordpress-peer.sh}
PORT=${PORT:-8000}
PY=${PY:-}
if [ -z "$PY" ]; then
  if [ -x "$ROOT/.venv/bin/python" ]; then PY=$ROOT/.venv/bin/python; else PY=python3; fi
fi
WP=http://127.0.0.1:8080

say()  { printf '\n== %s\n' "$*"; }
fail() {
  printf 'INTEROP FAILED: %s\n' "$*" >&2
  if [ -n "${DATA:-}" ] && [ -s "$DATA/plnet.log" ]; then
    echo "-- last lines of plnet's log:" >&2; tail -40 "$DATA/plnet.log" >&2
  fi
  exit 1
}

[ "$(id -u)" = 0 ] || fail "the WordPress peer needs root (it installs Debian packages and runs Apache/MariaDB)"
[ -x "$PEER" ] || fail "WordPress peer script not found at $PEER"
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  fail "something already listens on 127.0.0.1:$PORT; run with PORT=<free port>"
fi

DATA=$(mktemp -d /tmp/plnet-interop.XXXXXX)
export PLNET_DATA_DIR=$DATA
export PLNET_SITE_URL=http://127.0.0.1:$PORT
export PLNET_FETCH_ALLOWED_NETWORKS=127.0.0.0/8
export PLNET_SECRET_KEY=interop-only-not-secret
PLNET_PID=
cleanup() {
  if [ -n "$PLNET_PID" ] && kill -0 "$PLNET_PID" 2>/dev/null; then
    kill -TERM -- "-$PLNET_PID" 2>/dev/null || true   # its own process group: gunicorn + worker
    wait "$PLNET_PID" 2>/dev/null || true
  fi
  rm -rf "$DATA"
  if [ "${PEER_STARTED_HERE:-0}" = 1 ]; then "$PEER" stop >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

say "WordPress peer: install (idempotent) and start"
"$PEER" install >"$DATA/wp-install.log" 2>&1 || { tail -20 "$DATA/wp-install.log"; fail "peer install"; }
PEER_STARTED_HERE=0
if ! "$PEER" status 2>/dev/null | grep -q '^apache: *running'; then PEER_STARTED_HERE=1; fi
"$PEER" start   # left running afterwards only when it was running before (KEEP_PEER=1 keeps it)
if [ "${KEEP_PEER:-0}" = 1 ]; then PEER_STARTED_HERE=0; fi
"$PEER" option set wp_peer_no_comment_flood 1   # both directions ping within 15 s
"$PEER" option set comment_previously_approved 1 >/dev/null

say "plnet: fresh data dir $DATA, serving on $PLNET_SITE_URL"
cd "$ROOT"
"$PY" -m plnet.cli setup >"$DATA/setup.log"
setsid "$PY" -m plnet.cli run --host 127.0.0.1 --port "$PORT" --workers 2 >"$DATA/plnet.log" 2>&1 &
PLNET_PID=$!
for _ in $(seq 1 60); do
  if curl -fs -o /dev/null "$PLNET_SITE_URL/webmention"; then break; fi
  sleep 0.5
done
curl -fsS -o /dev/null "$PLNET_SITE_URL/webmention" || { tail -20 "$DATA/plnet.log"; fail "plnet did not start"; }

say "1/2 WordPress pings a plnet post"
read -r TARGET_ID TARGET_URL < <("$PY" bench/interop_plnet.py make-post "A plnet post WordPress will cite")
echo "plnet post $TARGET_ID: $TARGET_URL"
curl -fsS -D - -o /dev/null "$TARGET_URL" | grep -iE '^(link|x-pingback):' || fail "no discovery headers on the post page"
"$PEER" ping-test "$TARGET_URL" | tee "$DATA/ping-test.log" || fail "WordPress did not record its ping to plnet"
SOURCE=$(sed -n 's/^source (post permalink): //p' "$DATA/ping-test.log")
WP_TITLE=$("$PEER" php-eval "echo get_the_title( url_to_postid( '$SOURCE' ) );")
echo "WordPress post: \"$WP_TITLE\" at $SOURCE"
echo "plnet moderation queue (pending pingbacks):"
"$PY" bench/interop_plnet.py pending-pingbacks | tee "$DATA/pending.json" || fail "no pending pingback in plnet"
grep -F "\"author_url\": \"$SOURCE\"" "$DATA/pending.json" >/dev/null || fail "the pingback does not carry WordPress's post URL"
grep -F "$WP_TITLE" "$DATA/pending.json" >/dev/null || fail "the pingback does not carry WordPress's post title"
echo "PASS: the pingback is held for moderation with WordPress's title and URL"

say "2/2 plnet pings a WordPress post (no Webmention endpoint there: Pingback fallback)"
WP_POST_ID=$("$PEER" php-eval "echo wp_insert_post( array( 'post_author' => 1, 'post_status' => 'publish', 'post_title' => 'WordPress post plnet will cite ' . gmdate( 'H:i:s' ), 'post_content' => '<p>A post on the WordPress peer.</p>' ) );")
WP_POST_URL=$("$PEER" php-eval "echo get_permalink( $WP_POST_ID );")
echo "WordPress post $WP_POST_ID: $WP_POST_URL"
read -r SOURCE_ID SOURCE_URL < <("$PY" bench/interop_plnet.py make-post "A plnet post citing WordPress" "$WP_POST_URL")
echo "plnet post $SOURCE_ID: $SOURCE_URL"
"$PY" bench/interop_plnet.py send "$SOURCE_ID"
echo "plnet's send log:"
"$PY" bench/interop_plnet.py wait-sent "$SOURCE_ID" 60 || fail "plnet's linkback to WordPress was not accepted"
echo "WordPress's pingbacks on post $WP_POST_ID:"
"$PEER" php-eval "foreach ( get_comments( array( 'post_id' => $WP_POST_ID, 'type' => 'pingback', 'status' => 'all' ) ) as \$c ) { echo \$c->comment_author_url, ' | ', \$c->comment_author, ' | approved=', \$c->comment_approved, ' | ', \$c->comment_content, PHP_EOL; }" | tee "$DATA/wp-pingbacks.txt"
grep -F "$SOURCE_URL" "$DATA/wp-pingbacks.txt" >/dev/null || fail "WordPress did not record plnet's pingback"
echo "PASS: WordPress recorded plnet's pingback"

say "interop passed"
