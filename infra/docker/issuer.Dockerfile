# syntax=docker/dockerfile:1
# The issuer, and the one-shot setup (migrations and topics) run as: node dist/setup.js
# Build from the repository root: docker build -f infra/docker/issuer.Dockerfile -t dibs-issuer .
FROM node:26-bookworm-slim AS build
RUN npm install -g pnpm@10.34.9
WORKDIR /repo
# Dependencies first, from the lockfile alone, so source changes reuse this layer.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
COPY patches ./patches
RUN pnpm fetch
COPY . .
RUN pnpm install --offline --frozen-lockfile
RUN bash infra/docker/deploy.sh issuer /out

FROM node:26-bookworm-slim
WORKDIR /app
COPY --from=build /out ./
USER node
ENV ISSUER_PORT=3001 MIGRATIONS_DIR=/app/prisma/migrations
EXPOSE 3001
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.ISSUER_PORT || 3001) + '/livez').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
