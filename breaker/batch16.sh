#!/bin/bash
# The fix on fast-keyed OOK splatter and on an OOK sensor with an IQ image (both in calibration)
cd /work/wt-brk
r() { n=$1; shift; ./breaker/run.sh $n "$@" > breaker/out/$n.txt 2>&1; }
VARIANTS=fix NOISE_DBFS=-45 r f-ook50-fast-fix 60 60 '[{"t":"ook","off":-40000,"snr":50,"per":5,"pkt":0.5,"sym":0.0001}]' &
VARIANTS=fix NOISE_DBFS=-45 r f-ook55-img-fix 60 60 '[{"t":"ook","off":-40000,"snr":55,"per":5,"pkt":0.5}]' -30
wait
