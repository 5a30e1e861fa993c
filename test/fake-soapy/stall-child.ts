// A child process that streams from the quietband-fake SoapySDR module, stopped whole (SIGSTOP) for a while once it
// streams, as a host that stops reading: the device overflows and loses the samples of the stall.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/** What {@link runStalledChild} saw: the child's stdout/stderr, exit code and how long it was stopped (s). */
export interface StalledChild {
  out: string;
  err: string;
  code: number | null;
  stoppedS: number;
}

/**
 * Runs `node script` with SOAPY_SDR_PLUGIN_PATH = moduleDir; once it writes "streaming\n" to stdout, stops it
 * (SIGSTOP) for `stopS` seconds, continues it (SIGCONT) and waits for it to exit.
 * @throws Error with its stderr when the child exits before streaming
 */
export async function runStalledChild(script: string, moduleDir: string, stopS: number): Promise<StalledChild> {
  const child = spawn(process.execPath, [script], { env: { ...process.env, SOAPY_SDR_PLUGIN_PATH: moduleDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('streaming\n')) resolve();
    });
    child.on('exit', () => reject(new Error(`child exited before streaming: ${err}`)));
  });
  child.kill('SIGSTOP');
  const stoppedAt = performance.now();
  await new Promise((r) => setTimeout(r, stopS * 1000));
  child.kill('SIGCONT');
  const stoppedS = (performance.now() - stoppedAt) / 1000;
  const code = await exited;
  return { out, err, code, stoppedS };
}
