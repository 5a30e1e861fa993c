// `node bench/ident-eval.js [seeds] [snr,snr…]`: the identification classifier on synthetic clips of every class
// (src/eval/ident-cases.ts): confusion matrices per in-band SNR, then the misclassified cases. Needs dist/ (npx tsc).
// @ts-check
import { confusion, formatConfusion } from '../dist/src/eval/ident-cases.js';

const seeds = Number(process.argv[2] ?? 20);
const snrs = (process.argv[3] ?? '10,3').split(',').map(Number);
const only = process.argv[4]?.split(',');
for (const snr of snrs) {
  const t0 = performance.now();
  const c = confusion(snr, Array.from({ length: seeds }, (_, i) => i + 1), only);
  process.stdout.write(formatConfusion(c) + `\n(${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  for (const e of c.errors) process.stdout.write(`  ${e.truth} → ${e.predicted} seed ${e.seed} ${JSON.stringify(e.params)}: ${e.reason}\n`);
}
