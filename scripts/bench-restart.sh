#!/usr/bin/env bash
# The restart benchmark (issue #20): a vault with many connections restarted with its envelope
# sessions kept; prints the time to its first handled event and until every connection flows again.
#   BENCH_JAVA_OPTS="-Dbench.restart=10000" scripts/bench-restart.sh      (RSA-4096, the default suite)
#   BENCH_JAVA_OPTS="-Dbench.restart=1000 -Dbench.restart.suite=VETTID-MLKEM768-MLDSA65-V1" scripts/bench-restart.sh
# The vault's wrapping keys are made once and kept in ~/.cache/vettid-bench (-Dbench.keyCache=DIR).
set -euo pipefail
BENCH_MAIN=io.vettid.benchmarks.RestartBenchmark BENCH_XMX="${BENCH_XMX:-2g}" exec "$(dirname "$0")/bench-pipeline.sh" "$@"
