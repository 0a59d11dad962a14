# syntax=docker/dockerfile:1
# GPU worker image: `automl worker` for the `gpu` pool on an NVIDIA CUDA runtime base (CUDA
# runtime libraries and cuBLAS), with Node.js copied in from the official Node image.
#
#   docker build -f infra/docker/worker-gpu.Dockerfile -t automl/worker-gpu:dev .
#
# The build stage runs @automl/nn-native's build in the CUDA devel image: the OpenBLAS addon and,
# with nvcc and cuBLAS there, the CUDA addon (nn_cuda.node: cudart linked statically, cuBLAS from
# the runtime image). AUTOML_BACKEND=auto then trains networks of ≥ 50M multiply-adds per step on
# the GPU, smaller ones on the CPU. Honest state: the CUDA backend has been checked against the
# TypeScript reference only under a CPU emulation of the CUDA runtime, and this image has not
# been built here (no Docker engine); see packages/nn-native/README.md.
# Ignore rules: worker-gpu.Dockerfile.dockerignore beside this file.

ARG NODE_IMAGE=node:20-bookworm-slim
# Keep the CUDA version at or below what the GPU nodes' driver supports (the driver is the node's,
# not the image's); 12.6 needs driver >= 560 (or >= 525 with forward compatibility).
ARG CUDA_VERSION=12.6.3
ARG CUDA_OS=ubuntu22.04

# Node.js binaries to copy into the CUDA images (Node's official builds need glibc >= 2.28;
# Ubuntu 22.04 has 2.35).
FROM ${NODE_IMAGE} AS node

FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN find . -type f ! -name package.json ! -name package-lock.json -delete \
 && find . -mindepth 1 -type d -empty -delete

FROM nvidia/cuda:${CUDA_VERSION}-devel-${CUDA_OS} AS build
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
# Node's headers, so node-gyp compiles against them instead of downloading them.
COPY --from=node /usr/local/include/node /usr/local/include/node
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && apt-get update \
 && apt-get install -y --no-install-recommends g++ make python3 libopenblas-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=manifests /src/ ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
ENV PRISMA_SCHEMA_ENGINE_BINARY=/bin/true \
    npm_config_nodedir=/usr/local \
    CUDA_HOME=/usr/local/cuda
RUN npm run generate --workspaces --if-present
ARG NN_NATIVE_BUILD="npm rebuild --foreground-scripts -w @automl/nn-native && npm run --if-present -w @automl/nn-native build"
RUN mkdir -p /native \
 && if [ -f packages/nn-native/package.json ]; then \
      sh -c "$NN_NATIVE_BUILD" && cp -a packages/nn-native /native/ && rm -rf /native/nn-native/node_modules; \
    else echo "packages/nn-native not present: no CUDA kernels to build; the image trains with the TypeScript engine"; fi

# Pure-JS production dependencies (prebuilt platform packages such as esbuild's are glibc x64,
# which the Ubuntu runtime satisfies).
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY --from=manifests /src/ ./
RUN ws="--workspace=@automl/cli"; \
    if [ -f packages/nn-native/package.json ]; then ws="$ws --workspace=@automl/nn-native"; fi; \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund $ws

FROM nvidia/cuda:${CUDA_VERSION}-runtime-${CUDA_OS} AS runtime
COPY --from=node /usr/local/bin/node /usr/local/bin/node
RUN apt-get update \
 && apt-get install -y --no-install-recommends libopenblas0 \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    AUTOML_HOME=/var/lib/automl \
    AUTOML_POOL=gpu \
    AUTOML_HEALTH_LISTEN=0.0.0.0:8080
RUN groupadd --system --gid 10001 automl \
 && useradd --system --uid 10001 --gid automl --home-dir /var/lib/automl --shell /usr/sbin/nologin automl \
 && mkdir -p /var/lib/automl/datasets && chown -R automl:automl /var/lib/automl
WORKDIR /app
COPY --from=prod-deps /app/ ./
COPY . .
COPY --from=build /app/proto/src/gen ./proto/src/gen
COPY --from=build /app/prisma/src/generated ./prisma/src/generated
COPY --from=build /native/ ./packages/
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "const p=(process.env.AUTOML_HEALTH_LISTEN||':8080').split(':').pop();fetch('http://127.0.0.1:'+p+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "apps/cli/bin/automl.mjs"]
CMD ["worker"]
