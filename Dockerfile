# One image per service: `docker build --target api .` (or registry-worker, cascade-worker).
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig*.json ./
COPY libs libs
COPY services services
RUN npm ci --no-audit --no-fund && npx tsc -b && npm prune --omit=dev

FROM node:20-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules node_modules
COPY --from=build --chown=node:node /app/libs libs
COPY --from=build --chown=node:node /app/services services
USER node

FROM runtime AS migrate
CMD ["node", "libs/db/dist/cli.js", "migrate"]

FROM runtime AS registry-worker
CMD ["node", "services/registry-worker/dist/main.js"]

FROM runtime AS cascade-worker
CMD ["node", "services/cascade-worker/dist/main.js"]

FROM runtime AS api
ENV API_HOST=0.0.0.0
EXPOSE 8080
CMD ["node", "services/api/dist/main.js"]
