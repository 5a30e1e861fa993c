#!/bin/bash
# h3-chirp-*: a 125 kHz chirp is not learned as an emitter; only h2-fsk* ran
# Long-path hiding: a weak wideband FSK link (-6 dB in 12.5 kHz: no short-path group, a long-path rise of ~1 dB) inside
# an intermittent emitter's long-path pad, with a control link outside it; both from 70 s, continuous
cd /work/wt-brk
r() { n=$1; shift; ./breaker/run.sh $n "$@" > breaker/out/$n.txt 2>&1; }
r h2-fsk 60 60 '[{"t":"ook","off":-40000,"snr":45,"per":2,"pkt":0.5},{"t":"fsk","off":20000,"snr":-6,"from":70},{"t":"fsk","off":95000,"snr":-6,"from":70}]'
r h2-fsk-p10 60 60 '[{"t":"ook","off":-40000,"snr":45,"per":10,"pkt":0.5},{"t":"fsk","off":20000,"snr":-6,"from":70},{"t":"fsk","off":95000,"snr":-6,"from":70}]'
r h3-chirp-fsk 60 60 '[{"t":"chirp","off":40000,"snr":30,"per":3,"pkt":1},{"t":"fsk","off":-95000,"snr":-6,"from":70}]'
r h3-chirp-fsk-p20 60 60 '[{"t":"chirp","off":40000,"snr":30,"per":20,"pkt":1},{"t":"fsk","off":-95000,"snr":-6,"from":70}]'
