// rtl_tcp protocol encoding: command bytes (big-endian, 5 bytes), configuration order, header parsing.
import { describe, expect, it } from 'vitest';
import { decodeCommands, describePeerBytes, encodeConfiguration, magicMismatchIndex, notRtlTcpError, parseDongleInfo, socketErrorText, writeCommand } from '../../src/source/rtl-tcp-protocol.js';

describe('rtl_tcp protocol', () => {
  it('writes 5-byte big-endian commands, negatives as int32 two’s complement', () => {
    const out = new Uint8Array(15);
    let o = writeCommand(out, 0, 0x01, 433_920_000);
    o = writeCommand(out, o, 0x05, -3);
    o = writeCommand(out, o, 0x02, 0xffffffff);
    expect(o).toBe(15);
    expect(Buffer.from(out).toString('hex')).toBe('0119dd1800' + '05fffffffd' + '02ffffffff');
    expect(() => writeCommand(out, 0, 0x01, 2 ** 32)).toThrow(RangeError);
    expect(() => writeCommand(out, 0, 0x04, 38.6)).toThrow(RangeError);
  });

  it('encodes manual gain as mode 1 then tenths of a dB, frequency last', () => {
    const b = encodeConfiguration({ centerHz: 433_920_000, rateSps: 250_000, gainDb: 38.6, ppm: -3, agc: false, biasTee: true });
    expect(b.toString('hex')).toBe(
      [
        '020003d090', // sample rate 250000
        '05fffffffd', // ppm −3
        '0300000001', // gain mode 1 = manual
        '0400000182', // gain 386 tenths of a dB
        '0800000000', // RTL AGC off
        '0e00000001', // bias-tee on
        '0119dd1800', // 433.92 MHz
      ].join(''),
    );
    expect(decodeCommands(b)).toEqual([
      { cmd: 2, param: 250000 },
      { cmd: 5, param: -3 },
      { cmd: 3, param: 1 },
      { cmd: 4, param: 386 },
      { cmd: 8, param: 0 },
      { cmd: 0x0e, param: 1 },
      { cmd: 1, param: 433920000 },
    ]);
  });

  it('encodes auto gain as mode 0 with no gain command and no bias-tee when unset', () => {
    const b = encodeConfiguration({ centerHz: 100_000_000, rateSps: 2_048_000, gainDb: 'auto', ppm: 0, agc: true });
    expect(decodeCommands(b)).toEqual([
      { cmd: 2, param: 2_048_000 },
      { cmd: 5, param: 0 },
      { cmd: 3, param: 0 },
      { cmd: 8, param: 1 },
      { cmd: 1, param: 100_000_000 },
    ]);
  });

  it('parses the 12-byte header and rejects a wrong magic', () => {
    const header = Buffer.concat([Buffer.from('RTL0', 'latin1'), Buffer.from('00000006' + '0000001d', 'hex')]);
    expect(parseDongleInfo(header)).toEqual({ tunerType: 6, tunerName: 'R828D', tunerGainCount: 29 });
    expect(parseDongleInfo(Buffer.from('HTTP/1.1 400', 'latin1'))).toBeNull();
    expect(magicMismatchIndex(Buffer.from('RT'), 2)).toBe(-1);
    expect(magicMismatchIndex(Buffer.from('RX'), 2)).toBe(1);
    expect(magicMismatchIndex(Buffer.from('\x03\x00\x01\x00', 'latin1'), 4)).toBe(0);
  });

  it('names host:port and shows the peer bytes in the NOT_RTL_TCP error', () => {
    const bytes = Buffer.from('HTTP/1.1 400 Bad Request\r\n', 'latin1');
    const err = notRtlTcpError('10.0.0.7', 1234, bytes, bytes.length);
    expect(err.code).toBe('NOT_RTL_TCP');
    expect(err.disconnected).toBe(false);
    expect(err.message).toContain('10.0.0.7:1234 is not an rtl_tcp server');
    expect(err.message).toContain('(first bytes "HTTP/1.1 400 Bad"…, expected "RTL0")');
    expect(describePeerBytes(Buffer.from([0x03, 0x00, 0x41]), 3)).toBe('"\\x03\\x00A"');
  });
});

describe('socketErrorText', () => {
  const err = (code: string | undefined, message = 'x'): NodeJS.ErrnoException => Object.assign(new Error(message), code === undefined ? {} : { code });
  it('words each socket error with its errno code and the server', () => {
    expect(socketErrorText(err('ECONNREFUSED'), '10.0.0.5', 1234)).toBe('connection refused (ECONNREFUSED): is rtl_tcp running and listening on 10.0.0.5:1234?');
    expect(socketErrorText(err('ECONNRESET'), 'h', 1)).toBe('connection reset by the server (ECONNRESET)');
    expect(socketErrorText(err('EPIPE'), 'h', 1)).toBe('server closed the connection while we were sending (EPIPE)');
    expect(socketErrorText(err('EHOSTUNREACH'), '10.0.0.5', 1234)).toBe('10.0.0.5:1234 unreachable (EHOSTUNREACH)');
    expect(socketErrorText(err('ENOTFOUND'), 'sdr.local', 1234)).toBe('host sdr.local not found (ENOTFOUND)');
    expect(socketErrorText(err('EACCES', 'permission denied'), 'h', 1)).toBe('EACCES: permission denied');
    expect(socketErrorText(err(undefined, 'odd'), 'h', 1)).toBe('socket error: odd');
  });
});
