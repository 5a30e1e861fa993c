// Shared by the clip tests: a finite sim source, and a detect pass over a scenario with a ClipRecorder tapped in.
import { ClipRecorder, type ClipOptions } from '../../src/evidence/clip-recorder.js';
import { SimSource, type Scenario } from '../../src/source/sim.js';
import { detect, learnBaseline } from '../../src/pipeline.js';
import { pipelineOptions } from '../../src/cli/pipeline-flags.js';
import type { DetectionEvent, IqSource, SampleFormat } from '../../src/types.js';

/**
 * How the test stream is presented: the sim's samples scaled by `scaleDb` and labelled `format` (the evidence ring then
 * stores them in that format), as a cs16 or cf32 receiver whose noise lies below an 8-bit LSB would deliver them.
 */
export interface StreamAs {
  format: SampleFormat;
  scaleDb: number;
}

/** `src` labelled and scaled as `as` (the block's samples scaled in place: the sim converts each block afresh). */
function presented(src: IqSource, as: StreamAs | undefined): IqSource {
  if (as === undefined) return src;
  const k = 10 ** (as.scaleDb / 20);
  return {
    info: { ...src.info, format: as.format },
    async *blocks() {
      for await (const b of src.blocks()) {
        for (let i = 0; i < 2 * b.count; i++) b.samples[i] *= k;
        yield b;
      }
    },
    health: () => src.health(),
    close: () => src.close(),
  };
}

/** A finite source over a SimSource (its first `samples` samples). */
export function take(src: SimSource, samples: number): IqSource {
  return {
    info: src.info,
    async *blocks() {
      for await (const b of src.blocks()) {
        if (b.firstSample >= samples) break;
        yield b;
      }
    },
    health: () => src.health(),
    close: () => src.close(),
  };
}

/**
 * Learns a baseline from the scenario's first `baselineS` seconds, then detects over the whole scenario with a
 * ClipRecorder (stream origin 2026-06-07T01:00:00Z, sensor room-101) fed every block; a clip per closed detection.
 * `as`: the stream presented in another format and level ({@link StreamAs}); default the sim's cu8 as it is.
 * @returns the closed detections and the clips' meta paths, in write order
 */
export async function recordClips(
  scenario: Scenario, baselineS: number, clipOptions: Partial<ClipOptions> & { dir: string }, as?: StreamAs,
): Promise<{ events: DetectionEvent[]; written: string[] }> {
  const rate = scenario.rateSps;
  const opts = pipelineOptions({}, rate);
  const { baseline } = await learnBaseline(presented(take(new SimSource(scenario), baselineS * rate), as), opts, 'auto');
  const src = presented(take(new SimSource(scenario), scenario.durationS * rate), as);
  const clips = new ClipRecorder(src.info, Date.parse('2026-06-07T01:00:00Z'), { sensor: 'room-101', ...clipOptions });
  const events: DetectionEvent[] = [];
  const written: string[] = [];
  const tap: IqSource = {
    info: src.info,
    async *blocks() {
      for await (const b of src.blocks()) {
        clips.push(b);
        yield b;
      }
    },
    health: () => src.health(),
    close: () => src.close(),
  };
  await detect(tap, baseline, opts, (ev) => {
    if (ev.kind !== 'close') return;
    events.push(ev);
    clips.onDetection(ev, (p) => written.push(p));
  });
  await clips.close();
  return { events, written };
}
