// `quietband notify --config site.json`: a test notification per channel, a line each, exit 1 when one fails.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, buildOnce, REPO, tempDir, writeConfig } from '../daemon/helpers.js';
import { freePort, httpReceiver, smtpSink } from '../notify/receivers.js';

const tmp = tempDir('qb-notify-cli-');
beforeAll(() => buildOnce());
afterAll(() => tmp.cleanup());

/** Runs the CLI without blocking the event loop (the receivers run in this process). */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [BIN, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    c.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('quietband notify', () => {
  it('tests every channel: the working ones get a [TEST] message, a refused one is named with its error', async () => {
    const ntfy = await httpReceiver();
    const smtp = await smtpSink();
    const deadPort = await freePort();
    const config = writeConfig(tmp.dir, 'site.json', {
      site: 'hall-t',
      timeZone: 'Asia/Shanghai',
      sensors: [{ name: 'room-1', source: 'sim', centerHz: 433_920_000, location: { room: '101' } }],
      notify: {
        channels: [
          { name: 'phone', type: 'ntfy', url: ntfy.url },
          { name: 'mail', type: 'email', smtp: { host: '127.0.0.1', port: smtp.port }, from: 'qb@site.example', to: ['duty@site.example'] },
          { name: 'district', type: 'webhook', url: `http://127.0.0.1:${deadPort}/hook` },
        ],
        retry: { timeoutMs: 5000 },
      },
    });
    try {
      const r = await cli(['notify', '--config', config]);
      expect(r.code).toBe(1);
      const lines = r.stdout.trim().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(/^ok {3}phone \(ntfy\) accepted in \d+ ms$/);
      expect(lines[1]).toMatch(/^ok {3}mail \(email\) accepted in \d+ ms$/);
      expect(lines[2]).toBe('FAIL district (webhook) ECONNREFUSED');
      expect(ntfy.got).toHaveLength(1);
      expect(ntfy.got[0]!.headers.title).toBe('[TEST] [HIGH] hall-t: transmission at 433.920 MHz in 101');
      expect(ntfy.got[0]!.body).toContain('no transmission was detected');
      expect(smtp.mails.map((m) => m.to)).toEqual([['duty@site.example']]);
      const one = await cli(['notify', '--config', config, '--channel', 'phone']);
      expect([one.code, one.stdout.trim().split('\n').length, ntfy.got.length]).toEqual([0, 1, 2]);
      const bad = await cli(['notify', '--config', config, '--channel', 'pager']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain(`quietband: --channel: "pager" is not a channel of ${config} (channels: phone, mail, district)`);
    } finally {
      await Promise.all([ntfy.close(), smtp.close()]);
    }
  });
});
