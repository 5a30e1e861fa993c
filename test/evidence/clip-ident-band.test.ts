// A clip cut to its identification's 99 % band when that is wider than the detection's (issue #13): the choice
// (clipBandFor), DetectionEvidence taking the band from onSignal, and the Danfoss 2-FSK recordings, whose detection
// holds one tone, reading fsk from their clips as at full rate.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planClipBand } from '../../src/dsp/band-cut.js';
import { ClipRecorder, clipBandFor } from '../../src/evidence/clip-recorder.js';
import { DetectionEvidence, identifiedClipBand } from '../../src/evidence/detection-evidence.js';
import { replayFile } from '../../src/cli/replay.js';
import { pipelineOptions } from '../../src/cli/pipeline-flags.js';
import { detect, learnBaseline } from '../../src/pipeline.js';
import { openFileSource } from '../../src/source/file-source.js';
import type { DetectionEvent, IqSource } from '../../src/types.js';
import { silentLog } from '../helpers.js';

const CAPTURES = join(import.meta.dirname, '../../../shared/captures');
const CAPTURES_WIDE = join(import.meta.dirname, '../../../shared/captures-wide');
const CENTER_HZ = 433.92e6;

const det = (lowHz: number, highHz: number, kind: DetectionEvent['kind'] = 'close', startS = 1, endS = 1.2): DetectionEvent => ({
  kind, id: 1, centerHz: (lowHz + highHz) / 2, bandwidthHz: highHz - lowHz, lowHz, highHz, peakExcessDb: 20, peakPowerDbfs: -30,
  startS, endS, paths: ['fast'], overload: false, tuneId: 0, packets: 1,
});

describe('clipBandFor', () => {
  const plan = (lo: number, hi: number): ReturnType<typeof planClipBand> => planClipBand(250e3, CENTER_HZ, lo, hi);
  it('widens to the union with a wider identification band; keeps the detection\'s when the union would give up the cut', () => {
    // the Danfoss case: the detector's lower tone (14.6 kHz), the identification's 99 % band over both tones (33 kHz)
    const lower = det(CENTER_HZ - 38_000, CENTER_HZ - 23_400);
    const own = clipBandFor(lower, undefined, plan);
    expect(own.choice).toEqual({ lowHz: lower.lowHz, highHz: lower.highHz, from: 'detection' });
    expect(own.plan.rateSps).toBe(25_000);
    const wide = clipBandFor(lower, { lowHz: CENTER_HZ - 31_000, highHz: CENTER_HZ + 2_000 }, plan);
    expect(wide.choice).toEqual({ lowHz: CENTER_HZ - 38_000, highHz: CENTER_HZ + 2_000, from: 'identification' });
    expect(wide.plan).toMatchObject({ decimated: true, rateSps: 50_000, centerHz: CENTER_HZ - 18_000 });
    // inside the detection, or wider but inside its own clip's flat passband (433.88927 ± 0.0105 MHz): nothing to widen
    expect(clipBandFor(lower, { lowHz: CENTER_HZ - 35_000, highHz: CENTER_HZ - 25_000 }, plan).choice.from).toBe('detection');
    expect(clipBandFor(lower, { lowHz: CENTER_HZ - 41_000, highHz: CENTER_HZ - 20_500 }, plan).choice.from).toBe('detection');
    expect(clipBandFor(lower, { lowHz: CENTER_HZ - 41_000, highHz: CENTER_HZ - 19_500 }, plan).choice.from).toBe('identification');
    // 80 kHz would need 100 kS/s, above a quarter of 250 kS/s (no cut): the detection's band stays
    const tooWide = clipBandFor(lower, { lowHz: CENTER_HZ - 40_000, highHz: CENTER_HZ + 40_000 }, plan);
    expect(tooWide.choice.from).toBe('detection');
    expect(tooWide.plan.rateSps).toBe(25_000);
  });
});

describe('DetectionEvidence with identifications', () => {
  it('cuts the clip to the last identification band it was given before the close; unknown and whole-band readings are not used', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'qb-identband-'));
    try {
      const info = { label: 'sim', format: 'cu8' as const, rateSps: 250_000, centerHz: CENTER_HZ, centerKnown: true };
      const posted: { ev: DetectionEvent; clip?: string }[] = [];
      const e = new DetectionEvidence(info, 0, {
        dataDir, sensor: 's1', preS: 1, postS: 1, maxS: 5, quotaBytes: 1 << 30, pictures: false, log: silentLog,
        post: (x, clip) => posted.push({ ev: x, ...(clip !== undefined ? { clip } : {}) }),
      });
      const per = 25_000;
      const lower = (id: number, startS: number): DetectionEvent => ({ ...det(CENTER_HZ - 38_000, CENTER_HZ - 23_400, 'open', startS, startS + 0.2), id });
      for (let k = 0; k < 60; k++) {
        e.push({ samples: new Float32Array(2 * per).fill(0.01), count: per, centerHz: CENTER_HZ, rateSps: 250_000, firstSample: k * per, tuneId: 0, clipFraction: 0, discontinuity: false });
        if (k === 10) {
          e.onEvent(lower(1, 1));
          e.onEvent(lower(2, 1));
          // track 1: a first reading (narrow), then the final one over both tones; track 2: nothing usable
          e.onSignal(1, { class: 'ook', lowHz: CENTER_HZ - 37_000, highHz: CENTER_HZ - 24_000 });
          e.onSignal(1, { class: 'fsk', lowHz: CENTER_HZ - 31_000, highHz: CENTER_HZ + 2_000 });
          e.onSignal(2, { class: 'unknown', lowHz: CENTER_HZ - 31_000, highHz: CENTER_HZ + 2_000 });
          e.onSignal(2, { class: 'wideband-digital', lowHz: CENTER_HZ - 31_000, highHz: CENTER_HZ + 2_000, wholeBand: true });
          e.onEvent({ ...lower(1, 1), kind: 'close' });
          e.onEvent({ ...lower(2, 1), kind: 'close' });
        }
      }
      await e.close();
      const meta = async (id: number): Promise<Record<string, unknown>> => JSON.parse(await readFile(join(dataDir, posted.find((p) => p.ev.kind === 'close' && p.ev.id === id)!.clip!), 'utf8')).global;
      expect((await meta(1))['quietband:clip_band']).toEqual({ low_hz: CENTER_HZ - 38_000, high_hz: CENTER_HZ + 2_000, from: 'identification' });
      expect((await meta(1))['core:sample_rate']).toBe(50_000);
      expect((await meta(2))['quietband:clip_band']).toEqual({ low_hz: CENTER_HZ - 38_000, high_hz: CENTER_HZ - 23_400, from: 'detection' });
      expect((await meta(2))['core:sample_rate']).toBe(25_000);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

/** A file source's first blocks, each also pushed to `clips`. */
function tapped(src: IqSource, clips: ClipRecorder | undefined): IqSource {
  return {
    info: src.info,
    async *blocks() {
      for await (const b of src.blocks()) {
        clips?.push(b);
        yield b;
      }
    },
    close: () => src.close(),
    health: () => src.health(),
  };
}

type Row = { startS: number; centerHz: number; signal?: { class: string; lowHz?: number; highHz?: number; wholeBand?: boolean; complementSpacingHz?: number } };

describe('Danfoss CFR 2-FSK (the detection holds the lower tone only)', () => {
  const files = [join(CAPTURES, 'danfoss_CFR_FSK_dfile001_250k.cu8'), join(CAPTURES_WIDE, 'danfoss-CFR-dfile002_250k.cu8'), join(CAPTURES_WIDE, 'danfoss-CFR-dfile003_250k.cu8')];
  it('a clip cut to the identification\'s band holds both tones and reads fsk, as the full-rate replay does (the detection\'s band alone: ook)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qb-danfoss-'));
    try {
      const seen: string[] = [];
      for (const file of files) {
        const full: Row[] = [];
        await replayFile(file, { progress: false }, (l) => full.push(JSON.parse(l)), silentLog);
        const read: Record<string, { cls: string | undefined; rate: number; from: string }> = {};
        for (const widen of [false, true]) {
          const sub = join(dir, `${widen}`);
          // the recordings have no centre: a sensor's is absolute, so they are taken at 433.92 MHz (the full-rate rows are offsets)
          const open = (): Promise<IqSource> => openFileSource(file, { centerHz: CENTER_HZ });
          const first = await open();
          const opts = pipelineOptions({}, first.info.rateSps);
          const { baseline } = await learnBaseline(first, opts, 'auto');
          await first.close();
          const src = await open();
          const clips = new ClipRecorder(src.info, 0, { sensor: 's', dir: sub, preS: 1, postS: 1, maxS: 5 });
          const written: { ev: DetectionEvent; meta: string }[] = [];
          await detect(tapped(src, clips), baseline, opts, (e) => {
            if (e.kind !== 'close') return;
            const row = full.filter((r) => Math.abs(r.startS - e.startS) < 0.05).sort((a, b) => Math.abs(a.centerHz + CENTER_HZ - e.centerHz) - Math.abs(b.centerHz + CENTER_HZ - e.centerHz))[0];
            const b = widen && row?.signal !== undefined ? identifiedClipBand(row.signal, { lowHz: e.lowHz - CENTER_HZ, highHz: e.highHz - CENTER_HZ }) : undefined;
            const identified = b === undefined ? undefined : { lowHz: b.lowHz + CENTER_HZ, highHz: b.highHz + CENTER_HZ };
            clips.onDetection(e, (p) => written.push({ ev: e, meta: p }), undefined, identified);
          });
          await clips.close();
          await src.close();
          // the packet: the detection whose full-rate reading is fsk
          const packet = written.find((w) => full.some((r) => Math.abs(r.startS - w.ev.startS) < 0.05 && r.signal?.class === 'fsk'))!;
          expect(packet).toBeDefined();
          const m = JSON.parse(await readFile(packet.meta, 'utf8')).global;
          const rows: Row[] = [];
          await replayFile(packet.meta, { progress: false }, (l) => rows.push(JSON.parse(l)), silentLog);
          const row = rows.filter((r) => r.centerHz !== undefined).sort((a, b) => Math.abs(a.centerHz - packet.ev.centerHz) - Math.abs(b.centerHz - packet.ev.centerHz))[0];
          read[widen ? 'widened' : 'detection'] = { cls: row?.signal?.class, rate: m['core:sample_rate'], from: m['quietband:clip_band'].from };
        }
        seen.push(`${file.replace(/^.*\//, '')}: ${JSON.stringify(read)}`);
        expect(read.detection).toEqual({ cls: 'ook', rate: 25_000, from: 'detection' });
        expect(read.widened).toEqual({ cls: 'fsk', rate: 100_000, from: 'identification' });
      }
      console.log(`Danfoss clips:\n${seen.join('\n')}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
