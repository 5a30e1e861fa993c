#!/bin/bash
# The long path at the mirror of a tracked signal: a 20 dB NFM link at +60 kHz from 70 s; flat weak links (random-start
# 10 kHz chirps, -6 dB) at its mirror -60 kHz and, as the control, at -100 kHz, from 75 s
cd /work/wt-brk
r() { n=$1; shift; ./breaker/run.sh $n "$@" > breaker/out/$n.txt 2>&1; }
r h8-longmirror 60 60 '[{"t":"nfm","off":60000,"snr":20,"from":70},{"t":"chirp","rand":1,"off":-60000,"bw":10000,"snr":-6,"from":75,"per":1000,"pkt":1000},{"t":"chirp","rand":1,"off":-100000,"bw":10000,"snr":-6,"from":75,"per":1000,"pkt":1000}]'
