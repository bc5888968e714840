#!/usr/bin/env bash
# Installs the native BLAS libraries the compute providers load at run time, on Debian bookworm:
#   - Intel MKL 2020.4 (libmkl_rt.so) from the non-free component: package libmkl-rt
#   - OpenBLAS 0.3.21 from main: package libopenblas0
# The non-free entry reuses the URI and keyring of the machine's main Debian entry (no host is named here).
# Idempotent; needs root (CI and the dev machines run as root).
set -euo pipefail

need_mkl=1; need_openblas=1
ldconfig -p 2>/dev/null | grep -q 'libmkl_rt\.so' && need_mkl=0
ldconfig -p 2>/dev/null | grep -q 'libopenblas\.so\.0' && need_openblas=0
if [ $need_mkl -eq 0 ] && [ $need_openblas -eq 0 ]; then
  echo "install-native: libmkl_rt and libopenblas already installed"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

nonfree=/etc/apt/sources.list.d/mlnet-optimizers-nonfree.sources
if [ $need_mkl -eq 1 ] && [ ! -f "$nonfree" ]; then
  main=/etc/apt/sources.list.d/debian.sources
  uri=""; keyring=""
  if [ -f "$main" ]; then
    # First stanza whose Suites include bookworm (not bookworm-security).
    uri=$(awk '/^URIs:/{u=$2} /^Suites:/{ for(i=2;i<=NF;i++) if($i=="bookworm"){print u; exit} }' "$main")
    keyring=$(awk '/^Signed-By:/{print $2; exit}' "$main")
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    line=$(grep -E '^deb .* bookworm( |$)' /etc/apt/sources.list | head -n 1 || true)
    uri=$(printf '%s\n' "$line" | awk '{for(i=2;i<=NF;i++) if($i ~ /^[a-z]+:\/\//){print $i; exit}}')
    keyring=$(printf '%s\n' "$line" | grep -o 'signed-by=[^] ]*' | cut -d= -f2 || true)
  fi
  if [ -z "$uri" ]; then
    echo "install-native: cannot find the main Debian bookworm apt entry to derive the non-free entry from" >&2
    exit 1
  fi
  [ -n "$keyring" ] || keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  printf 'Types: deb\nURIs: %s\nSuites: bookworm\nComponents: non-free\nSigned-By: %s\n' "$uri" "$keyring" | $SUDO tee "$nonfree" >/dev/null
  echo "install-native: added $nonfree (bookworm non-free, $uri)"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
pkgs=()
[ $need_mkl -eq 1 ] && pkgs+=(libmkl-rt)
[ $need_openblas -eq 1 ] && pkgs+=(libopenblas0)
# libmkl-rt asks (debconf) whether to make MKL the system BLAS alternative: keep the default (no).
echo "libmkl-rt libmkl-rt/use-as-default-blas-lapack boolean false" | $SUDO debconf-set-selections 2>/dev/null || true
$SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
ldconfig -p | grep -E 'libmkl_rt\.so|libopenblas\.so\.0' || true
echo "install-native: done"
