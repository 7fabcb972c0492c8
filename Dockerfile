# syntax=docker/dockerfile:1
# One image for the deployer's long-running processes; docker-compose.yml runs it twice:
#   node dist/worker/main.js   the worker (deployment workflows and their Pulumi activities)
#   node dist/slack/main.js    the Slack app
# The CLI is in it too: docker compose exec deployer-worker bin/run.js state locks

# Compiles the TypeScript, then drops the dev dependencies so the runtime copies only what runs.
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Install scripts are not needed (docs/decisions.md, toolchain), and npm 11 would hold them back anyway.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npm run build && npm prune --omit=dev --ignore-scripts

# The Pulumi CLI the Automation API drives, at the version pinned with the SDK in scripts/toolchain.json.
FROM node:20-bookworm AS pulumi
WORKDIR /pulumi
COPY scripts/toolchain.json ./
RUN version="$(node -p 'require("./toolchain.json").pulumi.version')" \
    && arch="$(dpkg --print-architecture | sed 's/amd64/x64/')" \
    && curl -fsSL "https://get.pulumi.com/releases/sdk/pulumi-${version}-linux-${arch}.tar.gz" \
       | tar -xz --strip-components=1 pulumi/pulumi \
    && ./pulumi version

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    DEPLOYER_HOME=/var/lib/deployer
WORKDIR /app
COPY --from=build /app/package.json /app/oclif.manifest.json ./
COPY --from=build /app/bin ./bin
COPY --from=build /app/scripts/exit-with-parent.js ./scripts/
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Where the worker looks for its tools (src/toolchain.ts). The dynamic-provider plugin is the script
# `npm run setup` writes: the SDK's own resolves the SDK from the engine's temp working directory.
COPY --from=pulumi /pulumi/pulumi .tools/bin/pulumi
RUN printf '#!/bin/sh\nexec /usr/local/bin/node --require /app/scripts/exit-with-parent.js /app/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js "$@"\n' \
        > .tools/bin/pulumi-resource-pulumi-nodejs \
    && chmod 755 .tools/bin/pulumi-resource-pulumi-nodejs \
    && mkdir -p "$DEPLOYER_HOME" \
    && chown node:node "$DEPLOYER_HOME"
# DEPLOYER_HOME holds what one worker keeps for itself (plugin cache, engine workspaces, the reviewed
# repo's checkout); with DEPLOYER_STATE_URL unset it holds the state too, then mount a volume there.
USER node
CMD ["node", "dist/worker/main.js"]
