#!/usr/bin/env bash
# The README's "test it" command: installs nats-server if missing, then builds every module
# (javadoc and sources jars included) and runs every test against real nats-server processes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-nats-server.sh
exec mvn -B verify "$@"
