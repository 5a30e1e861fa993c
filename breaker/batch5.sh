#!/bin/bash
# Hiding scenarios (a) at levels under full scale; summaries in breaker/out/NAME.txt
cd /work/wt-brk
r() { n=$1; shift; ./breaker/run.sh $n "$@" > breaker/out/$n.txt 2>&1; }
# 45 dB OOK sensor (-6 dBFS) at -40 kHz, 0.5 s every 5 s; a 25 dB NFM link at -22 kHz keyed only while it sends, from 70 s
r h1-sync45 60 60 '[{"t":"ook","off":-40000,"snr":45,"per":5,"pkt":0.5},{"t":"nfm","off":-22000,"snr":25,"gate":0,"from":70}]'
# the same sensor 0.5 s every 2 s; a long-path-level link (0 dB in 12.5 kHz) at -15 kHz, continuous from 70 s
r h2-weak0 60 60 '[{"t":"ook","off":-40000,"snr":45,"per":2,"pkt":0.5},{"t":"nfm","off":-15000,"snr":0,"from":70}]'
# LoRa-like chirp, 125 kHz at +40 kHz, 30 dB, 1 s every 3 s; a 0 dB link at -95 kHz, continuous from 70 s
r h3-chirp-weak0 60 60 '[{"t":"chirp","off":40000,"snr":30,"per":3,"pkt":1},{"t":"nfm","off":-95000,"snr":0,"from":70}]'
# the chirp; a 12 dB NFM link at -95 kHz keyed only while the chirp sends, from 70 s
r h7-chirp-sync12 60 60 '[{"t":"chirp","off":40000,"snr":30,"per":3,"pkt":1},{"t":"nfm","off":-95000,"snr":12,"gate":0,"from":70}]'
