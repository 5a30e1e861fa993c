// Spectrum fan-out: max-decimation to ≤ 1024 points (values, Hz axis), ≤ 10 msgs/s per sensor per client, latest frame delivered.
import { afterEach, describe, expect, it } from 'vitest';
import type { SpectrumMessage } from '../../src/server/protocol.js';
import { DB_FLOOR, decimateSpectrum, type SpectrumInput } from '../../src/server/spectrum-decimate.js';
import { sleep, startStack, TestClient, type Stack } from './helpers.js';

const stacks: Stack[] = [];
afterEach(async () => {
  for (const s of stacks.splice(0)) await s.close();
});

function frame(sensor: string, bins: number, timeS: number, spikeAt = -1): SpectrumInput {
  const p = new Float32Array(bins).fill(-100);
  if (spikeAt >= 0) p[spikeAt] = -20.123;
  return { sensor, centerHz: 433_920_000, rateSps: 2_048_000, startHz: 432_896_000, stepHz: 500, powerDbfs: p, baselineDbfs: new Float32Array(bins).fill(-101.5), thresholdDbfs: new Float32Array(bins).fill(-95), timeS };
}

describe('decimateSpectrum', () => {
  it('merges 4096 bins into 1024 points by max and moves the Hz axis to group centres', () => {
    const m = decimateSpectrum(frame('s1', 4096, 1, 1001));
    expect(m.powerDbfs).toHaveLength(1024);
    expect(m.baselineDbfs).toHaveLength(1024);
    expect(m.thresholdDbfs).toHaveLength(1024);
    expect(m.powerDbfs[250]).toBe(-20.12); // bins 1000..1003 → point 250, rounded to 0.01 dB
    expect(m.powerDbfs.filter((v) => v !== -100)).toHaveLength(1);
    expect(m.stepHz).toBe(2000);
    expect(m.startHz).toBe(432_896_000 + 1.5 * 500);
    expect(m.baselineDbfs[0]).toBe(-101.5);
    expect(m).toMatchObject({ v: 1, type: 'spectrum', sensor: 's1', centerHz: 433_920_000, rateSps: 2_048_000, timeS: 1 });
  });

  it('keeps ≤ 1024 bins as they are, handles a partial last group, floors non-finite values', () => {
    const small = decimateSpectrum(frame('s1', 1000, 0, 7));
    expect(small.powerDbfs).toHaveLength(1000);
    expect(small.powerDbfs[7]).toBe(-20.12);
    expect(small.startHz).toBe(432_896_000);
    const odd = decimateSpectrum(frame('s1', 1500, 0, 1499));
    expect(odd.powerDbfs).toHaveLength(750);
    expect(odd.powerDbfs[749]).toBe(-20.12);
    const inf = frame('s1', 8, 0);
    (inf.powerDbfs as Float32Array)[3] = -Infinity;
    (inf.powerDbfs as Float32Array)[4] = NaN;
    const m = decimateSpectrum(inf);
    expect(m.powerDbfs[3]).toBe(DB_FLOOR);
    expect(m.powerDbfs[4]).toBe(DB_FLOOR);
    expect(decimateSpectrum({ ...inf, baselineDbfs: undefined, thresholdDbfs: undefined }).baselineDbfs).toEqual([]);
  });

  it('rejects baseline/threshold arrays of another length', () => {
    expect(() => decimateSpectrum({ ...frame('s1', 16, 0), baselineDbfs: new Float32Array(15) })).toThrow(/baselineDbfs/);
  });
});

describe('spectrum broadcast', () => {
  it('sends ≤ 10 spectra/s per sensor to a client and always delivers the latest frame', async () => {
    const s = await startStack({ sensors: [{ name: 's1', centerHz: 1, rateSps: 1, fftSize: 4096 }, { name: 's2', centerHz: 1, rateSps: 1, fftSize: 4096 }] });
    stacks.push(s);
    const c = await TestClient.open(s.wsUrl);
    await c.waitFor(() => c.messages.some((m) => m.type === 'hello') || undefined);
    const t0 = performance.now();
    let i = 0;
    while (performance.now() - t0 < 1000) {
      s.server.broadcastSpectrum(frame('s1', 4096, i));
      s.server.broadcastSpectrum(frame('s2', 2048, i));
      i++;
      await sleep(5);
    }
    const last = i - 1;
    await sleep(250);
    const spectra = c.messages.filter((m): m is SpectrumMessage => m.type === 'spectrum');
    for (const sensor of ['s1', 's2']) {
      const mine = spectra.filter((m) => m.sensor === sensor);
      expect(mine.length, sensor).toBeGreaterThanOrEqual(8);
      expect(mine.length, sensor).toBeLessThanOrEqual(12); // ~1.1 s window at 10/s
      expect(mine.at(-1)!.timeS, sensor).toBe(last);
      expect(mine.every((m) => m.powerDbfs.length <= 1024)).toBe(true);
    }
    expect(i).toBeGreaterThan(60); // many more frames were offered than sent
    const st = s.server.clientStats()[0]!;
    expect(st.spectraSuperseded).toBeGreaterThan(100);
    c.ws.terminate();
  });

  it('gives a new client the latest spectrum of each sensor right after hello/status', async () => {
    const s = await startStack();
    stacks.push(s);
    s.server.broadcastSpectrum(frame('s1', 256, 41));
    s.server.broadcastSpectrum(frame('s1', 256, 42));
    const c = await TestClient.open(s.wsUrl);
    const sp = await c.waitFor(() => c.messages.find((m): m is SpectrumMessage => m.type === 'spectrum'));
    expect(c.messages.slice(0, 3).map((m) => m.type)).toEqual(['hello', 'status', 'spectrum']);
    expect(sp.timeS).toBe(42);
    c.ws.terminate();
  });
});
