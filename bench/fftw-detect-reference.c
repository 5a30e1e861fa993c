/* Same-work native anchor for `npm run bench`: QuietBand's detect pass (fast + slow spectra, per-bin threshold tests
 * against a baseline) in C with FFTW (float), to compare the pass's throughput with like work.
 *
 * Usage: fftw-detect-reference FILE.cu8 FFT_SIZE AVERAGE FAST_THRESHOLD_DB SLOW_THRESHOLD_DB
 *   What the detect pass (src/pipeline.ts detect) computes per sample, done here the plain way:
 *   - reads the cu8 file (RTL-SDR unsigned 8-bit I,Q) in 1 MiB chunks, converts x -> (x - 127.5) / 127.5 once;
 *   - fast path: frames of N/4 samples, 50 % overlap (hop N/8); slow path: frames of N, 50 % overlap (hop N/2), each
 *     path with its own running I/Q mean (first frame's mean, then dc += (frameMean - dc) / 16, as
 *     src/spectrum/spectrum-engine.ts), the periodic Hann window w[i] = 0.5 - 0.5 cos(2 pi i / n), fftwf_execute
 *     (FFTW_MEASURE plans, made before the clock starts), P_k = |X_k|^2 / (sum w)^2 fftshifted;
 *   - fast path: every frame's P_k is tested against the fast baseline array (P_k > thr_fast[k]);
 *   - slow path: P_k is summed and every AVERAGE frames the Welch mean is tested against the slow baseline array
 *     (mean_k > thr_slow[k]);
 *   - the baseline arrays: thr[k] = (per-bin mean power of that path over the whole file) x 10^(THRESHOLD_DB / 10),
 *     learned in an untimed first pass (QuietBand's replay learns its baseline in a first pass too).
 *   Not done here (QuietBand's detector does them on top): wide-bin prefix sums, k-sigma and hysteresis, tracks.
 * Prints one JSON line: {"samples","fastFrames","slowFrames","fastHits","slowHits","seconds","msps","cpuSeconds",
 *   "cpuMsps","learnSeconds","planSeconds"}: seconds (wall) and cpuSeconds (process CPU) cover the detect pass only
 *   (reading + conversion + both spectra + tests); hits = bins above their threshold (all frames).
 * Build (from bench/, for bench-clock.h): cc -O2 -o fftw-detect-reference fftw-detect-reference.c -lfftw3f -lm   (Welch 1967; FFTW 3 manual)
 */
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-clock.h"

/* One spectrum path: staging buffer (n samples, 50 % overlap), window, plan, running DC, power, Welch sum. */
typedef struct {
  int n, hop, fill, average, count, dc_init;
  double dc_i, dc_q, norm;
  float *win, *st_i, *st_q, *power;
  double *sum;
  fftwf_complex *in, *out;
  fftwf_plan plan;
  const float *thr; /* NULL while learning */
  double *learn;    /* per-bin sums of the tested spectra while learning */
  long long frames, tested, hits;
} path_t;

static int path_init(path_t *p, int n, int average) {
  memset(p, 0, sizeof *p);
  p->n = n;
  p->hop = n / 2;
  p->average = average;
  p->win = malloc(sizeof(float) * (size_t)n);
  p->st_i = malloc(sizeof(float) * (size_t)n);
  p->st_q = malloc(sizeof(float) * (size_t)n);
  p->power = malloc(sizeof(float) * (size_t)n);
  p->sum = calloc((size_t)n, sizeof(double));
  p->learn = calloc((size_t)n, sizeof(double));
  p->in = fftwf_malloc(sizeof(fftwf_complex) * (size_t)n);
  p->out = fftwf_malloc(sizeof(fftwf_complex) * (size_t)n);
  if (!p->win || !p->st_i || !p->st_q || !p->power || !p->sum || !p->learn || !p->in || !p->out) return -1;
  p->plan = fftwf_plan_dft_1d(n, p->in, p->out, FFTW_FORWARD, FFTW_MEASURE);
  double wsum = 0;
  for (int i = 0; i < n; i++) {
    p->win[i] = (float)(0.5 - 0.5 * cos(2.0 * M_PI * i / n));
    wsum += p->win[i];
  }
  p->norm = 1.0 / (wsum * wsum);
  return 0;
}

static void path_reset(path_t *p) {
  p->fill = 0;
  p->count = 0;
  p->dc_init = 0;
  p->frames = p->tested = p->hits = 0;
  memset(p->sum, 0, sizeof(double) * (size_t)p->n);
}

/* The spectrum to test (a fast frame, or a Welch mean): learn it or test it against thr. */
static void path_test(path_t *p, const float *s) {
  const int n = p->n;
  p->tested++;
  if (p->thr == NULL) {
    for (int k = 0; k < n; k++) p->learn[k] += s[k];
    return;
  }
  const float *thr = p->thr;
  long long h = 0;
  for (int k = 0; k < n; k++) h += s[k] > thr[k];
  p->hits += h;
}

/* One frame from the staging buffer: running DC, window, FFT, power (fftshifted); then keep the second half. */
static void path_frame(path_t *p) {
  const int n = p->n, half = n / 2;
  double mi = 0, mq = 0;
  for (int j = 0; j < n; j++) {
    mi += p->st_i[j];
    mq += p->st_q[j];
  }
  mi /= n;
  mq /= n;
  if (!p->dc_init) {
    p->dc_i = mi;
    p->dc_q = mq;
    p->dc_init = 1;
  } else {
    p->dc_i += (mi - p->dc_i) / 16.0;
    p->dc_q += (mq - p->dc_q) / 16.0;
  }
  const float di = (float)p->dc_i, dq = (float)p->dc_q;
  for (int j = 0; j < n; j++) {
    p->in[j][0] = (p->st_i[j] - di) * p->win[j];
    p->in[j][1] = (p->st_q[j] - dq) * p->win[j];
  }
  fftwf_execute(p->plan);
  p->frames++;
  if (p->average == 0) {
    for (int k = 0; k < n; k++) {
      p->power[k < half ? k + half : k - half] = (float)(((double)p->out[k][0] * p->out[k][0] + (double)p->out[k][1] * p->out[k][1]) * p->norm);
    }
    path_test(p, p->power);
  } else {
    for (int k = 0; k < n; k++) {
      p->sum[k < half ? k + half : k - half] += ((double)p->out[k][0] * p->out[k][0] + (double)p->out[k][1] * p->out[k][1]) * p->norm;
    }
    if (++p->count == p->average) {
      const double inv = 1.0 / p->average;
      for (int k = 0; k < n; k++) {
        p->power[k] = (float)(p->sum[k] * inv);
        p->sum[k] = 0;
      }
      p->count = 0;
      path_test(p, p->power);
    }
  }
  memmove(p->st_i, p->st_i + p->hop, sizeof(float) * (size_t)p->hop);
  memmove(p->st_q, p->st_q + p->hop, sizeof(float) * (size_t)p->hop);
  p->fill = p->hop;
}

static inline void path_push(path_t *p, float i, float q) {
  p->st_i[p->fill] = i;
  p->st_q[p->fill] = q;
  if (++p->fill == p->n) path_frame(p);
}

/* One pass over the file through both paths. @returns samples read */
static long long pass(const char *path, unsigned char *raw, path_t *fast, path_t *slow) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    exit(1);
  }
  path_reset(fast);
  path_reset(slow);
  long long samples = 0;
  size_t got;
  const float scale = 1.0f / 127.5f;
  while ((got = fread(raw, 1, CHUNK_BYTES, f)) > 0) {
    size_t pairs = got / 2;
    samples += (long long)pairs;
    for (size_t s = 0; s < pairs; s++) {
      const float i = ((float)raw[2 * s] - 127.5f) * scale;
      const float q = ((float)raw[2 * s + 1] - 127.5f) * scale;
      path_push(fast, i, q);
      path_push(slow, i, q);
    }
  }
  fclose(f);
  return samples;
}

static float *thresholds(const path_t *p, double db) {
  float *t = malloc(sizeof(float) * (size_t)p->n);
  const double factor = pow(10.0, db / 10.0) / (p->tested > 0 ? (double)p->tested : 1.0);
  for (int k = 0; k < p->n; k++) t[k] = (float)(p->learn[k] * factor);
  return t;
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: %s FILE.cu8 FFT_SIZE AVERAGE FAST_THRESHOLD_DB SLOW_THRESHOLD_DB\n", argv[0]);
    return 2;
  }
  const char *file = argv[1];
  const int n = atoi(argv[2]);
  const int average = atoi(argv[3]);
  const double fast_db = atof(argv[4]), slow_db = atof(argv[5]);
  if (n < 64 || (n & (n - 1)) != 0 || average < 1) {
    fprintf(stderr, "FFT_SIZE must be a power of two >= 64 and AVERAGE >= 1\n");
    return 2;
  }
  unsigned char *raw = malloc(CHUNK_BYTES);
  path_t fast, slow;
  double t_plan = now_s();
  if (!raw || path_init(&fast, n / 4, 0) || path_init(&slow, n, average)) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }
  t_plan = now_s() - t_plan;
  /* untimed: the baseline arrays */
  double t_learn = now_s();
  pass(file, raw, &fast, &slow);
  float *thr_fast = thresholds(&fast, fast_db), *thr_slow = thresholds(&slow, slow_db);
  fast.thr = thr_fast;
  slow.thr = thr_slow;
  t_learn = now_s() - t_learn;
  /* timed: the detect pass */
  double t0 = now_s(), c0 = cpu_s();
  long long samples = pass(file, raw, &fast, &slow);
  double secs = now_s() - t0, cpu = cpu_s() - c0;
  printf("{\"samples\":%lld,\"fastFrames\":%lld,\"slowFrames\":%lld,\"fastHits\":%lld,\"slowHits\":%lld,\"seconds\":%.6f,\"msps\":%.3f,"
         "\"cpuSeconds\":%.6f,\"cpuMsps\":%.3f,\"learnSeconds\":%.4f,\"planSeconds\":%.4f}\n",
         samples, fast.frames, slow.tested, fast.hits, slow.hits, secs, samples / secs / 1e6, cpu, samples / cpu / 1e6, t_learn, t_plan);
  return 0;
}
