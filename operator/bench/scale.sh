#!/usr/bin/env bash
# Issue 11, operator: 100 SecureRegistries at once on the mock API server. Prints the figures
# table (also kept in operator/target/bench/scale.txt). Extra arguments go to Maven, e.g.
#   operator/bench/scale.sh -Dportcullis.bench.quietSeconds=10
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "uptime before: $(uptime)"
nproc_out=$(nproc 2>/dev/null || echo '?')
echo "cores: ${nproc_out}"
mvn -B -ntp -q -pl operator test -Dtest=ScaleBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
  -Dportcullis.bench=true "$@" || status=$?
cat operator/target/bench/scale.txt 2>/dev/null || echo "no figures: see operator/target/surefire-reports/"
echo "uptime after: $(uptime)"
exit "${status:-0}"
