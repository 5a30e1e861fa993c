// Sends alerts to people: routes stored alert records to channels, keeps deliveries in a durable outbox, retries with backoff.
import type { Logger } from 'pino';
import type { AlertBus } from '../alerts/alert-bus.js';
import type { AlertStore } from '../alerts/alert-store.js';
import type { Alert } from '../alerts/alert.js';
import { quietAt, routes, type ChannelSettings, type NotifySettings } from './notify-config.js';
import { notifyMessage } from './message.js';
import { Outbox, type OutboxEntry } from './outbox.js';
import { createSender, type Sender } from './senders.js';
import { delayText } from '../text-template.js';
import { BoundedMap, BoundedSet } from '../bounded.js';

/** Options of {@link Notifier}. */
export interface NotifierOptions {
  settings: NotifySettings;
  /** Holds the outbox journal (outbox.ts). */
  dataDir: string;
  store: AlertStore;
  bus: AlertBus;
  log: Logger;
  /** IANA zone of the site's wall clock (quiet rules, times in messages). */
  timeZone: string;
  /** Sensor name → room (site config `sensors[].location.room`), named in messages. */
  rooms?: Readonly<Record<string, string>>;
  /** Wall clock (ms). Default Date.now. */
  now?: () => number;
  /** Journal size past which it is compacted when nothing is pending (bytes). Default OUTBOX_COMPACT_BYTES (1 MiB). */
  outboxCompactBytes?: number;
  /** Senders by channel name, replacing the built-in ones (tests). */
  senders?: Readonly<Record<string, Sender>>;
}

/** What one channel is doing, for health and tests. */
export interface ChannelStatus {
  name: string;
  type: ChannelSettings['type'];
  /** Deliveries waiting (including one being tried and those held by quiet rules). */
  pending: number;
  /** Of those, held by a quiet rule with `hold` until it ends. */
  held: number;
  delivered: number;
  dropped: number;
  /** Consecutive failed attempts of the head delivery (0 = healthy). */
  failures: number;
  lastError?: string;
  /** Since when (ms since epoch) the receiver has not been reached; absent while healthy. */
  failingSinceMs?: number;
}

/** A channel failing for this long is a site health problem (/healthz 503): 5 min. */
export const NOTIFY_FAILING_PROBLEM_MS = 300_000;

/**
 * One sentence per channel whose receiver has not been reached for {@link NOTIFY_FAILING_PROBLEM_MS}: `notifications to
 * duty-phone (ntfy) failing for 7 min: ECONNREFUSED; 12 waiting in the outbox`.
 */
export function notifyProblems(status: readonly ChannelStatus[], nowMs: number): string[] {
  const out: string[] = [];
  for (const c of status) {
    if (c.failingSinceMs === undefined || nowMs - c.failingSinceMs < NOTIFY_FAILING_PROBLEM_MS) continue;
    out.push(`notifications to ${c.name} (${c.type}) failing for ${Math.round((nowMs - c.failingSinceMs) / 60_000)} min: ${c.lastError ?? 'no answer'}; ${c.pending} waiting in the outbox`);
  }
  return out;
}

/**
 * Records that notify by their event: an alert opening, one escalated by a supervisor, and one restored because the
 * known emitter that hid it was removed (`unmark`: it counts again). Updates, closes, acks, known-marks do not, but
 * for the first record that raises a transmission ({@link Notifier}: docs/notifications.md).
 */
export function notifies(a: Pick<Alert, 'event'>): boolean {
  return a.event === 'open' || a.event === 'escalate' || a.event === 'unmark';
}

/**
 * A record that can say its transmission was raised (docs/identification.md §13): it carries `severityRaise` (the
 * raise follows the identification, ≈ 1 s after the open, which went out without it), the alert is still `new` (not
 * acknowledged, not a known emitter) and the record is not the open or an escalation (those notify anyway).
 */
export function raisesAlert(a: Pick<Alert, 'event' | 'kind' | 'state' | 'severityRaise'>): boolean {
  return a.kind === 'transmission' && a.severityRaise !== undefined && a.state === 'new' && !notifies(a);
}

/** Alert ids remembered per channel for transmission grouping (oldest forgotten first). */
const REMEMBERED_ALERTS = 5000;

interface ChannelRun {
  settings: ChannelSettings;
  /** Alerts this channel was given (insertion order): later alerts of their transmission group are not sent again. */
  sent: BoundedSet<string>;
  sender: Sender;
  /** Pending entries of this channel in seq order. */
  queue: OutboxEntry[];
  running: boolean;
  delivered: number;
  dropped: number;
  failures: number;
  lastError?: string;
  failingSinceMs?: number;
  /** Cuts a backoff wait short (stop). */
  wake: (() => void) | null;
  /** Cuts the wait for a held delivery short (a new delivery, stop). */
  wakeHeld: (() => void) | null;
  done: Promise<void>;
}

/**
 * Routes every stored alert record that {@link notifies} to the channels whose severities/kinds take it and whose quiet
 * rules (site wall clock at the record's time) do not silence it, and delivers each through its channel.
 *
 * Nothing is lost while a receiver is down: records are read from the {@link AlertStore} (not from the bus event, which
 * only wakes the router) past a cursor kept in the {@link Outbox}; each delivery is written to the outbox before it is
 * tried and marked done only once the receiver accepted it. A failing channel retries its oldest delivery after
 * `retry.initialMs`, doubling up to `retry.maxMs` (the others wait behind it, so a receiver sees alerts in order); other
 * channels go on. After a restart the pending deliveries are tried again. When a channel's receiver has failed for
 * `retry.giveUpAfterMs`, its deliveries are dropped one per attempt, each logged in full at error level. Delivery is at least once: a crash between a
 * receiver's acceptance and the `done` line re-sends that one delivery with the same id (webhook-id header,
 * X-QuietBand-Delivery), which lets a receiver drop it.
 * On the first start with notifications configured, the cursor starts at the store's last seq: history is not sent.
 * Nothing here runs on the detection path.
 */
export class Notifier {
  private readonly o: NotifierOptions;
  private readonly log: Logger;
  private readonly now: () => number;
  private outbox: Outbox | null = null;
  private readonly channels = new Map<string, ChannelRun>();
  /**
   * Alerts whose raise was routed (a push says so once per alert, not on each later record that still carries it),
   * with the raise in force (null when a later identification dropped it): an escalation's message carries its mark.
   * Oldest forgotten first past {@link REMEMBERED_ALERTS}; not kept across a restart.
   */
  private readonly raised = new BoundedMap<string, Alert['severityRaise'] | null>(REMEMBERED_ALERTS);
  private routing = false;
  private again = false;
  private routeDone: Promise<void> = Promise.resolve();
  private stopped = false;
  /** True while outbox writes fail (logged once). */
  private journalFailing = false;
  private readonly onAlert = (): void => this.kick();

  constructor(o: NotifierOptions) {
    this.o = o;
    this.log = o.log.child({ component: 'notify' });
    this.now = o.now ?? Date.now;
    for (const c of o.settings.channels) {
      const sender = o.senders?.[c.name] ?? createSender(c);
      this.channels.set(c.name, { settings: c, sender, sent: new BoundedSet(REMEMBERED_ALERTS), queue: [], running: false, delivered: 0, dropped: 0, failures: 0, wake: null, wakeHeld: null, done: Promise.resolve() });
    }
  }

  /**
   * Opens the outbox, resumes pending deliveries, routes records stored since the cursor, then follows the bus. A
   * journal that cannot be written (full disk) is logged, not fatal: deliveries are then kept in memory.
   * @throws QuietBandError('IO') when the outbox cannot be read or opened at all.
   */
  async start(): Promise<void> {
    const outbox = await Outbox.open(this.o.dataDir, this.log, this.o.outboxCompactBytes);
    this.outbox = outbox;
    const journalError = (err: unknown): void => this.log.error({ err, file: outbox.file }, 'notify: cannot write the outbox');
    if (outbox.cursor === undefined || outbox.cursor > this.o.store.lastSeq) {
      // first start, or a store that was replaced (seq restarted): from now on (kept in memory when the disk is full)
      await outbox.add([], this.o.store.lastSeq).catch(journalError);
    }
    for (const e of [...outbox.pending.values()]) {
      const ch = this.channels.get(e.channel);
      if (ch === undefined) {
        this.log.warn({ id: e.id, channel: e.channel, alertId: e.alert.alertId }, 'notify: pending delivery for a channel no longer configured: dropped');
        await outbox.drop(e.id, 'channel no longer configured').catch(journalError);
        continue;
      }
      ch.queue.push(e);
    }
    const resumed = outbox.pending.size;
    this.log.info({ channels: [...this.channels.keys()], cursor: outbox.cursor, resumed, file: outbox.file }, 'notifications on');
    this.o.bus.on('alert', this.onAlert);
    for (const ch of this.channels.values()) this.pump(ch);
    this.kick();
  }

  /** Per-channel state. */
  status(): ChannelStatus[] {
    return [...this.channels.values()].map((c) => {
      const now = this.now();
      const held = c.queue.filter((e) => e.notBeforeMs !== undefined && e.notBeforeMs > now).length;
      const s: ChannelStatus = { name: c.settings.name, type: c.settings.type, pending: c.queue.length, held, delivered: c.delivered, dropped: c.dropped, failures: c.failures };
      if (c.lastError !== undefined) s.lastError = c.lastError;
      if (c.failingSinceMs !== undefined) s.failingSinceMs = c.failingSinceMs;
      return s;
    });
  }

  /** Resolves once every routed delivery was accepted or dropped, or is held by a quiet rule and not yet due (tests). */
  async idle(): Promise<void> {
    for (;;) {
      await this.routeDone;
      const settled = [...this.channels.values()].every((c) => (c.queue.length === 0 && !c.running) || (c.wakeHeld !== null && this.nextDue(c) < 0));
      if (!this.routing && settled) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private kick(): void {
    if (this.stopped || this.outbox === null) return;
    if (this.routing) {
      this.again = true;
      return;
    }
    this.routing = true;
    this.routeDone = this.route()
      .catch((err: unknown) => {
        // the store could not be read: the cursor did not move, the next alert (or the timer below) routes again
        this.log.error({ err }, 'notify: cannot read the alert store; retrying in 5 s');
        setTimeout(() => this.kick(), 5000).unref();
      })
      .finally(() => {
        this.routing = false;
        if (this.again && !this.stopped) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Reads records past the cursor, adds their deliveries and the new cursor to the outbox (batches of ≤ 100 records). */
  private async route(): Promise<void> {
    const outbox = this.outbox!;
    do {
      this.again = false;
      let batch: OutboxEntry[] = [];
      let last = outbox.cursor ?? 0;
      let records = 0;
      const flush = async (): Promise<void> => {
        if (last === outbox.cursor && batch.length === 0) return;
        try {
          await outbox.add(batch, last);
          if (this.journalFailing) this.log.warn({ file: outbox.file }, 'notify: the outbox is written again');
          this.journalFailing = false;
        } catch (err) {
          // a full disk must not hold back the notifications that say so: sent from memory, journaled later
          if (!this.journalFailing) this.log.error({ err, file: outbox.file }, 'notify: cannot write the outbox; notifications are sent from memory until it can be written');
          this.journalFailing = true;
        }
        for (const e of batch) {
          const ch = this.channels.get(e.channel)!;
          ch.queue.push(e);
          ch.wakeHeld?.();
          this.pump(ch);
        }
        batch = [];
        records = 0;
      };
      for await (const a of this.o.store.readSince(outbox.cursor ?? 0)) {
        if (this.stopped) break;
        if (notifies(a) || this.firstRaise(a)) batch.push(...this.deliveriesOf(a));
        last = a.seq;
        if (++records >= 100) await flush();
      }
      await flush();
    } while (this.again && !this.stopped);
  }

  /**
   * Whether `a` is the first record that raises its alert ({@link raisesAlert}); keeps track of the raise in force for
   * every alert already raised (a record with a `signal` decides it afresh).
   */
  private firstRaise(a: Alert): boolean {
    const known = this.raised.has(a.alertId);
    if (known && a.signal !== undefined) this.raised.set(a.alertId, a.severityRaise ?? null);
    if (known || !raisesAlert(a)) return false;
    this.raised.set(a.alertId, a.severityRaise);
    return true;
  }

  /**
   * Deliveries of one record: a channel routes it, no quiet rule of that channel drops it at the record's time (a rule
   * with `hold` makes it wait for the rule's end: `notBeforeMs`), and (channel `groups: "first"`) it is not the open or
   * the raise of another sensor's alert of a transmission group the channel was already given (`groupId` = the group's
   * first alert, raised by the same class). An escalation of a raised alert carries the raise in force (its mark).
   */
  private deliveriesOf(a: Alert): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    const atMs = Date.parse(a.time);
    const { detection: _detection, ...record } = a;
    const raise = a.event === 'escalate' && a.severityRaise === undefined ? this.raised.get(a.alertId) : undefined;
    const alert = raise !== undefined && raise !== null ? { ...record, severityRaise: raise } : record;
    for (const ch of this.channels.values()) {
      const c = ch.settings;
      if (!routes(c, a.severity, a.kind)) continue;
      // the restored alerts of one transmission group come back together (one removal, one time): the first one speaks
      const groupKey = a.event === 'unmark' ? `unmark ${a.time} ${a.groupId}` : a.groupId;
      if (c.groups === 'first' && a.event !== 'escalate' && groupKey !== undefined && a.groupId !== undefined && a.groupId !== a.alertId && ch.sent.has(groupKey)) {
        this.log.debug({ channel: c.name, alertId: a.alertId, groupId: a.groupId }, 'notify: same transmission as an alert already sent');
        continue;
      }
      const quiet = quietAt(c, a.severity, Number.isFinite(atMs) ? atMs : this.now(), this.o.timeZone);
      if (quiet !== null && !quiet.hold) {
        this.log.info({ channel: c.name, alertId: a.alertId, seq: a.seq, severity: a.severity }, 'notify: quiet hours; not sent to this channel');
        continue;
      }
      const e: OutboxEntry = { id: `${a.seq}.${c.name}`, channel: c.name, seq: a.seq, addedMs: this.now(), alert: alert as Alert };
      if (quiet !== null) {
        e.notBeforeMs = quiet.untilMs;
        this.log.info({ channel: c.name, alertId: a.alertId, seq: a.seq, severity: a.severity, until: new Date(quiet.untilMs).toISOString() }, 'notify: quiet hours; held for this channel until they end');
      }
      out.push(e);
      ch.sent.add(a.event === 'unmark' ? `unmark ${a.time} ${a.groupId ?? a.alertId}` : a.alertId);
    }
    return out;
  }

  /** Starts the channel's delivery loop unless it runs. */
  private pump(ch: ChannelRun): void {
    if (ch.running || this.stopped) return;
    ch.running = true;
    ch.done = this.deliver(ch).finally(() => {
      ch.running = false;
    });
  }

  private async deliver(ch: ChannelRun): Promise<void> {
    const outbox = this.outbox!;
    const c = ch.settings;
    const r = this.o.settings.retry;
    while (!this.stopped && ch.queue.length > 0) {
      const i = this.nextDue(ch);
      if (i < 0) {
        await this.waitHeld(ch);
        continue;
      }
      const e = ch.queue[i]!;
      const room = this.o.rooms?.[e.alert.sensor];
      const message = notifyMessage(e.alert, {
        timeZone: this.o.timeZone,
        language: this.o.settings.language,
        ...(room !== undefined ? { room } : {}),
        ...(this.o.settings.linkUrl !== undefined ? { linkUrl: this.o.settings.linkUrl } : {}),
      });
      try {
        await ch.sender.send({ id: e.id, alert: e.alert, message }, r.timeoutMs);
      } catch (err) {
        ch.failures++;
        ch.lastError = (err as Error).message;
        ch.failingSinceMs ??= this.now();
        // given up after an attempt that failed when the receiver had failed for that long in this run (deliveries
        // that waited through a stopped daemon get their attempt); the next one is tried at once
        if (this.now() - ch.failingSinceMs > r.giveUpAfterMs) {
          this.log.error({ channel: c.name, id: e.id, alert: e.alert, lastError: ch.lastError }, `notify: delivery given up: the receiver has failed for more than ${Math.round(r.giveUpAfterMs / 60_000)} min`);
          ch.queue.splice(i, 1);
          ch.dropped++;
          await outbox.drop(e.id, `receiver failing for longer than ${delayText('en', r.giveUpAfterMs)}: ${ch.lastError}`).catch((err: unknown) => this.log.error({ err }, 'notify: outbox write failed'));
          continue;
        }
        if (ch.failures === 1 || ch.failures % 10 === 0) {
          this.log.warn({ channel: c.name, type: c.type, error: ch.lastError, failures: ch.failures, waiting: ch.queue.length }, 'notify: receiver not reached; the alerts wait in the outbox and are retried');
        }
        await this.backoff(ch, Math.min(r.initialMs * 2 ** Math.min(20, ch.failures - 1), r.maxMs));
        continue;
      }
      if (ch.failures > 0) this.log.info({ channel: c.name, afterFailures: ch.failures, waiting: ch.queue.length - 1 }, 'notify: receiver reached again');
      ch.failures = 0;
      delete ch.lastError;
      delete ch.failingSinceMs;
      ch.queue.splice(i, 1);
      ch.delivered++;
      this.log.debug({ channel: c.name, id: e.id }, 'notify: delivered');
      try {
        await outbox.done(e.id);
      } catch (err) {
        // delivered but not recorded: sent once more after a restart (same id); nothing is lost
        this.log.error({ err, id: e.id }, 'notify: outbox write failed');
      }
    }
  }

  /**
   * Index of the first delivery of `ch` that may go now: not held, or held past its time and not held again by a rule
   * now in force (a daylight-saving jump, a rule that follows on); -1 when every one waits.
   */
  private nextDue(ch: ChannelRun): number {
    const now = this.now();
    for (let i = 0; i < ch.queue.length; i++) {
      const e = ch.queue[i]!;
      if (e.notBeforeMs === undefined) return i;
      if (now < e.notBeforeMs) continue;
      const q = quietAt(ch.settings, e.alert.severity, now, this.o.timeZone);
      if (q !== null && q.hold) {
        e.notBeforeMs = q.untilMs;
        continue;
      }
      return i;
    }
    return -1;
  }

  /**
   * Waits while every delivery of `ch` is held: until the earliest is due, at most 1 s at a time (the wall clock is
   * asked again, so a changed clock is followed), or until a new delivery or stop wakes it.
   */
  private waitHeld(ch: ChannelRun): Promise<void> {
    const first = Math.min(...ch.queue.map((e) => e.notBeforeMs ?? 0));
    return this.wakeableSleep(ch, 'wakeHeld', Math.max(10, Math.min(1000, first - this.now())));
  }

  private backoff(ch: ChannelRun, ms: number): Promise<void> {
    return this.wakeableSleep(ch, 'wake', ms);
  }

  /** Sleeps `ms`, or until `ch[slot]` (set meanwhile) is called. */
  private wakeableSleep(ch: ChannelRun, slot: 'wake' | 'wakeHeld', ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        ch[slot] = null;
        resolve();
      }, ms);
      ch[slot] = () => {
        clearTimeout(t);
        ch[slot] = null;
        resolve();
      };
    });
  }

  /**
   * Stops routing and retrying: waits up to `graceMs` for deliveries in flight, then closes the senders and the outbox.
   * What is still pending is tried again at the next start. Idempotent.
   */
  async stop(graceMs = 2000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.o.bus.off('alert', this.onAlert);
    for (const ch of this.channels.values()) {
      ch.wake?.();
      ch.wakeHeld?.();
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([this.routeDone, ...[...this.channels.values()].map((c) => c.done)]),
      new Promise<void>((r) => {
        timer = setTimeout(r, graceMs);
      }),
    ]);
    clearTimeout(timer);
    for (const ch of this.channels.values()) ch.sender.close();
    await this.outbox?.close();
    this.log.info({ pending: [...this.channels.values()].reduce((n, c) => n + c.queue.length, 0) }, 'notifications stopped');
  }
}
