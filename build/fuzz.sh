#!/usr/bin/env bash
# Runs a fuzz campaign: N seeded mutations of valid files per parser (optimizer checkpoints, Keras config JSON,
# trainer checkpoints, IDX images and labels; the registered targets are in test/MLNet.Optimizers.Fuzz/Targets.cs),
# in supervised child processes so that crashes and hangs (> 5 s) are counted and the campaign goes on.
# Writes artifacts/fuzz/results.md (the table for docs/robustness.md) and results.json.
#
# Usage: bash build/fuzz.sh N [--seed S] [--targets a,b] [--chunk C] [--no-build]
#   N          inputs per parser (the CI test runs 10,000; the documented campaign 200,000 x 5 parsers = 1,000,000)
# Exit code 0 when no input gave an unexpected exception type, a hang, a crash or a partial state change.
# Reproduce one input: dotnet test/MLNet.Optimizers.Fuzz/bin/Release/net10.0/MLNet.Optimizers.Fuzz.dll repro --target T --index I [--seed S] --inputs N
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [ $# -lt 1 ]; then
  echo "usage: bash build/fuzz.sh N [--seed S] [--targets a,b] [--chunk C] [--no-build]" >&2
  exit 2
fi
inputs="$1"; shift
build=1
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --seed|--targets|--chunk) extra+=("$1" "$2"); shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
if [ $build -eq 1 ]; then
  dotnet build test/MLNet.Optimizers.Fuzz -c Release -nologo -v quiet
fi
mkdir -p artifacts/fuzz
dotnet test/MLNet.Optimizers.Fuzz/bin/Release/net10.0/MLNet.Optimizers.Fuzz.dll campaign --inputs "$inputs" --out artifacts/fuzz "${extra[@]}"
