#!/usr/bin/env bash
# The README's "test it" command: installs nats-server if missing, then builds every module
# (javadoc and sources jars included), runs every test against real nats-server processes,
# builds the aggregated javadoc (failing on any warning), and builds every jar once more to check
# that the build is reproducible (the same bytes).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-nats-server.sh
mvn -B verify "$@"
# the aggregated javadoc of every module: a public element without documentation fails it
mvn -B -q javadoc:aggregate
echo "javadoc: target/reports/apidocs/index.html (no warnings)"
scripts/reproducible.sh
