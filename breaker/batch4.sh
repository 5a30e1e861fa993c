#!/bin/bash
cd /work/wt-brk
r() { n=$1; shift; ./breaker/run.sh $n "$@" > breaker/out/$n.txt 2>&1; }
# a sensor that drifts 100 Hz/s after calibration (6 kHz over the test)
r f-ook45-drift 60 60 '[{"t":"ook","off":-40000,"snr":45,"per":5,"pkt":0.5,"drift":100}]'
# IQ image of a new 40 dB link at -24 and -27 dBc (image 16 / 13 dB over the noise)
NOISE_DBFS=-45 r f-img24 60 60 '[{"t":"nfm","off":60000,"snr":40,"from":70}]' -24
NOISE_DBFS=-45 r f-img27 60 60 '[{"t":"nfm","off":60000,"snr":40,"from":70}]' -27
# IQ image of a new wide FSK link (5 kHz dev, 2 kb/s) 45 dB at -28 dBc
NOISE_DBFS=-45 r f-img-fsk 60 60 '[{"t":"fsk","off":60000,"snr":45,"from":70}]' -28
# 55 dB OOK sensor with its image at -30 dBc (both in calibration)
NOISE_DBFS=-45 r f-ook55-img 60 60 '[{"t":"ook","off":-40000,"snr":55,"per":5,"pkt":0.5}]' -30
