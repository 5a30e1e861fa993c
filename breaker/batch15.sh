#!/bin/bash
# The fix on band-edge / near-DC OOK splatter; the 69825cd build on an image at -24 dBc
cd /work/wt-brk
r() { n=$1; shift; ./breaker/run.sh $n "$@" > breaker/out/$n.txt 2>&1; }
VARIANTS=fix NOISE_DBFS=-45 r f-ook50-edge-fix 60 60 '[{"t":"ook","off":-115000,"snr":50,"per":5,"pkt":0.5}]'
VARIANTS=fix NOISE_DBFS=-45 r f-ook50-dc-fix 60 60 '[{"t":"ook","off":3000,"snr":50,"per":5,"pkt":0.5}]'
VARIANTS=new NOISE_DBFS=-45 r f-img24-new 60 60 '[{"t":"nfm","off":60000,"snr":40,"from":70}]' -24
