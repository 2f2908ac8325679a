#!/usr/bin/env bash
# Makes sure a nats-server binary (2.9+) is available; installs Debian's package when it is not.
# Honors VETTID_NATS_SERVER (an explicit binary). Prints the version it will use.
set -euo pipefail

find_nats() {
  if [[ -n "${VETTID_NATS_SERVER:-}" ]]; then
    [[ -x "$VETTID_NATS_SERVER" ]] && { echo "$VETTID_NATS_SERVER"; return 0; }
    echo "VETTID_NATS_SERVER=$VETTID_NATS_SERVER is not an executable file" >&2
    return 2
  fi
  command -v nats-server 2>/dev/null && return 0
  for p in /usr/sbin/nats-server /usr/local/bin/nats-server /usr/bin/nats-server; do
    [[ -x "$p" ]] && { echo "$p"; return 0; }
  done
  return 1
}

if ! bin=$(find_nats); then
  [[ -n "${VETTID_NATS_SERVER:-}" ]] && exit 2
  echo "nats-server not found; installing Debian's package (apt-get install -y nats-server)..." >&2
  sudo=""
  if [[ "$(id -u)" != "0" ]]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "Not root and no sudo: install nats-server yourself (apt-get install -y nats-server)" >&2
      exit 2
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >&2
  $sudo apt-get install -y -qq nats-server >&2
  bin=$(find_nats) || { echo "nats-server still not found after installing" >&2; exit 2; }
fi
echo "using $("$bin" --version) at $bin" >&2
