#!/usr/bin/env bash
# The restart benchmark (issue #20): a vault with many connections restarted with its envelope
# sessions kept; prints the time to its first handled event and until every connection flows again.
#   BENCH_JAVA_OPTS="-Dbench.restart=10000" scripts/bench-restart.sh      (RSA-4096, the default suite)
#   BENCH_JAVA_OPTS="-Dbench.restart=1000 -Dbench.restart.suite=VETTID-MLKEM768-MLDSA65-V1" scripts/bench-restart.sh
# The vault's wrapping keys are made once and kept in ~/.cache/vettid-bench (-Dbench.keyCache=DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-nats-server.sh
mvn -B -q -DskipTests -pl benchmarks -am package -Dmaven.javadoc.skip=true -Dmaven.source.skip=true
cp="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
# shellcheck disable=SC2086
exec java ${BENCH_JAVA_OPTS:-} -Xmx2g -cp "$cp" io.vettid.benchmarks.RestartBenchmark "$@"
