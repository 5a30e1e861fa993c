#!/bin/bash
# Superseded: the chirp and the 50 dB NFM emitter here are over full scale (see batch5-7, 12, 14 for the measured scenes)
cd /work/wt-brk
r() { n=$1; shift; ./breaker/run.sh $n "$@" > breaker/out/$n.txt 2>&1; }
# H5: image rule. A new 20 dB NFM link at +60 kHz from 70 s; a weak 6 dB link at its mirror -60 kHz from 75 s
r h5-mirror-weak 60 60 '[{"t":"nfm","off":60000,"snr":20,"from":70},{"t":"nfm","off":-60000,"snr":6,"from":75}]'
# H6: a new 55 dB NFM link at +60 kHz from 70 s; a 28 dB link at -60 kHz from 75 s (27 dB under it)
r h6-mirror-strong 60 60 '[{"t":"nfm","off":60000,"snr":55,"from":70},{"t":"nfm","off":-60000,"snr":28,"from":75}]'
# H7: chirp 50 dB, 1 s every 3 s; a 20 dB NFM link at -95 kHz keyed only while the chirp sends, from 70 s
r h7-chirp-sync 60 60 '[{"t":"chirp","off":40000,"snr":50,"per":3,"pkt":1},{"t":"nfm","off":-95000,"snr":20,"gate":0,"from":70}]'
