#!/usr/bin/env bash
# Package the Lambda deployment the way CI checks it: `serverless package` (osls) offline, with
# no AWS account. Builds dist/lambda/*.zip (scripts/build-lambda.ts, via the serverless.yml
# plugin) and writes the CloudFormation template to .serverless/ (or the directory given).
#   scripts/serverless-package.sh [stage=ci] [output dir=.serverless]
set -euo pipefail
cd "$(dirname "$0")/.."
stage="${1:-ci}"
out="${2:-.serverless}"

# Packaging needs no credentials: make sure none are read from this machine, so the result is
# the same on a laptop and in CI, and nothing can reach an account by accident.
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
export AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_CONFIG_FILE=/dev/null
export AWS_REGION="${AWS_REGION:-eu-west-1}"
# serverless.yml requires the webhook token; an offline package is never deployed, so a
# placeholder stands in when none is set.
export CLUSTERBURST_TOKEN="${CLUSTERBURST_TOKEN:-offline-package-placeholder}"

npx --no-install serverless package --stage "$stage" --package "$out"
echo "packaged stage $stage: $out/cloudformation-template-update-stack.json, dist/lambda/*.zip"
