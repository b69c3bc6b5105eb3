#!/usr/bin/env bash
# Installs the system services the tests drive for real: redis-server (the Redis backend's tests
# start a private one), nginx (the reverse-proxy test), chromium (the browser test) and openssl
# (a throwaway certificate for the HTTP/2-over-TLS test).
# Debian packages; installs only what is missing, and only when it can (root or sudo).
set -euo pipefail

declare -A package_of=(
  [/usr/bin/redis-server]=redis-server
  [/usr/sbin/nginx]=nginx
  [/usr/bin/chromium]=chromium
  [/usr/bin/openssl]=openssl
)

missing=()
for binary in "${!package_of[@]}"; do
  [ -x "$binary" ] || missing+=("${package_of[$binary]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "ssekit tests need these Debian packages: ${missing[*]}" >&2
  echo "install them (apt-get install -y ${missing[*]}) and run the tests again." >&2
  exit 1
fi

echo "installing ${missing[*]} for the tests" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The packages' own services are not wanted: the tests start private instances on free ports.
# Only the services of packages installed just now are stopped.
for service in "${missing[@]}"; do
  case "$service" in
    redis-server | nginx)
      if command -v service >/dev/null 2>&1; then "${as_root[@]}" service "$service" stop >/dev/null 2>&1 || true; fi
      ;;
  esac
done
