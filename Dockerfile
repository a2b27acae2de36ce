# One image per service, from one Dockerfile:
#   docker build --build-arg SERVICE=app-user -t adboard/app-user:0.1.0 .
# SERVICE is one of app-user, app-auth, app-billing, app-bonus, app-adv, app-notify.

# --- manifests: the workspace's package.json files and the lockfile, for both installs below ---
FROM node:20-bookworm-slim AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/kit/package.json packages/kit/
COPY packages/gateway/package.json packages/gateway/
COPY packages/stack/package.json packages/stack/
COPY packages/charts/package.json packages/charts/
COPY app-user/package.json app-user/
COPY app-auth/package.json app-auth/
COPY app-billing/package.json app-billing/
COPY app-bonus/package.json app-bonus/
COPY app-adv/package.json app-adv/
COPY app-notify/package.json app-notify/
COPY web/package.json web/
COPY .npmrc ./

# --- build: install everything, compile every workspace (tsc -b) ---
FROM node:20-bookworm AS build
WORKDIR /app
# This layer (npm ci) is rebuilt only when a package.json or the lockfile changes.
COPY --from=manifests /app ./
RUN npm ci --no-audit --no-fund

COPY . .
RUN npx tsc -b

# Everything above is shared by the six images; from here on it is one service's.
# A service without migrations gets an empty folder, so the runtime stage's COPY never fails.
ARG SERVICE
RUN if [ -z "$SERVICE" ] || [ ! -f "$SERVICE/dist/src/main.js" ]; then \
      echo "--build-arg SERVICE=<app-user|app-auth|app-billing|app-bonus|app-adv|app-notify> is required" >&2; \
      exit 1; \
    fi \
    && mkdir -p "$SERVICE/migrations"

# --- deps: the production dependencies of this one service (and of the kit it uses), nothing else ---
FROM node:20-bookworm-slim AS deps
ARG SERVICE
WORKDIR /app
COPY --from=manifests /app ./
RUN npm ci --omit=dev --workspace="$SERVICE" --no-audit --no-fund

# --- runtime: those dependencies, the compiled code and the migrations of kit and the service ---
FROM node:20-bookworm-slim AS runtime
ARG SERVICE
ENV NODE_ENV=production \
    SERVICE=${SERVICE}
WORKDIR /app

COPY --from=build /app/package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/packages/kit/package.json packages/kit/
COPY --from=build /app/packages/kit/dist packages/kit/dist
# Read at run time from the package folders (packageDir + migrations/).
COPY --from=build /app/packages/kit/migrations packages/kit/migrations
COPY --from=build /app/packages/kit/migrations-ledger packages/kit/migrations-ledger
COPY --from=build /app/${SERVICE}/package.json ${SERVICE}/
COPY --from=build /app/${SERVICE}/dist ${SERVICE}/dist
COPY --from=build /app/${SERVICE}/migrations ${SERVICE}/migrations

# The image's unprivileged user (uid 1000; the charts run the pods as 1000 with runAsNonRoot).
USER node
EXPOSE 8080
# `exec` makes node PID 1, so it receives SIGTERM and stops gracefully. In Kubernetes the chart sets
# the command itself (node app-<service>/dist/src/main.js, and `... migrate` in the init container).
CMD ["/bin/sh", "-c", "exec node \"$SERVICE/dist/src/main.js\""]
