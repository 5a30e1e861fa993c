#!/usr/bin/env node
// QuietBand command-line entry: loads the compiled CLI (npm install / npm run build produce dist/).
import('../dist/src/cli/main.js').then((m) => m.main(process.argv)).catch((err) => {
  process.stderr.write(`quietband: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
