# syntax=docker/dockerfile:1
# CPU worker image: `automl worker` for the `cpu` pool (HTTP health on :8080), on Debian with
# OpenBLAS for the native engine.
#
#   docker build -f infra/docker/worker-cpu.Dockerfile -t automl/worker-cpu:dev .
#
# Today only the plain TypeScript engine trains. packages/nn-native (the C++/OpenBLAS addon) is a
# separate issue: when that workspace exists, the build stage compiles it (NN_NATIVE_BUILD);
# until then the step prints that it was skipped and the image is the JS engine plus OpenBLAS.
# Ignore rules: worker-cpu.Dockerfile.dockerignore beside this file. See coordinator.Dockerfile
# for the reasoning behind the stages.

ARG NODE_IMAGE=node:20-bookworm-slim
# The full Debian image brings g++, make and python3 for node-gyp.
ARG NODE_BUILD_IMAGE=node:20-bookworm

FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN find . -type f ! -name package.json ! -name package-lock.json -delete \
 && find . -mindepth 1 -type d -empty -delete

FROM ${NODE_BUILD_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libopenblas-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=manifests /src/ ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
ENV PRISMA_SCHEMA_ENGINE_BINARY=/bin/true \
    npm_config_nodedir=/usr/local
RUN npm run generate --workspaces --if-present
# How the addon builds is up to its package: by default run its install script (node-gyp for a
# binding.gyp), then its `build` script if it has one; override with --build-arg NN_NATIVE_BUILD=...
# Guarded, so this file builds before the package exists.
ARG NN_NATIVE_BUILD="npm rebuild --foreground-scripts -w @automl/nn-native && npm run --if-present -w @automl/nn-native build"
RUN mkdir -p /native \
 && if [ -f packages/nn-native/package.json ]; then \
      sh -c "$NN_NATIVE_BUILD" && cp -a packages/nn-native /native/ && rm -rf /native/nn-native/node_modules; \
    else echo "packages/nn-native not present: the image trains with the TypeScript engine only"; fi

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY --from=manifests /src/ ./
RUN ws="--workspace=@automl/cli"; \
    if [ -f packages/nn-native/package.json ]; then ws="$ws --workspace=@automl/nn-native"; fi; \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund $ws

FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends libopenblas0 \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    AUTOML_HOME=/var/lib/automl \
    AUTOML_POOL=cpu \
    AUTOML_HEALTH_LISTEN=0.0.0.0:8080
RUN groupadd --system --gid 10001 automl \
 && useradd --system --uid 10001 --gid automl --home-dir /var/lib/automl --shell /usr/sbin/nologin automl \
 && mkdir -p /var/lib/automl/datasets && chown -R automl:automl /var/lib/automl
WORKDIR /app
COPY --from=prod-deps /app/ ./
COPY . .
COPY --from=build /app/proto/src/gen ./proto/src/gen
COPY --from=build /app/prisma/src/generated ./prisma/src/generated
# The compiled addon over its sources (an empty copy until packages/nn-native exists).
COPY --from=build /native/ ./packages/
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "const p=(process.env.AUTOML_HEALTH_LISTEN||':8080').split(':').pop();fetch('http://127.0.0.1:'+p+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# On SIGTERM the worker takes no new trials, lets running ones finish for AUTOML_SHUTDOWN_GRACE_MS
# and naks the rest: give it that long plus one epoch (docker stop -t / terminationGracePeriodSeconds).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "apps/cli/bin/automl.mjs"]
CMD ["worker"]
