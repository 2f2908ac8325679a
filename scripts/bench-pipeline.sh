#!/usr/bin/env bash
# The end-to-end benchmark: raw JetStream vs the VettID pipeline on one nats-server (TLS, encrypted
# store), 1 KiB events; the split topology and a 3-node cluster (with a node killed); 10,000 and
# 100,000 connections on one vault; a session-open flood; connection setup per suite.
# Prints a table and writes docs/benchmarks/latest.json and docs/benchmarks/pipeline.png.
#   scripts/bench-pipeline.sh            full run (about 30 minutes)
#   scripts/bench-pipeline.sh --quick    minutes; writes latest-quick.json (what CI runs)
# Extra JVM options (for example a JFR recording) go in BENCH_JAVA_OPTS.
# BENCH_MAIN and BENCH_XMX choose another benchmark program of the module and its heap (8g: the full
# run holds 100,000 connections of both sides at once)
# (scripts/bench-restart.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-nats-server.sh
mvn -B -q -DskipTests -pl benchmarks -am package -Dmaven.javadoc.skip=true -Dmaven.source.skip=true
cp="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
# shellcheck disable=SC2086
exec java ${BENCH_JAVA_OPTS:-} "-Xmx${BENCH_XMX:-8g}" -cp "$cp" "${BENCH_MAIN:-io.vettid.benchmarks.PipelineBenchmark}" "$@"
