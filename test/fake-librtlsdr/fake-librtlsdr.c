/* Fake librtlsdr 0.6 (soname librtlsdr.so.0): the full public API over simulated dongles, driven by FAKE_RTLSDR_* env vars.
 *
 * Built by build.sh. Load it in place of Debian's library with LD_LIBRARY_PATH=<dir> (rtl_tcp, rtl_power, rtl_433,
 * rtl_sdr, rtl_test) or link against it (native-bindings/build-fake). Return codes and stderr lines follow
 * osmocom librtlsdr 0.6 (src/librtlsdr.c) where a caller could notice the difference.
 *
 * Environment (read on every enumeration call and at rtlsdr_open; a stream keeps the settings it was opened with):
 *   FAKE_RTLSDR_DEVICES=N            number of attached dongles (default 1; 0 = none), at most 16
 *   FAKE_RTLSDR_SERIALS=a,b          serial per index (default FAKE0001, FAKE0002, ...)
 *   FAKE_RTLSDR_TUNERS=r820t,e4000   tuner per index: e4000 fc0012 fc0013 fc2580 r820t r828d unknown (default r820t)
 *   FAKE_RTLSDR_FAIL_OPEN=busy|access[:serial]
 *                                    rtlsdr_open fails like libusb: busy = -6 (LIBUSB_ERROR_BUSY, claim_interface),
 *                                    access = -3 (LIBUSB_ERROR_ACCESS, usb_open); all devices or only that serial
 *   FAKE_RTLSDR_LOCK_DIR=dir         also hold a flock on dir/fake-rtlsdr-<index>-<serial>.lock while open, so a
 *                                    second process opening the same dongle gets -6 (another program holds it).
 *                                    Within one process a second open of the same index always gets -6.
 *   FAKE_RTLSDR_UNPLUG_AFTER_BYTES=N after N bytes since open the dongle is "unplugged": the last buffer is cut to
 *                                    end exactly at N, rtlsdr_read_async prints "cb transfer status: 5, canceling..."
 *                                    and returns 0 (as librtlsdr 0.6 does), later calls fail with -4
 *                                    (LIBUSB_ERROR_NO_DEVICE). The dongle is back (replugged) for the next open.
 *   FAKE_RTLSDR_UNPLUG_MODE=return|stall  stall = stop delivering and idle until rtlsdr_cancel_async (a hung dongle)
 *   FAKE_RTLSDR_FILE=path            stream this file's bytes (cu8) instead of the generator
 *   FAKE_RTLSDR_LOOP=1|0             at end of file loop (default 1) or behave as unplugged (0)
 *   FAKE_RTLSDR_REALTIME=1           pace delivery at 2 bytes per sample at the set rate (2.048 MS/s if unset);
 *                                    otherwise deliver as fast as the callback returns
 *   FAKE_RTLSDR_QUIET=1              do not print librtlsdr's informational stderr lines ("Found ... tuner")
 *   FAKE_RTLSDR_TRANSFER_INDEX=1     every I/Q pair of the k-th call of produce since open (one transfer of
 *                                    rtlsdr_read_async) is (k mod 256, k / 256 mod 256): transfers a reader never got
 *                                    are countable (rtl_tcp frees whole ones; test mode's byte counter cannot show them)
 *   FAKE_RTLSDR_TRANSFER_INDEX=lsb   the usual samples (generator or file), with the k-th call's tag written into the
 *                                    least significant bits of its first 32 bytes: bit b of (k mod 2^16) |
 *                                    ((~k mod 2^16) << 16) is the LSB of byte b (a change of at most 1 in 32 of the
 *                                    262144 bytes: the signal stays the signal, and a reader that knows where transfers
 *                                    start still counts the ones it never got; the complement catches a misplaced read)
 *   FAKE_RTLSDR_DROP_TRANSFERS=3,10-12  transfers of rtlsdr_read_async (counted from 0 at open, across streams) that are
 *                                    produced and paced but never handed to the callback: data lost inside the
 *                                    library, like a USB overflow (at most 64 entries; a-b is a range)
 *
 * Sample generator (when neither FAKE_RTLSDR_FILE nor test mode): sample n (from 0 at open, continuing across
 * streams and retunes) with phase accumulator p_0 = 0, p_{n+1} = (p_n + step) mod 2^32,
 * step = round(toneHz / rate * 2^32) mod 2^32 (rate = set rate, 2048000 if unset), recomputed per buffer:
 *   I = 127.5 + 127.5 * (A cos(2 pi p_n / 2^32) + s * t1),  Q = 127.5 + 127.5 * (A sin(2 pi p_n / 2^32) + s * t2)
 *   byte = min(255, max(0, floor(v + 0.5)))
 * t = (u_a + u_b - 1) * sqrt(6) (unit-variance triangular noise), u = x / 2^32 with x from xorshift32
 * (x ^= x << 13; x ^= x >> 17; x ^= x << 5), four draws per sample in the order u_a(I), u_b(I), u_a(Q), u_b(Q),
 * seeded with FAKE_RTLSDR_SEED (default 1). Draws happen only when s > 0.
 *   FAKE_RTLSDR_TONE_HZ      tone offset from the tuning centre (Hz; default rate / 8)
 *   FAKE_RTLSDR_TONE_ABS_HZ  absolute tone frequency (Hz); offset = abs - centre, silent when |offset| >= rate / 2
 *   FAKE_RTLSDR_TONE_AMPL    A, tone amplitude in full-scale units (default 0.25)
 *   FAKE_RTLSDR_NOISE        s, noise standard deviation per component in full-scale units (default 0.02)
 * rtlsdr_set_testmode(dev, 1) replaces the samples by the RTL2832's 8-bit counter: byte k since open = k mod 256
 * (rtl_test uses it to count lost bytes).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#ifdef FAKE_USE_SYSTEM_HEADER
/* Definitions below must then match Debian's prototypes exactly: the compiler checks it. */
#include <rtl-sdr.h>
#else
typedef struct rtlsdr_dev rtlsdr_dev_t;
typedef void (*rtlsdr_read_async_cb_t)(unsigned char *buf, uint32_t len, void *ctx);
enum rtlsdr_tuner {
  RTLSDR_TUNER_UNKNOWN = 0,
  RTLSDR_TUNER_E4000,
  RTLSDR_TUNER_FC0012,
  RTLSDR_TUNER_FC0013,
  RTLSDR_TUNER_FC2580,
  RTLSDR_TUNER_R820T,
  RTLSDR_TUNER_R828D
};
#endif

#define FAKE_API __attribute__((visibility("default")))

#define FAKE_MAX_DEVICES 16
#define FAKE_STR_LEN 256
#define DEFAULT_BUF_LENGTH (16 * 32 * 512) /* librtlsdr 0.6 default transfer size, bytes */
#define TRANSFER_INDEX_PAIRS 1 /* FAKE_RTLSDR_TRANSFER_INDEX=1: every pair carries the transfer's index */
#define TRANSFER_INDEX_LSB 2   /* FAKE_RTLSDR_TRANSFER_INDEX=lsb: the index in the first 32 bytes' LSBs */
#define DEF_RTL_XTAL_FREQ 28800000
#define MIN_RTL_XTAL_FREQ (DEF_RTL_XTAL_FREQ - 1000)
#define MAX_RTL_XTAL_FREQ (DEF_RTL_XTAL_FREQ + 1000)
#define FALLBACK_RATE 2048000
/* libusb error codes (libusb.h), as librtlsdr passes them through */
#define LIBUSB_ERROR_ACCESS (-3)
#define LIBUSB_ERROR_NO_DEVICE (-4)
#define LIBUSB_ERROR_BUSY (-6)
#define LIBUSB_TRANSFER_NO_DEVICE 5

enum async_status { ASYNC_INACTIVE = 0, ASYNC_CANCELING, ASYNC_RUNNING };

/* Gain tables in tenths of a dB, copied value for value from librtlsdr 0.6 rtlsdr_get_tuner_gains(). */
static const int e4k_gains[] = {-10, 15, 40, 65, 90, 115, 140, 165, 190, 215, 240, 290, 340, 420};
static const int fc0012_gains[] = {-99, -40, 71, 179, 192};
static const int fc0013_gains[] = {-99, -73, -65, -63, -60, -58, -54, 58, 61, 63, 65, 67,
                                   68, 70, 71, 179, 181, 182, 184, 186, 188, 191, 197};
static const int fc2580_gains[] = {0};
static const int r82xx_gains[] = {0, 9, 14, 27, 37, 77, 87, 125, 144, 157, 166, 197, 207, 229, 254,
                                  280, 297, 328, 338, 364, 372, 386, 402, 421, 434, 439, 445, 480, 496};
static const int unknown_gains[] = {0};

struct rtlsdr_dev {
  uint32_t index;
  char serial[FAKE_STR_LEN], manufact[FAKE_STR_LEN], product[FAKE_STR_LEN];
  enum rtlsdr_tuner tuner;
  uint32_t rate, freq, rtl_xtal, tun_xtal, bw;
  int corr, gain_manual, gain, agc, direct_sampling, offset_tuning, testmode, bias_tee;
  uint8_t eeprom[256];
  /* stream state */
  uint64_t produced; /* bytes produced since open */
  uint64_t unplug_after;
  int unplug_stall, lost, quiet, realtime, transfer_index;
  uint32_t chunks; /* calls of produce since open (FAKE_RTLSDR_TRANSFER_INDEX) */
  uint32_t transfers; /* transfers of rtlsdr_read_async since open (FAKE_RTLSDR_DROP_TRANSFERS) */
  uint32_t drop_from[64], drop_to[64]; /* FAKE_RTLSDR_DROP_TRANSFERS ranges, inclusive */
  int drops;
  uint32_t prng, phase;
  double tone_hz, tone_abs_hz, tone_ampl, noise;
  int tone_set, tone_abs_set;
  FILE *file;
  int loop;
  struct timespec t0;
  uint64_t t0_bytes;
  pthread_mutex_t mu; /* guards rate, t0, t0_bytes (pacing) */
  /* lock-free like librtlsdr: rtl_test and rtl_tcp call rtlsdr_cancel_async from signal handlers */
  atomic_int async_status, cancel;
  int lock_fd;
};

static pthread_mutex_t g_registry = PTHREAD_MUTEX_INITIALIZER;
static int g_open[FAKE_MAX_DEVICES];

/* ---------- configuration ---------- */

static const char *env(const char *name) {
  const char *v = getenv(name);
  return (v && *v) ? v : NULL;
}

static double env_double(const char *name, double dflt, int *set) {
  const char *v = env(name);
  if (set) *set = v != NULL;
  return v ? strtod(v, NULL) : dflt;
}

static uint32_t cfg_device_count(void) {
  const char *v = env("FAKE_RTLSDR_DEVICES");
  long n = v ? strtol(v, NULL, 10) : 1;
  if (n < 0) n = 0;
  if (n > FAKE_MAX_DEVICES) n = FAKE_MAX_DEVICES;
  return (uint32_t)n;
}

/* Copies the idx-th comma-separated field of env var `name` into out; returns 0 when absent. */
static int cfg_list_item(const char *name, uint32_t idx, char *out, size_t out_len) {
  const char *v = env(name);
  if (!v) return 0;
  uint32_t i = 0;
  const char *start = v;
  for (;;) {
    const char *end = strchr(start, ',');
    size_t len = end ? (size_t)(end - start) : strlen(start);
    if (i == idx) {
      if (len == 0) return 0;
      if (len >= out_len) len = out_len - 1;
      memcpy(out, start, len);
      out[len] = '\0';
      return 1;
    }
    if (!end) return 0;
    start = end + 1;
    i++;
  }
}

static void cfg_serial(uint32_t idx, char *out) {
  if (!cfg_list_item("FAKE_RTLSDR_SERIALS", idx, out, FAKE_STR_LEN)) snprintf(out, FAKE_STR_LEN, "FAKE%04u", idx + 1);
}

static enum rtlsdr_tuner cfg_tuner(uint32_t idx) {
  char t[32];
  if (!cfg_list_item("FAKE_RTLSDR_TUNERS", idx, t, sizeof t)) return RTLSDR_TUNER_R820T;
  if (!strcasecmp(t, "e4000")) return RTLSDR_TUNER_E4000;
  if (!strcasecmp(t, "fc0012")) return RTLSDR_TUNER_FC0012;
  if (!strcasecmp(t, "fc0013")) return RTLSDR_TUNER_FC0013;
  if (!strcasecmp(t, "fc2580")) return RTLSDR_TUNER_FC2580;
  if (!strcasecmp(t, "r828d")) return RTLSDR_TUNER_R828D;
  if (!strcasecmp(t, "unknown")) return RTLSDR_TUNER_UNKNOWN;
  return RTLSDR_TUNER_R820T;
}

static const char *tuner_found_line(enum rtlsdr_tuner t) {
  switch (t) {
    case RTLSDR_TUNER_E4000: return "Found Elonics E4000 tuner";
    case RTLSDR_TUNER_FC0012: return "Found Fitipower FC0012 tuner";
    case RTLSDR_TUNER_FC0013: return "Found Fitipower FC0013 tuner";
    case RTLSDR_TUNER_FC2580: return "Found FCI 2580 tuner";
    case RTLSDR_TUNER_R820T: return "Found Rafael Micro R820T tuner";
    case RTLSDR_TUNER_R828D: return "Found Rafael Micro R828D tuner";
    default: return "No supported tuner found";
  }
}

static int quiet(void) {
  const char *v = env("FAKE_RTLSDR_QUIET");
  return v && strcmp(v, "0") != 0;
}

/* ---------- enumeration ---------- */

FAKE_API uint32_t rtlsdr_get_device_count(void) { return cfg_device_count(); }

FAKE_API const char *rtlsdr_get_device_name(uint32_t index) {
  return index < cfg_device_count() ? "Generic RTL2832U OEM" : "";
}

static void fill_strings(uint32_t index, char *manufact, char *product, char *serial) {
  if (manufact) {
    if (!cfg_list_item("FAKE_RTLSDR_MANUFACTURERS", index, manufact, FAKE_STR_LEN)) strcpy(manufact, "Realtek");
  }
  if (product) {
    if (!cfg_list_item("FAKE_RTLSDR_PRODUCTS", index, product, FAKE_STR_LEN)) strcpy(product, "RTL2838UHIDIR");
  }
  if (serial) cfg_serial(index, serial);
}

FAKE_API int rtlsdr_get_device_usb_strings(uint32_t index, char *manufact, char *product, char *serial) {
  if (index >= cfg_device_count()) return -2;
  fill_strings(index, manufact, product, serial);
  return 0;
}

FAKE_API int rtlsdr_get_index_by_serial(const char *serial) {
  char str[FAKE_STR_LEN];
  if (!serial) return -1;
  uint32_t cnt = rtlsdr_get_device_count();
  if (!cnt) return -2;
  for (uint32_t i = 0; i < cnt; i++) {
    if (!rtlsdr_get_device_usb_strings(i, NULL, NULL, str) && !strcmp(serial, str)) return (int)i;
  }
  return -3;
}

/* ---------- open / close ---------- */

static int fail_open_matches(const char *kind, const char *serial) {
  const char *v = env("FAKE_RTLSDR_FAIL_OPEN");
  size_t klen = strlen(kind);
  if (!v || strncasecmp(v, kind, klen) != 0) return 0;
  if (v[klen] == '\0') return 1;
  if (v[klen] == ':') return strcmp(v + klen + 1, serial) == 0;
  return 0;
}

FAKE_API int rtlsdr_open(rtlsdr_dev_t **out_dev, uint32_t index) {
  char serial[FAKE_STR_LEN];
  if (!out_dev) return -1;
  if (index >= cfg_device_count()) return -1; /* librtlsdr: no device at that index */
  cfg_serial(index, serial);
  if (fail_open_matches("access", serial)) {
    fprintf(stderr, "usb_open error %d\n", LIBUSB_ERROR_ACCESS);
    fprintf(stderr, "Please fix the device permissions, e.g. by installing the udev rules file rtl-sdr.rules\n");
    return LIBUSB_ERROR_ACCESS;
  }
  if (fail_open_matches("busy", serial)) {
    fprintf(stderr, "usb_claim_interface error %d\n", LIBUSB_ERROR_BUSY);
    return LIBUSB_ERROR_BUSY;
  }
  pthread_mutex_lock(&g_registry);
  if (g_open[index]) {
    pthread_mutex_unlock(&g_registry);
    fprintf(stderr, "usb_claim_interface error %d\n", LIBUSB_ERROR_BUSY);
    return LIBUSB_ERROR_BUSY;
  }
  int lock_fd = -1;
  const char *lock_dir = env("FAKE_RTLSDR_LOCK_DIR");
  if (lock_dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/fake-rtlsdr-%u-%s.lock", lock_dir, index, serial);
    lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
      if (lock_fd >= 0) close(lock_fd);
      pthread_mutex_unlock(&g_registry);
      fprintf(stderr, "usb_claim_interface error %d\n", LIBUSB_ERROR_BUSY);
      return LIBUSB_ERROR_BUSY;
    }
  }
  rtlsdr_dev_t *dev = calloc(1, sizeof *dev);
  if (!dev) {
    if (lock_fd >= 0) close(lock_fd);
    pthread_mutex_unlock(&g_registry);
    return -ENOMEM;
  }
  g_open[index] = 1;
  pthread_mutex_unlock(&g_registry);

  dev->index = index;
  dev->lock_fd = lock_fd;
  fill_strings(index, dev->manufact, dev->product, dev->serial);
  dev->tuner = cfg_tuner(index);
  dev->rtl_xtal = DEF_RTL_XTAL_FREQ;
  dev->tun_xtal = dev->tuner == RTLSDR_TUNER_R828D ? 16000000 : DEF_RTL_XTAL_FREQ;
  dev->quiet = quiet();
  const char *v = env("FAKE_RTLSDR_UNPLUG_AFTER_BYTES");
  dev->unplug_after = v ? strtoull(v, NULL, 10) : 0;
  v = env("FAKE_RTLSDR_UNPLUG_MODE");
  dev->unplug_stall = v && !strcasecmp(v, "stall");
  v = env("FAKE_RTLSDR_REALTIME");
  dev->realtime = v && strcmp(v, "0") != 0;
  v = env("FAKE_RTLSDR_TRANSFER_INDEX");
  dev->transfer_index = !v || strcmp(v, "0") == 0 ? 0 : !strcasecmp(v, "lsb") ? TRANSFER_INDEX_LSB : TRANSFER_INDEX_PAIRS;
  v = env("FAKE_RTLSDR_DROP_TRANSFERS");
  dev->drops = 0;
  while (v && *v && dev->drops < 64) {
    char *end;
    dev->drop_from[dev->drops] = dev->drop_to[dev->drops] = (uint32_t)strtoul(v, &end, 10);
    if (*end == '-') dev->drop_to[dev->drops] = (uint32_t)strtoul(end + 1, &end, 10);
    dev->drops++;
    v = *end == ',' ? end + 1 : NULL;
  }
  v = env("FAKE_RTLSDR_SEED");
  dev->prng = v ? (uint32_t)strtoul(v, NULL, 10) : 1u;
  if (dev->prng == 0) dev->prng = 1;
  dev->tone_hz = env_double("FAKE_RTLSDR_TONE_HZ", 0, &dev->tone_set);
  dev->tone_abs_hz = env_double("FAKE_RTLSDR_TONE_ABS_HZ", 0, &dev->tone_abs_set);
  dev->tone_ampl = env_double("FAKE_RTLSDR_TONE_AMPL", 0.25, NULL);
  dev->noise = env_double("FAKE_RTLSDR_NOISE", 0.02, NULL);
  v = env("FAKE_RTLSDR_FILE");
  if (v) {
    dev->file = fopen(v, "rb");
    if (!dev->file) fprintf(stderr, "fake-librtlsdr: cannot open FAKE_RTLSDR_FILE %s: %s\n", v, strerror(errno));
  }
  v = env("FAKE_RTLSDR_LOOP");
  dev->loop = !(v && !strcmp(v, "0"));
  pthread_mutex_init(&dev->mu, NULL);
  if (!dev->quiet) fprintf(stderr, "%s\n", tuner_found_line(dev->tuner));
  *out_dev = dev;
  return 0;
}

FAKE_API int rtlsdr_close(rtlsdr_dev_t *dev) {
  if (!dev) return -1;
  /* librtlsdr 0.6 blocks until async operations have completed */
  while (atomic_load(&dev->async_status) != ASYNC_INACTIVE && !dev->lost) usleep(1000);
  pthread_mutex_lock(&g_registry);
  if (dev->index < FAKE_MAX_DEVICES) g_open[dev->index] = 0;
  if (dev->lock_fd >= 0) close(dev->lock_fd);
  pthread_mutex_unlock(&g_registry);
  if (dev->file) fclose(dev->file);
  pthread_mutex_destroy(&dev->mu);
  free(dev);
  return 0;
}

/* ---------- configuration calls ---------- */

FAKE_API int rtlsdr_set_xtal_freq(rtlsdr_dev_t *dev, uint32_t rtl_freq, uint32_t tuner_freq) {
  if (!dev) return -1;
  if (dev->lost) return LIBUSB_ERROR_NO_DEVICE;
  if (rtl_freq > 0 && (rtl_freq < MIN_RTL_XTAL_FREQ || rtl_freq > MAX_RTL_XTAL_FREQ)) return -2;
  if (rtl_freq > 0) dev->rtl_xtal = rtl_freq;
  if (tuner_freq > 0) dev->tun_xtal = tuner_freq;
  return 0;
}

FAKE_API int rtlsdr_get_xtal_freq(rtlsdr_dev_t *dev, uint32_t *rtl_freq, uint32_t *tuner_freq) {
  if (!dev) return -1;
  /* APPLY_PPM_CORR in librtlsdr.c */
  if (rtl_freq) *rtl_freq = (uint32_t)(dev->rtl_xtal * (1.0 + dev->corr / 1e6));
  if (tuner_freq) *tuner_freq = (uint32_t)(dev->tun_xtal * (1.0 + dev->corr / 1e6));
  return 0;
}

FAKE_API int rtlsdr_get_usb_strings(rtlsdr_dev_t *dev, char *manufact, char *product, char *serial) {
  if (!dev) return -1;
  if (manufact) strcpy(manufact, dev->manufact);
  if (product) strcpy(product, dev->product);
  if (serial) strcpy(serial, dev->serial);
  return 0;
}

FAKE_API int rtlsdr_write_eeprom(rtlsdr_dev_t *dev, uint8_t *data, uint8_t offset, uint16_t len) {
  if (!dev) return -1;
  if (dev->lost) return LIBUSB_ERROR_NO_DEVICE;
  if ((size_t)offset + len > sizeof dev->eeprom) return -1;
  memcpy(dev->eeprom + offset, data, len);
  return 0;
}

FAKE_API int rtlsdr_read_eeprom(rtlsdr_dev_t *dev, uint8_t *data, uint8_t offset, uint16_t len) {
  if (!dev) return -1;
  if (dev->lost) return LIBUSB_ERROR_NO_DEVICE;
  if ((size_t)offset + len > sizeof dev->eeprom) return -1;
  memcpy(data, dev->eeprom + offset, len);
  return 0;
}

FAKE_API int rtlsdr_set_center_freq(rtlsdr_dev_t *dev, uint32_t freq) {
  if (!dev) return -1;
  if (dev->lost) return LIBUSB_ERROR_NO_DEVICE;
  if (freq == 0) {
    dev->freq = 0;
    return -1;
  }
  if (!dev->direct_sampling && (dev->tuner == RTLSDR_TUNER_R820T || dev->tuner == RTLSDR_TUNER_R828D) &&
      (freq < 24000000u || freq > 1766000000u) && !dev->quiet) {
    /* librtlsdr 0.6 r82xx_set_pll prints this and still returns 0 (docs/field-notes.md §12) */
    fprintf(stderr, "[R82XX] PLL not locked!\n");
  }
  dev->freq = freq;
  return 0;
}

FAKE_API uint32_t rtlsdr_get_center_freq(rtlsdr_dev_t *dev) { return dev ? dev->freq : 0; }

FAKE_API int rtlsdr_set_freq_correction(rtlsdr_dev_t *dev, int ppm) {
  if (!dev) return -1;
  if (dev->lost) return LIBUSB_ERROR_NO_DEVICE;
  if (dev->corr == ppm) return -2; /* librtlsdr: unchanged value */
  dev->corr = ppm;
  return 0;
}

FAKE_API int rtlsdr_get_freq_correction(rtlsdr_dev_t *dev) { return dev ? dev->corr : 0; }

FAKE_API enum rtlsdr_tuner rtlsdr_get_tuner_type(rtlsdr_dev_t *dev) { return dev ? dev->tuner : RTLSDR_TUNER_UNKNOWN; }

FAKE_API int rtlsdr_get_tuner_gains(rtlsdr_dev_t *dev, int *gains) {
  const int *ptr;
  size_t len;
  if (!dev) return -1;
  switch (dev->tuner) {
    case RTLSDR_TUNER_E4000: ptr = e4k_gains; len = sizeof e4k_gains; break;
    case RTLSDR_TUNER_FC0012: ptr = fc0012_gains; len = sizeof fc0012_gains; break;
    case RTLSDR_TUNER_FC0013: ptr = fc0013_gains; len = sizeof fc0013_gains; break;
    case RTLSDR_TUNER_FC2580: ptr = fc2580_gains; len = sizeof fc2580_gains; break;
    case RTLSDR_TUNER_R820T:
    case RTLSDR_TUNER_R828D: ptr = r82xx_gains; len = sizeof r82xx_gains; break;
    default: ptr = unknown_gains; len = sizeof unknown_gains; break;
  }
  if (!gains) return (int)(len / sizeof(int));
  memcpy(gains, ptr, len);
  return (int)(len / sizeof(int));
}

FAKE_API int rtlsdr_set_tuner_gain(rtlsdr_dev_t *dev, int gain) {
  if (!dev) return -1;
  if (dev->lost) return LIBUSB_ERROR_NO_DEVICE;
  dev->gain = gain; /* librtlsdr stores the requested value; get_tuner_gain returns it */
  return 0;
}

FAKE_API int rtlsdr_set_tuner_bandwidth(rtlsdr_dev_t *dev, uint32_t bw) {
  if (!dev) return -1;
  if (dev->lost) return LIBUSB_ERROR_NO_DEVICE;
  dev->bw = bw;
  return 0;
}

FAKE_API int rtlsdr_get_tuner_gain(rtlsdr_dev_t *dev) { return dev ? dev->gain : 0; }

FAKE_API int rtlsdr_set_tuner_if_gain(rtlsdr_dev_t *dev, int stage, int gain) {
  (void)stage;
  (void)gain;
  if (!dev) return -1;
  return dev->lost ? LIBUSB_ERROR_NO_DEVICE : 0;
}

FAKE_API int rtlsdr_set_tuner_gain_mode(rtlsdr_dev_t *dev, int manual) {
  if (!dev) return -1;
  if (dev->lost) return LIBUSB_ERROR_NO_DEVICE;
  dev->gain_manual = manual;
  return 0;
}

FAKE_API int rtlsdr_set_sample_rate(rtlsdr_dev_t *dev, uint32_t samp_rate) {
  if (!dev) return -1;
  if (dev->lost) return LIBUSB_ERROR_NO_DEVICE;
  /* check if the rate is supported by the resampler (librtlsdr 0.6) */
  if ((samp_rate <= 225000) || (samp_rate > 3200000) || ((samp_rate > 300000) && (samp_rate <= 900000))) {
    fprintf(stderr, "Invalid sample rate: %u Hz\n", samp_rate);
    return -EINVAL;
  }
  /* the resampler ratio arithmetic of librtlsdr 0.6, so the fake reports the same exact rates */
  uint32_t rsamp_ratio = (uint32_t)((dev->rtl_xtal * 4194304.0) / samp_rate);
  rsamp_ratio &= 0x0ffffffc;
  uint32_t real_rsamp_ratio = rsamp_ratio | ((rsamp_ratio & 0x08000000) << 1);
  double real_rate = (dev->rtl_xtal * 4194304.0) / real_rsamp_ratio;
  if ((double)samp_rate != real_rate && !dev->quiet) fprintf(stderr, "Exact sample rate is: %f Hz\n", real_rate);
  pthread_mutex_lock(&dev->mu);
  dev->rate = (uint32_t)real_rate;
  clock_gettime(CLOCK_MONOTONIC, &dev->t0); /* pacing restarts at the new rate */
  dev->t0_bytes = dev->produced;
  pthread_mutex_unlock(&dev->mu);
  return 0;
}

FAKE_API uint32_t rtlsdr_get_sample_rate(rtlsdr_dev_t *dev) { return dev ? dev->rate : 0; }

FAKE_API int rtlsdr_set_testmode(rtlsdr_dev_t *dev, int on) {
  if (!dev) return -1;
  if (dev->lost) return LIBUSB_ERROR_NO_DEVICE;
  dev->testmode = on;
  return 0;
}

FAKE_API int rtlsdr_set_agc_mode(rtlsdr_dev_t *dev, int on) {
  if (!dev) return -1;
  if (dev->lost) return LIBUSB_ERROR_NO_DEVICE;
  dev->agc = on;
  return 0;
}

FAKE_API int rtlsdr_set_direct_sampling(rtlsdr_dev_t *dev, int on) {
  if (!dev) return -1;
  if (dev->lost) return LIBUSB_ERROR_NO_DEVICE;
  if (!dev->quiet) {
    if (on) fprintf(stderr, "Enabled direct sampling mode, input %i\n", on);
    else fprintf(stderr, "Disabled direct sampling mode\n");
  }
  dev->direct_sampling = on;
  return 0;
}

FAKE_API int rtlsdr_get_direct_sampling(rtlsdr_dev_t *dev) { return dev ? dev->direct_sampling : -1; }

FAKE_API int rtlsdr_set_offset_tuning(rtlsdr_dev_t *dev, int on) {
  if (!dev) return -1;
  if (dev->tuner == RTLSDR_TUNER_R820T || dev->tuner == RTLSDR_TUNER_R828D) return -2;
  if (dev->direct_sampling) return -3;
  if (dev->lost) return LIBUSB_ERROR_NO_DEVICE;
  dev->offset_tuning = on ? 1 : 0;
  return 0;
}

FAKE_API int rtlsdr_get_offset_tuning(rtlsdr_dev_t *dev) { return dev ? dev->offset_tuning : -1; }

FAKE_API int rtlsdr_set_bias_tee_gpio(rtlsdr_dev_t *dev, int gpio, int on) {
  (void)gpio;
  if (!dev) return -1;
  dev->bias_tee = on;
  return 0;
}

FAKE_API int rtlsdr_set_bias_tee(rtlsdr_dev_t *dev, int on) { return rtlsdr_set_bias_tee_gpio(dev, 0, on); }

FAKE_API int rtlsdr_reset_buffer(rtlsdr_dev_t *dev) { return dev ? 0 : -1; }

/* ---------- sample production ---------- */

static uint32_t xorshift32(uint32_t *s) {
  uint32_t x = *s;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *s = x;
  return x;
}

static uint8_t quantise(double v) {
  double b = floor(v + 0.5);
  if (b < 0) return 0;
  if (b > 255) return 255;
  return (uint8_t)b;
}

/* Fills buf with up to len bytes of the stream (len even); returns bytes produced (< len only at the end of a
 * non-looping file). */
static uint32_t produce(rtlsdr_dev_t *dev, unsigned char *buf, uint32_t len) {
  uint32_t n = 0;
  if (dev->transfer_index == TRANSFER_INDEX_PAIRS) {
    n = len & ~1u;
    for (uint32_t i = 0; i < n; i += 2) {
      buf[i] = (unsigned char)(dev->chunks & 0xff);
      buf[i + 1] = (unsigned char)((dev->chunks >> 8) & 0xff);
    }
    dev->chunks++;
  } else if (dev->testmode) {
    for (uint32_t i = 0; i < len; i++) buf[i] = (unsigned char)((dev->produced + i) & 0xff);
    n = len;
  } else if (dev->file) {
    while (n < len) {
      size_t got = fread(buf + n, 1, len - n, dev->file);
      n += (uint32_t)got;
      if (n < len) {
        if (!dev->loop) break;
        if (fseek(dev->file, 0, SEEK_SET) != 0) break;
        if (got == 0 && ftell(dev->file) == 0) {
          /* empty file: avoid spinning */
          int c = fgetc(dev->file);
          if (c == EOF) break;
          ungetc(c, dev->file);
        }
      }
    }
    n &= ~1u; /* whole I/Q pairs */
  } else {
    double rate = dev->rate ? dev->rate : FALLBACK_RATE;
    double tone = dev->tone_set ? dev->tone_hz : rate / 8.0;
    double ampl = dev->tone_ampl;
    if (dev->tone_abs_set) {
      tone = dev->tone_abs_hz - (double)dev->freq;
      if (fabs(tone) >= rate / 2) ampl = 0;
    }
    double r = fmod(tone / rate, 1.0);
    if (r < 0) r += 1.0;
    uint32_t step = (uint32_t)(uint64_t)llround(r * 4294967296.0);
    const double two_pi = 6.283185307179586;
    const double k = 127.5;
    const double sqrt6 = 2.449489742783178;
    double s = dev->noise;
    for (uint32_t i = 0; i + 1 < len; i += 2) {
      double ph = two_pi * ((double)dev->phase / 4294967296.0);
      double vi = ampl * cos(ph), vq = ampl * sin(ph);
      if (s > 0) {
        double a = xorshift32(&dev->prng) / 4294967296.0;
        double b = xorshift32(&dev->prng) / 4294967296.0;
        double c = xorshift32(&dev->prng) / 4294967296.0;
        double d = xorshift32(&dev->prng) / 4294967296.0;
        vi += s * (a + b - 1.0) * sqrt6;
        vq += s * (c + d - 1.0) * sqrt6;
      }
      buf[i] = quantise(k + k * vi);
      buf[i + 1] = quantise(k + k * vq);
      dev->phase += step;
    }
    n = len & ~1u;
  }
  if (dev->transfer_index == TRANSFER_INDEX_LSB && n >= 32) {
    uint32_t tag = (dev->chunks & 0xffffu) | ((~dev->chunks & 0xffffu) << 16);
    for (uint32_t b = 0; b < 32; b++) buf[b] = (unsigned char)((buf[b] & 0xfe) | ((tag >> b) & 1u));
    dev->chunks++;
  }
  dev->produced += n;
  return n;
}

static void timespec_add_ns(struct timespec *t, uint64_t ns) {
  t->tv_sec += (time_t)(ns / 1000000000u);
  t->tv_nsec += (long)(ns % 1000000000u);
  if (t->tv_nsec >= 1000000000L) {
    t->tv_sec++;
    t->tv_nsec -= 1000000000L;
  }
}

static int64_t ns_until(const struct timespec *due) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (int64_t)(due->tv_sec - now.tv_sec) * 1000000000LL + (due->tv_nsec - now.tv_nsec);
}

/* Sleeps at most 5 ms at a time so a cancel (an atomic flag) is seen promptly. */
static void nap(int64_t ns) {
  if (ns > 5000000) ns = 5000000;
  struct timespec d = {0, (long)ns};
  nanosleep(&d, NULL);
}

/* Realtime pacing: waits until the bytes up to `upto` would have left the ADC. Returns 1 if cancelled meanwhile. */
static int pace(rtlsdr_dev_t *dev, uint64_t upto, int check_cancel) {
  pthread_mutex_lock(&dev->mu);
  double rate = dev->rate ? dev->rate : FALLBACK_RATE;
  struct timespec due = dev->t0;
  timespec_add_ns(&due, (uint64_t)((double)(upto - dev->t0_bytes) / (2.0 * rate) * 1e9));
  pthread_mutex_unlock(&dev->mu);
  for (;;) {
    if (check_cancel && atomic_load(&dev->cancel)) return 1;
    int64_t left = ns_until(&due);
    if (left <= 0) return 0;
    nap(left);
  }
}

static void wait_for_cancel(rtlsdr_dev_t *dev) {
  while (!atomic_load(&dev->cancel)) nap(5000000);
}

FAKE_API int rtlsdr_read_sync(rtlsdr_dev_t *dev, void *buf, int len, int *n_read) {
  if (!dev) return -1;
  if (n_read) *n_read = 0;
  if (dev->lost) return LIBUSB_ERROR_NO_DEVICE;
  if (len <= 0) return 0;
  uint32_t want = (uint32_t)len;
  if (dev->unplug_after) {
    uint64_t left = dev->produced < dev->unplug_after ? dev->unplug_after - dev->produced : 0;
    if (left < want) want = (uint32_t)left;
  }
  if (dev->realtime) pace(dev, dev->produced + want, 0);
  uint32_t got = want ? produce(dev, buf, want) : 0;
  if (n_read) *n_read = (int)got;
  if (got < (uint32_t)len) {
    dev->lost = 1;
    return LIBUSB_ERROR_NO_DEVICE;
  }
  return 0;
}

/* Whether transfer k is listed in FAKE_RTLSDR_DROP_TRANSFERS (lost inside the library). */
static int dropped(const rtlsdr_dev_t *dev, uint32_t k) {
  for (int i = 0; i < dev->drops; i++)
    if (k >= dev->drop_from[i] && k <= dev->drop_to[i]) return 1;
  return 0;
}

FAKE_API int rtlsdr_read_async(rtlsdr_dev_t *dev, rtlsdr_read_async_cb_t cb, void *ctx, uint32_t buf_num,
                               uint32_t buf_len) {
  (void)buf_num;
  if (!dev) return -1;
  if (dev->lost) {
    fprintf(stderr, "Failed to submit transfer 0\n");
    return LIBUSB_ERROR_NO_DEVICE;
  }
  if (atomic_load(&dev->async_status) != ASYNC_INACTIVE) return -2;
  atomic_store(&dev->cancel, 0); /* before RUNNING, so a cancel racing with the start is never lost */
  int expected = ASYNC_INACTIVE;
  if (!atomic_compare_exchange_strong(&dev->async_status, &expected, ASYNC_RUNNING)) return -2;
  pthread_mutex_lock(&dev->mu);
  clock_gettime(CLOCK_MONOTONIC, &dev->t0);
  dev->t0_bytes = dev->produced;
  pthread_mutex_unlock(&dev->mu);

  uint32_t len = (buf_len > 0 && buf_len % 512 == 0) ? buf_len : DEFAULT_BUF_LENGTH;
  unsigned char *buf = malloc(len);
  if (!buf) {
    atomic_store(&dev->async_status, ASYNC_INACTIVE);
    return -ENOMEM;
  }
  for (;;) {
    if (atomic_load(&dev->cancel)) break;
    uint32_t n = len;
    if (dev->unplug_after) {
      uint64_t left = dev->produced < dev->unplug_after ? dev->unplug_after - dev->produced : 0;
      if (left < n) n = (uint32_t)left;
    }
    uint32_t got = n ? produce(dev, buf, n) : 0;
    if (got > 0) {
      if (dev->realtime && pace(dev, dev->produced, 1)) break; /* cancelled: the buffer is discarded */
      if (!dropped(dev, dev->transfers++)) cb(buf, got, ctx);
    }
    if (got < len) {
      /* end of the stream: unplugged (byte limit) or a non-looping file ran out */
      if (dev->unplug_stall) {
        wait_for_cancel(dev);
        break;
      }
      dev->lost = 1;
      fprintf(stderr, "cb transfer status: %d, canceling...\n", LIBUSB_TRANSFER_NO_DEVICE);
      break;
    }
  }
  free(buf);
  atomic_store(&dev->cancel, 0);
  atomic_store(&dev->async_status, ASYNC_INACTIVE);
  return 0;
}

FAKE_API int rtlsdr_wait_async(rtlsdr_dev_t *dev, rtlsdr_read_async_cb_t cb, void *ctx) {
  return rtlsdr_read_async(dev, cb, ctx, 0, 0);
}

FAKE_API int rtlsdr_cancel_async(rtlsdr_dev_t *dev) {
  if (!dev) return -1;
  /* if streaming, try to cancel gracefully (async-signal-safe: atomics only) */
  int expected = ASYNC_RUNNING;
  if (atomic_compare_exchange_strong(&dev->async_status, &expected, ASYNC_CANCELING)) {
    atomic_store(&dev->cancel, 1);
    return 0;
  }
  return -2;
}
