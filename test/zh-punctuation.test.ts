// Chinese texts punctuate full-width: no ASCII `?`, `:`, `,`, `!` or `;` right after a Chinese character, in any zh
// table (web UI, log messages, terminal/replay/devices words, server texts, errors, help, notifications) nor in what
// the code puts after a Chinese word (a guessed class's mark).
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZH } from '../web-ui/src/strings-zh.js';
import { ZH_LOG_MESSAGES } from '../src/log-messages-zh.js';
import { terminalWords } from '../src/log-words.js';
import { replayWords } from '../src/cli/replay-words.js';
import { devicesWords } from '../src/cli/devices-words.js';
import { ALERT_MESSAGE_TEXT } from '../src/server/message-text.js';
import { ERROR_TEXT } from '../src/error-text.js';
import { SIGNAL_REASON_TEXT } from '../src/ident/reasons.js';
import { RAISE_REASON_TEXT } from '../src/alerts/severity-rank.js';
import { HELP_ZH } from '../src/cli/help-words.js';
import { ZH_OS_ERROR_WORDS } from '../src/os-error-words.js';
import { CLOSEST_TEXT, GUESS_TEXT, markedClass, NOT_RAISED_TEXT, PAGE_CLASS_WORDS, ZH_CLASS_WORDS } from '../src/text-template.js';
import { notifyMessage } from '../src/notify/message.js';
import type { Alert } from '../src/server/protocol.js';
import { REPO_ROOT as REPO, tsFiles } from './helpers.js';

/** A Chinese character (ideograph, or full-width punctuation), then an ASCII mark that should have been full-width. */
const HALF_AFTER_ZH = /[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef][?:,!;]/;
/** In source text only ideographs count (a full-width `：` closing a string is followed by the code's own `,`). */
const HALF_AFTER_IDEOGRAPH = /[\u3400-\u9fff\uf900-\ufaff][?:,!;]/;

/** Every string in `v` (objects, arrays), with its path; functions called with Chinese words for each parameter. */
function strings(v: unknown, at: string, out: [string, string][] = []): [string, string][] {
  if (typeof v === 'string') out.push([at, v]);
  else if (typeof v === 'function') {
    const args = Array.from({ length: (v as (...a: unknown[]) => unknown).length }, () => '甲');
    let r: unknown;
    try {
      r = (v as (...a: unknown[]) => unknown)(...args);
    } catch {
      return out;
    }
    strings(r, `${at}()`, out);
  } else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) strings(x, `${at}.${k}`, out);
  return out;
}

describe('Chinese punctuation', () => {
  it('no zh table has an ASCII ? : , ! ; right after a Chinese character', () => {
    const tables = {
      webUi: ZH, log: ZH_LOG_MESSAGES, terminal: terminalWords('zh-CN'), replay: replayWords('zh-CN'), devices: devicesWords('zh-CN'),
      server: ALERT_MESSAGE_TEXT['zh-CN'], errors: ERROR_TEXT['zh-CN'], reasons: SIGNAL_REASON_TEXT['zh-CN'], raise: RAISE_REASON_TEXT['zh-CN'],
      help: HELP_ZH, os: ZH_OS_ERROR_WORDS, guess: GUESS_TEXT['zh-CN'], closest: CLOSEST_TEXT['zh-CN'], notRaised: NOT_RAISED_TEXT['zh-CN'],
      classes: ZH_CLASS_WORDS, pageClasses: PAGE_CLASS_WORDS['zh-CN'],
    };
    const all = strings(tables, 'zh');
    expect(all.length).toBeGreaterThan(1300);
    expect(all.filter(([, s]) => HALF_AFTER_ZH.test(s)).map(([at, s]) => `${at}: ${s}`)).toEqual([]);
  });

  it('no source text of src/ or web-ui/src/ has one either (template texts, comments quoting them)', () => {
    const bad: string[] = [];
    for (const f of [...tsFiles(join(REPO, 'src')), ...tsFiles(join(REPO, 'web-ui/src'))]) {
      readFileSync(f, 'utf8').split('\n').forEach((line, i) => {
        if (HALF_AFTER_IDEOGRAPH.test(line)) bad.push(`${relative(REPO, f)}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(bad).toEqual([]);
  });

  it('what code puts after a Chinese word: a guessed class (every class name), a notification', () => {
    const marked = Object.entries({ ...ZH_CLASS_WORDS, ...PAGE_CLASS_WORDS['zh-CN'] }).map(([cls, name]) => markedClass(String(name), cls, 0.3));
    expect(marked.filter((s) => HALF_AFTER_ZH.test(s))).toEqual([]);
    expect(markedClass(ZH_CLASS_WORDS.nfm, 'nfm', 0.3)).toBe(`${ZH_CLASS_WORDS.nfm}？`);
    const restored: Alert = {
      seq: 2, alertId: 'h-1', site: '一号楼', sensor: '东侧', kind: 'transmission', event: 'unmark', state: 'new', severity: 'high', time: '2026-06-07T01:30:02.000Z',
      centerHz: 433_920_000, ackBy: '王芳', session: '数学', messageCode: { id: 'known.removed', params: { label: '对讲机' } }, message: 'known emitter "对讲机" removed: this alert counts again',
    };
    const m = notifyMessage(restored, { timeZone: 'Asia/Shanghai', language: 'zh-CN', room: '101 教室' });
    expect(`${m.title}\n${m.body}`).not.toMatch(HALF_AFTER_ZH);
  });
});
