// Known emitters: frequency ranges (config list + ones a supervisor marked in the UI, kept in <dataDir>/known-emitters.json).
import { mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AlertStore } from '../alerts/alert-store.js';
import { QuietBandError } from '../errors.js';
import type { Alert } from '../alerts/alert.js';
import { writeFileAtomic } from '../atomic-write.js';
import { BoundedMap } from '../bounded.js';
import type { KnownEmitterSettings } from './field-config.js';

/** File (in the data dir) holding the emitters marked known from the UI. */
export const KNOWN_EMITTERS_FILE = 'known-emitters.json';

/**
 * One known emitter. A detection whose centre lies in [lowHz, highHz] (on `sensor`, if given; before `expiresMs`) is
 * known. A marked one also stops matching `markedTtlMs` after its `addedAt` (see {@link KnownEmittersOptions}).
 */
export interface KnownEmitter extends KnownEmitterSettings {
  /** 'config': site config `knownEmitters`; 'marked': "mark as known" in the UI (persisted). */
  origin: 'config' | 'marked';
  /** Marked ones: when (ISO), by whom, from which alert. */
  addedAt?: string;
  addedBy?: string;
  alertId?: string;
}

const fileSchema = z.object({
  quietbandKnownEmitters: z.literal(1),
  emitters: z.array(
    z.object({
      lowHz: z.number().finite(),
      highHz: z.number().finite(),
      sensor: z.string().optional(),
      expires: z.string().optional(),
      expiresMs: z.number().optional(),
      label: z.string(),
      addedAt: z.string().optional(),
      addedBy: z.string().optional(),
      alertId: z.string().optional(),
    }).passthrough(),
  ),
});

/**
 * Margin (Hz) added on each side of a marked alert's occupied band, so the same emitter is recognised next time despite
 * frequency estimation jitter and drift: max(2 resolution bandwidths, 5 ppm of the centre) — 2 × 244 Hz or 2.2 kHz at
 * 433.92 MHz with 250 kS/s / 1024 bins; the ppm part follows docs/field-notes.md §6 (dongles drift by a few ppm).
 */
export function markMarginHz(centerHz: number, rbwHz: number): number {
  return Math.max(2 * rbwHz, 5e-6 * Math.abs(centerHz));
}

/** Alert kinds a technician can mark known: a transmission, or an emitter a baseline heard. */
export const MARKABLE_KINDS: ReadonlySet<Alert['kind']> = new Set(['transmission', 'present-during-calibration']);

type Band = { sensor: string; lowHz: number; highHz: number; centerHz: number; bandLabel?: string };

/** The band a record of a markable alert carries (transmission: its detection; present-during-calibration: its emitter), else undefined. */
function bandOf(a: Alert): Band | undefined {
  const d = a.kind === 'transmission' ? a.detection : a.kind === 'present-during-calibration' ? a.calibration?.emitter : undefined;
  if (d === undefined) return undefined;
  return { sensor: a.sensor, lowHz: d.lowHz, highHz: d.highHz, centerHz: d.centerHz, ...(a.bandLabel !== undefined ? { bandLabel: a.bandLabel } : {}) };
}

/** Options of {@link KnownEmitters.open}. */
export interface KnownEmittersOptions {
  dataDir: string;
  /** The site config's list (already validated, expiry converted). */
  configured: readonly Omit<KnownEmitter, 'origin'>[];
  /** Resolution bandwidth (Hz) of a sensor's slow path (rate / fftSize), for {@link markMarginHz}. */
  rbwHzOf: (sensor: string) => number;
  log: Logger;
  /** Alerts remembered for marking (alertId → band). Default 10 000. */
  maxRemembered?: number;
  /**
   * Lifetime (ms) of an emitter marked known from the UI, counted from its `addedAt`: from then on it no longer matches
   * (it stays in the file). Config-listed emitters never expire this way (only by their own `expires`). Marked entries
   * without a valid `addedAt` (hand-edited) do not expire. Default {@link DEFAULT_MARKED_TTL_MS} (24 h, site config
   * `knownEmitterMarks.ttlH`).
   */
  markedTtlMs?: number;
}

/** Default lifetime of a UI-marked known emitter: 24 h (one exam day; site config `knownEmitterMarks.ttlH`). */
export const DEFAULT_MARKED_TTL_MS = 24 * 3_600_000;

/**
 * Known emitters of a site. `match` is the AlertBus `knownEmitterCheck`: matching detections are stored and shown
 * with state 'known' and severity 'info', never dropped. `observe` every stored alert (bus 'alert' event); on a
 * `known` record of a transmission `markFromAlert` adds that alert's band (plus {@link markMarginHz}) for that sensor
 * and rewrites `<dataDir>/known-emitters.json` (temp file + rename). The file is read at start; marked entries are
 * removed with {@link remove} (the UI's known-emitter list, src/field/known-emitter-routes.ts).
 */
export class KnownEmitters {
  private readonly configured: KnownEmitter[];
  private readonly marked: KnownEmitter[];
  /** alertId → band, kept in recency order (the alert seen least recently is forgotten first). */
  private readonly bands: BoundedMap<string, Band>;
  private writes: Promise<unknown> = Promise.resolve();

  private constructor(private readonly o: KnownEmittersOptions, marked: KnownEmitter[]) {
    this.configured = o.configured.map((e) => ({ ...e, origin: 'config' as const }));
    this.marked = marked;
    this.bands = new BoundedMap(o.maxRemembered ?? 10_000);
  }

  /** Path of the persisted list. */
  get path(): string {
    return join(this.o.dataDir, KNOWN_EMITTERS_FILE);
  }

  /**
   * Loads `<dataDir>/known-emitters.json` (absent = none marked yet).
   * @throws QuietBandError('CONFIG') naming the file when it is not a valid list (fix or delete it).
   */
  static async open(o: KnownEmittersOptions): Promise<KnownEmitters> {
    const path = join(o.dataDir, KNOWN_EMITTERS_FILE);
    let marked: KnownEmitter[] = [];
    let text: string | undefined;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new QuietBandError(`${path}: cannot read (${(err as Error).message})`, 'IO', { cause: err });
    }
    if (text !== undefined) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw new QuietBandError(`${path}: not valid JSON (${(err as Error).message}); fix or delete the file`, 'CONFIG', { cause: err });
      }
      const r = fileSchema.safeParse(json);
      if (!r.success) {
        const i = r.error.issues[0]!;
        throw new QuietBandError(`${path}: ${i.path.join('.') || '(top level)'}: ${i.message}; fix or delete the file`, 'CONFIG');
      }
      marked = r.data.emitters.map((e) => ({ ...e, origin: 'marked' as const }));
    }
    const k = new KnownEmitters(o, marked);
    o.log.info({ configured: k.configured.length, marked: marked.length, file: path }, 'known emitters');
    return k;
  }

  /** Every emitter (configured first, then marked). */
  list(): readonly KnownEmitter[] {
    return [...this.configured, ...this.marked];
  }

  /**
   * Epoch ms from which emitter `e` no longer matches: its own `expiresMs`, and for a marked one also `addedAt` +
   * `markedTtlMs` (the earlier of the two); undefined = never.
   */
  expiryOf(e: KnownEmitter): number | undefined {
    let until = e.expiresMs;
    if (e.origin === 'marked' && e.addedAt !== undefined) {
      const added = Date.parse(e.addedAt);
      if (Number.isFinite(added)) {
        const ttlEnd = added + (this.o.markedTtlMs ?? DEFAULT_MARKED_TTL_MS);
        until = until === undefined ? ttlEnd : Math.min(until, ttlEnd);
      }
    }
    return until;
  }

  /** The first emitter containing `centerHz` for `sensor` that has not expired at `nowMs` (see {@link expiryOf}), or undefined. */
  match(sensor: string, centerHz: number, nowMs: number): KnownEmitter | undefined {
    for (const list of [this.configured, this.marked]) {
      for (const e of list) {
        if (e.sensor !== undefined && e.sensor !== sensor) continue;
        const until = this.expiryOf(e);
        if (until !== undefined && nowMs >= until) continue;
        if (centerHz >= e.lowHz && centerHz <= e.highHz) return e;
      }
    }
    return undefined;
  }

  /**
   * Remembers the band of a transmission alert record (open/update/close carry it), or of a `present-during-calibration`
   * open (its emitter's band), for a later "mark as known".
   */
  observe(a: Alert): void {
    const band = bandOf(a);
    if (band === undefined) return;
    this.bands.setNewest(a.alertId, band);
  }

  /**
   * Adds the band of the alert a `known` record refers to (its sensor only) and persists the list. The band comes from
   * the alerts seen by {@link observe}, else from the store (an alert of a previous run). Resolves undefined when the
   * alert is not a markable kind ({@link MARKABLE_KINDS}) with a band, or when an emitter of that alert is already listed.
   */
  async markFromAlert(rec: Alert, store: AlertStore): Promise<KnownEmitter | undefined> {
    if (!MARKABLE_KINDS.has(rec.kind)) return undefined;
    if (this.marked.some((e) => e.alertId === rec.alertId)) return undefined; // (an expired one too: mark another alert)
    let band = this.bands.get(rec.alertId);
    if (band === undefined) {
      const st = store.stateOf(rec.alertId);
      if (st !== undefined) {
        for await (const a of store.readSince(st.openSeq - 1)) {
          band = a.alertId === rec.alertId ? bandOf(a) : undefined;
          if (band !== undefined) break;
          if (a.seq > st.lastSeq) break;
        }
      }
    }
    if (band === undefined) {
      this.o.log.warn({ alertId: rec.alertId }, 'marked known, but its band is unknown: not added to the known emitters');
      return undefined;
    }
    const m = markMarginHz(band.centerHz, this.o.rbwHzOf(band.sensor));
    const e: KnownEmitter = {
      lowHz: Math.round(Math.min(band.lowHz, band.centerHz) - m),
      highHz: Math.round(Math.max(band.highHz, band.centerHz) + m),
      sensor: band.sensor,
      // the name the supervisor gave (the record's knownLabel), else a description of where it came from
      label: rec.knownLabel ?? `${rec.kind === 'present-during-calibration' ? 'confirmed known after calibration' : 'marked known'}${rec.ackBy !== undefined ? ` by ${rec.ackBy}` : ''} (alert ${rec.alertId}${band.bandLabel !== undefined ? `, ${band.bandLabel}` : ''})`,
      origin: 'marked',
      addedAt: rec.time,
      alertId: rec.alertId,
    };
    if (rec.ackBy !== undefined) e.addedBy = rec.ackBy;
    this.marked.push(e);
    this.o.log.info({ sensor: e.sensor, lowHz: e.lowHz, highHz: e.highHz, label: e.label, alertId: rec.alertId, by: rec.ackBy }, 'known emitter added');
    await this.persist();
    return e;
  }

  /**
   * Id of an emitter for listing and removal: `marked:<alertId>` for one marked from an alert, else
   * `<origin>:<index in its list>` (configured ones, and hand-edited marked ones without an alertId).
   */
  idOf(e: KnownEmitter): string {
    if (e.origin === 'marked' && e.alertId !== undefined) return `marked:${e.alertId}`;
    return `${e.origin}:${(e.origin === 'config' ? this.configured : this.marked).indexOf(e)}`;
  }

  /**
   * Removes a marked emitter (id from {@link idOf}) and persists the list (its log line names `by`, who removed it:
   * "<name> (<identity>)"): detections in its band alert again from now on. Resolves the removed entry, or undefined when no marked emitter has that id. Configured emitters cannot be
   * removed here (they come from the site config).
   * @throws (rejects) QuietBandError('IO') when the file cannot be written (the entry is then put back).
   */
  async remove(id: string, by?: string): Promise<KnownEmitter | undefined> {
    const i = this.marked.findIndex((e) => this.idOf(e) === id);
    if (i < 0) return undefined;
    const [e] = this.marked.splice(i, 1);
    try {
      await this.persist();
    } catch (err) {
      this.marked.splice(i, 0, e!);
      throw err;
    }
    this.o.log.info({ sensor: e!.sensor, lowHz: e!.lowHz, highHz: e!.highHz, label: e!.label, ...(by !== undefined ? { by } : {}) }, 'known emitter removed');
    return e;
  }

  /** Writes the marked list (serialised: one write at a time). @throws QuietBandError('IO'). */
  private persist(): Promise<void> {
    const path = this.path;
    const json = { quietbandKnownEmitters: 1, emitters: this.marked.map(({ origin: _o, ...rest }) => rest) };
    const job = this.writes.then(async () => {
      try {
        await writeFileAtomic(path, `${JSON.stringify(json, null, 2)}\n`, { mkdir: true });
      } catch (err) {
        throw new QuietBandError(`${path}: cannot write the known emitters (${(err as Error).message})`, 'IO', { cause: err });
      }
    });
    this.writes = job.catch(() => undefined);
    return job;
  }
}
