# Sourced by benches/postgres_*.sh: a private PostgreSQL server for one benchmark run, initdb in
# "$work/pg" (the caller's temporary directory, set before sourcing), a Unix socket only, as
# the postgres user under root (initdb refuses root); `pids` are killed, the server stopped and
# "$work" removed on exit. Defines `new_database NAME` (prints its URL), `median`, `now`.
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
chmod 755 "$work"
pgdir=$work/pg
mkdir -p "$pgdir"

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres: "$pgdir"
as_pg "$pgbin/initdb" -D "$pgdir/data" -U postgres -A trust >/dev/null
as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w \
  -o "-c listen_addresses='' -c unix_socket_directories='$pgdir' -p 5432 -c max_connections=200" \
  start >/dev/null

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }

new_database() { # NAME: creates it (empty) and prints its URL
  "$pgbin/psql" -q -v ON_ERROR_STOP=1 -h "$pgdir" -U postgres -d postgres \
    -c "CREATE DATABASE $1" >/dev/null
  echo "host=$pgdir port=5432 user=postgres dbname=$1"
}
