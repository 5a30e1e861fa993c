// Every package that `npm ci` installs accepts the Node the project targets, so a fresh install prints no EBADENGINE.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { REPO } from '../daemon/helpers.js';

interface LockEntry {
  version?: string;
  engines?: { node?: string } | string[];
  optional?: boolean;
}

const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { engines: { node: string } };

describe('engines', () => {
  it('the project itself says Node 20 (the release CI and the field laptops run)', () => {
    expect(semver.minVersion(pkg.engines.node)?.major).toBe(20);
  });

  it("no locked package refuses this Node or Node 20's current release (what npm ci checks for EBADENGINE)", () => {
    const refused: string[] = [];
    // npm compares against the running Node; CI runs the newest Node 20, which must also be accepted
    const nodes = [...new Set([process.version.slice(1), '20.20.2'])];
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path === '' || entry.engines === undefined || Array.isArray(entry.engines)) continue;
      const range = entry.engines.node;
      if (range === undefined) continue;
      for (const node of nodes) if (!semver.satisfies(node, range)) refused.push(`${path}@${entry.version} wants node ${range}, not ${node}`);
    }
    expect(refused).toEqual([]);
  });

  it('content-disposition is a release that still builds RFC 8187 filename* for a Chinese name', async () => {
    const { create } = await import('content-disposition');
    expect(create('数学 Maths.html', { type: 'inline', fallback: '__ Maths.html' })).toBe(
      `inline; filename="__ Maths.html"; filename*=UTF-8''%E6%95%B0%E5%AD%A6%20Maths.html`,
    );
  });
});
