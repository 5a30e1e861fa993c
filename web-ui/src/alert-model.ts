// Alert list state: protocol records deduplicated by seq and folded by alertId; spectrum snapshots at each alert's peak.
import { foldInOrder, openAlertState, type AlertStateCore } from '../../src/alerts/alert-fold.js';

/** The store's rank of an alert (severity, then its raise), for the table's order (alert-pins.ts). */
export { alertRank } from '../../src/alerts/alert-fold.js';
import type { Alert, AlertMessageCode, AlertState, SpectrumMessage } from './protocol-types.js';

/** One stored record of an alert, as kept for the detail view's history. */
export interface AlertRecordSummary {
  seq: number;
  event: Alert['event'];
  state: AlertState;
  /** ISO time of the record. */
  time: string;
  ackBy?: string;
  message?: string;
  messageCode?: AlertMessageCode;
}

/**
 * The record fields an alert's view carries (the latest record carrying one wins), as the records define them
 * ({@link Alert}): detection (Hz, dB, dBFS, ISO start / end, band label), session, known-emitter label, message (and its
 * code), who acknowledged, the clip (or why none was kept), the rooms of a multi-sensor transmission and its centroid
 * (m), the emitter a baseline heard (`present-during-calibration`), the sensor's identification (transmissions), how
 * late it was raised (`lateMs`) and how much of that its samples waited on the receiver's link (`lateLinkMs`).
 */
type AlertRecordFields = Pick<
  Alert,
  | 'centerHz' | 'bandwidthHz' | 'peakExcessDb' | 'peakPowerDbfs' | 'bandLabel' | 'startTime' | 'endTime' | 'session'
  | 'knownLabel' | 'message' | 'messageCode' | 'ackBy' | 'clip' | 'clipNotKept' | 'groupId' | 'rooms' | 'positionM'
  | 'calibration' | 'signal' | 'lateMs' | 'lateLinkMs'
>;

/**
 * An alert as the page shows it: every record of one `alertId`, folded (later seq wins field by field). From
 * {@link AlertStateCore} (src/alerts/alert-fold.ts, folded as the daemon's store folds): `openSeq`/`lastSeq` are the
 * lowest / highest seq received (the row's `data-seq` is `lastSeq`); `closed` is true once a `close` was received.
 */
export interface AlertView extends AlertStateCore, AlertRecordFields {
  /** Band edges (Hz): from the detection when present, else centre ± bandwidth/2. */
  lowHz?: number;
  highHz?: number;
  /** ISO time of the first / latest record. */
  firstTime: string;
  lastTime: string;
  /** Every non-`update` record, seq order. */
  history: AlertRecordSummary[];
  /** Number of `update` records folded in. */
  updates: number;
  /** The spectrum frame of this sensor with the highest in-band power while the alert was open (see {@link AlertModel.noteSpectrum}). */
  peakSpectrum?: SpectrumMessage;
  /** In-band maximum (dBFS) of `peakSpectrum`; −Infinity before any. */
  peakSpectrumDbfs: number;
  /**
   * True when `peakSpectrum` is only the sensor's latest spectrum, offered for a record this page did not see live
   * (see AlertModel.offerFallbackSpectrum): the detail must not call it the alert's peak.
   */
  peakSpectrumFallback: boolean;
}

/** Start of an alert (ms): its `startTime`, else its first record's time; 0 when neither parses. */
function startMs(v: Pick<AlertView, 'startTime' | 'firstTime'>): number {
  const t = Date.parse(v.startTime ?? v.firstTime);
  return Number.isNaN(t) ? 0 : t;
}

/** Ascending order of alerts: by start, then by `openSeq` (negative: `x` first). */
function startOrder(x: AlertView, y: AlertView): number {
  return startMs(x) - startMs(y) || x.openSeq - y.openSeq;
}

/** What {@link AlertModel.apply} did with a record. */
export type ApplyResult = 'duplicate' | 'opened' | 'changed';

const FOLDED_FIELDS = ['centerHz', 'bandwidthHz', 'peakExcessDb', 'peakPowerDbfs', 'bandLabel', 'startTime', 'endTime', 'session', 'knownLabel', 'message', 'messageCode', 'ackBy', 'clip', 'clipNotKept', 'groupId', 'rooms', 'positionM', 'calibration', 'signal', 'lateMs', 'lateLinkMs'] as const;

/** Copies field `f` of an alert record onto the view (both hold it with the record's type). */
function copyField<K extends (typeof FOLDED_FIELDS)[number]>(v: Pick<Alert, K>, rec: Pick<Alert, K>, f: K): void {
  v[f] = rec[f];
}

/**
 * Folds protocol `alert` records into one {@link AlertView} per alertId.
 *
 * - Dedupe: a seq seen before is ignored (replays after a reconnect may overlap what the page already has).
 * - In-order records (seq above the alert's latest) override every field they carry, and set state/severity.
 * - A late record (seq below the alert's latest: an old record replayed after newer ones) only fills fields still
 *   missing, and never changes state; it still joins the history.
 * - Order: newest first by start (`startTime`, else the first record's time), then by `openSeq`: alerts open in the
 *   order their records reach the store, which differs from the order they started in when sensors lag differently
 *   (a slower pipeline, a longer minimum duration) or a hub merges sites.
 */
export class AlertModel {
  private readonly seen = new Set<number>();
  private readonly byId = new Map<string, AlertView>();
  /** Open transmission alerts per sensor (for spectrum snapshots and live band marks). */
  private readonly openBySensor = new Map<string, Set<AlertView>>();
  private ordered: AlertView[] = [];
  private orderDirty = false;
  /** Highest seq received (the `sinceSeq` of the next resume). 0 before any. */
  lastSeq = 0;

  /** Number of alerts. */
  get size(): number {
    return this.byId.size;
  }

  /** The alert with that id. */
  get(alertId: string): AlertView | undefined {
    return this.byId.get(alertId);
  }

  /** Forgets everything (the daemon's data dir was replaced: its seqs restarted). */
  reset(): void {
    this.seen.clear();
    this.byId.clear();
    this.openBySensor.clear();
    this.ordered = [];
    this.orderDirty = false;
    this.lastSeq = 0;
  }

  /** Folds one record in; see the class comment for the rules. */
  apply(rec: Alert): ApplyResult {
    if (this.seen.has(rec.seq)) return 'duplicate';
    this.seen.add(rec.seq);
    if (rec.seq > this.lastSeq) this.lastSeq = rec.seq;
    let v = this.byId.get(rec.alertId);
    const opened = v === undefined;
    if (v === undefined) {
      v = {
        ...openAlertState(rec),
        firstTime: rec.time,
        lastTime: rec.time,
        history: [],
        updates: 0,
        peakSpectrumDbfs: -Infinity,
        peakSpectrumFallback: false,
      };
      this.byId.set(rec.alertId, v);
    }
    const inOrder = opened || rec.seq > v.lastSeq;
    const startBefore = v.startTime;
    if (inOrder) {
      foldInOrder(v, rec);
      v.lastTime = rec.time;
      for (const f of FOLDED_FIELDS) {
        const val = rec[f];
        if (val !== undefined && !(f === 'ackBy' && rec.event === 'unmark')) copyField(v, rec, f);
      }
      // a new text without a code replaces the old text and its code
      if (rec.message !== undefined && rec.messageCode === undefined) delete v.messageCode;
      // its known emitter was removed: no longer "known as …", and the handler is again the one who acknowledged it
      // (none when it is back to new): who removed the mark handled the emitter list, not the alert (its history says)
      if (rec.event === 'unmark') {
        delete v.knownLabel;
        let acker: string | undefined;
        if (rec.state === 'acknowledged') for (const h of v.history) if (h.event === 'ack' && h.seq < rec.seq) acker = h.ackBy;
        if (acker !== undefined) v.ackBy = acker;
        else delete v.ackBy;
      }
      const band = rec.detection ?? rec.calibration?.emitter;
      if (band !== undefined) {
        v.lowHz = band.lowHz;
        v.highHz = band.highHz;
      }
    } else {
      // a late record's raise fills in only with its signal (the raise follows the signal it came with)
      if (v.signal === undefined && rec.signal !== undefined && rec.severityRaise !== undefined) v.severityRaise = rec.severityRaise;
      for (const f of FOLDED_FIELDS) {
        const val = rec[f];
        if (val !== undefined && v[f] === undefined && !(f === 'ackBy' && rec.event === 'unmark')) copyField(v, rec, f);
      }
      const band = rec.detection ?? rec.calibration?.emitter;
      if (band !== undefined && v.lowHz === undefined) {
        v.lowHz = band.lowHz;
        v.highHz = band.highHz;
      }
      if (rec.seq < v.openSeq) {
        v.openSeq = rec.seq;
        v.firstTime = rec.time;
        this.orderDirty = true;
      }
    }
    if (v.lowHz === undefined && v.centerHz !== undefined && v.bandwidthHz !== undefined) {
      v.lowHz = v.centerHz - v.bandwidthHz / 2;
      v.highHz = v.centerHz + v.bandwidthHz / 2;
    }
    // placed once its fields (startTime) are folded in
    if (opened) this.insertOrdered(v);
    else if (v.startTime !== startBefore) this.orderDirty = true;
    if (rec.event === 'close') v.closed = true;
    if (rec.event === 'update') v.updates++;
    else {
      const h: AlertRecordSummary = { seq: rec.seq, event: rec.event, state: rec.state, time: rec.time };
      if (rec.ackBy !== undefined) h.ackBy = rec.ackBy;
      if (rec.message !== undefined) h.message = rec.message;
      if (rec.messageCode !== undefined) h.messageCode = rec.messageCode;
      let i = v.history.length;
      while (i > 0 && v.history[i - 1]!.seq > rec.seq) i--;
      v.history.splice(i, 0, h);
    }
    this.trackOpen(v);
    return opened ? 'opened' : 'changed';
  }

  private trackOpen(v: AlertView): void {
    let set = this.openBySensor.get(v.sensor);
    if (v.kind === 'transmission' && !v.closed) {
      if (set === undefined) this.openBySensor.set(v.sensor, (set = new Set()));
      set.add(v);
    } else set?.delete(v);
  }

  private insertOrdered(v: AlertView): void {
    const a = this.ordered;
    // Usually the newest: append at the end of the ascending array (read back reversed).
    if (a.length === 0 || startOrder(a[a.length - 1]!, v) < 0) {
      a.push(v);
      return;
    }
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (startOrder(a[mid]!, v) < 0) lo = mid + 1;
      else hi = mid;
    }
    a.splice(lo, 0, v);
  }

  /** Alerts newest first (latest start first, see the class comment); at most `limit`. */
  newestFirst(limit = Infinity): AlertView[] {
    if (this.orderDirty) {
      this.ordered.sort(startOrder);
      this.orderDirty = false;
    }
    const out: AlertView[] = [];
    for (let i = this.ordered.length - 1; i >= 0 && out.length < limit; i--) out.push(this.ordered[i]!);
    return out;
  }

  /** Open transmission alerts of `sensor` (for marking their bands on the live spectrum). */
  openTransmissions(sensor: string): ReadonlySet<AlertView> {
    return this.openBySensor.get(sensor) ?? EMPTY;
  }

  /** Sites whose data dir refuses alert records now: those with a `storage-failed` alert not yet closed. */
  storageFailedSites(): string[] {
    const out: string[] = [];
    for (const v of this.byId.values()) if (v.kind === 'storage-failed' && !v.closed && !out.includes(v.site)) out.push(v.site);
    return out;
  }

  /** True when an alert in state `new` has severity 'high'. */
  unacknowledgedHigh(): boolean {
    for (const v of this.byId.values()) if (v.state === 'new' && v.severity === 'high') return true;
    return false;
  }

  /** Alerts in state `new` that are not informational (the supervisor still has to look at them). */
  unacknowledgedCount(): number {
    let n = 0;
    for (const v of this.byId.values()) if (v.state === 'new' && v.severity !== 'info') n++;
    return n;
  }

  /**
   * Offers a spectrum frame to the open transmission alerts of its sensor: an alert keeps the frame whose maximum
   * power inside [lowHz, highHz] is the highest so far (its "spectrum at peak"). Frames that do not cover the band
   * are ignored. Cost: the in-band bins of each open alert of that sensor. Returns the number of snapshots replaced.
   */
  noteSpectrum(msg: SpectrumMessage): number {
    const set = this.openBySensor.get(msg.sensor);
    if (set === undefined || set.size === 0) return 0;
    let replaced = 0;
    const n = msg.powerDbfs.length;
    for (const v of set) {
      const m = bandMaxDbfs(msg, v.lowHz, v.highHz, n);
      if (m !== undefined && m > v.peakSpectrumDbfs) {
        v.peakSpectrumDbfs = m;
        v.peakSpectrum = msg;
        v.peakSpectrumFallback = false;
        replaced++;
      }
    }
    return replaced;
  }

  /**
   * Sets `msg` as the alert's snapshot when it has none yet. `standIn`: the record came from history (the page did not
   * see it live), so the frame is from now, not from the alert's peak (AlertView.peakSpectrumFallback); a live record's
   * latest frame is the alert's own.
   */
  offerFallbackSpectrum(v: AlertView, msg: SpectrumMessage | undefined, standIn = true): void {
    if (msg === undefined || v.peakSpectrum !== undefined || msg.sensor !== v.sensor) return;
    const m = bandMaxDbfs(msg, v.lowHz, v.highHz, msg.powerDbfs.length);
    if (m === undefined) return;
    v.peakSpectrum = msg;
    v.peakSpectrumDbfs = m;
    v.peakSpectrumFallback = standIn;
  }
}

const EMPTY: ReadonlySet<AlertView> = new Set();

/** Largest powerDbfs of the points whose frequency lies in [lowHz, highHz] (at least the nearest point); undefined when outside. */
function bandMaxDbfs(msg: SpectrumMessage, lowHz: number | undefined, highHz: number | undefined, n: number): number | undefined {
  if (lowHz === undefined || highHz === undefined || n === 0 || !(msg.stepHz > 0)) return undefined;
  const lastHz = msg.startHz + (n - 1) * msg.stepHz;
  if (highHz < msg.startHz - msg.stepHz / 2 || lowHz > lastHz + msg.stepHz / 2) return undefined;
  let i0 = Math.max(0, Math.round((lowHz - msg.startHz) / msg.stepHz));
  let i1 = Math.min(n - 1, Math.round((highHz - msg.startHz) / msg.stepHz));
  if (i1 < i0) i1 = i0 = Math.min(n - 1, Math.max(0, Math.round(((lowHz + highHz) / 2 - msg.startHz) / msg.stepHz)));
  let m = -Infinity;
  const p = msg.powerDbfs;
  for (let i = i0; i <= i1; i++) {
    const x = p[i]!;
    if (x > m) m = x;
  }
  return m;
}
