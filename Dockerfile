# deskmail gateway image. Build: docker build -t deskmail .   Run: see docker-compose.yml.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The "prepare" script builds from src/, which is not copied yet: build explicitly below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
COPY templates ./templates
COPY config ./config
RUN npm run build && npm prune --omit=dev

FROM node:20-slim
ENV NODE_ENV=production \
    DESKMAIL_DATA_DIR=/app/data
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/migrations ./migrations
COPY --from=build /app/templates ./templates
COPY --from=build /app/config ./config
# Local state (embedded database, attachments, local-mode folders) lives in a volume owned by
# the unprivileged "node" user that ships with the image.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
CMD ["node","dist/src/main.js","run"]
