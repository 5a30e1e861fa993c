// The real build (linked to Debian's librtlsdr) on this machine, which has no dongle; and the loader's NATIVE_UNAVAILABLE advice.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADDON_PATH, hasLibrtlsdr, REPO_ROOT } from '../../native-bindings/build.mjs';
import { ADDON_PATH_ENV, listRtlSdrDevices, loadRtlSdr, RtlSdrDevice } from '../../native-bindings/index.js';
import { findDevices, formatDevices } from '../../src/cli/devices.js';
import { QuietBandError } from '../../src/errors.js';
import { describeNeeding } from '../helpers.js';

const libPresent = hasLibrtlsdr();

describeNeeding(libPresent ? null : 'librtlsdr not found: apt-get install librtlsdr-dev', 'real build against the system librtlsdr', () => {
  beforeAll(() => {
    // `npm install` builds it (package.json "install"); build it here if that was skipped.
    if (!existsSync(ADDON_PATH)) {
      const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'native-bindings', 'build.mjs')], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`npm run build:native failed:\n${r.stdout}${r.stderr}`);
    }
    delete process.env[ADDON_PATH_ENV];
  });

  it('loads in a clean process, binds the system librtlsdr.so.0 and lists no dongle', () => {
    const script = `const b = require(${JSON.stringify(ADDON_PATH)});
b.listDevices().then((d) => process.stdout.write(JSON.stringify({ d, lib: b.librtlsdrPath, bias: b.biasTeeSupported })));`;
    const env = { ...process.env };
    delete env.LD_LIBRARY_PATH;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { d: unknown[]; lib: string; bias: boolean };
    expect(out.d).toEqual([]);
    expect(out.lib).toMatch(/^\/(usr\/)?lib\/.*librtlsdr\.so\.0$/);
    expect(out.lib).not.toContain('fake');
    expect(out.bias).toBe(true); // Debian's librtlsdr 0.6 exports rtlsdr_set_bias_tee
  });

  it('through the wrapper: no dongle is DEVICE_NOT_FOUND with what to check, and `devices` says so plainly', async () => {
    const binding = loadRtlSdr();
    expect(binding.librtlsdrPath).not.toContain('fake');
    expect(await listRtlSdrDevices()).toEqual([]);
    const err = (await RtlSdrDevice.open({ index: 0 }).catch((e: unknown) => e)) as QuietBandError;
    expect(err.code).toBe('DEVICE_NOT_FOUND');
    expect(err.message).toContain('attached: none');
    const result = await findDevices();
    expect(result.devices).toEqual([]);
    expect(formatDevices(result)).toMatch(/^no RTL-SDR found: check that the dongle is plugged in \(lsusb/);
  });
});

describe('loader', () => {
  it('a missing addon is NATIVE_UNAVAILABLE saying exactly what to install and how to rebuild', () => {
    const err = (() => {
      try {
        loadRtlSdr({ path: '/nonexistent/quietband_rtlsdr.node' });
      } catch (e) {
        return e as QuietBandError;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(QuietBandError);
    expect(err?.code).toBe('NATIVE_UNAVAILABLE');
    expect(err?.message).toContain('sudo apt-get install librtlsdr-dev');
    expect(err?.message).toContain('npm run build:native');
  });

  it('a file that is not a loadable addon is NATIVE_UNAVAILABLE telling to rebuild', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'qb-loader-'));
    const bogus = path.join(dir, 'quietband_rtlsdr.node');
    writeFileSync(bogus, 'not an ELF file');
    expect(() => loadRtlSdr({ path: bogus })).toThrow(/built for another Node\.js or platform, or is damaged: npm run build:native/);
  });
});
