# The service in a container, run as the unprivileged `node` user. Build: docker build -t partnership-engine .
# Run: docker run -p 3000:3000 -v partnership-data:/data -e ADMIN_PASSWORD=… partnership-engine
FROM node:24-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles its native module when no prebuilt one fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production DATA_DIR=/data PORT=3000
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY workflows ./workflows
# The pages' templates and static files are read from src/web at run time.
COPY src/web/views ./src/web/views
COPY src/web/public ./src/web/public
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/api/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop) drains and exits 0 within SHUTDOWN_TIMEOUT_MS; give docker stop --time more than that.
CMD ["node", "dist/src/main.js"]
