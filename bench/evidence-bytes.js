// `node bench/evidence-bytes.js DATA_DIR [--minutes M] [--report FILE]`: where a site's evidence bytes go
// (docs/clip-decimation.md "What the demo writes"). Reads DATA_DIR/alerts.jsonl and sums, per kind of alert (sensor,
// centre MHz to 0.1 MHz, clip rate and the identified class of the alert's last record), the bytes of its clips
// (sigmf-data + sigmf-meta), their pictures (clip-pictures/<base>.png) and kept audio (clips/<base>.<class>.wav); then the
// totals of every folder of DATA_DIR, the report FILE when given, and with --minutes the MB per minute. Prints a table,
// then one JSON line. Measure a 5-minute `quietband run` (the demo, from a clean ./data/demo), then its
// `quietband report … -o FILE`.
// @ts-check
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

const argv = process.argv.slice(2);
const dataDir = argv[0];
if (dataDir === undefined || dataDir.startsWith('--')) {
  console.error('usage: node bench/evidence-bytes.js DATA_DIR [--minutes M] [--report FILE]');
  process.exit(2);
}
const flag = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const minutes = flag('--minutes') !== undefined ? Number(flag('--minutes')) : undefined;
const reportFile = flag('--report');

/** Size of a file in bytes, 0 when it does not exist. */
const size = async (p) => stat(p).then((s) => s.size, () => 0);

/** Bytes under a folder (one level: the data dir's folders are flat). */
const folderBytes = async (dir) => {
  const names = await readdir(dir).catch(() => []);
  let total = 0;
  for (const n of names) total += await size(path.join(dir, n));
  return total;
};

// the alert's last record carrying a clip or a class wins
const alerts = new Map();
for (const line of (await readFile(path.join(dataDir, 'alerts.jsonl'), 'utf8')).split('\n')) {
  if (!line.startsWith('{')) continue;
  const r = JSON.parse(line);
  if (r.kind !== 'transmission' || typeof r.alertId !== 'string') continue;
  const a = alerts.get(r.alertId) ?? { sensor: r.sensor, centerHz: r.centerHz };
  if (typeof r.clip === 'string') a.clip = r.clip;
  if (r.signal?.class !== undefined) a.cls = r.signal.class === 'unknown' && r.signal.closestClass ? `${r.signal.closestClass}?` : r.signal.class;
  if (typeof r.centerHz === 'number') a.centerHz = r.centerHz;
  alerts.set(r.alertId, a);
}

const kinds = new Map();
for (const a of alerts.values()) {
  const base = a.clip !== undefined ? path.basename(a.clip).replace(/\.sigmf-meta$/, '') : undefined;
  const rate = base?.match(/_([\d.]+)k$/)?.[1];
  const key = `${a.sensor} ${(a.centerHz / 1e6).toFixed(1)}M ${rate !== undefined ? `${rate}k` : 'no clip'} ${a.cls ?? '-'}`;
  const k = kinds.get(key) ?? { alerts: 0, clips: 0, clipBytes: 0, pictureBytes: 0, audioBytes: 0 };
  k.alerts++;
  if (base !== undefined) {
    const clipBytes = (await size(path.join(dataDir, 'clips', `${base}.sigmf-data`))) + (await size(path.join(dataDir, 'clips', `${base}.sigmf-meta`)));
    if (clipBytes > 0) k.clips++;
    k.clipBytes += clipBytes;
    k.pictureBytes += await size(path.join(dataDir, 'clip-pictures', `${base}.png`));
    for (const c of ['am', 'nfm', 'wfm']) k.audioBytes += await size(path.join(dataDir, 'clips', `${base}.${c}.wav`));
  }
  kinds.set(key, k);
}

const MB = (b) => (b / 1e6).toFixed(3);
console.log('kind (sensor centre rate class) | alerts | clips | clip B/alert | clip MB | picture MB | audio MB');
for (const [key, k] of [...kinds].sort((x, y) => y[1].clipBytes - x[1].clipBytes)) {
  console.log(`${key} | ${k.alerts} | ${k.clips} | ${Math.round(k.clipBytes / Math.max(1, k.clips))} | ${MB(k.clipBytes)} | ${MB(k.pictureBytes)} | ${MB(k.audioBytes)}`);
}
const folders = {};
for (const n of await readdir(dataDir)) {
  const p = path.join(dataDir, n);
  folders[n] = (await stat(p)).isDirectory() ? await folderBytes(p) : await size(p);
}
const report = reportFile !== undefined ? await size(reportFile) : undefined;
const clipAlerts = [...kinds.values()].reduce((s, k) => s + k.clips, 0);
const summary = {
  alerts: alerts.size, clips: clipAlerts, folders, ...(report !== undefined ? { reportBytes: report } : {}),
  clipBytesPerClip: Math.round((folders.clips ?? 0) / Math.max(1, clipAlerts)),
  ...(minutes !== undefined ? {
    minutes,
    mbPerMinute: Object.fromEntries(Object.entries({ ...folders, ...(report !== undefined ? { report } : {}) }).map(([n, b]) => [n, Number(MB(b / minutes))])),
  } : {}),
};
for (const [n, b] of Object.entries(folders)) console.log(`${n}: ${MB(b)} MB${minutes !== undefined ? ` (${MB(b / minutes)} MB/min)` : ''}`);
if (report !== undefined) console.log(`report: ${MB(report)} MB${minutes !== undefined ? ` (${MB(report / minutes)} MB/min)` : ''}`);
console.log(JSON.stringify(summary));
