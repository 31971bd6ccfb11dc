#!/usr/bin/env bash
# System packages some tests need, from Debian's archive (the project's own setup installs them;
# nothing is installed by hand): headless Chromium and its driver (API docs and the public
# portal in a real browser), a CJK font (so Chinese pages render, e.g. the portal's screenshot),
# nginx (the gateway in front of the services), promtool (the alert rules), the PostgreSQL client
# (pg_dump, pg_restore, createdb: the backup and restore test), wrk (the load generator of
# bench/bench_reads.py). Idempotent; a no-op when everything is present. Needs root (or sudo) to install.
set -euo pipefail
declare -A need=(
  [/usr/bin/chromium]=chromium
  [/usr/bin/chromedriver]=chromium-driver
  [/usr/share/fonts/truetype/wqy/wqy-microhei.ttc]=fonts-wqy-microhei
  [/usr/sbin/nginx]=nginx-light
  [/usr/bin/promtool]=prometheus
  [/usr/bin/pg_dump]=postgresql-client
  [/usr/bin/wrk]=wrk
)
missing=()
for path in "${!need[@]}"; do
  [ -e "$path" ] || missing+=("${need[$path]}")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "system-packages: need root to install: ${missing[*]} (the tests that need them skip, saying why)" >&2
    # Under CI the tests that need them must run: fail here rather than later.
    [ "${CI:-}" = "true" ] && exit 1
    exit 0
  fi
fi
echo "system-packages: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The Debian nginx package starts a server on port 80 at install; the tests run their own.
if [[ " ${missing[*]} " == *" nginx-light "* ]]; then
  $SUDO service nginx stop >/dev/null 2>&1 || $SUDO nginx -s stop >/dev/null 2>&1 || true
fi
