// The sensor card's "why amber" line (behindText) for each case, in English and Simplified Chinese.
import { afterEach, describe, expect, it } from 'vitest';
import type { SensorHealth } from '../../src/server/protocol.js';
import { setLang } from '../../web-ui/src/i18n.js';
import { behindText } from '../../web-ui/src/sensor-panel.js';

const KEEPING_UP: SensorHealth = { sensor: 'hall-a', online: true, state: 'armed', centerHz: 433_920_000, configuredRateSps: 1_000_000, achievedRateSps: 999_000, droppedBlocks: 0, clipFraction: 0, overload: false, lastFrameAgeMs: 50, behindMs: 120 };

afterEach(() => setLang('en', false));

describe('behindText', () => {
  it('nothing while the sensor keeps up or is offline; each reason in words otherwise', () => {
    setLang('en', false);
    expect(behindText(KEEPING_UP)).toBeNull();
    expect(behindText({ ...KEEPING_UP, behindMs: 999 })).toBeNull(); // under 1 s late: not worth a line
    expect(behindText({ ...KEEPING_UP, online: false, achievedRateSps: 0, behindMs: 9000 })).toBeNull();
    expect(behindText({ ...KEEPING_UP, achievedRateSps: 600_000, rateShortfall: true, behindMs: 12_400 })).toBe('Falling behind: processing at 60 % of real time (0.60 of 1.00 MS/s), alerts up to 12.4 s late — this computer is overloaded; close other programs or lower the sample rate');
    // the rate is back (reading above real time while the queue drains), but the last 30 s of alerts came late
    expect(behindText({ ...KEEPING_UP, achievedRateSps: 1_012_000, behindMs: 39_800 })).toBe('Catching up: processing at 101 % of real time (1.01 of 1.00 MS/s), alerts up to 39.8 s late in the last 30 s — this computer is overloaded; close other programs or lower the sample rate');
    expect(behindText({ ...KEEPING_UP, achievedRateSps: 500_000, rateShortfall: true, droppedBlocks: 4 })).toBe('Falling behind: processing at 50 % of real time (0.50 of 1.00 MS/s), samples dropped — this computer is overloaded; close other programs or lower the sample rate');
    // rtl_tcp over a slow link marks the blocks after each shortfall as gaps (droppedBlocks) while the pipeline waits
    // for it: the receiver's, not this computer's (measured: 0.80 of 1.02 MS/s, 608 gaps in 25 s, waiting 80 %)
    expect(behindText({ ...KEEPING_UP, achievedRateSps: 819_000, configuredRateSps: 1_024_000, rateShortfall: true, droppedBlocks: 608, sourceBound: true, behindMs: 48 })).toMatch(/^Receiving 80 % of the configured rate \(0\.82 of 1\.02 MS\/s\): the receiver or its network link/);
    expect(behindText({ ...KEEPING_UP, achievedRateSps: 819_000, configuredRateSps: 1_024_000, rateShortfall: true, droppedBlocks: 608, sourceBound: false, behindMs: 48 })).toMatch(/^Falling behind: processing at 80 % of real time \(0\.82 of 1\.02 MS\/s\), samples dropped/);
    // rtl_tcp behind a link at 60 % of the stream, before the rate is judged short (5 s of evidence): 2.1 s of samples
    // have not arrived (measured: run-rtl-tcp-slow-link.test.ts); under 1 s (a transfer in flight) says nothing
    expect(behindText({ ...KEEPING_UP, configuredRateSps: 1_024_000, samplesBehindOrLost: 2_184_256 })).toBe("Samples arriving late: 2.1 s of samples the receiver produced have not arrived (waiting on its network link, or lost there: counted once the link catches up) — check the receiver's cable or network, or lower the sample rate");
    expect(behindText({ ...KEEPING_UP, configuredRateSps: 1_024_000, samplesBehindOrLost: 900_000 })).toBeNull();
    expect(behindText({ ...KEEPING_UP, configuredRateSps: 1_024_000, samplesBehindOrLost: null })).toBeNull();
    expect(behindText({ ...KEEPING_UP, online: false, samplesBehindOrLost: 9_000_000 })).toBeNull();
    expect(behindText({ ...KEEPING_UP, achievedRateSps: 900_000, rateShortfall: true })).toBe("Receiving 90 % of the configured rate (0.90 of 1.00 MS/s): the receiver or its network link delivers fewer samples than configured (this computer keeps up) — check the receiver's cable or network, or lower the sample rate");
  });

  it("a low reading the daemon has not judged short (the rate meter's dips under CPU load) gives no reason and blames no receiver", () => {
    setLang('en', false);
    // 0.96 and 0.82 of the rate were read on the loaded demo from sensors delivering their full rate
    expect(behindText({ ...KEEPING_UP, achievedRateSps: 960_000 })).toBeNull();
    expect(behindText({ ...KEEPING_UP, achievedRateSps: 820_000, rateShortfall: false, behindMs: 400 })).toBeNull();
    setLang('zh-CN', false);
    expect(behindText({ ...KEEPING_UP, configuredRateSps: 250_000, achievedRateSps: 240_000 })).toBeNull();
    // the same reading, judged short: the receiver
    expect(behindText({ ...KEEPING_UP, configuredRateSps: 250_000, achievedRateSps: 225_000, rateShortfall: true })).toBe('只收到设定采样率的 90 %（0.23 / 0.25 MS/s）：接收机或其网络链路送出的采样少于设定值（本机处理跟得上）——请检查接收机的线缆或网络，或降低采样率');
  });

  it('a shortfall smaller than the rates\' second decimal still shows: the share of real time and the rates to 3 or 4 decimals', () => {
    // the fresh-user trial at load 8 read "Falling behind: 0.25 of 0.25 MS/s" (a 250 kS/s sensor delivering 246 kS/s)
    setLang('en', false);
    const quarter = { ...KEEPING_UP, configuredRateSps: 250_000, rateShortfall: true, behindMs: 4200 };
    expect(behindText({ ...quarter, achievedRateSps: 246_000 })).toBe('Falling behind: processing at 98 % of real time (0.246 of 0.250 MS/s), alerts up to 4.2 s late — this computer is overloaded; close other programs or lower the sample rate');
    // a share that rounds to 100 % gets a decimal; rates equal to 3 decimals get a fourth
    expect(behindText({ ...quarter, achievedRateSps: 249_600 })).toMatch(/^Falling behind: processing at 99\.8 % of real time \(0\.2496 of 0\.2500 MS\/s\)/);
    setLang('zh-CN', false);
    expect(behindText({ ...quarter, achievedRateSps: 246_000 })).toBe('处理跟不上：处理速度为实时的 98 %（0.246 / 0.250 MS/s），告警最多延迟 4.2 秒——本机负载过高，请关闭其他程序或降低采样率');
    expect(behindText({ ...quarter, achievedRateSps: 240_000, behindMs: 0, droppedBlocks: 3 })).toBe('处理跟不上：处理速度为实时的 96 %（0.24 / 0.25 MS/s），已丢弃采样——本机负载过高，请关闭其他程序或降低采样率');
  });

  it('zh-CN', () => {
    setLang('zh-CN', false);
    expect(behindText({ ...KEEPING_UP, configuredRateSps: 1_024_000, samplesBehindOrLost: 2_184_256 })).toBe('采样到达延迟：接收机已产生的 2.1 秒采样尚未到达（在其网络链路上排队，或已在那里丢失：链路追上后计数）——请检查接收机的线缆或网络，或降低采样率');
    expect(behindText({ ...KEEPING_UP, achievedRateSps: 1_012_000, behindMs: 39_800 })).toBe('正在追赶：处理速度为实时的 101 %（1.01 / 1.00 MS/s），最近 30 秒告警最多延迟 39.8 秒——本机负载过高，请关闭其他程序或降低采样率');
  });
});
