# syntax=docker/dockerfile:1
# parley's production image; docker-compose.yml builds it (`docker compose up -d --build`).
#
#   docker build -t parley .
#   docker run --rm -p 127.0.0.1:3003:3003 -e JWT_SECRET=… -e REDIS_URL=… -e MONGODB_URI=… \
#     -e KAFKA_BROKERS=… -e S3_BUCKET=… parley          # or -e PARLEY_EMBEDDED=1 for a trial run
#
# Two stages:
# - build (node:22): `npm ci` with the dev dependencies (TypeScript, esbuild), then
#   `npm run build` (tsc → dist/) and `npm run build:app` (esbuild → app/dist/);
# - runtime (node:22 slim): the production dependencies only (`npm ci --omit=dev`), the compiled
#   server and the built web client, run by plain `node` (no tsx, no TypeScript) as the image's
#   unprivileged `node` user. The server finds the web client at app/dist under its working
#   directory (/app) and writes under DATA_DIR (/data; mount a volume there).
#
# NODE_ENV=production: development tokens and the demo app are refused, and every backend is
# required unless PARLEY_EMBEDDED=1 (README "Running in production"). The HEALTHCHECK asks
# GET /healthz (liveness); docker-compose.yml overrides it with /readyz for its depends_on.
ARG NODE_VERSION=22

FROM node:${NODE_VERSION}-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY rooms ./rooms
COPY app ./app
RUN npm run build && npm run build:app

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/app/dist ./app/dist
RUN mkdir -p /data && chown node:node /data
USER node
# 3003: REST, WebSockets, /healthz, /readyz; 9464: GET /metrics when METRICS_PORT=9464.
EXPOSE 3003 9464
HEALTHCHECK --interval=10s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3003) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
