# natix: one image runs any component (`natix component NAME`) or the CLI (docker-compose.yml).
# Multi-stage: built with the dev dependencies, run with the production ones only, as a
# non-root user, with tini as PID 1 so SIGTERM reaches node and a component stops cleanly.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY kernel-core kernel-core
COPY servers servers
COPY client-libc client-libc
COPY transport transport
COPY system system
COPY services services
COPY modules modules
COPY programs programs
COPY benchmarks benchmarks
RUN npx tsc -p tsconfig.json && npm prune --omit=dev

FROM ${NODE_IMAGE}
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/* \
 && groupadd -g 10001 natix && useradd -u 10001 -g natix -d /app -s /usr/sbin/nologin natix \
 && mkdir -p /app /data /keys /creds /nats /provision/keys /provision/nats \
 && for c in kernel vfs mem hello pm tty blk gateway admin; do mkdir -p /provision/$c; done \
 && chown -R natix:natix /data /keys /creds /nats /provision
WORKDIR /app
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/build build
COPY package.json ./
COPY bin bin
COPY examples examples
COPY programs/bin programs/bin
COPY services/gateway/public services/gateway/public
USER natix
ENV NATIX_LOG_STDOUT=1
ENTRYPOINT ["tini", "--", "node", "/app/bin/natix.js"]
CMD ["--help"]
