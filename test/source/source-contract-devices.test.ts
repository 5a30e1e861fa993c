// Runs the IqSource contract suite against the receivers the addons drive: RtlSdrSource over the fake librtlsdr
// (test/fake-librtlsdr) and SoapySource through Debian's SoapyRTLSDR over the same fake, both streaming a capture.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { loadRtlSdr, type RtlSdrBinding } from '../../native-bindings/index.js';
import type { SoapyBinding } from '../../native-bindings/soapy.js';
import { RtlSdrSource } from '../../src/source/rtlsdr-source.js';
import { SoapySource } from '../../src/source/soapy-source.js';
import { buildAddonAgainstFake } from '../fake-librtlsdr/build.js';
import { describeNeeding } from '../helpers.js';
import { setFakeEnv } from '../fake-librtlsdr/fake-env.js';
import { describeSource } from './describe-source.js';
import { soapyOverFake } from './soapy-fake.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const capturePath = resolve(repoRoot, '../shared/captures/ambient_weather_F007TH_433.92M_250k.cu8');
const noCapture = existsSync(capturePath) ? null : `capture ${capturePath} is missing (../shared relative to the repo root)`;
const CENTER = 433_920_000;
/** 1.024 MS/s: the fake delivers the capture's bytes at this rate (it does not care what rate they were recorded at). */
const RATE = 1_024_000;
const BLOCK = 16_384;

/** True when Debian's SoapyRTLSDR module (soapysdr-module-rtlsdr) is installed under /usr/lib. */
function soapyRtlsdrInstalled(): boolean {
  for (const arch of readdirSync('/usr/lib')) {
    const soapy = join('/usr/lib', arch, 'SoapySDR');
    if (!existsSync(soapy)) continue;
    for (const mods of readdirSync(soapy)) if (existsSync(join(soapy, mods, 'librtlsdrSupport.so'))) return true;
  }
  return false;
}

/** The fake streams the capture from its first byte at every open, paced at the rate. */
const streamCapture = (serials: string): void => setFakeEnv({ FAKE_RTLSDR_SERIALS: serials, FAKE_RTLSDR_FILE: capturePath, FAKE_RTLSDR_REALTIME: '1' });

afterAll(() => setFakeEnv());

describeNeeding(noCapture, 'RtlSdrSource over the fake librtlsdr', () => {
  let binding: RtlSdrBinding;
  beforeAll(async () => {
    binding = loadRtlSdr({ path: await buildAddonAgainstFake() });
  }, 120_000);
  const open = async (serial = 'FAKE0001') => {
    streamCapture('FAKE0001');
    return RtlSdrSource.open({ serial, centerHz: CENTER, rateSps: RATE, gainDb: 30, blockSamples: BLOCK, binding });
  };
  describeSource('rtlsdr (fake librtlsdr)', () => open(), {
    blocks: 6,
    knownCu8: () => readFileSync(capturePath),
    failing: { open: () => open('NOPE0042'), names: /NOPE0042/ },
  });
});

const noSoapy = noCapture ?? (soapyRtlsdrInstalled() ? null : 'SoapyRTLSDR not found: apt-get install soapysdr-module-rtlsdr libsoapysdr-dev, then npm run build:native');
describeNeeding(noSoapy, 'SoapySource through SoapyRTLSDR over the fake librtlsdr', () => {
  let binding: SoapyBinding;
  beforeAll(async () => {
    ({ binding } = await soapyOverFake());
  }, 120_000);
  const open = async (serial = 'SOAPY01') => {
    streamCapture('SOAPY01');
    return SoapySource.open({ args: `driver=rtlsdr,serial=${serial}`, centerHz: CENTER, rateSps: RATE, gain: 30, blockSamples: BLOCK, binding });
  };
  describeSource('soapy (SoapyRTLSDR, fake librtlsdr)', () => open(), {
    blocks: 6,
    knownCu8: () => readFileSync(capturePath),
    failing: { open: () => open('NOPE0042'), names: /NOPE0042/ },
  });
});
