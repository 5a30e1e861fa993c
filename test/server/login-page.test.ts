// A browser's first visit to a daemon that requires a token gets the sign-in form (with the 401), not bare JSON.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, tempDir, type Stack } from './helpers.js';

const stacks: Stack[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const s of stacks.splice(0)) await s.close();
  for (const c of cleanups.splice(0)) c();
});

describe('first visit without a token', () => {
  it('GET / with Accept: text/html → 401 + login.html; API clients still get JSON', async () => {
    const t = tempDir('qb-login-');
    cleanups.push(t.cleanup);
    const web = mkdtempSync(join(tmpdir(), 'qb-web-'));
    cleanups.push(() => rmSync(web, { recursive: true, force: true }));
    writeFileSync(join(web, 'index.html'), '<html>app</html>');
    writeFileSync(join(web, 'login.html'), '<html><form action="login"><input name="token"></form></html>');
    const s = await startStack({ bind: '0.0.0.0', tls: 'off', webRoot: web }, {}, t.dir);
    stacks.push(s);
    const base = `http://127.0.0.1:${s.server.port}`;
    const page = await fetch(`${base}/`, { headers: { Accept: 'text/html,application/xhtml+xml' } });
    expect(page.status).toBe(401);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('<form action="login"');
    const api = await fetch(`${base}/healthz`);
    expect(api.status).toBe(401);
    expect(api.headers.get('content-type')).toMatch(/application\/json/);
    const ok = await fetch(`${base}/`, { headers: { Accept: 'text/html', Authorization: `Bearer ${s.server.token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('<html>app</html>');
  });
});
