#!/usr/bin/env bash
# JMH microbenchmarks of the registry's hot paths, against the shaded jar (issue 11). Not part of `mvn verify`.
# usage: bash registry-image/bench/jmh/run.sh [JMH options, e.g. CredentialBench -f 1 -wi 1 -i 2]
#        bash registry-image/bench/jmh/run.sh -l      (list the benchmarks)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
if [[ ! -f "$ROOT/registry-image/target/portcullis-registry.jar" ]]; then
    (cd "$ROOT" && mvn -q -pl registry-image -DskipTests package)
fi
mvn -q -f "$HERE/pom.xml" compile
exec java -cp "$HERE/target/classes:$(cat "$HERE/target/classpath.txt")" org.openjdk.jmh.Main "$@"
