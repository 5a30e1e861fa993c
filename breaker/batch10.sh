#!/bin/bash
# How far from a known FSK sensor (40 dB in 12.5 kHz at -40 kHz, 0.5 s every 5 s) a link keyed only in its packets hides
cd /work/wt-brk
r() { n=$1; shift; ./breaker/run.sh $n "$@" > breaker/out/$n.txt 2>&1; }
r h1-fsk-0k 60 60 '[{"t":"fsk","off":-40000,"snr":40,"keyed":true,"per":5,"pkt":0.5},{"t":"nfm","off":0,"snr":20,"gate":0,"from":70}]'
r h1-fsk-p25 60 60 '[{"t":"fsk","off":-40000,"snr":40,"keyed":true,"per":5,"pkt":0.5},{"t":"nfm","off":25000,"snr":20,"gate":0,"from":70}]'
r h1-fsk-l25 60 60 '[{"t":"fsk","off":-40000,"snr":40,"keyed":true,"per":5,"pkt":0.5},{"t":"nfm","off":-15000,"snr":25,"gate":0,"from":70}]'
