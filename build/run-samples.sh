#!/usr/bin/env bash
# Runs every sample of build/samples.slnf with short settings (--quick), so none of them rots. Each ML.NET sample trains,
# evaluates, saves model.zip, scores it through its consumption code, and exits non-zero when the reloaded model
# disagrees with the trained one or the quality is below its bar (QuickStart: when its fit is below its bar).
# Fails (exit 1) naming every sample that did not build or run; each sample's output is kept in
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

# The samples are the projects of build/samples.slnf (the one list: it also builds them in one go), in its order.
mapfile -t samples < <(grep -o '"samples/[^"/]*/[^"/]*\.csproj"' build/samples.slnf | sed 's#^"samples/\([^/]*\)/.*#\1#')
if [ ${#samples[@]} -eq 0 ]; then
  echo "FAILED: build/samples.slnf lists no samples/<name>/<name>.csproj project"
  echo "samples: 0 passed, 1 failed"
  exit 1
fi
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
