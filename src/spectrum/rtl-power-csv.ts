// Spectra in rtl_power's CSV layout, so existing heat-map tools (heatmap.py, QSpectrumAnalyzer) read them.
import { createWriteStream, type WriteStream } from 'node:fs';
import type { SpectrumFrame } from './frames.js';

/**
 * One CSV row per (slow, Welch-averaged) frame in rtl_power's layout (osmocom rtl-sdr src/rtl_power.c):
 * `date, time, Hz low, Hz high, Hz step, samples, dB, dB, …` — date `YYYY-MM-DD`, time `HH:MM:SS` in the given time
 * zone, Hz low/high the edges of the first and last bin, Hz step = rate/N, samples = samples averaged, one dB value per
 * bin (dBFS, PSD normalisation of SpectrumFrame). Unlike rtl_power we do not repeat the last value (docs/field-notes.md §16
 * calls that a quirk readers must drop) and we write the bins in frequency order.
 */
export class RtlPowerCsvWriter {
  private readonly out: WriteStream;
  private readonly fmt: Intl.DateTimeFormat;
  private line: string[] = [];

  /**
   * @param path file to write (created/truncated)
   * @param originMs wall-clock time (ms since the epoch) of sample 0 of the stream; rows are stamped originMs + t
   * @param timeZone IANA zone for the date/time columns (default UTC; rtl_power uses local time)
   * @param flags 'w' creates/truncates the file, 'a' appends (a restarted daemon worker keeps its earlier rows)
   */
  constructor(path: string, private readonly originMs: number, timeZone = 'UTC', flags: 'w' | 'a' = 'w') {
    this.out = createWriteStream(path, { flags });
    this.fmt = new Intl.DateTimeFormat('en-CA', {
      timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
    });
  }

  /** Appends the row of one frame (called once per slow frame: ~10 rows/s, so string building is fine here). */
  write(frame: SpectrumFrame): void {
    const n = frame.power.length;
    const step = frame.rateSps / n;
    const low = frame.centerHz - frame.rateSps / 2;
    const t = this.originMs + (frame.firstSample / frame.rateSps) * 1000;
    const parts = Object.fromEntries(this.fmt.formatToParts(new Date(t)).map((p) => [p.type, p.value]));
    const line = this.line;
    line.length = 0;
    line.push(`${parts.year}-${parts.month}-${parts.day}`, `${parts.hour}:${parts.minute}:${parts.second}`,
      String(Math.round(low)), String(Math.round(low + step * n)), step.toFixed(2), String(frame.sampleCount));
    for (let i = 0; i < n; i++) line.push((10 * Math.log10(frame.power[i] + 1e-30)).toFixed(2));
    this.out.write(line.join(', ') + '\n');
  }

  /** Flushes and closes the file. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => this.out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}
