# syntax=docker/dockerfile:1
# Dashboard image: `automl dashboard`, which serves the built Next.js app (`next start`) on
# AUTOML_DASHBOARD_HOST:AUTOML_DASHBOARD_PORT (0.0.0.0:3000 here).
#
#   docker build -f infra/docker/dashboard.Dockerfile -t automl/dashboard:dev .
#
# Not Next.js `output: "standalone"`: that is a next.config.ts setting of apps/dashboard, and the
# `automl dashboard` command starts `next start` from the workspace (it needs .next/BUILD_ID
# beside the app). So this image builds the app with `next build` and runs it from the workspace
# with production dependencies only. Switching to standalone later means setting
# `output: "standalone"` in apps/dashboard/next.config.ts and copying .next/standalone plus
# .next/static instead (outputFileTracingRoot already points at the workspace root).
# Ignore rules: dashboard.Dockerfile.dockerignore beside this file.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN find . -type f ! -name package.json ! -name package-lock.json -delete \
 && find . -mindepth 1 -type d -empty -delete

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY --from=manifests /src/ ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
ENV PRISMA_SCHEMA_ENGINE_BINARY=/bin/true \
    NEXT_TELEMETRY_DISABLED=1
RUN npm run generate --workspaces --if-present \
 && npm run build -w @automl/dashboard \
 && rm -rf apps/dashboard/.next/cache

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY --from=manifests /src/ ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --workspace=@automl/cli --workspace=@automl/dashboard

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    AUTOML_HOME=/var/lib/automl \
    AUTOML_DASHBOARD_HOST=0.0.0.0 \
    AUTOML_DASHBOARD_PORT=3000
RUN groupadd --system --gid 10001 automl \
 && useradd --system --uid 10001 --gid automl --home-dir /var/lib/automl --shell /usr/sbin/nologin automl \
 && mkdir -p /var/lib/automl && chown automl:automl /var/lib/automl
WORKDIR /app
COPY --from=prod-deps /app/ ./
COPY . .
COPY --from=build /app/proto/src/gen ./proto/src/gen
COPY --from=build /app/prisma/src/generated ./prisma/src/generated
COPY --from=build /app/apps/dashboard/.next ./apps/dashboard/.next
# Next.js may cache under .next/cache; the only place in /app the process can write.
RUN mkdir -p apps/dashboard/.next/cache && chown automl:automl apps/dashboard/.next/cache
USER 10001:10001
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.AUTOML_DASHBOARD_PORT||3000)+'/').then(r=>process.exit(r.status<500?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "apps/cli/bin/automl.mjs"]
CMD ["dashboard"]
