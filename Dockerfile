# One image per service: `docker build --target api .` (or migrate, registry-worker,
# cascade-worker). tests/deploy/compose.test.ts checks this file against the repository.

# The lockfile and every workspace's package.json (root package.json: libs/*, services/*,
# clients/*, bench): `npm ci` refuses a lockfile whose workspaces are missing. Sources come later,
# so a code change does not reinstall.
FROM node:20-slim AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY libs/contracts/package.json libs/contracts/
COPY libs/platform/package.json libs/platform/
COPY libs/db/package.json libs/db/
COPY libs/queue/package.json libs/queue/
COPY libs/testing/package.json libs/testing/
COPY services/api/package.json services/api/
COPY services/registry-worker/package.json services/registry-worker/
COPY services/cascade-worker/package.json services/cascade-worker/
COPY services/admin/package.json services/admin/
COPY services/combined/package.json services/combined/
COPY clients/daemon/package.json clients/daemon/
COPY bench/package.json bench/

# Compiles every workspace (`tsc -b` follows the root tsconfig's references).
FROM manifests AS build
RUN npm ci --no-audit --no-fund
COPY tsconfig*.json ./
COPY libs libs
COPY services services
COPY clients clients
COPY bench bench
RUN npx tsc -b

# Production dependencies only: no compiler, test runner or linters in the image.
FROM manifests AS prod-deps
RUN npm ci --omit=dev --no-audit --no-fund

# node_modules and package.json files from prod-deps, then each deployed package's build
# output. Files stay root-owned (the app cannot rewrite its own code); it runs as `node`.
FROM node:20-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /app ./
COPY --from=build /app/libs/contracts/dist libs/contracts/dist
COPY --from=build /app/libs/platform/dist libs/platform/dist
COPY --from=build /app/libs/db/dist libs/db/dist
COPY --from=build /app/libs/queue/dist libs/queue/dist
COPY --from=build /app/services/api/dist services/api/dist
COPY --from=build /app/services/registry-worker/dist services/registry-worker/dist
COPY --from=build /app/services/cascade-worker/dist services/cascade-worker/dist
COPY --from=build /app/services/admin/dist services/admin/dist
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
