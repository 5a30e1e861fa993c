// Samples waiting upstream of an rtl_tcp client (kernel buffers, rtl_tcp's queue), from lateness against the configured rate.

/** Window (s) of the lateness minimum behind {@link UpstreamBacklog.samples}. */
export const LATENESS_WINDOW_S = 60;

/**
 * Estimates the samples an rtl_tcp server has produced that this client has not read yet, for one connection at a
 * time. Lateness at a moment = samples produced at the configured rate since the connection's first post-header
 * byte − samples received. The backlog is the current lateness above its minimum over the last
 * {@link LATENESS_WINDOW_S} s — the base-delay rule of delay-based congestion control (LEDBAT, RFC 6817 §2.4:
 * queueing delay = current delay − the minimum over a window). The minimum is what is left after a burst was read
 * while caught up (the transfer in flight, a constant). A consumer that falls behind (busy, or the socket paused by a
 * full ring) leaves data in the kernel buffers and in rtl_tcp's queue; a stalled or trimming server looks like backlog
 * until its lateness leaves the window. Allocation-free: one ring slot per wall-clock second.
 */
export class UpstreamBacklog {
  /** Minimum lateness per wall-clock second of the last {@link LATENESS_WINDOW_S} (ring), and its second. */
  private readonly lateMin = new Float64Array(LATENESS_WINDOW_S);
  private readonly lateSec = new Float64Array(LATENESS_WINDOW_S).fill(-1);
  /** performance.now() of the connection's first post-header byte (the server's production clock starts about then). */
  private firstDataMs = 0;

  /** @param rateSps the configured sample rate (S/s) the server produces at. */
  constructor(private readonly rateSps: number) {}

  /** A connection's first post-header byte arrived at `nowMs` (performance.now()): forgets the previous connection. */
  start(nowMs: number): void {
    this.firstDataMs = nowMs;
    this.lateSec.fill(-1);
  }

  /** Samples produced by `nowMs` minus `receivedSamples` (complex samples received on this connection). */
  private lateness(nowMs: number, receivedSamples: number): number {
    return ((nowMs - this.firstDataMs) / 1000) * this.rateSps - receivedSamples;
  }

  /** Records the lateness of a moment data was read (`receivedSamples` on this connection, that read included). */
  track(nowMs: number, receivedSamples: number): void {
    const late = this.lateness(nowMs, receivedSamples);
    const sec = Math.floor(nowMs / 1000);
    const i = sec % LATENESS_WINDOW_S;
    if (this.lateSec[i] !== sec) {
      this.lateSec[i] = sec;
      this.lateMin[i] = late;
    } else if (late < this.lateMin[i]!) this.lateMin[i] = late;
  }

  /** Samples waiting upstream at `nowMs` (≥ 0, whole); 0 before anything was tracked on this connection. */
  samples(nowMs: number, receivedSamples: number): number {
    const sec = Math.floor(nowMs / 1000);
    let base = Infinity;
    for (let i = 0; i < LATENESS_WINDOW_S; i++) if (this.lateSec[i]! > sec - LATENESS_WINDOW_S && this.lateMin[i]! < base) base = this.lateMin[i]!;
    if (base === Infinity) return 0;
    return Math.max(0, Math.round(this.lateness(nowMs, receivedSamples) - base));
  }
}
