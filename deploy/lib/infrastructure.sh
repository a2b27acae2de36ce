# What the services run on during a verification: this machine's PostgreSQL (a database per
# service, named with a prefix of the script's own, dropped at exit), its Redis (a database number
# of the script's own; only the keys the services wrote are deleted at exit, nothing is flushed) and
# a real 3-node Apache Kafka cluster started by the project's own module (npm run kafka), stopped at exit.
# Requires common.sh.

DATABASE_SERVER=${DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}
export PGOPTIONS="-c client_min_messages=warning"
DATABASES=(app_user app_billing app_bonus app_adv app_notify)

# create_databases PREFIX: fresh databases PREFIX<name> for the five services that have one.
create_databases() {
  local prefix=$1
  pg_isready -q -d "$DATABASE_SERVER/postgres" || fail "no PostgreSQL answers at $DATABASE_SERVER"
  defer "drop_databases $prefix"
  for name in "${DATABASES[@]}"; do
    psql -q -d "$DATABASE_SERVER/postgres" -c "DROP DATABASE IF EXISTS ${prefix}$name WITH (FORCE)" \
      -c "CREATE DATABASE ${prefix}$name" >/dev/null
  done
  log "databases ${prefix}{${DATABASES[*]}} created on $DATABASE_SERVER"
}

drop_databases() {
  local prefix=$1
  for name in "${DATABASES[@]}"; do
    psql -q -d "$DATABASE_SERVER/postgres" -c "DROP DATABASE IF EXISTS ${prefix}$name WITH (FORCE)" >/dev/null 2>&1
  done
  log "databases ${prefix}* dropped"
}

# init_roles_and_databases PREFIX SQL: runs deploy/create-secrets.sh's app-db-init script (roles
# and databases PREFIX<name>, each role owning its own) as bitnami postgresql would at its first start.
init_roles_and_databases() {
  local prefix=$1 sql=$2
  pg_isready -q -d "$DATABASE_SERVER/postgres" || fail "no PostgreSQL answers at $DATABASE_SERVER"
  drop_roles_and_databases "$prefix"
  defer "drop_roles_and_databases $prefix"
  psql -q -v ON_ERROR_STOP=1 -d "$DATABASE_SERVER/postgres" <<<"$sql" >/dev/null
  log "roles and databases ${prefix}{${DATABASES[*]}} created on $DATABASE_SERVER (app-db-init)"
}

drop_roles_and_databases() {
  local prefix=$1
  for name in "${DATABASES[@]}"; do
    psql -q -d "$DATABASE_SERVER/postgres" -c "DROP DATABASE IF EXISTS ${prefix}$name WITH (FORCE)" \
      -c "DROP ROLE IF EXISTS ${prefix}$name" >/dev/null 2>&1
  done
}

# use_redis URL: checks it answers; at exit, deletes the keys app-auth wrote there (prefix app-auth:).
use_redis() {
  local url=$1
  redis-cli -u "$url" ping >/dev/null 2>&1 || fail "no Redis answers at $url"
  defer "redis-cli -u '$url' --scan --pattern 'app-auth:*' | xargs -r redis-cli -u '$url' del >/dev/null"
}

# start_kafka: starts a 3-node Apache Kafka cluster on 127.0.0.1 with the project's CLI
# (packages/stack/src/kafka/main.ts: the broker from Maven Central, cached in $ADBOARD_CACHE) and
# sets KAFKA_BROKERS to it; at exit, SIGTERM makes the CLI stop every node and remove its data.
start_kafka() {
  command -v java >/dev/null && command -v mvn >/dev/null || apt_install openjdk-17-jre-headless maven
  local output
  output=$(mktemp)
  # From the repository (tsx resolves from there); setsid keeps Ctrl-C to this script away from it.
  ADBOARD_CACHE=$ADBOARD_CACHE setsid node --import tsx --conditions=source \
    "$REPO_DIR/packages/stack/src/kafka/main.ts" >"$output" 2>&1 8>&- &
  KAFKA_CLI_PID=$!
  defer "stop_pid $KAFKA_CLI_PID 'the Kafka cluster'; rm -f '$output'"
  wait_for 180 "the Kafka cluster serves" grep -q '^KAFKA_BROKERS=' "$output" || fail "$(tail -20 "$output")"
  KAFKA_BROKERS=$(sed -n 's/^KAFKA_BROKERS=//p' "$output")
  log "$(grep '^\[kafka\] Apache Kafka' "$output") at $KAFKA_BROKERS (CLI pid $KAFKA_CLI_PID)"
}

# require_free_ports PORT...: fails naming the variable to change when a port is taken.
require_free_ports() {
  local variable=$1
  shift
  for port in "$@"; do
    if ss -Hltn "sport = :$port" | grep -q .; then
      fail "port $port (127.0.0.1) is in use: choose others with $variable"
    fi
  done
}
