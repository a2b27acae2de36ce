#!/usr/bin/env bash
# Creates the Secrets that the adboard charts and the bitnami charts read, with freshly generated
# values: random passwords, a random SERVICE_SECRET shared by the six services, and an Ed25519
# signing key for app-auth. Nothing secret is ever written to the repository.
#
#   NAMESPACE=app deploy/create-secrets.sh           # creates what is missing, keeps what exists
#   NAMESPACE=app deploy/create-secrets.sh --rotate  # replaces all of them (see deploy/README.md)
#
# Where the services find PostgreSQL and Redis (defaults: the bitnami releases of the README) can be
# changed with DB_HOST, DB_USER, DB_NAME_PREFIX (prepended to the database names) and REDIS_HOST
# (host:port[/database number]); deploy/verify-k8s.sh points them at this machine's servers.
#
# Existing Secrets are kept, because PostgreSQL and Redis store their passwords on their volumes at
# the first start: a new password in the Secret would no longer match. The connection strings are
# rebuilt from the passwords already stored in app-db-auth and app-redis-auth.
set -euo pipefail

NAMESPACE=${NAMESPACE:-app}
ROTATE=false
[[ ${1:-} == --rotate ]] && ROTATE=true

DB_HOST=${DB_HOST:-app-db-postgresql:5432} # bitnami postgresql, release app-db
DB_USER=${DB_USER:-adboard}              # .helm/postgresql/values.yaml auth.username
DB_NAME_PREFIX=${DB_NAME_PREFIX:-}
REDIS_HOST=${REDIS_HOST:-app-redis-master:6379} # bitnami redis, release app-redis

random() { openssl rand -hex "${1:-24}"; }

exists() { kubectl get secret -n "$NAMESPACE" "$1" >/dev/null 2>&1; }

# The value of key $2 in Secret $1.
read_key() {
  kubectl get secret -n "$NAMESPACE" "$1" -o "jsonpath={.data.$2}" | base64 -d
}

# put_secret NAME KEY=VALUE...: creates (or, with --rotate, replaces) Secret NAME.
put_secret() {
  local name=$1
  shift
  if exists "$name" && [[ $ROTATE == false ]]; then
    echo "secret/$name exists: kept"
    return
  fi
  local args=()
  for pair in "$@"; do args+=("--from-literal=$pair"); done
  kubectl create secret generic "$name" -n "$NAMESPACE" "${args[@]}" --dry-run=client -o yaml |
    kubectl apply -f - >/dev/null
  echo "secret/$name written"
}

# Passwords: the existing ones unless rotating.
if exists app-db-auth && [[ $ROTATE == false ]]; then
  PG_ADMIN_PASSWORD=$(read_key app-db-auth postgres-password)
  PG_PASSWORD=$(read_key app-db-auth password)
else
  PG_ADMIN_PASSWORD=$(random)
  PG_PASSWORD=$(random)
fi
if exists app-redis-auth && [[ $ROTATE == false ]]; then
  REDIS_PASSWORD=$(read_key app-redis-auth redis-password)
else
  REDIS_PASSWORD=$(random)
fi
SERVICE_SECRET=$(random 32)
# Ed25519, PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"), as AUTH_PRIVATE_KEY expects.
AUTH_PRIVATE_KEY=$(openssl genpkey -algorithm ed25519)

kubectl get namespace "$NAMESPACE" >/dev/null 2>&1 || kubectl create namespace "$NAMESPACE"

# Infrastructure (bitnami charts: auth.existingSecret).
put_secret app-db-auth postgres-password="$PG_ADMIN_PASSWORD" password="$PG_PASSWORD"
put_secret app-redis-auth redis-password="$REDIS_PASSWORD"

# Shared by all six services: the key of the service credentials.
put_secret adboard-service-secret SERVICE_SECRET="$SERVICE_SECRET"

# Per service (values.yaml secretEnv).
# Redis: app-auth's sessions and login counters; app-user's, app-billing's and app-adv's rate-limit
# counters (each service under its own key prefix), so that replicas count together.
REDIS_URL="redis://:$REDIS_PASSWORD@$REDIS_HOST"
put_secret app-auth-secrets REDIS_URL="$REDIS_URL" AUTH_PRIVATE_KEY="$AUTH_PRIVATE_KEY"
put_secret app-user-secrets DATABASE_URL="postgres://$DB_USER:$PG_PASSWORD@$DB_HOST/${DB_NAME_PREFIX}app_user" REDIS_URL="$REDIS_URL"
put_secret app-billing-secrets DATABASE_URL="postgres://$DB_USER:$PG_PASSWORD@$DB_HOST/${DB_NAME_PREFIX}app_billing" REDIS_URL="$REDIS_URL"
put_secret app-bonus-secrets DATABASE_URL="postgres://$DB_USER:$PG_PASSWORD@$DB_HOST/${DB_NAME_PREFIX}app_bonus"
put_secret app-adv-secrets DATABASE_URL="postgres://$DB_USER:$PG_PASSWORD@$DB_HOST/${DB_NAME_PREFIX}app_adv" REDIS_URL="$REDIS_URL"
put_secret app-notify-secrets DATABASE_URL="postgres://$DB_USER:$PG_PASSWORD@$DB_HOST/${DB_NAME_PREFIX}app_notify"
