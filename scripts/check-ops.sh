#!/usr/bin/env bash
# Checks the operator files: the Prometheus alert rules (ops/prometheus/alerts.yml) with
# `promtool check rules`, and their unit tests (ops/prometheus/alerts.test.yml) with
# `promtool test rules`. Installs promtool when it is missing: Debian's `prometheus` package
# (apt-get, as root or through sudo), else `go install` of promtool from the Go module proxy.
# (The Grafana dashboard's metric names are checked by the mocha suite, test/http/opsSurface.test.ts.)
#   npm run check:ops
set -euo pipefail
cd "$(dirname "$0")/.."

# promtool release built by the `go install` fallback (the Debian package is preferred).
PROMTOOL_GO_VERSION="${PROMTOOL_GO_VERSION:-v0.54.1}"

install_promtool() {
  echo "check-ops: promtool not found; installing it" >&2
  local sudo=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo="sudo -n"; fi
  if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; }; then
    if $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null; then
      # The package starts a Prometheus server on systemd machines; only promtool is wanted.
      $sudo systemctl disable --now prometheus >/dev/null 2>&1 || true
      command -v promtool >/dev/null 2>&1 && return 0
    fi
  fi
  if command -v go >/dev/null 2>&1; then
    GOFLAGS=-mod=mod go install "github.com/prometheus/prometheus/cmd/promtool@${PROMTOOL_GO_VERSION}"
    export PATH="$(go env GOPATH)/bin:$PATH"
    command -v promtool >/dev/null 2>&1 && return 0
  fi
  echo "check-ops: cannot install promtool (needs apt-get as root, or go)" >&2
  return 1
}

command -v promtool >/dev/null 2>&1 || install_promtool
promtool --version 2>&1 | head -1
promtool check rules ops/prometheus/alerts.yml
(cd ops/prometheus && promtool test rules alerts.test.yml)
