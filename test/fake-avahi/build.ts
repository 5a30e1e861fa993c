// Test helper: builds the Avahi client stand-in (fake-avahi-client.c) that lets SoapySDRServer run without an
// avahi-daemon, once per source version, into <tmpdir>/quietband-fake-avahi-<hash>/libfake-avahi-client.so.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const HERE = path.dirname(fileURLToPath(import.meta.url));

/**
 * Compiles the shim with cc (once; parallel callers each compile to their own temporary name and rename atomically).
 * @returns absolute path of libfake-avahi-client.so, for LD_PRELOAD of SoapySDRServer
 * @throws Error with the compiler output when the build fails
 */
export async function buildFakeAvahi(): Promise<string> {
  const source = readFileSync(path.join(HERE, 'fake-avahi-client.c'));
  const dir = path.join(os.tmpdir(), `quietband-fake-avahi-${createHash('sha256').update(source).digest('hex').slice(0, 16)}`);
  const lib = path.join(dir, 'libfake-avahi-client.so');
  if (existsSync(lib)) return lib;
  mkdirSync(dir, { recursive: true });
  const tmp = `${lib}.${process.pid}.tmp`;
  try {
    await execFileAsync('cc', ['-shared', '-fPIC', '-O2', '-Wall', '-Wextra', '-o', tmp, path.join(HERE, 'fake-avahi-client.c')]);
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`building the fake Avahi client failed: ${e.message}\n${e.stderr ?? ''}`);
  }
  renameSync(tmp, lib);
  return lib;
}
