#!/bin/bash
# Long-path blind zones with flat weak links (random-start 10 kHz chirps, -6 dB in 10 kHz)
cd /work/wt-brk
r() { n=$1; shift; ./breaker/run.sh $n "$@" > breaker/out/$n.txt 2>&1; }
r h2-flatr 60 60 '[{"t":"ook","off":-40000,"snr":45,"per":2,"pkt":0.5},{"t":"chirp","rand":1,"off":20000,"bw":10000,"snr":-6,"from":70,"per":1000,"pkt":1000},{"t":"chirp","rand":1,"off":95000,"bw":10000,"snr":-6,"from":70,"per":1000,"pkt":1000}]'
r h3-wide50r 60 60 '[{"t":"chirp","rand":1,"off":60000,"bw":50000,"snr":30,"per":3,"pkt":0.5},{"t":"chirp","rand":1,"off":-40000,"bw":10000,"snr":-6,"from":70,"per":1000,"pkt":1000},{"t":"chirp","rand":1,"off":-105000,"bw":10000,"snr":-6,"from":70,"per":1000,"pkt":1000}]'
