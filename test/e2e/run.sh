#!/usr/bin/env bash
# End-to-end test of the demo web client with real WebRTC in headless Chromium (npm run test:e2e).
#
# 1. installs Debian's chromium when /usr/bin/chromium is missing (needs root: apt-get);
# 2. builds the server (npm run build: each scenario runs the compiled dist/src/main.js, as
#    npm start does) and the app (npm run build:app);
# 3. runs each scenario in turn — twoLearners.e2e.ts (a matched pair), groupOfThree.e2e.ts (a
#    group of three in a mesh) — each starting parley on 127.0.0.1:3110, driving its learners in
#    separate browser contexts, and stopping everything at the end; fails if any scenario fails.
#
# When this shell may create a network namespace (root, `unshare -n`), step 3 runs inside a fresh
# one that has only a loopback interface: WebRTC then has nothing but 127.0.0.1 to use, nothing
# leaves the machine, and port 3110 cannot collide with anything outside. Otherwise it runs on the
# host, and the test keeps ICE on loopback by itself.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" != "0" ]; then
    echo "test:e2e: /usr/bin/chromium is missing; install it as root: apt-get update && apt-get install -y chromium" >&2
    exit 1
  fi
  echo "test:e2e: installing Debian's chromium…"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
fi

npm run --silent build
npm run --silent build:app

SCENARIOS="test/e2e/twoLearners.e2e.ts test/e2e/groupOfThree.e2e.ts"
# Every scenario runs, even after a failure; the exit status is 1 when any failed.
RUN_ALL='failed=0; for s in '"$SCENARIOS"'; do npx tsx "$s" || failed=1; done; exit $failed'

if command -v unshare >/dev/null && command -v ip >/dev/null && unshare -n true 2>/dev/null; then
  export PARLEY_E2E_NETNS=1
  exec unshare -n bash -c "ip link set lo up && $RUN_ALL"
fi
echo "test:e2e: cannot create a network namespace here; running on the host (ICE kept on loopback by the test)"
exec bash -c "$RUN_ALL"
