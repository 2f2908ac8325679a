#!/usr/bin/env bash
# Checks a release without a signing key and without uploading anything (not run in CI: it builds
# everything once more with the release profile):
#   mvn -Prelease -DskipTests -Dgpg.skip verify
# then, for every published artifact, that what Maven Central requires is there (the POM with its
# metadata, the jar, sources and javadoc jars, the CycloneDX SBOM), and lays them out as the Central
# Portal's bundle wants them (Maven repository layout, md5 and sha1 of each file) in
# target/central-bundle/, zipped as target/central-bundle.zip. A real release signs them (.asc, the
# gpg plugin) and uploads with `mvn -Prelease deploy` (central-publishing-maven-plugin, manual
# publish); Central takes release versions only, so a SNAPSHOT bundle is a check of the layout.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -Prelease -DskipTests -Dgpg.skip verify
version=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -1)
published=(vettid-build vettid-bom vettid-proptest vettid-api vettid-crypto vettid-rules vettid-profile vettid-nats vettid-testkit
  vettid-runtime vettid-micrometer vettid-testkit-vault vettid-cli)
bundle=target/central-bundle
rm -rf "$bundle" target/central-bundle.zip
missing=0
need() {
  if [[ ! -s "$1" ]]; then
    echo "missing: $1" >&2
    missing=1
  fi
}
# the metadata every artifact inherits from vettid-build; each names and describes itself
for field in '<name>' '<description>' '<url>' '<licenses>' '<developers>' '<scm[ >]'; do # scm has attributes
  grep -qE "$field" vettid-build/pom.xml || { echo "vettid-build/pom.xml: no $field (Central requires it)" >&2; missing=1; }
done
for field in '<name>' '<description>'; do
  grep -q "$field" pom.xml || { echo "pom.xml: no $field (Central requires it)" >&2; missing=1; }
  grep -q "$field" vettid-bom/pom.xml || { echo "vettid-bom/pom.xml: no $field" >&2; missing=1; }
done
put() { # file, destination name
  cp "$1" "$dir/$2"
  md5sum "$1" | cut -d' ' -f1 > "$dir/$2.md5"
  sha1sum "$1" | cut -d' ' -f1 > "$dir/$2.sha1"
}
dir="$bundle/io/vettid/vettid-parent/$version"
mkdir -p "$dir"
put pom.xml "vettid-parent-$version.pom"
for a in "${published[@]}"; do
  dir="$bundle/io/vettid/$a/$version"
  mkdir -p "$dir"
  need "$a/pom.xml"
  [[ -s "$a/pom.xml" ]] && put "$a/pom.xml" "$a-$version.pom"
  if [[ "$a" == vettid-bom || "$a" == vettid-build ]]; then
    continue
  fi
  for suffix in "" -sources -javadoc; do
    jar="$a/target/$a-$version$suffix.jar"
    [[ "$a" == vettid-cli ]] && jar="$a/target/vettid$suffix.jar" # its finalName is vettid
    need "$jar"
    [[ -s "$jar" ]] && put "$jar" "$a-$version$suffix.jar"
  done
  sbom="$a/target/bom.json"
  need "$sbom"
  if [[ -s "$sbom" ]]; then
    grep -q '"bomFormat" : "CycloneDX"\|"bomFormat":"CycloneDX"' "$sbom" || { echo "$sbom is not CycloneDX" >&2; missing=1; }
    put "$sbom" "$a-$version-cyclonedx.json"
  fi
done
if [[ $missing -ne 0 ]]; then
  echo "release-check: something Central requires is missing (above)" >&2
  exit 1
fi
(cd "$bundle" && jar --create --no-manifest --file ../central-bundle.zip .)
echo "release-check: $(find "$bundle" -type f -not -name '*.md5' -not -name '*.sha1' | wc -l) files for ${#published[@]} artifacts and the parent in target/central-bundle.zip (unsigned: -Dgpg.skip)"
