# One image for both roles: `npm start` (API, with or without an in-process worker) and
# `npm run worker` (scheduler only). Migrations are applied by whichever starts first; both take
# PostgreSQL advisory locks, so concurrent starts are safe.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json prisma.config.ts tsconfig.json ./
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund
COPY src ./src
COPY docs ./docs
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=5 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["npm", "start"]
