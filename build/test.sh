#!/usr/bin/env bash
# Runs every test project of the solution and ends with one line: "N passed, N failed, N skipped".
# Usage: bash build/test.sh [extra dotnet test arguments]
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

dotnet build MLNet.Optimizers.sln -c Release -nologo -v quiet
build_rc=$?
if [ $build_rc -ne 0 ]; then
  echo "build failed (exit $build_rc)"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

dotnet test MLNet.Optimizers.sln -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" "$@"
test_rc=$?

# The optional AutoML sweepables (src/MLNet.Optimizers.MLNet.AutoML and its tests) need Microsoft.ML.AutoML and
# Microsoft.ML.SearchSpace, which this package source does not serve: they are outside the solution and built only when
# MLNET_OPTIMIZERS_AUTOML=1 (then any failure of theirs is a failure). MicrosoftMLAutoMLVersion picks their version.
automl_test=test/MLNet.Optimizers.MLNet.AutoML.Tests/MLNet.Optimizers.MLNet.AutoML.Tests.csproj
if [ "${MLNET_OPTIMIZERS_AUTOML:-0}" = "1" ]; then
  if dotnet build "$automl_test" -c Release -nologo -v quiet; then
    dotnet test "$automl_test" -c Release --no-build -nologo \
      --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" "$@"
    automl_rc=$?
    [ $automl_rc -ne 0 ] && test_rc=$automl_rc
  else
    echo "AutoML sweepables build failed (MLNET_OPTIMIZERS_AUTOML=1)"
    automl_build_failed=1
  fi
else
  echo "AutoML sweepables not built: they need Microsoft.ML.AutoML, which the default package source does not serve (set MLNET_OPTIMIZERS_AUTOML=1 where it restores)"
fi

passed=0; failed=0; skipped=0; files=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  total=$(get total); p=$(get passed); f=$(get failed); e=$(get error); t=$(get timeout); a=$(get aborted)
  passed=$((passed + p))
  failed=$((failed + f + e + t + a))
  skipped=$((skipped + total - p - f - e - t - a))
done

if [ $files -eq 0 ] || { [ $test_rc -ne 0 ] && [ $failed -eq 0 ]; }; then
  # The runner failed without recording a failed test (crash, abort): count it as a failure.
  failed=$((failed + 1))
fi
if [ -n "${automl_build_failed:-}" ]; then
  failed=$((failed + 1))
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ] && [ $test_rc -eq 0 ]
