/* FFTW reference for `npm run bench`: the Welch spectrum QuietBand's SpectrumEngine computes, in C with FFTW (float).
 *
 * Usage: fftw-reference FILE.cu8 FFT_SIZE AVERAGE [SPECTRUM_OUT]
 *   Reads the whole cu8 file (RTL-SDR unsigned 8-bit I,Q) in 1 MiB chunks, converts x -> (x - 127.5) / 127.5,
 *   cuts frames of N samples with 50 % overlap (hop N/2), removes a running I/Q mean (first frame's mean, then
 *   dc += (frameMean - dc) / 16, as src/spectrum/spectrum-engine.ts), applies the periodic Hann window
 *   w[i] = 0.5 - 0.5 cos(2 pi i / N), runs fftwf_execute (FFTW_MEASURE plan, planned before the clock starts),
 *   accumulates P_k = |X_k|^2 / (sum w)^2 fftshifted, and emits one averaged (Welch) frame every AVERAGE frames.
 *   With SPECTRUM_OUT, the first averaged frame is written there as N little-endian float32 values (for the bench's
 *   cross-check against SpectrumEngine).
 * Prints one JSON line: {"samples","frames","slowFrames","seconds","msps","cpuSeconds","cpuMsps","planSeconds","checksum"}
 * where seconds (wall) and cpuSeconds (process CPU time) cover reading + conversion + spectrum (not planning) and
 * checksum = sum of all averaged bins.
 * Build: cc -O2 -o fftw-reference fftw-reference.c -lfftw3f -lm   (Welch 1967; FFTW 3 manual, "Complex One-Dimensional DFTs")
 */
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-clock.h"

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s FILE.cu8 FFT_SIZE AVERAGE [SPECTRUM_OUT]\n", argv[0]);
    return 2;
  }
  const char *path = argv[1];
  const int n = atoi(argv[2]);
  const int average = atoi(argv[3]);
  const char *spectrum_out = argc > 4 ? argv[4] : NULL;
  if (n < 16 || (n & (n - 1)) != 0 || average < 1) {
    fprintf(stderr, "FFT_SIZE must be a power of two >= 16 and AVERAGE >= 1\n");
    return 2;
  }
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    return 1;
  }
  const int hop = n / 2;
  float *win = malloc(sizeof(float) * (size_t)n);
  float *stage_i = malloc(sizeof(float) * (size_t)n);
  float *stage_q = malloc(sizeof(float) * (size_t)n);
  double *sum = calloc((size_t)n, sizeof(double));
  unsigned char *raw = malloc(CHUNK_BYTES);
  fftwf_complex *in = fftwf_malloc(sizeof(fftwf_complex) * (size_t)n);
  fftwf_complex *out = fftwf_malloc(sizeof(fftwf_complex) * (size_t)n);
  if (!win || !stage_i || !stage_q || !sum || !raw || !in || !out) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }
  double t_plan = now_s();
  fftwf_plan plan = fftwf_plan_dft_1d(n, in, out, FFTW_FORWARD, FFTW_MEASURE);
  t_plan = now_s() - t_plan;
  double wsum = 0;
  for (int i = 0; i < n; i++) {
    win[i] = (float)(0.5 - 0.5 * cos(2.0 * M_PI * i / n));
    wsum += win[i];
  }
  const double norm = 1.0 / (wsum * wsum);
  const int half = n / 2;

  long long samples = 0, frames = 0, slow_frames = 0;
  int fill = 0, count = 0, dc_init = 0, wrote = 0;
  double dc_i = 0, dc_q = 0, checksum = 0;
  const float scale = 1.0f / 127.5f;

  double t0 = now_s();
  double c0 = cpu_s();
  size_t got;
  while ((got = fread(raw, 1, CHUNK_BYTES, f)) > 0) {
    size_t pairs = got / 2;
    samples += (long long)pairs;
    for (size_t s = 0; s < pairs; s++) {
      stage_i[fill] = ((float)raw[2 * s] - 127.5f) * scale;
      stage_q[fill] = ((float)raw[2 * s + 1] - 127.5f) * scale;
      if (++fill < n) continue;
      /* one frame: running DC, window, FFT, power, fftshift, accumulate */
      double mi = 0, mq = 0;
      for (int j = 0; j < n; j++) {
        mi += stage_i[j];
        mq += stage_q[j];
      }
      mi /= n;
      mq /= n;
      if (!dc_init) {
        dc_i = mi;
        dc_q = mq;
        dc_init = 1;
      } else {
        dc_i += (mi - dc_i) / 16.0;
        dc_q += (mq - dc_q) / 16.0;
      }
      const float di = (float)dc_i, dq = (float)dc_q;
      for (int j = 0; j < n; j++) {
        in[j][0] = (stage_i[j] - di) * win[j];
        in[j][1] = (stage_q[j] - dq) * win[j];
      }
      fftwf_execute(plan);
      for (int k = 0; k < n; k++) {
        const double p = ((double)out[k][0] * out[k][0] + (double)out[k][1] * out[k][1]) * norm;
        sum[k < half ? k + half : k - half] += p;
      }
      frames++;
      if (++count == average) {
        const double inv = 1.0 / average;
        if (spectrum_out && !wrote) {
          FILE *o = fopen(spectrum_out, "wb");
          if (o) {
            for (int k = 0; k < n; k++) {
              float v = (float)(sum[k] * inv);
              fwrite(&v, sizeof v, 1, o);
            }
            fclose(o);
          }
          wrote = 1;
        }
        for (int k = 0; k < n; k++) {
          checksum += sum[k] * inv;
          sum[k] = 0;
        }
        count = 0;
        slow_frames++;
      }
      /* keep the second half (50 % overlap) */
      memmove(stage_i, stage_i + hop, sizeof(float) * (size_t)hop);
      memmove(stage_q, stage_q + hop, sizeof(float) * (size_t)hop);
      fill = hop;
    }
  }
  double secs = now_s() - t0;
  double cpu = cpu_s() - c0;
  fclose(f);
  printf("{\"samples\":%lld,\"frames\":%lld,\"slowFrames\":%lld,\"seconds\":%.6f,\"msps\":%.3f,\"cpuSeconds\":%.6f,\"cpuMsps\":%.3f,"
         "\"planSeconds\":%.4f,\"checksum\":%.9g}\n",
         samples, frames, slow_frames, secs, samples / secs / 1e6, cpu, samples / cpu / 1e6, t_plan, checksum);
  fftwf_destroy_plan(plan);
  fftwf_free(in);
  fftwf_free(out);
  free(win);
  free(stage_i);
  free(stage_q);
  free(sum);
  free(raw);
  return 0;
}
