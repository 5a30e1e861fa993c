// Supervisor actions over the WebSocket (acknowledge, mark known, escalate), each naming who acts.
import type { AlertList } from './alert-list.js';
import type { AlertModel } from './alert-model.js';
import type { ClientMessage } from './protocol-types.js';
import type { WhoDialog } from './who-dialog.js';

/** What {@link Actions} needs from the page. */
export interface ActionDeps {
  model: AlertModel;
  list: AlertList;
  who: WhoDialog;
  /** Sends a protocol message; false when not connected. */
  send: (msg: ClientMessage) => boolean;
  /** Nothing was sent (not connected): tell the supervisor. */
  onNotSent: () => void;
  /** Something changed (pending marks): re-render. */
  changed: () => void;
}

/**
 * Acknowledge / mark known / escalate. The operator's name goes with each (`by`): the remembered one, else asked once
 * ({@link WhoDialog}); "mark known" always asks, for the name and the emitter's label. Sent alerts show as pending
 * until their record comes back.
 */
export class Actions {
  constructor(private readonly d: ActionDeps) {}

  /** The operator's name: the remembered one, else asked (null when the supervisor cancels). */
  private async operatorName(count: number): Promise<string | null> {
    return this.d.who.name() ?? (await this.d.who.ask({ title: 'who.ackTitle', count }))?.name ?? null;
  }

  /** Acknowledges those of `alertIds` still new (one `ack` each; stops at the first that cannot be sent). */
  async ack(alertIds: readonly string[]): Promise<void> {
    const ids = alertIds.filter((id) => this.d.model.get(id)?.state === 'new');
    if (ids.length === 0) return;
    const by = await this.operatorName(ids.length);
    if (by === null) return;
    for (const alertId of ids) {
      if (!this.d.send({ v: 1, type: 'ack', alertId, by })) {
        this.d.onNotSent();
        break;
      }
      this.d.list.setPending(alertId, true);
    }
    this.d.changed();
  }

  /** Marks an alert's emitter known, with the label the supervisor types. */
  async markKnown(alertId: string): Promise<void> {
    const answer = await this.d.who.ask({ title: 'who.knownTitle', label: this.d.model.get(alertId)?.knownLabel ?? '' });
    if (answer === null) return;
    this.sent(alertId, this.d.send({ v: 1, type: 'known', alertId, by: answer.name, label: answer.label! }));
  }

  /** Raises a `present-during-calibration` alert to high. */
  async escalate(alertId: string): Promise<void> {
    const by = await this.operatorName(1);
    if (by === null) return;
    this.sent(alertId, this.d.send({ v: 1, type: 'escalate', alertId, by }));
  }

  private sent(alertId: string, ok: boolean): void {
    if (ok) this.d.list.setPending(alertId, true);
    else this.d.onNotSent();
    this.d.changed();
  }
}
