// web-ui/src/alert-row.ts showRaise: the raise mark of an alert row in the page's language comes from the one table of
// marks (src/text-template.ts RAISE_MARK_TEXT), which the terminal, replay and notifications read too; the page's own
// dictionaries hold no copy. Node, no browser: the mark element is a stand-in with the fields showRaise sets.
import { describe, expect, it } from 'vitest';
import { showRaise, type RaiseMark } from '../../web-ui/src/alert-row.js';
import { setLang } from '../../web-ui/src/i18n.js';
import { EN } from '../../web-ui/src/strings-en.js';
import { ZH } from '../../web-ui/src/strings-zh.js';
import { RAISE_MARK_TEXT } from '../../src/text-template.js';

/** The fields of the row's mark element that showRaise writes. */
function markStandIn(): RaiseMark {
  const attrs = new Set(['title']);
  return { hidden: true, textContent: '', title: '', dataset: {}, removeAttribute: (k: string) => void attrs.delete(k) };
}

describe('showRaise', () => {
  it('words the mark from the shared table in en and zh-CN; an unknown code is the bare ▲; none hides it', () => {
    const seen: string[] = [];
    for (const lang of ['en', 'zh-CN'] as const) {
      setLang(lang, false);
      for (const id of ['raise.unexpected', 'raise.voice', 'raise.handset'] as const) {
        const r = { raise: markStandIn() };
        showRaise(r, { reason: `why ${id}`, reasonCode: { id, params: {} } });
        expect(r.raise.hidden).toBe(false);
        expect(r.raise.textContent).toBe(RAISE_MARK_TEXT[lang][id]);
        expect(r.raise.dataset.reason).toBe(id);
        seen.push(r.raise.textContent!);
      }
    }
    expect(seen).toEqual(['▲ unusual for this band', '▲ voice link', '▲ phone', '▲ 调制与频段不符', '▲ 语音链路', '▲ 手机']);
    const r = { raise: markStandIn() };
    // @ts-expect-error a raise id this page does not know (sent by a later version): shown as the bare mark
    showRaise(r, { reason: 'a later version', reasonCode: { id: 'raise.future', params: {} } });
    expect(r.raise.textContent).toBe('▲');
    showRaise(r, undefined);
    expect([r.raise.hidden, r.raise.textContent]).toEqual([true, '']);
    setLang('en', false);
  });

  it('the page\'s dictionaries hold no raise mark of their own (one table, src/text-template.ts)', () => {
    for (const dict of [EN, ZH] as Record<string, string>[]) {
      expect(Object.entries(dict).filter(([, v]) => v.includes('▲'))).toEqual([]);
    }
  });
});
