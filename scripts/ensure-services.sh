#!/usr/bin/env bash
# Make sure MariaDB and Redis answer (and PostgreSQL with --with-postgres, or DB_TYPE=postgres as
# the sample takes it); start local ones when they do not. Env overrides: DB_HOST, DB_PORT,
# REDIS_HOST, REDIS_PORT, PG_HOST, PG_PORT. Remote hosts are only checked.
set -euo pipefail

DB_HOST="${DB_HOST:-127.0.0.1}"
DB_PORT="${DB_PORT:-3306}"
REDIS_HOST="${REDIS_HOST:-127.0.0.1}"
REDIS_PORT="${REDIS_PORT:-6379}"
PG_HOST="${PG_HOST:-127.0.0.1}"
PG_PORT="${PG_PORT:-5432}"
MARIADBD=/usr/sbin/mariadbd

is_local() { [[ "$1" == localhost || "$1" == 127.* || "$1" == ::1 ]]; }

tcp_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

db_up() {
  if command -v mariadb-admin >/dev/null; then
    # exits 0 whenever the server answers (even "access denied")
    mariadb-admin --protocol=tcp -h "$DB_HOST" -P "$DB_PORT" -u root --connect-timeout=2 ping \
      >/dev/null 2>&1
  else
    tcp_open "$DB_HOST" "$DB_PORT"
  fi
}

redis_up() {
  if command -v redis-cli >/dev/null; then
    [[ "$(timeout 3 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]
  else
    tcp_open "$REDIS_HOST" "$REDIS_PORT"
  fi
}

pg_up() {
  if command -v pg_isready >/dev/null; then
    pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 2
  else
    tcp_open "$PG_HOST" "$PG_PORT"
  fi
}

DB_START="install -d -o mysql -g mysql /run/mysqld && start-stop-daemon --start --oknodo \
--background --exec $MARIADBD -- --port=$DB_PORT"
REDIS_START="mkdir -p /var/lib/redis /var/log/redis && redis-server --daemonize yes \
--bind 127.0.0.1 -::1 --port $REDIS_PORT --save '' --appendonly no --dir /var/lib/redis \
--logfile /var/log/redis/ci.log"

# start NAME BINARY PACKAGE COMMAND
start() {
  if [[ ! -x "$2" ]]; then
    echo "$1 not found ($2 missing): apt-get install $3" >&2
    return 1
  fi
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "Not root, cannot start $1. Run as root: $4" >&2
    return 1
  fi
  bash -c "$4"
}

db_start() { start MariaDB "$MARIADBD" mariadb-server "$DB_START"; }
pg_start() {
  local version
  version="$(ls /etc/postgresql 2>/dev/null | head -1)"
  start PostgreSQL "$(command -v pg_ctlcluster || echo pg_ctlcluster)" postgresql \
    "pg_ctlcluster --skip-systemctl-redirect $version main start"
}
redis_start() { start Redis "$(command -v redis-server || echo redis-server)" redis-server "$REDIS_START"; }

# ensure NAME HOST PORT PREFIX: PREFIX_up checks, PREFIX_start starts
ensure() {
  local name=$1 host=$2 port=$3 prefix=$4
  if "${prefix}_up"; then
    echo "$name is up at $host:$port"
    return 0
  fi
  if ! is_local "$host"; then
    echo "$name is DOWN at $host:$port (remote host: not starting it)" >&2
    return 1
  fi
  echo "$name is not answering at $host:$port, starting it..."
  "${prefix}_start" || { echo "$name is DOWN at $host:$port" >&2; return 1; }
  local deadline=$((SECONDS + 60))
  while ((SECONDS < deadline)); do
    if "${prefix}_up"; then
      echo "$name is up at $host:$port"
      return 0
    fi
    sleep 1
  done
  echo "$name is DOWN at $host:$port (no answer within 60 s)" >&2
  return 1
}

status=0
ensure MariaDB "$DB_HOST" "$DB_PORT" db || status=1
ensure Redis "$REDIS_HOST" "$REDIS_PORT" redis || status=1
if [[ "${1:-}" == --with-postgres || "${DB_TYPE:-}" == postgres ]]; then
  ensure PostgreSQL "$PG_HOST" "$PG_PORT" pg || status=1
fi
exit "$status"
