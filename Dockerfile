# syntax=docker/dockerfile:1
#
# One Dockerfile, one image per app: build with a target,
#
#   docker build --target producer        -t orderbus/producer .
#   docker build --target admin           -t orderbus/admin .
#   docker build --target worker          -t orderbus/worker .
#   docker build --target demo-subscriber -t orderbus/demo-subscriber .
#
# (docker-compose.yml does this for you). Every image runs
# apps/<app>/dist/main.js — the same build output `npm run build` produces and
# `npm run up` starts — with only that app's production dependencies.

ARG NODE_IMAGE=node:20-slim

# ---- build: install from the lockfile, build, cut one runtime tree per app ----
FROM ${NODE_IMAGE} AS build
# The pnpm of package.json's "packageManager" (corepack is not relied on).
ARG PNPM_VERSION=10.34.8
RUN npm install -g pnpm@${PNPM_VERSION}
ENV TURBO_TELEMETRY_DISABLED=1 CI=true
WORKDIR /repo
# Packages come from the lockfile alone, so this layer is reused until the lockfile changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN pnpm fetch
COPY . .
RUN pnpm install --offline --frozen-lockfile
RUN pnpm exec turbo run build \
      --filter=@orderbus/producer... --filter=@orderbus/admin... \
      --filter=@orderbus/worker... --filter=@orderbus/demo-subscriber...
# pnpm deploy copies an app's package (its dist) with its production
# node_modules, workspace packages included as built: no sources, no dev tools.
RUN for app in producer admin worker demo-subscriber; do \
      pnpm --filter "@orderbus/$app" deploy --prod --legacy --offline "/prod/$app/apps/$app" || exit 1; \
    done

# ---- runtime: node, the app's tree, an unprivileged user ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Files stay root-owned (read-only to the app); the process runs as the image's
# "node" user (uid 1000).
USER node
# The apps drain on SIGTERM (workers finish in-flight deliveries first).
STOPSIGNAL SIGTERM

FROM runtime AS producer
COPY --from=build /prod/producer /app
ENV ORDERBUS_PRODUCER_PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.ORDERBUS_PRODUCER_PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Node flags from apps/producer/package.json ("orderbus.nodeFlags"; e2e/infra.test.ts keeps them equal).
CMD ["node", "--max-semi-space-size=64", "apps/producer/dist/main.js"]

FROM runtime AS admin
COPY --from=build /prod/admin /app
ENV ORDERBUS_ADMIN_PORT=8081
EXPOSE 8081
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.ORDERBUS_ADMIN_PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "apps/admin/dist/main.js"]

FROM runtime AS worker
COPY --from=build /prod/worker /app
# /healthz, /readyz and /metrics only; the worker takes no other traffic.
ENV ORDERBUS_WORKER_PORT=8082
EXPOSE 8082
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.ORDERBUS_WORKER_PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Node flags from apps/worker/package.json ("orderbus.nodeFlags"; e2e/infra.test.ts keeps them equal).
CMD ["node", "--max-semi-space-size=64", "apps/worker/dist/main.js"]

FROM runtime AS demo-subscriber
COPY --from=build /prod/demo-subscriber /app
ENV DEMO_SUBSCRIBER_PORT=8090 DEMO_SUBSCRIBER_HOST=0.0.0.0
EXPOSE 8090
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.DEMO_SUBSCRIBER_PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "apps/demo-subscriber/dist/main.js"]
