#!/bin/bash
cd /work/wt-brk
r() { n=$1; shift; ./breaker/run.sh $n "$@" > breaker/out/$n.txt 2>&1; }
# continuous 40 dB NFM emitter at +60 kHz; an 18 dB NFM link at +85 kHz, continuous from 70 s
r h4-cont40-l18 60 60 '[{"t":"nfm","off":60000,"snr":40},{"t":"nfm","off":85000,"snr":18,"from":70}]'
# FSK sensor (constant envelope in its packets), 40 dB in 12.5 kHz at -40 kHz, 0.5 s every 5 s; a 20 dB NFM link at
# -15 kHz keyed only while it sends, from 70 s
r h1-fsksync 60 60 '[{"t":"fsk","off":-40000,"snr":40,"keyed":true,"per":5,"pkt":0.5},{"t":"nfm","off":-15000,"snr":20,"gate":0,"from":70}]'
