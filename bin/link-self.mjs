// Links node_modules/.bin/quietband → bin/quietband.js, so `npx quietband …` in a fresh clone runs this checkout at
// once (without it, npx installs the project into its own cache first, rebuilding the native addon there).
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const binDir = join(root, 'node_modules', '.bin');
const link = join(binDir, 'quietband');
mkdirSync(binDir, { recursive: true });
rmSync(link, { force: true });
symlinkSync(relative(binDir, join(root, 'bin', 'quietband.js')), link);
