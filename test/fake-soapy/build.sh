#!/bin/sh
# Builds the quietband-fake SoapySDR module into a directory: usage build.sh [out-dir]; prints the directory.
# Default out-dir: <repo>/test/fake-soapy/build (gitignored). Use it with SOAPY_SDR_PLUGIN_PATH=<dir> SoapySDRUtil --find
# Needs g++ and Debian's libsoapysdr-dev (headers, pkg-config file).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-"$here/build"}
mkdir -p "$out"
out=$(cd "$out" && pwd)
cxx=${CXX:-g++}
cflags=$(pkg-config --cflags SoapySDR)
libs=$(pkg-config --libs SoapySDR)
tmp="$out/.libquietbandFakeSupport.so.$$"
# shellcheck disable=SC2086
"$cxx" -std=c++17 -O2 -g -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden -pthread $cflags \
  -o "$tmp" "$here/fake-soapy.cc" $libs
mv -f "$tmp" "$out/libquietbandFakeSupport.so"
echo "$out"
