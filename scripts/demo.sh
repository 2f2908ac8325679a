#!/usr/bin/env bash
# The README's "run it" command: builds the command line and runs `vettid demo`, which starts its own
# embedded nats-server. Extra arguments go to the demo (for example --chats 10).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-nats-server.sh
if [[ ! -f vettid-cli/target/vettid.jar || -n "$(find . \( -path ./.git -o -name target \) -prune -o -newer vettid-cli/target/vettid.jar \( -name '*.java' -o -name pom.xml \) -print -quit)" ]]; then
  echo "building (first run takes a minute)..." >&2
  mvn -B -q -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true -pl vettid-cli -am install
  touch vettid-cli/target/vettid.jar
fi
exec java -jar vettid-cli/target/vettid.jar demo "$@"
