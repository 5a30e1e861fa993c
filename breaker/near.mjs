// Counts detections after the calibration by frequency window: node near.mjs CALIB_S FILE LO_kHz:HI_kHz ...
import fs from 'node:fs';
const [calib, f, ...wins] = process.argv.slice(2);
const ds = fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).filter((d) => d.type === 'detection' && d.startS >= +calib);
const out = [];
for (const w of wins) {
  const [lo, hi] = w.split(':').map(Number);
  const m = ds.filter((d) => { const k = (d.centerHz - 433.92e6) / 1e3; return k >= lo && k <= hi; });
  out.push(`${w}: ${m.length}${m.length ? ` (first t=${m[0].startS.toFixed(1)} ${m[0].peakExcessDb}dB ${m[0].paths.join('+')})` : ''}`);
}
console.log(`${f.split('/').pop()}: total ${ds.length}; ` + out.join('; '));
