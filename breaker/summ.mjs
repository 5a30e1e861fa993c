// Prints the detections of replay outputs (this branch / before 69825cd) that start after the calibration:
// start s, duration, offset from 433.92 MHz, bandwidth, paths, peak excess.
import fs from 'node:fs';
const [calibArg, ...files] = process.argv.slice(2);
const calib = Number(calibArg);
for (const f of files) {
  const ds = fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const det = ds.filter((d) => d.type === 'detection' && d.startS >= calib);
  console.log(`${f.split('/').pop()}: ${det.length} detections after calibration`);
  for (const d of det.slice(0, 12)) {
    console.log(`  t=${d.startS.toFixed(2)}s dur=${(d.durationMs / 1e3).toFixed(2)}s f=${((d.centerHz - 433.92e6) / 1e3).toFixed(1)}kHz bw=${(d.bandwidthHz / 1e3).toFixed(1)}k ${d.paths.join('+')} ${d.peakExcessDb}dB`);
  }
  if (det.length > 12) console.log(`  ... ${det.length - 12} more`);
}
