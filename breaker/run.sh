#!/bin/bash
# Usage: breaker/run.sh NAME CALIB_S TEST_S 'SOURCES_JSON' [imageDb]
# Generates /tmp/brk-NAME.sigmf-*, replays it with main at 69825cd (new: /work/wt-brk-new), before it (old:
# /work/wt-brk-old, 61ff0cb) and, with VARIANTS="new old fix", this branch (/work/wt-brk-fix: bin + dist built with
# `npx tsc --outDir`, native-bindings and node_modules linked); keeps the JSON
# lines in breaker/out/NAME.{variant}.jsonl, prints a summary, deletes the recording.
cd /work/wt-brk
name=$1; calib=$2; test=$3
nice -n 5 node breaker/gen.mjs /tmp/brk-$name "$calib" "$test" "$4" $5 || exit 1
files=()
for v in ${VARIANTS:-new old}; do
  root=/work/wt-brk-$v
  nice -n 5 node $root/bin/quietband.js replay /tmp/brk-$name.sigmf-meta --baseline-seconds "$calib" --json --no-identify --no-progress > breaker/out/$name.$v.jsonl 2> breaker/out/$name.$v.err || echo "replay $v failed"
  files+=(breaker/out/$name.$v.jsonl)
done
rm -f /tmp/brk-$name.sigmf-data /tmp/brk-$name.sigmf-meta
node breaker/summ.mjs "$calib" "${files[@]}"
