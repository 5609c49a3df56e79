#!/usr/bin/env bash
# The "medium" suite (npm run test:integration): the contract and integration tests against the
# real backends on loopback.
#
# 1. scripts/services.sh up — installs what is missing and starts Redis, FerretDB, Kafka and
#    s3rver on 127.0.0.1 (idempotent: services already up are left as they are);
# 2. points parley at them (eval "$(scripts/services.sh env)");
# 3. runs mocha over test/integration/**/*.test.ts (config test/integration/.mocharc.json:
#    120 s per test). CI is passed through: with CI=true a suite whose backend variable is
#    missing fails instead of skipping itself.
# Extra arguments go to mocha, e.g. `npm run test:integration -- --grep "two processes"`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/services.sh up
eval "$(bash scripts/services.sh env)"
export CI="${CI:-}"
exec npx mocha --config test/integration/.mocharc.json "$@"
