#!/usr/bin/env bash
# Takes a fresh Debian machine with Node 20 to a ready checkout: the system packages livehook
# uses, then the npm dependencies. Safe to run again; it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "setup: livehook needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

# Debian packages: build tools for the native SQLite driver and the quick-ACK addon
# (native/tcp-quick-ack, built by npm ci); ffmpeg for screenshots, recording
# and the ingest tests; nginx with the RTMP module for the nginx-rtmp adapter tests; chromium for
# the console tests (driven by playwright-core, which never downloads a browser of its own);
# PostgreSQL for the PostgreSQL suites (its initdb/pg_ctl also run the private clusters of the
# restart test and of `npm test` when no server answers); curl for the MediaMTX runOnReady lines
# the tests run as documented, procps (ps) for the capture test's child-process check, mount and
# util-linux (setpriv) for the storage-fault tests' tmpfs and unprivileged runs, and
# ca-certificates for npm. A minimal Debian has none of these.
packages=(ca-certificates python3 make g++ ffmpeg nginx libnginx-mod-rtmp chromium postgresql curl procps mount util-linux)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  # policy-rc.d 101: install the nginx package without starting a system nginx on port 80.
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
  $sudo chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  $sudo rm -f /usr/sbin/policy-rc.d
fi

npm ci --no-audit --no-fund
# The console (web/) is served from its build, so `npm start` needs it built.
npm run build:console
