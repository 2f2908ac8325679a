#!/usr/bin/env bash
# JMH benchmarks of vettid-crypto: key generation, session setup and seal/open of a 1 KiB event.
# Prints JMH's table. Quick mode (about a minute): scripts/bench-crypto.sh --quick
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests -pl benchmarks -am package -Dmaven.javadoc.skip=true -Dmaven.source.skip=true
cp="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
if [[ "${1:-}" == "--quick" ]]; then
  exec java -cp "$cp" org.openjdk.jmh.Main -f 1 -wi 1 -w 1s -i 2 -r 1s "CryptoBenchmarks"
fi
java -cp "$cp" org.openjdk.jmh.Main -f 1 -wi 3 -w 2s -i 5 -r 2s "CryptoBenchmarks"
exec java -cp "$cp" org.openjdk.jmh.Main -f 1 -wi 1 -w 5s -i 3 -r 10s "KeyGenerationBenchmarks"
