// The shapes the alert store (alert-store.ts) takes and hands out: its options, a record to store, the storage state.
import type { FileHandle } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Alert } from './alert.js';

/**
 * What a caller hands to AlertStore.append: an {@link Alert} without `seq` and `site` (the store assigns
 * both). `alertId` may be left out on `open` records: the store then assigns `"<site>-<seq>"`.
 */
export type AlertDraft = Omit<Alert, 'seq' | 'site' | 'alertId'> & { alertId?: string };

/** Options of AlertStore.open. */
export interface AlertStoreOptions {
  /** Folder that holds `alerts.jsonl`; created (recursively) when missing. */
  dataDir: string;
  /** Site name written into every record (`Alert.site`). */
  site: string;
  /** pino logger; the store logs through `logger.child({ component: 'alert-store' })`. Default: silent. */
  logger?: Logger;
  /** Most recent records kept in memory so that a resume near the head never touches the disk. Default 4096. */
  recentCapacity?: number;
  /** Sparse file index density: the byte offset of one record in every `indexEvery` is remembered. Default 1024. */
  indexEvery?: number;
  /** `fdatasync` every batch before resolving. Default true; only throughput experiments should turn it off. */
  fsync?: boolean;
  /** Most records written in one write + fsync (group commit). Default 512. */
  maxBatch?: number;
  /**
   * Bytes kept in `<dataDir>/alerts.reserve` (zeros). When an alert write fails for lack of space (ENOSPC, EDQUOT) the
   * reserve is deleted and the write retried at once, so alerts go on being stored after the disk filled; it is
   * re-created once that much space is free again. Default DEFAULT_ALERT_RESERVE_BYTES (1 MiB, alert-store.ts); 0 = no reserve.
   */
  reserveBytes?: number;
  /** First delay (ms) before retrying a failed write; doubles per failure up to `retryMaxMs`. Default 500. */
  retryInitialMs?: number;
  /** Longest delay (ms) between two retries of a failed write. Default 10000. */
  retryMaxMs?: number;
  /** File-system calls the store makes, for fault injection in tests. Default: node:fs/promises. */
  fs?: StoreFs;
}

/**
 * The file-system calls the store makes on its file (a subset of node:fs/promises), replaceable to inject faults:
 * a test's `open` returns handles whose `write`/`datasync` throw EROFS or ENOSPC.
 */
export interface StoreFs {
  open(file: string, flags: string, mode?: number): Promise<FileHandle>;
}

/**
 * Whether the store can write (ok) or holds records in memory because the disk refuses them (storage failed).
 * Emitted as the store's `'storage'` event on every change of `ok`, and of `reserveBytes`.
 */
export interface StorageState {
  /** False while at least one accepted record is not on disk because a write failed. */
  ok: boolean;
  /** Records accepted (seq assigned, handed to listeners) but not yet on disk. */
  heldRecords: number;
  /** The failed write's message naming the file and the errno code (absent while ok). */
  error?: string;
  /** errno code of the failed write (ENOSPC, EROFS, EACCES, EIO…), absent while ok. */
  code?: string;
  /** Wall time (ms since epoch) of the first failure of this episode (absent while ok). */
  sinceMs?: number;
  /** Write attempts that failed in this episode. */
  failures: number;
  /** Bytes in the space reserve now (0 after it was used up, or when off). */
  reserveBytes: number;
}

/** Result of AlertStore.enqueue: the seq and alertId are known at once, the record is durable when `done` resolves. */
export interface EnqueuedAlert {
  seq: number;
  alertId: string;
  /**
   * Resolves with the record once it may be sent: when it is on disk (written + fdatasync), or — while storage has
   * failed — once the store holds it in memory for retrying. Resolves in seq order. Never rejects.
   */
  accepted: Promise<Alert>;
  /**
   * Resolves with the stored record after it was written and fsynced (after a storage failure: when a retry stored
   * it); rejects with `QuietBandError('IO')` only when the store was closed with the record still not on disk.
   */
  done: Promise<Alert>;
}
