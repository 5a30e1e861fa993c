// IqSource over an rtl_tcp server: settle, block ring, retunes, sample clock across reconnects, rate check, health (connection side: rtl-tcp-link.ts).

import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { QuietBandError } from '../errors.js';
import type { IqBlock, IqSource, IqSourceInfo } from '../types.js';
import { tunerCenterProblem } from './input-ranges.js';
import type { RetunableSource } from './retunable.js';
import { UpstreamBacklog } from './rtl-tcp-backlog.js';
import { Cu8BlockRing } from './rtl-tcp-block-ring.js';
import { RtlTcpLink } from './rtl-tcp-link.js';
import { isRtlRate, lossOriginBytes, resolveRtlTcpOptions, RTL_TCP_TRANSFER_SAMPLES, upstreamBacklogBoundSamples, type RtlTcpHealth, type RtlTcpSourceOptions, type RtlTcpState } from './rtl-tcp-options.js';
import { encodeConfiguration, RTL_TCP_COMMAND_BYTES, RtlTcpCommand, writeCommand, type RtlTcpDongleInfo } from './rtl-tcp-protocol.js';
import { UpstreamLossTracker, type UpstreamLoss } from './rtl-tcp-loss.js';
import { RateShortfall, SampleRateMeter } from './rtl-tcp-rate-meter.js';
import { DropWarning } from './drop-warning.js';
import { closeOnReturn } from './close-on-return.js';

export {
  defaultSettleSamples,
  RTL_TCP_SETTLE_S,
  RTL_TCP_TRANSFER_SAMPLES,
  rtlTcpSourceOptionsSchema,
  type RtlTcpHealth,
  type RtlTcpSourceOptions,
  type RtlTcpState,
} from './rtl-tcp-options.js';

/**
 * IQ from an rtl_tcp server as {@link IqSource}.
 *
 * Per connection: TCP connect → read exactly 12 header bytes and check the `"RTL0"` magic (the check fails on the
 * first wrong byte) → send the full configuration ({@link encodeConfiguration}: rate, ppm, gain mode, gain, AGC,
 * bias-tee, frequency) → discard `settleSamples` → stream cu8 into preallocated block slots → Float32 blocks.
 *
 * Reconnect policy:
 * - Refused/unreachable, connect timeout, no header within `stallTimeoutMs`, server closed (also after a valid
 *   header), stall (no byte for `stallTimeoutMs`): the source goes offline and reconnects after
 *   {@link Backoff} — forever, until close(). The iterator keeps waiting; offline time shows in health.
 * - A peer whose first bytes are not `"RTL0"` is a configuration error (wrong port, another service), not an outage:
 *   the iterator throws `QuietBandError('NOT_RTL_TCP')` (with `disconnected: false`) after any blocks already
 *   buffered, and the source does not retry. A supervisor that wants to keep trying must create a new source.
 *
 * Sample clock across reconnects (`firstSample`, `tuneId`, `discontinuity`):
 * - Within a connection, `firstSample` counts every sample received after the header, settle samples included,
 *   so the first block of the first connection starts at `settleSamples`, not 0.
 * - A new connection's first sample gets index `end + round(gapS × rateSps)`, where `end` is just past the last
 *   sample received before and `gapS` the wall-clock time between that last byte and the new connection's first
 *   byte: indices keep following real time over offline periods, so `firstSample / rateSps` stays a time axis.
 * - Every header-valid connection is a new tune generation (`tuneId` + 1), because the server may have been
 *   restarted with other settings and we re-tuned it. The first block of every connection after the first has
 *   `discontinuity: true`. A partial block cut by a disconnect is discarded (counted in `samplesDiscarded`).
 * - While `rateShortfall` is true, every block filled meanwhile has `discontinuity: true` (silent loss made loud).
 * - Samples lost upstream (rtl_tcp freed queued transfers, a USB overflow: the bytes close up over the gap) are found
 *   from bytes against the clock ({@link UpstreamLossTracker}, 2–2.1 s after the client is caught up again, also in a
 *   connection's first 2 s and in its settle window from the first transfer surely at the configured rate on,
 *   {@link lossOriginBytes}; a client that stays behind has the part beyond the upstream backlog bound counted at once,
 *   `serverQueueTransfers` and `socketBufferBytes`): the block being filled and every later one start that many
 *   samples later, that block has `discontinuity: true`, and health counts them (`samplesLost`, `transfersLost`,
 *   `upstreamGaps`; `samplesBehindOrLost` for what has not arrived yet); blocks handed out between the gap and its
 *   confirmation keep their indices.
 *
 * Retuning while streaming ({@link retune}, for scans): the 0x01 frequency command is sent, `tuneId` + 1, the partial
 * block is dropped and the samples still waiting upstream ({@link backlogSamples}) plus the next `settleSamples` are
 * discarded (rtl_tcp sends no acknowledgement and keeps delivering pre-retune samples from its USB transfer, its queue
 * and the TCP buffers well after the command, docs/field-notes.md §2); the
 * first block after that carries the new centre and `discontinuity: true`. Blocks already complete before the command
 * keep the old centre and tune generation. A reconnect configures the server with the latest centre.
 *
 * Blocks are reused: a yielded block is valid until the next `next()`. `blocks()` may be called once.
 */
export class RtlTcpSource extends RtlTcpLink implements IqSource, RetunableSource {
  /** Stream description (format cu8; `datetime` is set when the first sample arrives). */
  readonly info: IqSourceInfo;
  /** Centre (Hz) of each tune generation still in the ring (retunes and connections). */
  private readonly tuneCenters = new Map<number, number>();
  /** Tune generation of the last block handed out (centre lookups are pruned below it). */
  private lastBlockTuneId = -1;
  /** Connection byte position (post-header) where the stream resumes after a retune's settle; -1 when none pending. */
  private retuneResumeAtByte = -1;
  /** Samples waiting upstream (kernel buffers, rtl_tcp's queue), for retunes. */
  private readonly backlog: UpstreamBacklog;
  private readonly ring: Cu8BlockRing;
  private readonly block: IqBlock;
  private readonly meter: SampleRateMeter;
  /** Delivered rate against the configured one (`rateShortfall` in health). */
  private readonly rate: RateShortfall;
  /** Samples lost upstream (freed transfers, USB overflows), from bytes against the clock. */
  private readonly losses: UpstreamLossTracker;
  /** The rate-limited warning for {@link losses}. */
  private readonly lossWarning: DropWarning;
  /** {@link UpstreamLossTracker.overcountSamples} already warned about. */
  private overcountWarned = 0;
  /** Connection byte position where the loss accounting starts ({@link lossOriginBytes}, within the settle); -1 before a header. */
  private lossBaseBytes = -1;
  /** Whether the loss accounting has started on this connection (its byte position was reached). */
  private lossStarted = false;

  private iterated = false;

  // connection bookkeeping
  private settleBytesLeft = 0;
  private connBase = 0; // sample index of the connection's first post-header sample
  private connBytes = 0; // post-header bytes received on this connection
  private connBaseSet = false;
  private connStreamBytes = 0; // bytes accepted into the ring on this connection
  private connLostSamples = 0; // samples found lost upstream on this connection (produced, never received)

  // clock across connections
  private clockEnd: number | null = null; // sample index just past the last sample received
  private clockEndMs = 0;

  // health counters
  private tuneId = -1;
  private samplesDelivered = 0;
  private samplesDiscarded = 0;

  /**
   * Validates the options (nothing connects until {@link blocks} is iterated).
   * @throws QuietBandError('CONFIG') naming the first invalid field.
   */
  constructor(options: RtlTcpSourceOptions) {
    const o = resolveRtlTcpOptions(options);
    super(o);
    this.ring = new Cu8BlockRing(o.blockSamples, o.ringBlocks);
    this.block = {
      samples: new Float32Array(2 * o.blockSamples),
      count: 0,
      centerHz: o.centerHz,
      rateSps: o.rateSps,
      firstSample: 0,
      tuneId: 0,
      clipFraction: 0,
      discontinuity: false,
    };
    this.meter = new SampleRateMeter(o.rateWindowMs);
    this.rate = new RateShortfall(this.meter, o.rateSps, o.rateShortfallRatio);
    this.backlog = new UpstreamBacklog(o.rateSps);
    this.losses = new UpstreamLossTracker({
      rateSps: o.rateSps,
      transferSamples: RTL_TCP_TRANSFER_SAMPLES,
      maxBacklogSamples: upstreamBacklogBoundSamples(o.serverQueueTransfers, o.socketBufferBytes),
    });
    this.lossWarning = new DropWarning(
      this.log,
      'rtl_tcp lost samples upstream (the server freed queued transfers, or the dongle overflowed): the sensor was blind for these gaps; blocks after each are marked discontinuous',
      { fields: { blockSamples: RTL_TCP_TRANSFER_SAMPLES } },
    );
    this.info = {
      label: this.label,
      format: 'cu8',
      rateSps: o.rateSps,
      centerHz: o.centerHz,
      centerKnown: true,
      gainDb: o.gainDb === 'auto' ? 'auto' : Math.round(o.gainDb * 10) / 10,
      ppm: o.ppm,
    };
    if (!isRtlRate(o.rateSps)) {
      this.log.warn({ rateSps: o.rateSps }, 'rate is outside the RTL2832U ranges (225001–300000, 900001–3200000 S/s); a real dongle will refuse it');
    }
  }

  /** Current health snapshot (a new object each call). */
  health(): RtlTcpHealth {
    const now = performance.now();
    return {
      label: this.label,
      state: this.state,
      online: this.state === 'settling' || this.state === 'streaming',
      connects: this.connects,
      connectAttempts: this.connectAttempts,
      tuneId: Math.max(0, this.tuneId),
      tunerName: this.dongle?.tunerName ?? null,
      tunerGainCount: this.dongle?.tunerGainCount ?? null,
      configuredRateSps: this.opts.rateSps,
      achievedRateSps: this.rate.achievedSps,
      rateWindowMs: this.opts.rateWindowMs,
      rateShortfall: this.rate.shortfall,
      samplesLost: this.losses.lostSamples,
      samplesBehindOrLost: this.state === 'streaming' ? nullOrRounded(this.losses.backlogOrLostSamples()) : null,
      transfersLost: this.losses.lostTransfers,
      upstreamGaps: this.losses.losses,
      bytesReceived: this.bytesReceived,
      samplesDelivered: this.samplesDelivered,
      samplesDiscarded: Math.floor(this.samplesDiscarded),
      lastDataAgeMs: this.lastDataMs === null ? null : now - this.lastDataMs,
      reconnectDelayMs: this.state === 'backoff' ? this.nextDelayMs : null,
      lastError: this.lastError,
      droppedBlocks: null,
      nonFiniteSamples: 0,
    };
  }

  /** Logs what the loss warning still counts, then closes the connection ({@link RtlTcpLink.close}). */
  override close(): Promise<void> {
    this.lossWarning.close();
    return super.close();
  }

  /**
   * The block stream; starts connecting on first iteration. Keeps yielding across reconnects; ends when
   * {@link close} is called (or the consumer stops iterating, which closes the source at once, even while a `next()`
   * is still waiting for a block: {@link closeOnReturn}).
   * @throws QuietBandError('NOT_RTL_TCP') from the iterator when the peer is not an rtl_tcp server.
   * @throws Error when called a second time.
   */
  blocks(): AsyncIterable<IqBlock> {
    if (this.iterated) throw new Error(`${this.label}: blocks() can be iterated only once; create a new source`);
    this.iterated = true;
    return closeOnReturn(this.generate(), () => this.close());
  }

  private async *generate(): AsyncGenerator<IqBlock, void, undefined> {
    if (this.state === 'idle') this.start();
    try {
      for (;;) {
        if (this.state === 'closed') return;
        if (this.ring.readyBlocks > 0) {
          this.ring.readInto(this.block);
          this.labelCentre(this.block);
          this.samplesDelivered += this.block.count;
          if (this.paused && !this.ring.full) this.resumeSocket();
          yield this.block;
          continue;
        }
        if (this.fatal !== null) throw this.fatal;
        await this.waitForWake();
      }
    } finally {
      await this.close();
    }
  }

  /**
   * Retunes the server to `centerHz` (Hz): sends the 5-byte 0x01 command (uint32 big-endian), starts a new tune
   * generation, drops the partial block and discards the samples still waiting upstream ({@link backlogSamples}: the
   * consumer was behind) plus the next `settleSamples` (default: the connection settle, {@link defaultSettleSamples}, as
   * buffered back-ends keep the full window; docs/field-notes.md §2). Not connected: the next
   * connection is configured with `centerHz` (and is a new tune generation anyway).
   * @returns `centerHz` (rtl_tcp cannot read the frequency back).
   * @throws QuietBandError('CONFIG') when `centerHz` is not a whole number of Hz in 1…4294967295 or `settleSamples` is
   *   not a whole number ≥ 0; 'IO' after close() or a NOT_RTL_TCP failure.
   */
  async retune(centerHz: number, settleSamples: number = this.opts.settleSamples): Promise<number> {
    if (!Number.isInteger(centerHz) || centerHz < 1 || centerHz > 0xffffffff) {
      throw new QuietBandError(`${this.label}: retune to ${centerHz} Hz: expected a whole number of Hz in 1…4294967295 (the rtl_tcp command is 32-bit)`, 'CONFIG');
    }
    if (!Number.isInteger(settleSamples) || settleSamples < 0) {
      throw new QuietBandError(`${this.label}: retune settleSamples ${settleSamples}: expected a whole number ≥ 0`, 'CONFIG');
    }
    if (this.state === 'closed' || this.state === 'failed') throw new QuietBandError(`${this.label}: retune after the source was ${this.state}`, 'IO');
    const tunerProblem = this.dongle === null ? null : tunerCenterProblem(centerHz, this.dongle.tunerName);
    if (tunerProblem !== null) throw new QuietBandError(`${this.label}: retune: ${tunerProblem} (the tuner the rtl_tcp server reported)`, 'CONFIG');
    this.currentCenterHz = centerHz;
    this.info.centerHz = centerHz;
    const socket = this.socket;
    if (socket === null || (this.state !== 'settling' && this.state !== 'streaming')) return centerHz;
    const cmd = Buffer.alloc(RTL_TCP_COMMAND_BYTES); // once per retune, not per block
    writeCommand(cmd, 0, RtlTcpCommand.SET_FREQ, centerHz);
    socket.write(cmd);
    this.tuneId++;
    this.tuneCenters.set(this.tuneId, centerHz);
    if (this.state === 'streaming') this.samplesDiscarded += this.ring.dropPartial() / 2;
    // everything produced before the command is stale: what waits upstream unread (the consumer was behind), then the settle
    const backlog = this.opts.retuneSkipsBacklog ? this.backlogSamples() : 0;
    // resume on a whole I/Q pair (a chunk may have ended between I and Q), and not before the connection settle ends
    let resume = this.connBytes + 2 * (backlog + settleSamples);
    resume += resume % 2;
    if (this.state === 'settling') resume = Math.max(resume, 2 * this.opts.settleSamples);
    this.retuneResumeAtByte = resume;
    this.log.debug({ centerHz, tuneId: this.tuneId, settleSamples, backlog }, 'retuned');
    return centerHz;
  }

  /** Sets `block.centerHz` from its tune generation (allocation-free; prunes older generations when it changes). */
  private labelCentre(block: IqBlock): void {
    const t = block.tuneId;
    block.centerHz = this.tuneCenters.get(t) ?? this.currentCenterHz;
    if (t !== this.lastBlockTuneId) {
      this.lastBlockTuneId = t;
      for (const k of this.tuneCenters.keys()) if (k < t) this.tuneCenters.delete(k);
    }
  }

  /** Stream bytes of a connection that passed the header check: `chunk[off..]`, read at `now` (performance.now()). */
  protected onStreamData(socket: net.Socket, chunk: Buffer, off: number, now: number): void {
    const len = chunk.length;
    if (!this.connBaseSet) this.startConnectionClock(now);
    this.connBytes += len - off;
    // lost samples count as received for the backlog: they wait nowhere, and a retune must not skip them again
    this.backlog.track(now, this.connBytes / 2 + this.connLostSamples);
    this.clockEnd = this.connBase + Math.floor(this.connBytes / 2);
    this.clockEndMs = now;
    if (!this.lossStarted && this.lossBaseBytes >= 0 && this.connBytes >= this.lossBaseBytes) {
      this.lossStarted = true;
      this.losses.start(now);
    }
    if (this.state === 'settling') {
      const skip = Math.min(this.settleBytesLeft, len - off);
      this.settleBytesLeft -= skip;
      off += skip;
      if (this.settleBytesLeft > 0) {
        // a loss later in the settle counts too (the stream is at the configured rate from lossBaseBytes on)
        if (this.lossStarted) this.recordLossClock(now);
        return;
      }
      this.samplesDiscarded += this.opts.settleSamples;
      this.state = 'streaming';
      this.ring.startRun(this.connBase + this.opts.settleSamples, this.tuneId, this.connects > 1);
      this.meter.reset(now);
      this.rate.restart();
      this.log.debug({ settleSamples: this.opts.settleSamples, tuneId: this.tuneId }, 'settled; streaming');
      this.emitHealth();
      if (off >= len) return;
    }
    // streaming
    if (this.retuneResumeAtByte >= 0) {
      const pos = this.connBytes - (len - off); // connection byte position of chunk[off]
      if (pos < this.retuneResumeAtByte) {
        const skip = Math.min(len - off, this.retuneResumeAtByte - pos);
        off += skip;
        this.samplesDiscarded += skip / 2;
        this.meter.record(now, skip / 2); // received from the server: not a rate shortfall
        if (off >= len) return;
      }
      this.ring.startRun(this.connBase + this.retuneResumeAtByte / 2, this.tuneId, true);
      this.retuneResumeAtByte = -1;
    }
    this.evaluateRate(now);
    if (this.rate.shortfall) this.ring.flagDiscontinuity();
    const n = this.ring.write(chunk, off, len);
    this.meter.record(now, n / 2);
    const hadBlock = this.connStreamBytes >= this.ring.blockBytes;
    this.connStreamBytes += n;
    if (!hadBlock && this.connStreamBytes >= this.ring.blockBytes) this.backoff.reset(); // a healthy connection
    if (off + n < len) {
      // Ring full: hand the rest back to the socket and stop reading (TCP back-pressure).
      socket.pause();
      this.paused = true;
      const rest = len - off - n;
      this.bytesReceived -= rest;
      this.connBytes -= rest;
      this.clockEnd = this.connBase + Math.floor(this.connBytes / 2);
      socket.unshift(chunk.subarray(off + n));
    } else if (this.ring.full) {
      socket.pause();
      this.paused = true;
    }
    this.recordLossClock(now);
    if (this.ring.readyBlocks > 0) this.wakeConsumer();
  }

  /**
   * Samples were lost upstream (found late: the bytes closed up over the gap): the block being filled and every later
   * one move `lostSamples` on along the time line (firstSample), that block is marked discontinuous (a gap for the
   * sensor and the spectra), and the loss is logged and counted in health.
   */
  private onUpstreamLoss(loss: UpstreamLoss, now: number): void {
    // counted here (samplesLost, one gap): the delivered-rate meter takes them as arrived, or the same loss would also
    // read as a rate shortfall for a window and mark every block filled meanwhile discontinuous (two transfers lost
    // within one 5 s window at 1.024 MS/s read 94.9 % of the rate, under the 95 % threshold: ≈ 2 s of blocks flagged)
    this.meter.record(now, loss.lostSamples);
    this.connBase += loss.lostSamples;
    this.connLostSamples += loss.lostSamples;
    this.clockEnd = this.connBase + Math.floor(this.connBytes / 2);
    this.ring.addGap(loss.lostSamples);
    // positions on the sample index of the blocks (received + connection base), before this shift
    const at = this.connBase - loss.lostSamples + this.lossBaseBytes / 2;
    this.log.debug(
      { lostSamples: loss.lostSamples, transfers: loss.transfers, bounded: loss.bounded, afterSample: Math.floor(at + loss.afterReceived), beforeSample: Math.ceil(at + loss.beforeReceived), detectedAtSample: Math.floor(at + loss.detectedReceived), delayMs: Math.round(loss.delayMs) },
      'rtl_tcp upstream loss',
    );
    this.lossWarning.note(loss.transfers, loss.lostSamples);
    this.emitHealth();
  }

  /** The header was valid: starts a tune generation, sends the configuration and starts settling. */
  protected onHeader(dongle: RtlTcpDongleInfo): void {
    this.tuneId++;
    this.connBaseSet = false;
    this.connBytes = 0;
    this.connStreamBytes = 0;
    this.connLostSamples = 0;
    this.settleBytesLeft = this.opts.settleSamples * 2;
    this.lossBaseBytes = lossOriginBytes(performance.now() - this.connectStartMs, this.opts.settleSamples);
    this.lossStarted = false;
    this.state = 'settling';
    this.retuneResumeAtByte = -1;
    this.tuneCenters.set(this.tuneId, this.currentCenterHz);
    const o = this.opts;
    // the latest centre: a scan may have retuned since the source was created
    this.socket?.write(encodeConfiguration({ centerHz: this.currentCenterHz, rateSps: o.rateSps, gainDb: o.gainDb, ppm: o.ppm, agc: o.agc, biasTee: o.biasTee }));
    this.log.info(
      { tuner: dongle.tunerName, tunerType: dongle.tunerType, tunerGainCount: dongle.tunerGainCount, connects: this.connects, tuneId: this.tuneId },
      'rtl_tcp connected; configuration sent',
    );
    this.emitHealth();
  }

  /**
   * Samples waiting upstream of this client (≥ 0; {@link UpstreamBacklog.samples}): data produced at the old tuning
   * that a retune skips too (docs/field-notes.md §2: buffered back-ends deliver pre-retune samples well after the
   * command). 0 while not connected.
   */
  backlogSamples(now = performance.now()): number {
    if (!this.connBaseSet || (this.state !== 'settling' && this.state !== 'streaming')) return 0;
    return this.backlog.samples(now, this.connBytes / 2 + this.connLostSamples);
  }

  private startConnectionClock(now: number): void {
    this.connBaseSet = true;
    this.backlog.start(now);
    if (this.clockEnd === null) {
      this.connBase = 0;
      this.info.datetime = new Date().toISOString();
    } else {
      const gapSamples = Math.max(0, Math.round(((now - this.clockEndMs) / 1000) * this.opts.rateSps));
      this.connBase = this.clockEnd + gapSamples;
    }
  }

  /** The partial block and, while settling, the settle samples received are discarded; no rate estimate offline. */
  protected onConnectionLost(): void {
    const dropped = this.ring.dropPartial();
    this.samplesDiscarded += Math.floor(dropped / 2);
    if (this.state === 'settling') this.samplesDiscarded += Math.floor((this.opts.settleSamples * 2 - this.settleBytesLeft) / 2);
    this.rate.clear();
  }

  /**
   * Refreshes the delivered-rate judgement and the loss accounting (time passes while no byte arrives: a paused or
   * starved client falls further behind, and a backlog past its bound is lost), then reports health.
   */
  protected override onHealthTick(): void {
    const now = performance.now();
    this.evaluateRate(now);
    if ((this.state === 'streaming' || this.state === 'settling') && this.lossStarted) this.recordLossClock(now);
    super.onHealthTick();
  }

  /**
   * Feeds the loss tracker the samples received on this connection at `now`; a confirmed loss moves the time line. Warns
   * when samples counted lost from the backlog bound turn out to have waited (the bound was too small).
   */
  private recordLossClock(now: number): void {
    const loss = this.losses.record(now, (this.connBytes - this.lossBaseBytes) / 2);
    if (loss !== null) this.onUpstreamLoss(loss, now);
    if (this.losses.overcountSamples !== this.overcountWarned) {
      this.log.warn(
        { overcountSamples: this.losses.overcountSamples - this.overcountWarned, serverQueueTransfers: this.opts.serverQueueTransfers, socketBufferBytes: this.opts.socketBufferBytes },
        'rtl_tcp: samples counted lost while the client was behind had only waited upstream (more waits there than the bound allows): set rtlTcp.serverQueueTransfers to the -n of the server, or raise rtlTcp.socketBufferBytes; samplesLost and the block indices since then are too high by this much',
      );
      this.overcountWarned = this.losses.overcountSamples;
    }
  }

  /** Updates the delivered-rate judgement while streaming; logs and reports a confirmed change. */
  private evaluateRate(now: number): void {
    if (this.state !== 'streaming' || !this.rate.evaluate(now)) return;
    if (this.rate.shortfall) {
      this.log.warn({ achievedSps: Math.round(this.rate.achievedSps!), configuredSps: this.opts.rateSps, windowMs: this.opts.rateWindowMs }, 'delivered rate below configured: samples are being lost; blocks marked discontinuous');
    } else {
      this.log.info({ achievedSps: Math.round(this.rate.achievedSps!) }, 'delivered rate recovered');
    }
    this.emitHealth();
  }


}

/** `v` rounded, or null. */
function nullOrRounded(v: number | null): number | null {
  return v === null ? null : Math.round(v);
}
