# govflow as a container image: the scale-out path of docker-compose.yml (docs/operations.md, "Several processes").
# The CLI runs TypeScript through tsx (a runtime dependency), so the image is the source plus production modules.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY bin ./bin
COPY src ./src
COPY services ./services
COPY examples ./examples
COPY simulator ./simulator
COPY tsconfig.json ./
# Listen on every interface inside the container; the proxy in front is the only way in.
ENV GOVFLOW_HOST=0.0.0.0 GOVFLOW_PORT=3000 GOVFLOW_DATA_DIR=/var/lib/govflow
RUN mkdir -p /var/lib/govflow /var/lib/govflow-shared && chown node:node /var/lib/govflow /var/lib/govflow-shared
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s CMD ["node", "-e", "fetch('http://127.0.0.1:3000/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "bin/govflow.mjs", "serve"]
