#!/bin/bash
# new (69825cd), old (61ff0cb) and this branch's fix (splatter must be mirrored about the emitter's carrier)
cd /work/wt-brk
export VARIANTS="new old fix"
r() { n=$1; shift; ./breaker/run.sh $n "$@" > breaker/out/$n.txt 2>&1; }
r h1-fsk-p25 60 60 '[{"t":"fsk","off":-40000,"snr":40,"keyed":true,"per":5,"pkt":0.5},{"t":"nfm","off":25000,"snr":20,"gate":0,"from":70}]'
r h1-fsksync 60 60 '[{"t":"fsk","off":-40000,"snr":40,"keyed":true,"per":5,"pkt":0.5},{"t":"nfm","off":-15000,"snr":20,"gate":0,"from":70}]'
r f-ook45-p2 60 60 '[{"t":"ook","off":-40000,"snr":45,"per":2,"pkt":0.5}]'
NOISE_DBFS=-45 r f-ook60 60 60 '[{"t":"ook","off":-40000,"snr":60,"per":5,"pkt":0.5}]'
