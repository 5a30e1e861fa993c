// The alert store as the session report reads it: its records, and the session names they carry.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ALERTS_FILE } from '../alerts/alert-store.js';
import { cliError } from '../error-text.js';
import type { Alert } from '../alerts/alert.js';

/**
 * Reads `<dataDir>/alerts.jsonl` (read-only; a daemon may be writing it: a partial last line is skipped).
 * @throws QuietBandError('IO') coded `report.storeUnreadable` (its `cause` the file system's error: ENOENT when there
 * is no store) when the file cannot be read.
 */
export async function readAlertRecords(dataDir: string): Promise<Alert[]> {
  const file = join(dataDir, ALERTS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw cliError('report.storeUnreadable', { path: file, detail: (err as Error).message }, 'IO', { cause: err });
  }
  const out: Alert[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    try {
      const r = JSON.parse(line) as Alert;
      if (typeof r.seq === 'number' && typeof r.alertId === 'string') out.push(r);
    } catch {
      // torn last line of a running daemon
    }
  }
  return out;
}

/** The session names `records` carry, quoted, in order of first appearance (the first 10), per language; "none" worded. */
export function sessionNamesText(records: readonly Alert[]): { en: string; 'zh-CN': string } {
  const names = [...new Set(records.map((r) => r.session).filter((n): n is string => typeof n === 'string'))];
  if (names.length === 0) return { en: 'none', 'zh-CN': '无' };
  const list = names.slice(0, 10).map((n) => `"${n}"`);
  const more = names.length - list.length;
  return { en: `${list.join(', ')}${more > 0 ? ` and ${more} more` : ''}`, 'zh-CN': `${list.join('、')}${more > 0 ? ` 等 ${names.length} 个` : ''}` };
}
