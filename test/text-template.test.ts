// The signal classes' Chinese words have one source (src/text-template.ts ZH_CLASS_WORDS): the page's badges, the
// replay table, the raise reasons and the session report read the same word; the optional `{k?}` placeholder; and
// the one mark and words of a guessed class (LOW_CONFIDENCE).
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ackActor, ackByText, actorAddressText, audioClassOf, CLASS_FLOOR, classWordsText, closestClassOf, closestText, fillPlurals, fillTemplate, guessLegend, guessNote, guessWords, isGuess, LOW_CONFIDENCE, markedClass, notRaisedNote,
  pluralWord, ZH_CLASS_WORDS,
} from '../src/text-template.js';
import { EN } from '../web-ui/src/strings-en.js';
import { ZH } from '../web-ui/src/strings-zh.js';
import { classText } from '../src/cli/replay-table.js';
import { REPO } from './daemon/helpers.js';
import { tsFiles } from './helpers.js';
import { terminalWords } from '../src/log-words.js';

describe('the Chinese class words', () => {
  it('are written once, in src/text-template.ts: no other file of src/ or web-ui/src/ has one as a string of its own', () => {
    const files = [...tsFiles(join(REPO, 'src')), ...tsFiles(join(REPO, 'web-ui', 'src'))];
    expect(files.length).toBeGreaterThan(100);
    const found: string[] = [];
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      for (const w of Object.values(ZH_CLASS_WORDS)) if (text.includes(`'${w}'`)) found.push(`${relative(REPO, f)}: '${w}'`);
    }
    expect(found.filter((x) => !x.startsWith('src/text-template.ts:'))).toEqual([]);
  });

  it('the page, the replay table and the raise reasons word nfm and ook alike', () => {
    expect([ZH['sig.nfm'], ZH['sig.ook'], ZH['sig.unknown']]).toEqual(['窄调频', '键控', '未知']);
    expect(classText({ class: 'nfm', confidence: 0.9 } as never, 'zh-CN')).toBe('nfm 窄调频 90 %');
    expect(classWordsText('zh-CN', 'ook, nfm')).toBe('键控、窄调频');
  });
});

describe('the alert states', () => {
  it('read alike on the page (state pill, detail), the terminal and the report: 未确认 / unacknowledged for state new', () => {
    expect([ZH['alert.new'], ZH['alert.acknowledged'], ZH['alert.known']]).toEqual(['未确认', '已确认', '已知']);
    expect([EN['alert.new'], EN['alert.acknowledged'], EN['alert.known']]).toEqual(['unacknowledged', 'acknowledged', 'known']);
    expect(terminalWords('zh-CN').alertState).toEqual({ new: ZH['alert.new'], acknowledged: ZH['alert.acknowledged'], known: ZH['alert.known'] });
    expect(terminalWords('en').alertState).toEqual({ new: EN['alert.new'], acknowledged: EN['alert.acknowledged'], known: EN['alert.known'] });
    // the banner counts every unacknowledged alert, however old: no "new" in it
    expect([ZH['banner.unacknowledged'], EN['banner.unacknowledged']]).toEqual(['{n} 条告警未确认', '{n} {n|alert|alerts} not acknowledged']);
  });
});

describe('who acted on an alert (ackBy), as the page and the session report show it', () => {
  it('splits the daemon\'s "<name> (<identity>)" into the name and the connection', () => {
    expect(ackActor('王老师 (local@127.0.0.1)')).toEqual({ name: '王老师', address: 'local@127.0.0.1' });
    expect(ackActor('Ms Smith (token@10.0.0.5)')).toEqual({ name: 'Ms Smith', address: 'token@10.0.0.5' });
    // a name with parentheses of its own keeps them
    expect(ackActor('Li (hall B) (token@[::1])')).toEqual({ name: 'Li (hall B)', address: 'token@[::1]' });
  });

  it('names nobody for the daemon\'s placeholder, an identity alone, or a record from before acknowledgements took a name', () => {
    expect(ackActor('supervisor (local@127.0.0.1)')).toEqual({ name: undefined, address: 'local@127.0.0.1' });
    expect(ackActor('local@127.0.0.1')).toEqual({ name: undefined, address: 'local@127.0.0.1' });
    // "supervisor@<peer address>:<peer port>": the address without the browser's port (and an IPv4-mapped prefix)
    expect(ackActor('supervisor@127.0.0.1:59262')).toEqual({ name: undefined, address: '127.0.0.1' });
    expect(ackActor('supervisor@::ffff:10.0.0.7:41000')).toEqual({ name: undefined, address: '10.0.0.7' });
    expect(ackActor('supervisor@::1:59262')).toEqual({ name: undefined, address: '::1' });
  });

  it('takes any other text as the name (a hub\'s own record, a hand-written one)', () => {
    expect(ackActor('hub operator')).toEqual({ name: 'hub operator', address: undefined });
    expect(ackActor('王老师')).toEqual({ name: '王老师', address: undefined });
  });

  it('translates the daemon\'s identity word before the @ (zh-CN: 本机, 令牌) and keeps any other address as stored', () => {
    expect(actorAddressText('zh-CN', 'local@127.0.0.1')).toBe('本机@127.0.0.1');
    expect(actorAddressText('zh-CN', 'token@[::1]')).toBe('令牌@[::1]');
    expect(actorAddressText('zh-CN', 'localhost@10.0.0.5')).toBe('localhost@10.0.0.5');
    expect(actorAddressText('en', 'local@127.0.0.1')).toBe('local@127.0.0.1');
    expect(actorAddressText('en', 'token@10.0.0.5')).toBe('token@10.0.0.5');
  });

  it('words an old record unsigned with its address, never the stored "supervisor@…:port" (the record is not rewritten)', () => {
    const zhAside = (s: string): string => `（${s}）`;
    const enAside = (s: string): string => ` (${s})`;
    expect(ackByText('zh-CN', 'supervisor@127.0.0.1:59262', zhAside)).toBe('未署名（127.0.0.1）');
    expect(ackByText('en', 'supervisor@127.0.0.1:59262', enAside)).toBe('unsigned (127.0.0.1)');
    // the daemon's placeholder for no name: the same word (the report said "supervisor（本机@127.0.0.1）")
    expect(ackByText('zh-CN', 'supervisor (local@127.0.0.1)', zhAside)).toBe('未署名（本机@127.0.0.1）');
    expect(ackByText('zh-CN', '王老师 (local@127.0.0.1)', zhAside)).toBe('王老师（本机@127.0.0.1）');
    expect(ackByText('en', 'hub operator', enAside)).toBe('hub operator');
    // the page's word for no name is the same (its detail shows the name and the address as two nodes)
    expect([ZH['actor.unnamed'], EN['actor.unnamed']]).toEqual(['未署名', 'unsigned']);
  });
});

describe('the English class names', () => {
  it('{k|class} words classes as the English page\'s badges (OOK, FSK, CW), not as codes; the terminal keeps the codes', () => {
    expect([EN['sig.tdma-burst'], EN['sig.carrier'], EN['sig.unknown']]).toEqual(['TDMA', 'CW', '?']);
    expect(fillTemplate('en', {}, '{class|class} (users: {expected|class})', { class: 'tdma-burst', expected: 'ook, fsk, carrier' }, false)).toBe('TDMA (users: OOK, FSK, CW)');
    expect(fillTemplate('zh-CN', {}, '{class|class}', { class: 'tdma-burst' }, false)).toBe('时隙');
    // a span the classifier preformatted in English units reads in Chinese units beside 毫秒 (was "中位宽度 200 µs（< 1.00 ms）")
    expect(fillTemplate('zh-CN', {}, '中位宽度 {median}（< {max}）', { median: '200 µs', max: '1.00 ms' }, false)).toBe('中位宽度 200 微秒（< 1.00 毫秒）');
    expect(fillTemplate('en', {}, 'median {median} (< {max})', { median: '200 µs', max: '1.00 ms' }, false)).toBe('median 200 µs (< 1.00 ms)');
    expect(classWordsText('en', 'nfm')).toBe('nfm');
  });
});

describe('plurals', () => {
  it('English picks one or other by the count (Intl.PluralRules); Chinese has no plural', () => {
    expect([0, 1, 2, 214].map((n) => `${n} ${pluralWord('en', n, 'alert', 'alerts')}`)).toEqual(['0 alerts', '1 alert', '2 alerts', '214 alerts']);
    expect(pluralWord('zh-CN', 1, 'x', '')).toBe('');
    expect(fillPlurals('en', '{n} new {n|alert|alerts}, {m} {m|update|updates}', { n: 1, m: '4' })).toBe('{n} new alert, {m} updates');
    // no count given: the choice stays as written
    expect(fillPlurals('en', '{n|alert|alerts}', {})).toBe('{n|alert|alerts}');
    // fillTemplate picks the plurals before its own placeholders (the CLI's error texts count with them)
    expect(fillTemplate('en', {}, '{n} dangling {n|byte|bytes}, {m} {m|run|runs}', { n: 1, m: 6 }, false)).toBe('1 dangling byte, 6 runs');
    expect(fillTemplate('zh-CN', {}, '{n} 个字节', { n: 1 }, false)).toBe('1 个字节');
  });
});

describe('fillTemplate', () => {
  it('{k?}: the value set off by spaces inside a Chinese sentence, nothing when it is absent or empty', () => {
    const t = '接收器{device?}被占用';
    expect(fillTemplate('zh-CN', {}, t, { device: 'rtlsdr:1' }, false)).toBe('接收器 rtlsdr:1 被占用');
    expect(fillTemplate('zh-CN', {}, t, {}, false)).toBe('接收器被占用');
    expect(fillTemplate('zh-CN', {}, t, { device: '' }, false)).toBe('接收器被占用');
  });

  it('marks a guess one way: a class other than unknown below LOW_CONFIDENCE (0.5), "?" and "guess N %" (推测 N %)', () => {
    expect(LOW_CONFIDENCE).toBe(0.5);
    expect([isGuess('nfm', 0.49), isGuess('nfm', 0.5), isGuess('unknown', 0.1), isGuess('nfm', undefined), isGuess('nfm', NaN), isGuess(undefined, 0.1)]).toEqual([true, false, false, false, false, false]);
    expect([markedClass('NFM', 'nfm', 0.41), markedClass('NFM', 'nfm', 0.93), markedClass('未知', 'unknown', 0.05)]).toEqual(['NFM?', 'NFM', '未知']);
    // full-width after a Chinese word or bracket, as all Chinese punctuation
    expect([markedClass('窄调频', 'nfm', 0.41), markedClass('窄带调频（话音链路）', 'nfm', 0.41), markedClass('nfm 窄调频', 'nfm', 0.41)]).toEqual(['窄调频？', '窄带调频（话音链路）？', 'nfm 窄调频？']);
    expect([guessWords('en', 0.41), guessWords('zh-CN', 0.41), guessWords('en', 0.499)]).toEqual(['guess 41 %', '推测 41 %', 'guess 49 %']);
    expect([guessNote('en', 0.05), guessNote('zh-CN', 0.05)]).toEqual(['guess 5 %: confidence below 50 %', '推测 5 %：置信度低于 50 %']);
    expect([guessLegend('en'), guessLegend('zh-CN')]).toEqual(['? = guess: confidence below 50 %', '？ = 推测：置信度低于 50 %']);
  });
});

describe('a class below the class floor', () => {
  it('is heard as its closest class when that is analog (audioClassOf: Listen, clip audio, replay WAV)', () => {
    expect([audioClassOf({ class: 'nfm', confidence: 0.9 }), audioClassOf({ class: 'unknown', closestClass: 'nfm', confidence: 0.05 }), audioClassOf({ class: 'unknown', closestClass: 'am', confidence: 0.12 })])
      .toEqual(['nfm', 'nfm', 'am']);
    // a digital class or closest class, an unknown that found nothing, a named class with a stale closest, no signal
    expect([audioClassOf({ class: 'ook', confidence: 0.9 }), audioClassOf({ class: 'unknown', closestClass: 'ook', confidence: 0.1 }), audioClassOf({ class: 'unknown', confidence: 0 }), audioClassOf({ class: 'fsk', closestClass: 'nfm', confidence: 0.3 }), audioClassOf(undefined)])
      .toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
  it('is unknown with its closest class, words per language, the percent never the floor itself', () => {
    expect(CLASS_FLOOR).toBe(0.2);
    expect(closestClassOf({ class: 'unknown', closestClass: 'nfm', confidence: 0.05 })).toBe('nfm');
    // a named class, an unknown that found nothing (confidence 0, no closest), a record without a finite confidence
    expect([closestClassOf({ class: 'nfm', closestClass: 'nfm', confidence: 0.05 }), closestClassOf({ class: 'unknown', confidence: 0 }), closestClassOf({ class: 'unknown', closestClass: 'nfm' }), closestClassOf(undefined)])
      .toEqual([undefined, undefined, undefined, undefined]);
    expect([closestText('en', 'shown', 'NFM', 0.05), closestText('zh-CN', 'shown', '窄调频', 0.05), closestText('en', 'words', 'DIGI', 0.199)])
      .toEqual(['unknown (closest: NFM, 5 %)', '未知（最接近：窄调频，5 %）', 'closest: DIGI, 19 %']);
    expect([closestText('en', 'note', 'NFM', 0.05), closestText('zh-CN', 'note', '窄调频', 0.05)])
      .toEqual(['closest: NFM, 5 %; no class is named below 20 %', '最接近：窄调频，5 %；置信度低于 20 % 时不给出类别']);
  });

  it('an unexpected flag that raised nothing says why: a guess (en and zh); nothing to say when raised or confident', () => {
    const guess = { class: 'nfm', confidence: 0.41, unexpected: true };
    expect([notRaisedNote('en', guess, false), notRaisedNote('zh-CN', guess, false)]).toEqual(['not ranked higher: confidence 41 % is below 50 %', '未提升优先级：置信度 41 % 低于 50 %']);
    expect(notRaisedNote('en', { ...guess, confidence: 0.499 }, false)).toBe('not ranked higher: confidence 49 % is below 50 %');
    expect([notRaisedNote('en', guess, true), notRaisedNote('en', { ...guess, unexpected: false }, false), notRaisedNote('en', { ...guess, confidence: 0.93 }, false), notRaisedNote('en', undefined, false)])
      .toEqual([undefined, undefined, undefined, undefined]);
  });
});
