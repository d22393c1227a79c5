#!/usr/bin/env bash
# Installs what bondstream needs on a fresh Debian machine and builds the local Kafka helper.
# Idempotent and quiet when everything is already there; `npm test`, `npm run demo` and
# `npm run local:up` all start with it.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v kcat >/dev/null || need+=(kcat)
command -v gcc >/dev/null || need+=(gcc)
[ -f /usr/include/librdkafka/rdkafka_mock.h ] || need+=(librdkafka-dev)
# Used only by tests that validate deploy/ (docker-compose.yml and the Prometheus rules).
command -v docker-compose >/dev/null || need+=(docker-compose)
command -v promtool >/dev/null || need+=(prometheus)

if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies" >&2
  npm ci --no-audit --no-fund >&2
fi

mkdir -p .local/bin
helper=.local/bin/mock-kafka
if [ ! -x "$helper" ] || [ tools/mock-kafka/mock-kafka.c -nt "$helper" ]; then
  echo "setup: building the mock Kafka helper" >&2
  gcc -O2 -Wall -Wextra -Werror -o "$helper" tools/mock-kafka/mock-kafka.c -lrdkafka
fi
