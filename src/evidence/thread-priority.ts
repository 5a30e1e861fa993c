// Lower CPU priority for a helper thread of a sensor (evidence pictures, identification, live listening), and its CPU wait.
import { readFileSync, readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Lowers the calling thread's CPU priority by `steps` nice steps (default 10; capped at 19). Linux: the niceness is per
 * thread, set with setpriority on the thread's own id from /proc/thread-self, so the thread's work yields the CPU to the
 * sensor's detection thread on a busy box. Does nothing where that is not available (not Linux, or not permitted).
 */
export function lowerThreadPriority(steps = 10): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, Math.min(19, getPriority(tid) + steps));
  } catch {
    // not Linux, or not permitted: the thread keeps the process's priority
  }
}

/**
 * Time (ms) the calling thread has spent runnable but waiting for a CPU since it started (Linux:
 * /proc/thread-self/schedstat, 2nd field, ns), or null where that is not available. The difference over a stretch of
 * work is how long the box's other threads kept this one off the CPU then (a lowered thread waits by design).
 */
export function threadCpuWaitMs(): number | null {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return null;
  }
}
