// The alert detail's clip audio URL: analog transmissions with a clip (open or closed) get clips/<name>.wav?class=…;
// so do unknowns whose closest class is analog (demodulated as it); digital classes, alerts without a clip or not yet
// identified, and other kinds get none.
import { describe, expect, it } from 'vitest';
import type { AlertSignal } from '../../src/server/protocol.js';
import { clipAudioUrl, clipFileUrl } from '../../web-ui/src/clip-audio.js';

const signal = (cls: AlertSignal['class']): AlertSignal => ({ class: cls, confidence: 0.9, final: true, reason: 'test' });
const CLIP = 'clips/room-101_2026-12-07T01-00-02-000Z_7_433.92M_50k.sigmf-meta';

describe('clipAudioUrl', () => {
  it('gives the demodulated clip for nfm, wfm and am transmissions with a clip', () => {
    for (const cls of ['nfm', 'wfm', 'am'] as const) {
      expect(clipAudioUrl({ kind: 'transmission', clip: CLIP, signal: signal(cls) })).toBe(`clips/room-101_2026-12-07T01-00-02-000Z_7_433.92M_50k.wav?class=${cls}`);
    }
  });

  it('gives none for a digital class, a missing clip or signal, or a calibration alert', () => {
    expect(clipAudioUrl({ kind: 'transmission', clip: CLIP, signal: signal('ook') })).toBeNull();
    expect(clipAudioUrl({ kind: 'transmission', clip: CLIP, signal: signal('carrier') })).toBeNull();
    expect(clipAudioUrl({ kind: 'transmission', signal: signal('nfm') })).toBeNull();
    expect(clipAudioUrl({ kind: 'transmission', clip: CLIP })).toBeNull();
    expect(clipAudioUrl({ kind: 'present-during-calibration', clip: CLIP, signal: signal('nfm') })).toBeNull();
  });

  it('gives the clip demodulated as the closest class for an unknown whose closest class is analog, none when it is digital', () => {
    const unknown = (closestClass: AlertSignal['closestClass']): AlertSignal => ({ class: 'unknown', closestClass, confidence: 0.05, final: true, reason: 'test' });
    expect(clipAudioUrl({ kind: 'transmission', clip: CLIP, signal: unknown('nfm') })).toBe('clips/room-101_2026-12-07T01-00-02-000Z_7_433.92M_50k.wav?class=nfm');
    expect(clipAudioUrl({ kind: 'transmission', clip: CLIP, signal: unknown('ook') })).toBeNull();
    expect(clipAudioUrl({ kind: 'transmission', clip: CLIP, signal: { class: 'unknown', confidence: 0, final: true, reason: 'clip too short' } })).toBeNull();
  });

  it('percent-encodes the clip name like the other clip links', () => {
    expect(clipFileUrl('clips/a b#1.sigmf-data', '.wav')).toBe('clips/a%20b%231.wav');
    expect(clipAudioUrl({ kind: 'transmission', clip: 'clips/a b#1.sigmf-meta', signal: signal('am') })).toBe('clips/a%20b%231.wav?class=am');
  });
});
