#!/usr/bin/env bash
# Runs every sample with short settings (--quick), so none of them rots. Each sample trains, evaluates, saves its model,
# reloads it and predicts, and exits non-zero when the reloaded model disagrees with the trained one or the quality is
# below its bar. Fails (exit 1) naming every sample that did not build or run; each sample's output is kept in
# artifacts/samples/<name>.log (the models and the comparison report in artifacts/samples/<name>/).
# Usage: bash build/run-samples.sh [--no-build]   (--no-build: the samples were built with -c Release already)
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="$root/artifacts/samples"
rm -rf "$out"
mkdir -p "$out"
build=1
[ "${1:-}" = "--no-build" ] && build=0

# The same list as build/samples.slnf (which builds them in one go).
samples=(RegressionDiamonds BinaryBreastCancer MulticlassWine MlpDigits OptimizerComparison)
failed=()
start_all=$(date +%s)
if [ $build -eq 1 ] && ! dotnet build build/samples.slnf -c Release -nologo -v quiet > "$out/build.log" 2>&1; then
  grep -E 'error|Error' "$out/build.log" | sort -u
  for s in "${samples[@]}"; do
    if grep -q "samples/$s/" "$out/build.log"; then
      echo "FAILED $s: the build failed"
      failed+=("$s")
    fi
  done
  [ ${#failed[@]} -eq 0 ] && failed+=("(build)") && echo "FAILED: the samples' build failed (see above)"
  echo "samples: 0 passed, ${#failed[@]} failed"
  echo "failed samples: ${failed[*]}"
  exit 1
fi

for s in "${samples[@]}"; do
  log="$out/$s.log"
  start=$(date +%s.%N)
  dotnet run --project "samples/$s/$s.csproj" -c Release --no-build -- --quick --output "$out/$s" > "$log" 2>&1
  rc=$?
  seconds=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  if [ $rc -ne 0 ]; then
    cat "$log"
    echo "FAILED $s: exit code $rc after $seconds s"
    failed+=("$s")
  else
    echo "ok     $s ($seconds s): $(grep '^check:' "$log" | tail -n 1 | sed 's/^check: *//')"
  fi
done

echo "samples: $(( ${#samples[@]} - ${#failed[@]} )) passed, ${#failed[@]} failed ($(( $(date +%s) - start_all )) s)"
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed samples: ${failed[*]}"
  exit 1
fi
