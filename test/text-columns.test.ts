// Terminal columns of a text: a CJK character takes two, an ANSI colour none (string-width, loaded on first use).
import { describe, expect, it } from 'vitest';
import { textColumns } from '../src/text-columns.js';

describe('textColumns', () => {
  it('counts CJK characters as two columns, ANSI colours as none, ASCII as one', () => {
    expect(textColumns('replay')).toBe(6);
    expect(textColumns('考试 ab')).toBe(7);
    expect(textColumns('识别为窄调频?')).toBe(13);
    expect(textColumns('\u001b[31mab\u001b[39m')).toBe(2);
    expect(textColumns('')).toBe(0);
  });
});
