// `quietband run` serves Prometheus /metrics: sensor rates, alerts by state, WS clients, store size; 401 without the token off loopback.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnce, Client, killAll, readStore, simSensor, startDaemon, tempDir, writeConfig } from '../daemon/helpers.js';
import { parseMetrics } from './metrics-helpers.js';

const tmp = tempDir('qb-metrics-');
beforeAll(() => buildOnce());
afterAll(() => {
  killAll();
  tmp.cleanup();
});

async function scrape(url: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; text: string; m: Map<string, number> }> {
  const r = await fetch(`${url}metrics`, { headers });
  const text = await r.text();
  return { status: r.status, type: r.headers.get('content-type') ?? '', text, m: parseMetrics(text) };
}

describe('GET /metrics', () => {
  it('reports the sim sensor at 250 kS/s ± 10 %, no drops, one WS client, stored alerts by state and the store size', async () => {
    const dataDir = join(tmp.dir, 'data-m');
    const config = writeConfig(tmp.dir, 'm.json', { site: 'hall-m', warmupS: 1.5, calibrationDir: join(tmp.dir, 'cal'), sensors: [simSensor('room-1', [{ offsetHz: 60_000, startS: 2.5, durationS: 0.8 }], 5)] });
    const d = await startDaemon(['run', '--config', config, '--data-dir', dataDir, '--http-port', '0']);
    const c = await Client.open(d.wsUrl);
    await c.waitFor(() => c.alerts().find((x) => x.a.kind === 'transmission' && x.a.event === 'close'), 20_000, 'the tone alert closed');
    let s = await scrape(d.url);
    const sensor = '{sensor="room-1",site="hall-m"}';
    await c.waitFor(() => {
      const v = s.m.get(`quietband_sensor_achieved_rate_sps${sensor}`);
      if (v !== undefined && Math.abs(v - 250_000) < 25_000) return true;
      void scrape(d.url).then((x) => (s = x));
      return false;
    }, 10_000, `achieved rate 250 kS/s ± 10 % in /metrics (last ${s.m.get(`quietband_sensor_achieved_rate_sps${sensor}`)})`);
    s = await scrape(d.url);
    expect(s.status).toBe(200);
    expect(s.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = s.m;
    console.log(`metrics: ${s.text.length} bytes, ${m.size} series; achieved ${m.get(`quietband_sensor_achieved_rate_sps${sensor}`)} S/s`);
    expect(m.get(`quietband_sensor_configured_rate_sps${sensor}`)).toBe(250_000);
    expect(m.get(`quietband_sensor_dropped_blocks${sensor}`)).toBe(0);
    expect(m.get(`quietband_sensor_lost_samples${sensor}`)).toBe(0);
    expect(m.get(`quietband_sensor_online${sensor}`)).toBe(1);
    expect(m.get(`quietband_sensor_overload${sensor}`)).toBe(0);
    const clip = m.get(`quietband_sensor_clip_fraction${sensor}`)!;
    expect(clip).toBeGreaterThanOrEqual(0);
    expect(clip).toBeLessThan(0.01); // carrier at −20 dBFS, tone 25 dB over the noise: far from the rails
    expect(m.get(`quietband_sensor_last_frame_age_seconds${sensor}`)!).toBeLessThan(1);
    expect(m.get('quietband_ws_clients{site="hall-m"}')).toBe(1);
    // every stored alert by state: the tone alerts are 'new' (nobody acked); no open/record count beyond the file
    const store = readStore(dataDir);
    const alertIds = new Set(store.alerts.map((a) => a.alertId));
    const byState = ['new', 'acknowledged', 'known'].map((st) => m.get(`quietband_alerts{site="hall-m",state="${st}"}`)!);
    expect(byState[0]).toBeGreaterThanOrEqual(1);
    expect(byState[1]).toBe(0);
    expect(byState[2]).toBe(0);
    expect(byState[0]! + byState[1]! + byState[2]!).toBeGreaterThanOrEqual(alertIds.size); // later alerts may have come in
    const records = m.get('quietband_alert_store_records{site="hall-m"}')!;
    expect(records).toBeGreaterThanOrEqual(2); // open + close
    expect(m.get('quietband_alert_last_seq{site="hall-m"}')).toBe(records); // fresh store: seq 1..n
    const bytes = m.get('quietband_alert_store_bytes{site="hall-m"}')!;
    expect(bytes).toBeGreaterThan(records * 100);
    expect(bytes).toBeLessThanOrEqual(statSync(join(dataDir, 'alerts.jsonl')).size);
    const openNow = m.get(`quietband_sensor_open_alerts${sensor}`)!;
    expect(openNow).toBe(m.get('quietband_open_alerts{site="hall-m"}'));
    expect(openNow).toBeLessThanOrEqual(1);
    expect(m.get('process_resident_memory_bytes{site="hall-m"}')!).toBeGreaterThan(10e6);

    c.close();
    await c.waitFor(() => c.closed, 2000, 'client closed');
    await new Promise((r) => setTimeout(r, 200));
    expect((await scrape(d.url)).m.get('quietband_ws_clients{site="hall-m"}')).toBe(0);
    d.child.kill('SIGTERM');
    expect(await d.exited).toEqual({ code: 0, signal: null });
  });

  it('needs the token when bound off loopback: 401 without, 200 with Bearer', async () => {
    const dataDir = join(tmp.dir, 'data-auth');
    const config = writeConfig(tmp.dir, 'auth.json', { site: 'hall-auth', warmupS: 1, calibrationDir: join(tmp.dir, 'cal'), sensors: [simSensor('room-1', [])] });
    const d = await startDaemon(['run', '--config', config, '--data-dir', dataDir, '--http-port', '0', '--bind', '0.0.0.0', '--no-tls']);
    const token = /Access token \(shown once[^)]*\): (\S+)/.exec(d.stdout())?.[1];
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
    const denied = await scrape(d.url);
    expect(denied.status).toBe(401);
    expect(denied.text).not.toContain('quietband_');
    const wrong = await scrape(d.url, { Authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    const ok = await scrape(d.url, { Authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    expect(ok.m.get('quietband_sensor_configured_rate_sps{sensor="room-1",site="hall-auth"}')).toBe(250_000);
    d.child.kill('SIGTERM');
    expect(await d.exited).toEqual({ code: 0, signal: null });
  });
});
