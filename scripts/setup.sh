#!/usr/bin/env bash
# Install everything the tests need on a fresh Debian machine, then build the components.
# Idempotent: skips system packages that are already installed.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
missing=()
for pkg in chromium chromium-driver redis-server nginx wrk apache2 libapache2-mod-xsendfile unzip; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  # The tests start their own servers on 127.0.0.1: keep the packages' services (nginx,
  # apache2, redis-server on all interfaces) from starting on install.
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null && $SUDO chmod +x "$policy"
  fi
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
  [ -z "$policy" ] || $SUDO rm -f "$policy"
fi

python3 -m pip install -q --disable-pip-version-check -e '.[test]'

if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
  npm run build --silent
  if [ "${CI:-}" = "true" ]; then
    # The committed bundle and generated components must match a rebuild of src/.
    if ! git diff --exit-code --stat -- dash_file_cache \
       || [ -n "$(git status --porcelain --untracked-files=all -- dash_file_cache)" ]; then
      echo "The committed bundle or generated components are stale: run 'npm run build' and commit." >&2
      git status --porcelain -- dash_file_cache >&2
      exit 1
    fi
  fi
fi
