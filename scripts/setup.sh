#!/usr/bin/env bash
# Installs what bondstream needs on a fresh Debian machine and builds the local Kafka helper.
# Idempotent and quiet when everything is already there; `npm test`, `npm run demo` and
# `npm run local:up` all start with it.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v kcat >/dev/null || need+=(kcat)
command -v gcc >/dev/null || need+=(gcc)
command -v make >/dev/null || need+=(make)
command -v patch >/dev/null || need+=(patch)
# Used only by tests that validate deploy/ (docker-compose.yml and the Prometheus rules).
command -v docker-compose >/dev/null || need+=(docker-compose)
command -v promtool >/dev/null || need+=(prometheus)
# The console's browser tests drive Debian's chromium with playwright-core (never a browser download).
command -v chromium >/dev/null || need+=(chromium)

if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies" >&2
  npm ci --no-audit --no-fund >&2
fi

mkdir -p .local/bin
# The mock broker is librdkafka's mock cluster (DESIGN section 6), built from Debian's own
# librdkafka 2.0.2 source with tools/mock-kafka/librdkafka-2.0.2-mock.patch, which does three
# of upstream's FIXMEs (README, "Local Kafka and its known gaps"): a fetch returns every set
# that fits instead of one, a fetch waiting for data is answered when data arrives instead of
# after its whole wait, and an offset is looked up from the nearer end of the log.
rdkafka_version=2.0.2
rdkafka_patch=tools/mock-kafka/librdkafka-$rdkafka_version-mock.patch
rdkafka_dir=.local/librdkafka-$rdkafka_version
rdkafka_lib=$rdkafka_dir/src/librdkafka.a
if [ ! -f "$rdkafka_lib" ] || [ "$rdkafka_patch" -nt "$rdkafka_lib" ]; then
  echo "setup: building librdkafka $rdkafka_version's mock cluster from Debian's source, patched" >&2
  mkdir -p .local/src
  if [ -z "$(apt-cache showsrc librdkafka 2>/dev/null)" ]; then
    # Source entries beside the machine's own binary ones (same archive, no other host).
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
      sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
        | $sudo tee /etc/apt/sources.list.d/bondstream-deb-src.sources >/dev/null
    elif [ -f /etc/apt/sources.list ]; then
      sed -n 's/^deb /deb-src /p' /etc/apt/sources.list | $sudo tee /etc/apt/sources.list.d/bondstream-deb-src.list >/dev/null
    fi
    $sudo apt-get update -qq
  fi
  orig=".local/src/librdkafka_$rdkafka_version.orig.tar.gz"
  if [ ! -f "$orig" ]; then
    (cd .local/src && apt-get source --download-only -qq "librdkafka=$rdkafka_version-1" >&2) || {
      echo "setup: could not download Debian's librdkafka $rdkafka_version source (apt-get source librdkafka=$rdkafka_version-1)" >&2
      exit 1
    }
  fi
  rm -rf "$rdkafka_dir"
  tar -xzf "$orig" -C .local
  (cd "$rdkafka_dir" && patch -p1 --quiet < "../../$rdkafka_patch") || {
    echo "setup: $rdkafka_patch does not apply to Debian's librdkafka $rdkafka_version source" >&2
    exit 1
  }
  (cd "$rdkafka_dir" && ./configure --no-download --disable-ssl --disable-gssapi --disable-zstd --disable-curl \
      --disable-lz4-ext --disable-zlib --disable-debug-symbols >/dev/null && make -C src -j"$(nproc)" librdkafka.a >/dev/null 2>&1) || {
    echo "setup: building librdkafka $rdkafka_version failed (see $rdkafka_dir)" >&2
    exit 1
  }
fi

helper=.local/bin/mock-kafka
if [ ! -x "$helper" ] || [ tools/mock-kafka/mock-kafka.c -nt "$helper" ] || [ "$rdkafka_lib" -nt "$helper" ]; then
  echo "setup: building the mock Kafka helper" >&2
  mkdir -p .local/include
  ln -sfn "../librdkafka-$rdkafka_version/src" .local/include/librdkafka
  gcc -O2 -Wall -Wextra -Werror -I.local/include -o "$helper" tools/mock-kafka/mock-kafka.c "$rdkafka_lib" -lm -ldl -lpthread -lrt
fi
