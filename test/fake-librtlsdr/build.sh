#!/bin/sh
# Builds the fake librtlsdr (soname librtlsdr.so.0) into a directory: usage build.sh [out-dir]; prints the directory.
# Default out-dir: <repo>/test/fake-librtlsdr/build (gitignored). Use it with LD_LIBRARY_PATH=<dir> rtl_tcp ...
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-"$here/build"}
mkdir -p "$out"
out=$(cd "$out" && pwd)
cc=${CC:-cc}
# With Debian's header present, compile against it so every definition is checked against the real prototypes.
hdr=""
if [ -f /usr/include/rtl-sdr.h ] || [ -f /usr/local/include/rtl-sdr.h ]; then hdr="-DFAKE_USE_SYSTEM_HEADER"; fi
tmp="$out/.librtlsdr.so.0.$$"
# shellcheck disable=SC2086
"$cc" -std=gnu11 -O2 -g -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden -pthread $hdr \
  -Wl,-soname,librtlsdr.so.0 -o "$tmp" "$here/fake-librtlsdr.c" -lm
mv -f "$tmp" "$out/librtlsdr.so.0"
ln -sf librtlsdr.so.0 "$out/librtlsdr.so"
echo "$out"
