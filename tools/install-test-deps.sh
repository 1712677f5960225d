#!/bin/sh
# Installs every Debian package the build and the test suite need.
# Run as root on Debian 12 (CI does: see .ci/run).
set -eu
PACKAGES="
  build-essential make
  libcriterion-dev
  python3 python3-pytest
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross
  gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
  qemu-system-arm cpio file
  libseccomp-dev python3-seccomp
  clang libclang-rt-14-dev
  libjson-c-dev
  graphviz
  pkg-config groff-base
  strace gzip xz-utils tar
  libcapstone-dev binutils libc6-dbg musl-tools
  rustc rustfmt golang-go
"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $PACKAGES
