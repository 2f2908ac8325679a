#!/usr/bin/env bash
# Checks that the build is reproducible: every jar the modules build (classes, sources, javadoc,
# the command line's) is the same bytes when built again from a clean tree. Profiles pin plug-in
# jars by SHA-256, so a jar must not change with the time or the machine it was built on.
# Run it after a build (scripts/test.sh does, after mvn verify); it builds once more (no tests).
set -euo pipefail
cd "$(dirname "$0")/.."
hashes() {
  find . -path ./benchmarks -prune -o -path '*/target/*' -name '*.jar' -not -path '*/target/lib/*' \
    -not -name '*-tests.jar' -print0 | sort -z | xargs -0 sha256sum
}
first=$(mktemp)
second=$(mktemp)
trap 'rm -f "$first" "$second"' EXIT
hashes > "$first"
if [[ ! -s "$first" ]]; then
  echo "reproducible.sh: no jar to compare; build first (mvn verify)" >&2
  exit 2
fi
mvn -B -q -o clean package -DskipTests -Dmaven.source.skip=false
hashes > "$second"
if ! diff -u "$first" "$second"; then
  echo "reproducible.sh: the jars above differ between two builds of the same tree" >&2
  exit 1
fi
echo "reproducible: $(wc -l < "$first") jars, the same bytes in two builds"
