#!/usr/bin/env bash
# Installs Fashion-MNIST (Debian package dataset-fashion-mnist, gzip IDX files under /usr/share/datasets/fashion-mnist/),
# the benchmark-scale data set of the training tests and benchmarks. Idempotent; needs root (or sudo).
set -euo pipefail
if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  echo "install-test-data: Fashion-MNIST already installed"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends dataset-fashion-mnist >/dev/null
echo "install-test-data: Fashion-MNIST installed"
