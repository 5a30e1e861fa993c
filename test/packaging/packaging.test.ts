// Shipped files for unattended operation: the systemd unit verifies, its flags exist, udev and modprobe files say what they must.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, REPO } from '../daemon/helpers.js';

const UNIT = join(REPO, 'packaging', 'systemd', 'quietband.service');

/** `Key=value` lines of one unit section. */
function section(text: string, name: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) cur = line;
    else if (cur === `[${name}]` && line !== '' && !line.startsWith('#')) {
      const i = line.indexOf('=');
      const k = line.slice(0, i);
      out.set(k, [...(out.get(k) ?? []), line.slice(i + 1)]);
    }
  }
  return out;
}

describe('packaging', () => {
  it('the systemd unit passes systemd-analyze verify without a warning', () => {
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', UNIT], { encoding: 'utf8' });
    // CI installs the Debian package systemd (.ci/run): a missing tool is a failure, not a skip
    expect(r.error, 'systemd-analyze not found: apt-get install systemd').toBeUndefined();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('restarts on failure but not on a config error, stops by SIGTERM with time to store the last alerts, runs unprivileged', () => {
    const s = section(readFileSync(UNIT, 'utf8'), 'Service');
    expect(s.get('Restart')).toEqual(['always']);
    expect(s.get('RestartSec')).toEqual(['5']);
    expect(s.get('RestartPreventExitStatus')).toEqual(['2']);
    expect(s.get('KillSignal')).toEqual(['SIGTERM']);
    expect(Number(s.get('TimeoutStopSec')![0])).toBeGreaterThanOrEqual(10);
    expect(s.get('User')).toEqual(['quietband']);
    expect(s.get('SupplementaryGroups')).toEqual(['plugdev']);
    expect(s.get('StateDirectory')).toEqual(['quietband']);
    expect(s.has('MemoryDenyWriteExecute')).toBe(false); // V8 compiles code at run time
    expect(section(readFileSync(UNIT, 'utf8'), 'Unit').get('StartLimitIntervalSec')).toEqual(['0']);
  });

  it('every flag of ExecStart is a flag of quietband run, and paths are in the state directory', () => {
    const exec = section(readFileSync(UNIT, 'utf8'), 'Service').get('ExecStart')![0]!.split(/\s+/);
    expect(exec.slice(0, 4)).toEqual(['/usr/bin/env', 'node', '/opt/quietband/bin/quietband.js', 'run']);
    const flags = exec.filter((w) => w.startsWith('--'));
    expect(flags).toEqual(['--config', '--data-dir', '--calibration-dir']);
    const help = spawnSync(process.execPath, [BIN, 'run', '--help'], { encoding: 'utf8' }).stdout;
    for (const f of flags) expect(help).toContain(`${f} <`);
    expect(exec[exec.indexOf('--data-dir') + 1]).toBe('/var/lib/quietband/data');
  });

  it('the udev rule gives group plugdev the RTL2832U dongles, in the syntax of Debian librtlsdr0', () => {
    const rules = readFileSync(join(REPO, 'packaging', 'udev', '60-quietband-rtl-sdr.rules'), 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(rules.map((l) => /ATTRS\{idVendor\}=="([0-9a-f]{4})", ATTRS\{idProduct\}=="([0-9a-f]{4})"/.exec(l)?.slice(1).join(':'))).toEqual(['0bda:2832', '0bda:2838']);
    for (const l of rules) expect(l).toMatch(/^SUBSYSTEMS=="usb", ATTRS\{idVendor\}=="[0-9a-f]{4}", ATTRS\{idProduct\}=="[0-9a-f]{4}", ENV\{ID_SOFTWARE_RADIO\}="1", MODE="0660", GROUP="plugdev"$/);
  });

  it('the modprobe file blacklists the DVB-T drivers that claim RTL-SDR dongles', () => {
    const lines = readFileSync(join(REPO, 'packaging', 'modprobe.d', 'quietband-blacklist-dvb.conf'), 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(lines).toEqual(['blacklist dvb_usb_rtl28xxu', 'blacklist rtl2832', 'blacklist rtl2832_sdr', 'blacklist rtl2830']);
  });
});
