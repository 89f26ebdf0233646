#!/usr/bin/env bash
# Installs Debian's chromium for the SDK's browser test (packages/sdk/test/network.test.ts, "bundled by Vite, in headless Chromium"), which
# drives it headless with playwright-core at /usr/bin/chromium. Idempotent: does nothing when
# /usr/bin/chromium is already there. Needs root (or sudo) and apt-get, i.e. a Debian/Ubuntu runner.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  echo "install-chromium: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM") already installed"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: ERROR: $CHROMIUM is missing and apt-get is not available;" >&2
  echo "install-chromium: install Debian's 'chromium' package (or link a Chromium to $CHROMIUM)." >&2
  exit 1
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "install-chromium: ERROR: not root and no sudo: cannot apt-get install chromium" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update
"${SUDO[@]}" apt-get install -y --no-install-recommends chromium

if [ ! -x "$CHROMIUM" ]; then
  echo "install-chromium: ERROR: apt-get installed 'chromium' but $CHROMIUM does not exist" >&2
  exit 1
fi
echo "install-chromium: installed $("$CHROMIUM" --version)"
