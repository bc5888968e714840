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

# The ML.NET bridge (src/MLNet.Optimizers.MLNet, its tests and sample) is outside the solution: it needs the
# Microsoft.ML package, which not every package source serves. MLNET_FEED (a folder or URL) adds a source; for a folder
# without MLNET_VERSION, the highest Microsoft.ML version in it is used. When Microsoft.ML cannot be restored, one line
# says so and the bridge is skipped; any other failure counts as a failure.
# The AutoML sweepables (src/MLNet.Optimizers.MLNet.AutoML and its tests) also need Microsoft.ML.AutoML: same rules
# (MLNET_AUTOML_VERSION, else the highest Microsoft.ML.AutoML in an MLNET_FEED folder); skipped with the bridge, or
# with a line of their own when only Microsoft.ML.AutoML is missing.
bridge_test=test/MLNet.Optimizers.MLNet.Tests/MLNet.Optimizers.MLNet.Tests.csproj
bridge_sample=samples/MLNetModelBuilder/MLNetModelBuilder.csproj
automl_test=test/MLNet.Optimizers.MLNet.AutoML.Tests/MLNet.Optimizers.MLNet.AutoML.Tests.csproj
if [ -n "${MLNET_FEED:-}" ] && [ -d "$MLNET_FEED" ]; then
  if [ -z "${MLNET_VERSION:-}" ]; then
    v=$(ls "$MLNET_FEED" 2>/dev/null | sed -n 's/^[Mm]icrosoft\.[Mm][Ll]\.\([0-9][0-9A-Za-z.+-]*\)\.nupkg$/\1/p' | sort -V | tail -n 1)
    [ -n "$v" ] && export MLNET_VERSION="$v"
  fi
  if [ -z "${MLNET_AUTOML_VERSION:-}" ]; then
    v=$(ls "$MLNET_FEED" 2>/dev/null | sed -n 's/^[Mm]icrosoft\.[Mm][Ll]\.[Aa]uto[Mm][Ll]\.\([0-9][0-9A-Za-z.+-]*\)\.nupkg$/\1/p' | sort -V | tail -n 1)
    [ -n "$v" ] && export MLNET_AUTOML_VERSION="$v"
  fi
fi
bridge_log="$root/artifacts/mlnet-bridge-restore.log"
if dotnet restore "$bridge_test" -nologo -v quiet > "$bridge_log" 2>&1 && dotnet restore "$bridge_sample" -nologo -v quiet >> "$bridge_log" 2>&1; then
  if dotnet build "$bridge_test" -c Release --no-restore -nologo -v quiet && dotnet build "$bridge_sample" -c Release --no-restore -nologo -v quiet; then
    dotnet test "$bridge_test" -c Release --no-build -nologo \
      --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" "$@"
    bridge_rc=$?
    [ $bridge_rc -ne 0 ] && test_rc=$bridge_rc
    automl_log="$root/artifacts/mlnet-automl-restore.log"
    if dotnet restore "$automl_test" -nologo -v quiet > "$automl_log" 2>&1; then
      if dotnet build "$automl_test" -c Release --no-restore -nologo -v quiet; then
        dotnet test "$automl_test" -c Release --no-build -nologo \
          --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" "$@"
        automl_rc=$?
        [ $automl_rc -ne 0 ] && test_rc=$automl_rc
      else
        echo "ML.NET AutoML sweepables build failed"
        bridge_build_failed=1
      fi
    elif grep -Eq "NU110[123].*package Microsoft\.ML\.(AutoML|SearchSpace)" "$automl_log"; then
      echo "ML.NET AutoML sweepables skipped: Microsoft.ML.AutoML could not be restored (set MLNET_FEED to a feed that serves it${MLNET_FEED:+; MLNET_FEED=$MLNET_FEED did not})"
    else
      cat "$automl_log"
      echo "ML.NET AutoML sweepables restore failed"
      bridge_build_failed=1
    fi
  else
    echo "ML.NET bridge build failed"
    bridge_build_failed=1
  fi
elif grep -Eq "NU110[123].*package Microsoft\.ML" "$bridge_log"; then
  echo "ML.NET bridge and AutoML sweepables skipped: Microsoft.ML could not be restored (set MLNET_FEED to a feed that serves it${MLNET_FEED:+; MLNET_FEED=$MLNET_FEED did not})"
else
  cat "$bridge_log"
  echo "ML.NET bridge restore failed"
  bridge_build_failed=1
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
if [ -n "${bridge_build_failed:-}" ]; then
  failed=$((failed + 1))
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ] && [ $test_rc -eq 0 ]
