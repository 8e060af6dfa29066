#!/usr/bin/env bash
# Builds the folder an image runs, from a checkout with `pnpm install` done:
#   infra/docker/deploy.sh api|issuer <out-dir>
# The Prisma client is generated, then `pnpm deploy --prod` copies the app with its production dependencies only
# (the workspace packages included). The issuer's folder also gets prisma/migrations, for the one-shot setup.
# The Dockerfiles run exactly this, and so does tests/deploy, which then starts the folder as the image would.
set -euo pipefail
app=${1:?usage: deploy.sh api|issuer <out-dir>}
out=${2:?usage: deploy.sh api|issuer <out-dir>}
case $app in api | issuer) ;; *) echo "deploy.sh: unknown app '$app' (api or issuer)" >&2; exit 2 ;; esac
cd "$(dirname "$0")/../.."

pnpm --silent --filter @dibs/db build
rm -rf "$out"
# --legacy: pnpm 10 deploys injected workspace packages only; dibs links them for development.
pnpm --silent --filter "@dibs/$app" deploy --prod --legacy "$out"
if [[ $app == issuer ]]; then
  mkdir -p "$out/prisma"
  cp -R prisma/migrations "$out/prisma/"
fi
