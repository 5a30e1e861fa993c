#!/bin/bash
# Superseded: the chirp and the 50 dB NFM emitter here are over full scale (see batch5-7, 12, 14 for the measured scenes)
# Hiding scenarios (a): 60 s calibration + 60 s test; summaries in breaker/out/NAME.txt
cd /work/wt-brk
r() { n=$1; shift; ./breaker/run.sh $n "$@" > breaker/out/$n.txt 2>&1; }
# H1: 55 dB OOK sensor at -40 kHz, a 2 s packet every 5 s (calibration and test); a 25 dB NFM link at -20 kHz keyed only
# while the sensor sends (from 70 s)
r h1-sync 60 60 '[{"t":"ook","off":-40000,"snr":55,"per":5,"pkt":2},{"t":"nfm","off":-20000,"snr":25,"gate":0,"from":70}]'
# H2: 45 dB OOK sensor at -40 kHz, 0.5 s every 2 s; a weak continuous NFM link (6 dB in 12.5 kHz) at -10 kHz from 70 s
r h2-weak 60 60 '[{"t":"ook","off":-40000,"snr":45,"per":2,"pkt":0.5},{"t":"nfm","off":-10000,"snr":6,"from":70}]'
# H3: LoRa-like chirp 125 kHz wide at +40 kHz, 50 dB, 1 s every 3 s; weak continuous link 6 dB at -95 kHz from 70 s
r h3-chirp-weak 60 60 '[{"t":"chirp","off":40000,"snr":50,"per":3,"pkt":1},{"t":"nfm","off":-95000,"snr":6,"from":70}]'
# H4: continuous 50 dB NFM emitter at +60 kHz; a 30 dB NFM link at +85 kHz from 70 s, continuous
r h4-cont 60 60 '[{"t":"nfm","off":60000,"snr":50},{"t":"nfm","off":85000,"snr":30,"from":70}]'
