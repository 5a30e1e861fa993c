// Shared by the clip tests: a finite sim source, and a detect pass over a scenario with a ClipRecorder tapped in.
import { ClipRecorder, type ClipOptions } from '../../src/evidence/clip-recorder.js';
import { SimSource, type Scenario } from '../../src/source/sim.js';
import { detect, learnBaseline } from '../../src/pipeline.js';
import { pipelineOptions } from '../../src/cli/pipeline-flags.js';
import type { DetectionEvent, IqSource } from '../../src/types.js';

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
 * @returns the closed detections and the clips' meta paths, in write order
 */
export async function recordClips(
  scenario: Scenario, baselineS: number, clipOptions: Partial<ClipOptions> & { dir: string },
): Promise<{ events: DetectionEvent[]; written: string[] }> {
  const rate = scenario.rateSps;
  const opts = pipelineOptions({}, rate);
  const { baseline } = await learnBaseline(take(new SimSource(scenario), baselineS * rate), opts, 'auto');
  const src = new SimSource(scenario);
  const clips = new ClipRecorder(src.info, Date.parse('2026-06-07T01:00:00Z'), { sensor: 'room-101', ...clipOptions });
  const events: DetectionEvent[] = [];
  const written: string[] = [];
  const tap: IqSource = {
    info: src.info,
    async *blocks() {
      for await (const b of take(src, scenario.durationS * rate).blocks()) {
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
