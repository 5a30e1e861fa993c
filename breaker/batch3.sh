#!/bin/bash
# False-alarm scenarios (b): OOK keying-splatter variants, 60 s calibration + 60 s test, nothing new after calibration
cd /work/wt-brk
r() { n=$1; shift; ./breaker/run.sh $n "$@" > breaker/out/$n.txt 2>&1; }
r f-ook35 60 60 '[{"t":"ook","off":-40000,"snr":35,"per":5,"pkt":0.5}]'
NOISE_DBFS=-45 r f-ook60 60 60 '[{"t":"ook","off":-40000,"snr":60,"per":5,"pkt":0.5}]'
NOISE_DBFS=-45 r f-ook50-fast 60 60 '[{"t":"ook","off":-40000,"snr":50,"per":5,"pkt":0.5,"sym":0.0001}]'
NOISE_DBFS=-45 r f-ook50-edge 60 60 '[{"t":"ook","off":-115000,"snr":50,"per":5,"pkt":0.5}]'
NOISE_DBFS=-45 r f-ook50-dc 60 60 '[{"t":"ook","off":3000,"snr":50,"per":5,"pkt":0.5}]'
