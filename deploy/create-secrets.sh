#!/usr/bin/env bash
# Creates the Secrets that the adboard charts and the bitnami charts read, with freshly generated
# values: a PostgreSQL role and password per service (rights on its own database only), the Redis
# password, app-auth's Ed25519 key for user tokens, and an Ed25519 key of its own for each service
# that calls another (app-auth, app-adv), whose public half goes to the services it calls. Nothing
# secret is ever written to the repository.
#
#   NAMESPACE=app deploy/create-secrets.sh           # creates what is missing, keeps what exists
#   NAMESPACE=app deploy/create-secrets.sh --rotate  # replaces all of them (README: Secrets)
#
# Where the services find PostgreSQL and Redis (defaults: the bitnami releases of the README) can be
# changed with DB_HOST, DB_NAME_PREFIX (prepended to the database and role names) and REDIS_HOST
# (host:port[/database number]); deploy/verify-k8s.sh points them at this machine's servers.
#
# Existing values are kept (unless --rotate), because PostgreSQL and Redis store their passwords on
# their volumes at the first start: a new password in the Secret would no longer match. The roles and
# databases are created by the Secret app-db-init, which bitnami postgresql runs once, at its first
# start on an empty volume (primary.initdb.scriptsSecret).
set -euo pipefail
source "$(dirname "$0")/lib/keys.sh"

NAMESPACE=${NAMESPACE:-app}
ROTATE=false
[[ ${1:-} == --rotate ]] && ROTATE=true

DB_HOST=${DB_HOST:-app-db-postgresql:5432} # bitnami postgresql, release app-db
DB_NAME_PREFIX=${DB_NAME_PREFIX:-}
REDIS_HOST=${REDIS_HOST:-app-redis-master:6379} # bitnami redis, release app-redis

# The services with a database, and who calls whose internal routes: the service catalogue
# (packages/contracts/src/services.ts); the chart tests check that these agree with it.
DATABASE_SERVICES=(app-user app-billing app-bonus app-adv app-notify)
declare -A CALLERS=([app-user]=app-auth [app-billing]=app-adv [app-bonus]=app-adv)
# The services that read REDIS_URL (their charts' secretEnv; the chart tests check it).
REDIS_SERVICES=(app-auth app-user app-billing app-adv)

random() { openssl rand -hex "${1:-24}"; }

exists() { kubectl get secret -n "$NAMESPACE" "$1" >/dev/null 2>&1; }

# kept NAME KEY: the value Secret NAME holds under KEY (nothing when absent, or when rotating).
kept() {
  [[ $ROTATE == false ]] && exists "$1" || return 0
  kubectl get secret -n "$NAMESPACE" "$1" -o "jsonpath={.data.$2}" | base64 -d
}

# kept_or NAME KEY COMMAND...: the kept value, or what COMMAND prints.
kept_or() {
  local value
  value=$(kept "$1" "$2")
  if [[ -n $value ]]; then printf '%s' "$value"; else "${@:3}"; fi
}

# put_secret NAME KEY=VALUE...: writes Secret NAME with these keys (a kept value is the same value).
put_secret() {
  local name=$1
  shift
  local args=()
  for pair in "$@"; do args+=("--from-literal=$pair"); done
  kubectl create secret generic "$name" -n "$NAMESPACE" "${args[@]}" --dry-run=client -o yaml |
    kubectl apply -f - >/dev/null
  echo "secret/$name written"
}

kubectl get namespace "$NAMESPACE" >/dev/null 2>&1 || kubectl create namespace "$NAMESPACE"

# Infrastructure (bitnami charts: auth.existingSecret).
PG_ADMIN_PASSWORD=$(kept_or app-db-auth postgres-password random)
REDIS_PASSWORD=$(kept_or app-redis-auth redis-password random)
put_secret app-db-auth postgres-password="$PG_ADMIN_PASSWORD"
put_secret app-redis-auth redis-password="$REDIS_PASSWORD"

# The signing keys of the services that call another, and app-auth's key for user tokens.
declare -A SIGNING_KEY
for caller in $(printf '%s\n' "${CALLERS[@]}" | sort -u); do
  SIGNING_KEY[$caller]=$(kept_or "$caller-secrets" SERVICE_SIGNING_KEY new_signing_key)
done
AUTH_PRIVATE_KEY=$(kept_or app-auth-secrets AUTH_PRIVATE_KEY new_signing_key)

# Per service (values.yaml secretEnv): its database as its own role, Redis where it keeps sessions
# or rate-limit counters (each service under its own key prefix, so replicas count together), its
# signing key if it calls another service, its callers' public keys if it is called.
REDIS_URL="redis://:$REDIS_PASSWORD@$REDIS_HOST"
init_sql=""
for service in app-auth "${DATABASE_SERVICES[@]}"; do
  pairs=()
  if [[ $service == app-auth ]]; then
    pairs+=(AUTH_PRIVATE_KEY="$AUTH_PRIVATE_KEY")
  else
    role=$DB_NAME_PREFIX${service//-/_} # the role and its database share the name
    url=$(kept "$service-secrets" DATABASE_URL)
    [[ $url =~ ^postgres://$role:([0-9a-f]+)@ ]] && password=${BASH_REMATCH[1]} || password=$(random)
    pairs+=(DATABASE_URL="postgres://$role:$password@$DB_HOST/$role")
    init_sql+="CREATE ROLE $role LOGIN PASSWORD '$password';
CREATE DATABASE $role OWNER $role;
REVOKE ALL ON DATABASE $role FROM PUBLIC;
"
  fi
  [[ " ${REDIS_SERVICES[*]} " == *" $service "* ]] && pairs+=(REDIS_URL="$REDIS_URL")
  [[ -n ${SIGNING_KEY[$service]:-} ]] && pairs+=(SERVICE_SIGNING_KEY="${SIGNING_KEY[$service]}")
  if [[ -n ${CALLERS[$service]:-} ]]; then
    caller=${CALLERS[$service]}
    pairs+=(SERVICE_CALLER_KEYS="$caller:$(public_key_of "${SIGNING_KEY[$caller]}")")
  fi
  put_secret "$service-secrets" "${pairs[@]}"
done

# Run once by bitnami postgresql, as the postgres superuser, on its first start (empty volume).
put_secret app-db-init 00-adboard-roles-and-databases.sql="$init_sql"
