// The sensor panel's "recording to disk" line, from the site's latest disk status.
import { $ } from './dom.js';
import { alertMessageText } from './format.js';
import type { DiskStatus } from './protocol-types.js';

/**
 * Draws the disk line in the page's language (hidden when `disk` is null); amber when something is shed or under a day
 * is left, red below the floor. Under it the evidence line (how full the clip quota is, how far back its clips reach),
 * when the site sends one.
 */
export function renderDiskLine(disk: DiskStatus | null): void {
  const el = $('disk-line');
  const ev = $('evidence-line');
  el.hidden = disk === null;
  ev.hidden = disk?.evidenceLine === undefined;
  if (disk === null) return;
  el.textContent = alertMessageText(disk.line, disk.lineCode) ?? disk.line;
  el.dataset.low = String(disk.low);
  el.dataset.belowFloor = String(disk.belowFloor);
  if (disk.evidenceLine !== undefined) ev.textContent = alertMessageText(disk.evidenceLine, disk.evidenceLineCode) ?? disk.evidenceLine;
}
