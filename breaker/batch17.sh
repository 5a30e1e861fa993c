#!/bin/bash
# The fix with the IQ-image clause: the imaged OOK sensor, the keyed link beside the FSK sensor, the 45 dB OOK every 2 s
cd /work/wt-brk
export VARIANTS=fix
r() { n=$1; shift; ./breaker/run.sh $n "$@" > breaker/out/$n.txt 2>&1; }
NOISE_DBFS=-45 r f-ook55-img-fix2 60 60 '[{"t":"ook","off":-40000,"snr":55,"per":5,"pkt":0.5}]' -30 &
r h1-fsksync-fix2 60 60 '[{"t":"fsk","off":-40000,"snr":40,"keyed":true,"per":5,"pkt":0.5},{"t":"nfm","off":-15000,"snr":20,"gate":0,"from":70}]' &
r f-ook45-p2-fix2 60 60 '[{"t":"ook","off":-40000,"snr":45,"per":2,"pkt":0.5}]'
wait
