// Countdown bars on a terminal for the long waits: live calibrate, record, the daemon's warm-up. Nothing when piped.
import { DEFAULT_SCAN_SETTLE_MS, scanPlanOf, type SensorScanSettings } from '../scan/scan-config.js';
import { planHops } from '../scan/scan-plan.js';
import cliProgress from 'cli-progress';
import { resolveLogLang, terminalWords } from '../log-words.js';
import type { TextLang } from '../text-template.js';

/** Where the bars are drawn: stderr, or a test's stream (must say isTTY to draw). */
export interface CountdownStream extends NodeJS.WritableStream {
  isTTY?: boolean;
  columns?: number;
  cursorTo?: (x: number, y?: number) => boolean;
  moveCursor?: (dx: number, dy: number) => boolean;
  clearLine?: (dir: -1 | 0 | 1) => boolean;
  clearScreenDown?: () => boolean;
}

interface Task {
  bar: cliProgress.SingleBar;
  startMs: number;
  totalS: number;
  /** Seconds before the timed part starts (a source's settle): the bar waits at 0 % and `totalS` left meanwhile. */
  leadS: number;
  /** Set by {@link Countdown.progress}; undefined = the task is timed by the clock. */
  fraction?: number;
}

/** `1 min 05 s left`, `33 s left` (zh-CN: `剩余 1 分 05 秒`). */
export function remainingText(s: number, lang: TextLang = 'en'): string {
  return terminalWords(lang).left(s);
}

/**
 * Done fraction (0..1) and seconds left of a task timed by the clock: `elapsedS` seconds since its start, of which the
 * first `leadS` (a source's settle, discarded before the timed part) count as not begun, then `totalS` seconds. The
 * time left starts at `totalS` and never shows more (a 10 s warm-up after a 0.25 s settle reads "10 s left", not 11).
 */
export function clockShare(elapsedS: number, totalS: number, leadS = 0): { fraction: number; leftS: number } {
  const runS = Math.max(0, elapsedS - leadS);
  return { fraction: totalS > 0 ? Math.min(1, runS / totalS) : 1, leftS: totalS - runS };
}

/**
 * One bar per task: `<label> [████░░░░] 45 % · 33 s left`. A task is timed by the clock (a live source delivers in real
 * time: `totalS` from its start) or by {@link progress} (done fraction; time left = elapsed × (1 − f) / f). Draws only when
 * the stream is a terminal; every method is a no-op otherwise. Bars are cleared when they stop.
 */
export class Countdown {
  private readonly multi: cliProgress.MultiBar | null;
  private readonly tasks = new Map<string, Task>();
  private timer: NodeJS.Timeout | null = null;
  private readonly now: () => number;
  private closed = false;

  /** Language of the time left (default: `QUIETBAND_LANG`, set by `--lang`). */
  private readonly lang: TextLang;

  constructor(opts: { stream?: CountdownStream; now?: () => number; lang?: TextLang } = {}) {
    const stream = opts.stream ?? process.stderr;
    this.now = opts.now ?? Date.now;
    this.lang = opts.lang ?? resolveLogLang();
    this.multi =
      stream.isTTY === true
        ? new cliProgress.MultiBar(
            { stream: stream as NodeJS.WritableStream, format: '{label} [{bar}] {percentage} % · {left}', clearOnComplete: true, hideCursor: true, barsize: 24, autopadding: true },
            cliProgress.Presets.shades_classic,
          )
        : null;
  }

  /** True when bars are drawn (stderr is a terminal). */
  get enabled(): boolean {
    return this.multi !== null;
  }

  /** Starts (or restarts) the bar `key`, expected to take `totalS` seconds after a lead-in of `leadS` seconds ({@link clockShare}). */
  start(key: string, label: string, totalS: number, leadS = 0): void {
    if (this.multi === null) return;
    this.stop(key);
    const bar = this.multi.create(1000, 0, { label, left: remainingText(totalS, this.lang) });
    this.tasks.set(key, { bar, startMs: this.now(), totalS, leadS });
    this.timer ??= setInterval(() => this.tick(), 500);
    this.timer.unref();
  }

  /** Sets the done fraction (0..1) of `key` (a task measured in samples rather than by the clock). */
  progress(key: string, fraction: number): void {
    const t = this.tasks.get(key);
    if (t === undefined) return;
    t.fraction = Math.min(1, Math.max(0, fraction));
    this.draw(t);
  }

  /** Redraws every bar from the clock (also run every 500 ms). */
  tick(): void {
    for (const t of this.tasks.values()) this.draw(t);
  }

  private draw(t: Task): void {
    const elapsedS = (this.now() - t.startMs) / 1000;
    let f: number;
    let leftS: number;
    if (t.fraction === undefined) {
      ({ fraction: f, leftS } = clockShare(elapsedS, t.totalS, t.leadS));
    } else {
      f = t.fraction;
      leftS = f > 0 ? (elapsedS * (1 - f)) / f : t.totalS;
    }
    t.bar.update(Math.round(f * 1000), { left: remainingText(leftS, this.lang) });
  }

  /** Removes the bar `key`. */
  stop(key: string): void {
    const t = this.tasks.get(key);
    if (t === undefined) return;
    this.tasks.delete(key);
    this.multi?.remove(t.bar);
    if (this.tasks.size === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /** Removes every bar and restores the cursor. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const k of [...this.tasks.keys()]) this.stop(k);
    this.multi?.stop();
  }
}

/** Seconds between two warm-up lines in line mode (see {@link watchWarmup}). */
export const WARMUP_LINE_INTERVAL_S = 10;

/** What {@link watchWarmup} reads of a sensor's health: its state, and a scanning sensor's plan (SensorHealth.scan). */
export interface WarmupHealth {
  sensor: string;
  state: string;
  /** Hops of the plan, dwell per visit and settle after each retune (ms). */
  scan?: { hops: number; dwellMs: number; settleMs: number };
}

/**
 * Seconds a sensor's warm-up takes: `warmupS` for a fixed-tuning sensor; a scanning one learns every hop from
 * `warmupS` of its own analysed samples, `dwellMs` a visit, so it visits each hop ceil(warmupS / dwell) times, a
 * round of the plan taking hops × (dwell + settle): ceil(warmupS / dwell) × hops × (dwell + settle) (≈ hops ×
 * warmupS × (dwell + settle) / dwell; src/site/hop-runner.ts). 8 hops, 200 ms dwell, 41 ms settle, 2 s: 19.3 s (a sim
 * run took 19 s, where the countdown said 2 s).
 */
export function warmupLengthS(warmupS: number, scan?: WarmupHealth['scan']): number {
  if (scan === undefined || !(scan.dwellMs > 0) || !(scan.hops > 0)) return warmupS;
  const visits = Math.max(1, Math.ceil((warmupS * 1000) / scan.dwellMs - 1e-9));
  return (visits * scan.hops * (scan.dwellMs + Math.max(0, scan.settleMs))) / 1000;
}

/**
 * A sensor's learning length from its config, before it runs (run's start-up line, live calibrate's bar): `seconds`
 * for a fixed-tuning sensor; for a scanning one {@link warmupLengthS} over its planned hops with the configured settle,
 * or its 25 ms part (the source buffer added to it is known once the stream runs). `hops` is 1 for a fixed sensor.
 */
export function plannedLearningS(seconds: number, sensor: { rateSps: number; scan?: SensorScanSettings }): { lengthS: number; hops: number } {
  if (sensor.scan === undefined) return { lengthS: seconds, hops: 1 };
  const hops = planHops(scanPlanOf(sensor.scan, 0), sensor.rateSps).length;
  return { lengthS: warmupLengthS(seconds, { hops, dwellMs: sensor.scan.dwellMs, settleMs: sensor.scan.settleMs ?? DEFAULT_SCAN_SETTLE_MS }), hops };
}

/**
 * The daemon's warm-up on a terminal, per sensor while its state is `learning` (`settleS`, then its warm-up's length
 * {@link warmupLengthS}, from the moment it is first seen learning; the time left counts down the warm-up only,
 * {@link clockShare}; a scanning sensor's length is read again at each line: its settle is known after its first block). With `announce` (the daemon: its log lines, and its sensor workers', go to the same terminal
 * at any moment, and a bar redrawn between them glued itself to them or drew over them) one line per sensor when it
 * starts learning and every {@link WARMUP_LINE_INTERVAL_S} s after, `<label> 45 % · 33 s left`, through `announce`;
 * without it a bar per sensor, removed when it leaves that state. Nothing when stderr is no terminal. Polls `sensors()`
 * every 500 ms.
 * @returns a function that stops watching and removes the bars.
 */
export function watchWarmup(
  sensors: () => readonly WarmupHealth[], length: { warmupS: number; settleS: number }, countdown = new Countdown(), announce?: (line: string) => void,
  now: () => number = Date.now,
): () => void {
  if (!countdown.enabled) return () => undefined;
  const shown = new Map<string, { startMs: number; nextMs: number }>();
  const lang = resolveLogLang();
  const poll = (): void => {
    const t = now();
    for (const h of sensors()) {
      const seen = shown.get(h.sensor);
      if (h.state === 'learning' && seen === undefined) {
        shown.set(h.sensor, { startMs: t, nextMs: t });
        if (announce === undefined) countdown.start(h.sensor, terminalWords(lang).warmup(h.sensor), warmupLengthS(length.warmupS, h.scan), length.settleS);
      } else if (h.state !== 'learning' && seen !== undefined) {
        shown.delete(h.sensor);
        countdown.stop(h.sensor);
      }
      const w = shown.get(h.sensor);
      if (announce !== undefined && w !== undefined && t >= w.nextMs) {
        w.nextMs += WARMUP_LINE_INTERVAL_S * 1000;
        const { fraction, leftS } = clockShare((t - w.startMs) / 1000, warmupLengthS(length.warmupS, h.scan), length.settleS);
        announce(`${terminalWords(lang).warmup(h.sensor)} ${Math.round(100 * fraction)} % · ${remainingText(leftS, lang)}`);
      }
    }
  };
  const timer = setInterval(poll, 500);
  timer.unref();
  poll();
  return () => {
    clearInterval(timer);
    countdown.close();
  };
}
