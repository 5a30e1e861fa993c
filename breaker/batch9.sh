#!/bin/bash
# h2-flat / h3-wide50 here used comb-like chirps; superseded by batch12 (random-start chirps)
# Long-path hiding with flat weak links (10 kHz chirps, -6 dB in 10 kHz: ~1 dB in a slow bin, no short-path group)
cd /work/wt-brk
r() { n=$1; shift; ./breaker/run.sh $n "$@" > breaker/out/$n.txt 2>&1; }
# 45 dB OOK at -40 kHz, 0.5 s every 2 s; weak links at +20 kHz (inside its long-path pad) and +95 kHz (outside)
r h2-flat 60 60 '[{"t":"ook","off":-40000,"snr":45,"per":2,"pkt":0.5},{"t":"chirp","off":20000,"bw":10000,"snr":-6,"from":70,"per":1000,"pkt":1000},{"t":"chirp","off":95000,"bw":10000,"snr":-6,"from":70,"per":1000,"pkt":1000}]'
# a 50 kHz-wide intermittent emitter (chirp) at +60 kHz, 30 dB, 0.5 s every 3 s; weak links at -40 kHz (inside) and -105 kHz
r h3-wide50 60 60 '[{"t":"chirp","off":60000,"bw":50000,"snr":30,"per":3,"pkt":0.5},{"t":"chirp","off":-40000,"bw":10000,"snr":-6,"from":70,"per":1000,"pkt":1000},{"t":"chirp","off":-105000,"bw":10000,"snr":-6,"from":70,"per":1000,"pkt":1000}]'
