#!/usr/bin/env bash
# Prints the keys compose.yaml reads, as shell exports: app-auth's key for user tokens, and a
# signing key of their own for the two services that call others (app-auth, app-adv) with its
# public half for the services they call.
#
#   eval "$(deploy/compose/keys.sh)"
set -euo pipefail
source "$(dirname "$0")/../lib/keys.sh"

auth_key=$(new_signing_key)
adv_key=$(new_signing_key)
printf "export AUTH_PRIVATE_KEY='%s'\n" "$(new_signing_key)"
printf "export APP_AUTH_SIGNING_KEY='%s'\n" "$auth_key"
printf "export APP_ADV_SIGNING_KEY='%s'\n" "$adv_key"
printf "export APP_AUTH_PUBLIC_KEY=%s\n" "$(public_key_of "$auth_key")"
printf "export APP_ADV_PUBLIC_KEY=%s\n" "$(public_key_of "$adv_key")"
