// Messages of the live-listening channel between the daemon's main thread and a sensor's listen thread (docs/listening.md §3).
// The channel is a node:worker_threads BroadcastChannel per site and sensor, so neither the supervisor nor the sensor
// worker's message port carries audio.
import type { AlertMessageCode } from './protocol.js';

/** Most channels one sensor demodulates at once (several browsers listening to one alert share one channel). */
export const MAX_LISTENS_PER_SENSOR = 2;

/**
 * Name of the BroadcastChannel of a site's sensor: `quietband-listen/<site>/<sensor>`, both URI-encoded (so a `/` in a
 * name cannot make two pairs collide). No NUL separator: Node cuts a channel name at its first NUL, which would put
 * every sensor on one channel.
 */
export function listenChannelName(site: string, sensor: string): string {
  return `quietband-listen/${encodeURIComponent(site)}/${encodeURIComponent(sensor)}`;
}

/** Main → sensor worker. `centerHz`: the alert's centre (Hz, absolute); `bandwidthHz`: its 99 % bandwidth. */
export type ListenControl =
  | { type: 'start'; listenId: number; centerHz: number; bandwidthHz: number; cls: 'nfm' | 'wfm' | 'am' }
  | { type: 'stop'; listenId: number };

/** Sensor worker → main. */
export type ListenReport =
  /**
   * One frame of audio (i16 PCM at 16 kHz); `firstSampleMs`: wall time of its first sample (sensor sample clock);
   * `speech`: the last voice-activity verdict over 2 s of this listen's audio, null before the first.
   */
  | { type: 'audio'; listenId: number; seq: number; firstSampleMs: number; speech: boolean | null; pcm: Int16Array }
  /** The worker cannot (or no longer) demodulate this listen, and why (English, and as a `listen.*` code when it has one). */
  | { type: 'ended'; listenId: number; reason: string; reasonCode?: AlertMessageCode };
