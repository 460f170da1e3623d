# ctxproc container image: a build stage compiles the TypeScript with the
# dev dependencies, and the runtime stage holds only the compiled code, the
# production dependencies and the files ctxproc reads at startup.
#
#   docker build -t ctxproc:0.1.0 .
#
# The Node.js major version must match the `node` dependency in
# package.json (test/deploy/dockerfile.test.ts checks it).
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the image already runs Node.js 24, so the `node`
# package need not download a second runtime into node_modules.
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
RUN node node_modules/typescript/bin/tsc -p tsconfig.json \
 && npm prune --omit=dev --ignore-scripts

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json ./
COPY proto ./proto
COPY schema ./schema
COPY rules ./rules
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
# The node user of the official images, by number, so that Kubernetes'
# runAsNonRoot can verify it without reading /etc/passwd.
USER 1000:1000
EXPOSE 50051 9191
# A 4 MB young generation instead of Node 24's 64 MB: scavenges pause for
# about 1 ms instead of 15 to 45 ms, and 10,000 open transactions need about
# 100 MB less memory (docs/benchmarks.md, "Where the time goes"). One V8
# helper thread instead of 4 keeps the collection that ends a live reload of
# thousands of rules from stalling serving past 10 ms on 2 cores
# (docs/reliability.md, "Resting between slices").
ENTRYPOINT ["node", "--max-semi-space-size=4", "--v8-pool-size=1", "dist/src/cli/index.js"]
CMD ["serve"]
