// One replay row per transmission: the detector's slices of one band-wide emission, which the identification analysed
// as that whole band, are written as one row (docs/identification.md §12).
import type { DetectionEvent } from '../types.js';
import type { ReplaySignal } from './signal-summary.js';

/** A closed detection and the `signal` of its replay line (undefined without identification). */
export interface IdentifiedRow {
  ev: DetectionEvent;
  signal?: ReplaySignal;
}

/** A row to write: the detection (for a joined row, the union of its parts), its signal, and the ids of the other rows joined into it. */
export interface JoinedRow extends IdentifiedRow {
  /** Ids of the detections joined into this row, ascending ([] for a row of its own). */
  joinedIds: number[];
}

/** The identified 99 % band [low, high] (Hz, the detection's reference), or undefined when the signal has none. */
function identifiedBand(row: IdentifiedRow): [number, number] | undefined {
  const lo = row.signal?.lowHz;
  const hi = row.signal?.highHz;
  return typeof lo === 'number' && typeof hi === 'number' && hi > lo ? [lo, hi] : undefined;
}

/**
 * True when `row` is a slice of a band-wide emission: its identification analysed the whole band as one emission
 * (`signal.wholeBand`, docs/identification.md §2: the Mode S slices of 47–406 kHz) and that band holds the detector's
 * centre (centres, not edges: a detector band at the edge of the sampled band reaches half a bin past it, the Mode S
 * slice at 1089.0960 MHz to 1088.9961 MHz, 3.9 kHz outside the 2 MHz analysed). A narrow emission's identification
 * measures its own band (its 99 % band, keying sidebands included, 2.2–2.5 × the detector's −20 dB band on the real
 * OOK and FSK devices): no slice, written as it closes.
 */
export function isSlice(row: IdentifiedRow): boolean {
  const band = identifiedBand(row);
  return band !== undefined && row.signal?.wholeBand === true && inside(row.ev.centerHz, band);
}

/** True when `hz` lies in `band` (edges included). */
function inside(hz: number, band: [number, number]): boolean {
  return hz >= band[0] && hz <= band[1];
}

/**
 * True when two slices are one emission: the same class, each one's detector centre inside the other's identified band
 * (each identification saw the other's slice as part of what it analysed), and no more than `holdS` between their times
 * (the detector's hold: within it, one track's packets are one detection too, docs/detector.md §4).
 */
export function sameEmission(a: IdentifiedRow, b: IdentifiedRow, holdS: number): boolean {
  const ba = identifiedBand(a);
  const bb = identifiedBand(b);
  if (ba === undefined || bb === undefined || a.signal?.class !== b.signal?.class) return false;
  const endA = a.ev.endS ?? a.ev.startS;
  const endB = b.ev.endS ?? b.ev.startS;
  return inside(a.ev.centerHz, bb) && inside(b.ev.centerHz, ba) && a.ev.startS <= endB + holdS && b.ev.startS <= endA + holdS;
}

/**
 * One row of the joined `parts` (≥ 1): the strongest part's detection (highest peak excess; the earliest id on a tie)
 * and its signal, with the parts' union of band and time, the largest peak excess and power, every path, overload when
 * any part had it, and the most packets any part counted (each slice counts the bursts it saw: a lower bound).
 */
export function joinRows(parts: readonly IdentifiedRow[]): JoinedRow {
  if (parts.length === 0) throw new RangeError('joinRows: no rows to join');
  let base = parts[0];
  for (const p of parts) if (p.ev.peakExcessDb > base.ev.peakExcessDb || (p.ev.peakExcessDb === base.ev.peakExcessDb && p.ev.id < base.ev.id)) base = p;
  if (parts.length === 1) return { ...base, joinedIds: [] };
  const lowHz = Math.min(...parts.map((p) => p.ev.lowHz));
  const highHz = Math.max(...parts.map((p) => p.ev.highHz));
  const paths = (['fast', 'slow', 'long'] as const).filter((k) => parts.some((p) => p.ev.paths.includes(k)));
  const ev: DetectionEvent = {
    ...base.ev,
    lowHz,
    highHz,
    bandwidthHz: highHz - lowHz,
    startS: Math.min(...parts.map((p) => p.ev.startS)),
    endS: Math.max(...parts.map((p) => p.ev.endS ?? p.ev.startS)),
    peakPowerDbfs: Math.max(...parts.map((p) => p.ev.peakPowerDbfs)),
    paths,
    overload: parts.some((p) => p.ev.overload),
    packets: Math.max(...parts.map((p) => p.ev.packets)),
  };
  const joinedIds = parts.map((p) => p.ev.id).filter((id) => id !== base.ev.id).sort((x, y) => x - y);
  return { ev, signal: base.signal, joinedIds };
}

/**
 * Writes a replay's identified rows, one per transmission: a row that is no slice ({@link isSlice}) is written at once;
 * slices are held until {@link flush} (the end of the recording), then each set of slices linked by
 * {@link sameEmission} (transitively) is written as one row ({@link joinRows}), in the order of their ends.
 */
export class RowJoiner {
  private readonly held: IdentifiedRow[] = [];
  private written = 0;
  /**
   * @param holdS the detector's hold (s): slices no further apart in time than this can be one emission
   * @param write called once per row
   */
  constructor(private readonly holdS: number, private readonly write: (row: JoinedRow) => void) {
    if (!(holdS >= 0)) throw new RangeError(`RowJoiner: holdS must be ≥ 0 s, got ${holdS}`);
  }

  /** A closed detection and its signal: written now, or held when it is a slice. */
  add(row: IdentifiedRow): void {
    if (isSlice(row)) this.held.push(row);
    else this.emit({ ...row, joinedIds: [] });
  }

  /** Rows written so far (a joined row counts once). */
  get rows(): number {
    return this.written;
  }

  /** Writes the held slices, joined; call once the recording has ended. */
  flush(): void {
    const n = this.held.length;
    // connected sets of the "one emission" relation (union-find over the pairs: a few dozen slices at most)
    const parent = Array.from({ length: n }, (_, i) => i);
    const root = (i: number): number => {
      while (parent[i] !== i) i = parent[i] = parent[parent[i]];
      return i;
    };
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) if (sameEmission(this.held[i], this.held[j], this.holdS)) parent[root(j)] = root(i);
    }
    const sets = new Map<number, IdentifiedRow[]>();
    for (let i = 0; i < n; i++) {
      const k = root(i);
      const set = sets.get(k);
      if (set === undefined) sets.set(k, [this.held[i]]);
      else set.push(this.held[i]);
    }
    const rows = [...sets.values()].map(joinRows);
    rows.sort((a, b) => (a.ev.endS ?? a.ev.startS) - (b.ev.endS ?? b.ev.startS) || a.ev.id - b.ev.id);
    this.held.length = 0;
    for (const row of rows) this.emit(row);
  }

  private emit(row: JoinedRow): void {
    this.written++;
    this.write(row);
  }
}
