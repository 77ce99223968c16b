#!/usr/bin/env bash
# The Go suite again, on PostgreSQL: a throwaway cluster (Debian's
# postgresql, initdb in a temporary directory, as the postgres user when run
# as root), listening on a unix socket only (no TCP port at all), with
# STORELENS_TEST_DATABASE_URL pointing the tests at it: each test that opens
# a store gets a fresh database there (internal/models/modelstest), dropped
# after. The cluster is stopped and removed on exit, whatever happens.
#
#   scripts/pgtest.sh                 # go test -race ./... on PostgreSQL
#   PGTEST_PACKAGES="./internal/models/" scripts/pgtest.sh
#   PGTEST_FLAGS="-run TestSchema -v" scripts/pgtest.sh
#   PGTEST_RACE= PGTEST_FLAGS="-run ^$ -bench Traffic" PGTEST_PACKAGES=./internal/traffic/ scripts/pgtest.sh
#                                     # benchmarks: without the race detector
#   PGTEST_PG_OPTS="-c shared_buffers=2GB" ...   # more server settings (the chain-size benchmark)
set -euo pipefail
cd "$(dirname "$0")/.."

bindir=""
if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
  bindir=$(pg_config --bindir)
else
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "pgtest: PostgreSQL's initdb not found: apt-get install postgresql" >&2
  exit 1
fi

# PostgreSQL refuses to run as root: run the server as postgres (or the
# user in PGTEST_USER) then; as anyone else, as that user.
as=()
if [ "$(id -u)" = 0 ]; then
  user=${PGTEST_USER:-postgres}
  id "$user" >/dev/null 2>&1 || { echo "pgtest: no user $user to run PostgreSQL as" >&2; exit 1; }
  as=(runuser -u "$user" --)
fi

dir=$(mktemp -d /tmp/storelens-pg.XXXXXX) # short: a socket path must stay under 107 bytes
chmod 0755 "$dir"
[ ${#as[@]} -gt 0 ] && chown "$user" "$dir"
cleanup() {
  "${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

echo "--- pgtest: initdb in $dir ($("$bindir/postgres" --version))"
"${as[@]}" "$bindir/initdb" -D "$dir/data" -U storelens_test --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; exit 1; }
# A throwaway cluster: durability off (fsync, full pages) buys speed; the
# tests' databases are each made and dropped, so connections come and go.
"${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-c listen_addresses='' -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 ${PGTEST_PG_OPTS:-}" \
  start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }

export STORELENS_TEST_DATABASE_URL="postgres://storelens_test@/postgres?host=$dir"
echo "--- pgtest: go test ${PGTEST_RACE--race} on PostgreSQL (${PGTEST_PACKAGES:-./...})"
start=$(date +%s)
rc=0
# shellcheck disable=SC2086 # PGTEST_FLAGS and PGTEST_PACKAGES are word lists
go test ${PGTEST_RACE--race} -count=1 -timeout "${PGTEST_TIMEOUT:-30m}" ${PGTEST_FLAGS:-} ${PGTEST_PACKAGES:-./...} || rc=$?
echo "--- pgtest: $(( $(date +%s) - start ))s, exit $rc"
if [ $rc != 0 ]; then
  echo "--- pgtest: server log (last 40 lines)"
  tail -40 "$dir/server.log" || true
fi
exit $rc
