// Helpers of the /metrics tests: the Prometheus text format parsed into a map.

/** Parses the Prometheus text format into `name{labels}` → value, labels sorted by name (`{sensor="a",site="b"}`). */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([^{\s]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = m[2] === undefined ? [] : m[2].split(/,(?=[a-z_]+=)/).filter((l) => l !== '').sort();
    out.set(labels.length === 0 ? m[1]! : `${m[1]}{${labels.join(',')}}`, Number(m[3]));
  }
  return out;
}
