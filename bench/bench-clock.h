/* Clocks and read size shared by the bench's C references (wall: CLOCK_MONOTONIC; CPU: CLOCK_PROCESS_CPUTIME_ID). */
#ifndef QUIETBAND_BENCH_CLOCK_H
#define QUIETBAND_BENCH_CLOCK_H
#include <time.h>

/* Bytes read from the capture per fread. */
#define CHUNK_BYTES (1 << 20)

static double clock_s(clockid_t id) {
  struct timespec t;
  clock_gettime(id, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}
/* Wall-clock seconds (monotonic). */
static double now_s(void) { return clock_s(CLOCK_MONOTONIC); }
/* Process CPU seconds (all threads). */
static double cpu_s(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }
#endif
