# One image for both roles: `node dist/bin/api.js` (the default: the API, with or without an
# in-process worker) and `node dist/bin/worker.js` (scheduler only). Migrations are applied by
# whichever starts first; both take PostgreSQL advisory locks, so concurrent starts are safe.

# Build: compile TypeScript to dist/ (needs the dev dependencies and the generated Prisma client).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts tsconfig.json tsconfig.build.json ./
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund
COPY src ./src
RUN npm run build

# Run-time dependencies only; no install script is needed at run time (the Prisma client is in dist/).
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-bookworm-slim
# tini as PID 1: forwards SIGTERM/SIGINT to node and reaps children (an embedded PostgreSQL, when
# the image is run without DATABASE_URL).
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Migrations and the Prisma schema, applied at start.
COPY package.json ./
COPY prisma ./prisma
# The image's unprivileged user (uid 1000); the application files stay root-owned and read-only to it.
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/bin/api.js"]
