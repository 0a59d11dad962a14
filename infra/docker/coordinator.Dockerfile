# syntax=docker/dockerfile:1
# Coordinator image: `automl coordinator` (gRPC on :50051, HTTP health on :8080). The same image
# runs the migrations Job (`automl migrate`) and CLI clients (`automl study list`, ...).
#
#   docker build -f infra/docker/coordinator.Dockerfile -t automl/coordinator:dev .
#
# The build context is the repository root; its ignore rules are in
# coordinator.Dockerfile.dockerignore beside this file (BuildKit reads <Dockerfile>.dockerignore).
# There is no compile step for the services: the `automl` command runs the workspace's TypeScript
# through tsx, so the image carries sources plus the code that `npm run generate` writes
# (ts-proto output in proto/src/gen, the Prisma client in prisma/src/generated).

ARG NODE_IMAGE=node:20-bookworm-slim

# Package manifests only: the dependency layers below are rebuilt only when a manifest or the
# lockfile changes, not on every source edit. Copying everything and deleting the rest keeps this
# right when a workspace is added (no list of package.json paths to maintain).
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN find . -type f ! -name package.json ! -name package-lock.json -delete \
 && find . -mindepth 1 -type d -empty -delete

# Every dependency (dev included: protoc, ts-proto and prisma are needed to generate code).
# --ignore-scripts: nothing here needs an install script (esbuild and sharp come as prebuilt
# platform packages; the Prisma client runs on the pg driver adapter, so no engine download).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY --from=manifests /src/ ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# `prisma generate` needs no schema engine; pointing at any file keeps it from downloading one.
ENV PRISMA_SCHEMA_ENGINE_BINARY=/bin/true
RUN npm run generate --workspaces --if-present

# Production dependencies of the `automl` command only (no Next.js, no test tooling).
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY --from=manifests /src/ ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --workspace=@automl/cli

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    AUTOML_HOME=/var/lib/automl \
    AUTOML_GRPC_LISTEN=0.0.0.0:50051 \
    AUTOML_HEALTH_LISTEN=0.0.0.0:8080
# A fixed numeric uid, so Kubernetes' runAsNonRoot can verify it without a passwd lookup.
RUN groupadd --system --gid 10001 automl \
 && useradd --system --uid 10001 --gid automl --home-dir /var/lib/automl --shell /usr/sbin/nologin automl \
 && mkdir -p /var/lib/automl && chown automl:automl /var/lib/automl
WORKDIR /app
# Application files stay owned by root: the process can read them, not change them.
COPY --from=prod-deps /app/ ./
COPY . .
COPY --from=build /app/proto/src/gen ./proto/src/gen
COPY --from=build /app/prisma/src/generated ./prisma/src/generated
USER 10001:10001
EXPOSE 50051 8080
# For `docker run` and compose; Kubernetes ignores it and uses the Deployment's probes.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "const p=(process.env.AUTOML_HEALTH_LISTEN||':8080').split(':').pop();fetch('http://127.0.0.1:'+p+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "apps/cli/bin/automl.mjs"]
CMD ["coordinator"]
