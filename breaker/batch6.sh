#!/bin/bash
cd /work/wt-brk
r() { n=$1; shift; ./breaker/run.sh $n "$@" > breaker/out/$n.txt 2>&1; }
# continuous 40 dB NFM emitter at +60 kHz (-13 dBFS); a 22 dB NFM link at +85 kHz, continuous from 70 s
r h4-cont40 60 60 '[{"t":"nfm","off":60000,"snr":40},{"t":"nfm","off":85000,"snr":22,"from":70}]'
# a new 20 dB NFM link at +60 kHz from 70 s; a 0 dB link at its mirror, -60 kHz, from 75 s
r h5-mirror0 60 60 '[{"t":"nfm","off":60000,"snr":20,"from":70},{"t":"nfm","off":-60000,"snr":0,"from":75}]'
# a new 40 dB NFM link at +60 kHz; a 14 dB link at -60 kHz from 75 s (noise -45 dBFS)
NOISE_DBFS=-45 r h6-mirror14 60 60 '[{"t":"nfm","off":60000,"snr":40,"from":70},{"t":"nfm","off":-60000,"snr":14,"from":75}]'
# 45 dB OOK, 0.5 s every 2 s; a 0 dB link at +90 kHz (outside every pad) from 70 s: the control for h2-weak0
r h2-control 60 60 '[{"t":"ook","off":-40000,"snr":45,"per":2,"pkt":0.5},{"t":"nfm","off":90000,"snr":0,"from":70}]'
