// quietband_dsp: the native kernels of the hot path, each with the same arithmetic as its JS counterpart, over
// buffers the JS side owns: FrameKernel (one spectrum frame per call: DC removal, window, FFTW single-precision FFT,
// |X|², fftshift, prefix sums and Welch sums; src/spectrum/spectrum-engine.ts), Classifier (the detector's per-bin
// classification), LearnerKernel (the baseline learner's per-frame histograms), convertCu8 (u8 I/Q to float) and
// firDecimate (identification's channel filter) and polyphaseRun (the band cut's resampler loop).
#include <fftw3.h>
#include <napi.h>

#include <algorithm>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <vector>
#include <string>

namespace {

// The per-bin loops (window, |X|², sums, the classifier's first pass) in an AVX2 build and a baseline one, picked at
// load time by the CPU (GCC function multiversioning). "avx2" does not imply FMA, so no a·b + c is contracted and both
// builds round exactly alike (and like the JS arithmetic they mirror).
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define QB_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define QB_SIMD_CLONES
#endif

// FFTW's planner is not thread-safe (FFTW 3.3 manual §5.4, "Thread safety"); sensors run in worker_threads, each
// with its own engines, so plan creation and destruction are serialised. fftwf_execute is thread-safe.
std::mutex g_planner;

/** Version of this file's JS interface; src/dsp/native-frame.ts refuses an addon built from another (stale build). */
constexpr int kAbiVersion = 9;

/**
 * src/spectrum/statistic.ts smoothedAt: a whole kernel [b−h, b+h] ⊂ [0, n) is (pre[b+h+1] − pre[b−h]) · (1/(2h+1)),
 * an edge one (pre[hi+1] − pre[lo]) / (hi − lo + 1) over what exists; clamped at 0; as float.
 */
inline float KernelMean(const double* pre, int n, int h, int b) {
  const int lo = b - h, hi = b + h;
  double v;
  if (lo >= 0 && hi < n) {
    v = (pre[hi + 1] - pre[lo]) * (1.0 / (2 * h + 1));
  } else {
    const int a = lo < 0 ? 0 : lo, z = hi >= n ? n - 1 : hi;
    v = (pre[z + 1] - pre[a]) / (z - a + 1);
  }
  return static_cast<float>(v > 0 ? v : 0);
}

/**
 * Start of a typed array's elements (its buffer's data + byte offset), from napi_get_typedarray_info: unlike
 * TypedArray::ArrayBuffer().Data() this also works for arrays over a SharedArrayBuffer (napi_get_arraybuffer_info
 * refuses those, and the null it gave was written through). Null for a detached array (length 0).
 */
void* DataOf(const Napi::TypedArray& a) {
  void* data = nullptr;
  if (napi_get_typedarray_info(a.Env(), a, nullptr, nullptr, &data, nullptr, nullptr) != napi_ok) return nullptr;
  return data;
}

/**
 * The typed arrays a kernel writes or reads between calls, with the data pointers taken when they were bound. A strong
 * reference keeps each array object alive, but JS can still detach its buffer (postMessage/structuredClone transfer,
 * ArrayBuffer.prototype.transfer) or shrink a resizable one, which frees or unmaps the memory the kernel then writes.
 * Callers must make sure the arrays keep their lengths: src/dsp/native-frame.ts checks them in JS before every call
 * (a few ns, where the same check through N-API cost ≈ 20 ns per array and call, +11 % per frame at N = 256).
 */
class BoundArrays {
 public:
  /** Binds `v` (a typed array of `type` with exactly `length` elements) and stores its data pointer in `*data`. */
  template <typename T>
  bool Bind(const Napi::Value& v, napi_typedarray_type type, size_t length, T** data, const char* cls, const char* name) {
    Napi::Env env = v.Env();
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) {
      Napi::TypeError::New(env, std::string(cls) + ": " + name + " has the wrong type").ThrowAsJavaScriptException();
      return false;
    }
    Napi::TypedArray a = v.As<Napi::TypedArray>();
    if (a.ElementLength() != length) {
      Napi::RangeError::New(env, std::string(cls) + ": " + name + " must hold " + std::to_string(length) +
                                     " elements, has " + std::to_string(a.ElementLength()))
          .ThrowAsJavaScriptException();
      return false;
    }
    void* p = DataOf(a);  // (moves a small on-heap array's elements off the heap, where they stay)
    if (p == nullptr || count_ == kMax) {
      Napi::Error::New(env, std::string(cls) + ": " + name + " has no memory (detached buffer?)").ThrowAsJavaScriptException();
      return false;
    }
    Entry& e = entries_[count_++];
    e.ref = Napi::Persistent(a.As<Napi::Object>());
    e.length = length;
    e.name = name;
    *data = static_cast<T*>(p);
    return true;
  }

 private:
  static constexpr int kMax = 8;
  struct Entry {
    Napi::ObjectReference ref;
    size_t length = 0;
    const char* name = "";
  };
  Entry entries_[kMax];
  int count_ = 0;
};

/**
 * A sample index argument: a finite integer in [0, 2^53]; else throws a RangeError naming `what` and returns false.
 * (Truncating a non-integer instead would let a fractional `to` make push() consume nothing and its caller loop
 * forever.)
 */
bool IndexArg(const Napi::Value& v, const char* what, int64_t* out) {
  if (!v.IsNumber()) {
    Napi::TypeError::New(v.Env(), std::string(what) + " must be a number").ThrowAsJavaScriptException();
    return false;
  }
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 9007199254740992.0) || std::floor(d) != d) {
    char got[32];
    std::snprintf(got, sizeof got, "%.17g", d);
    Napi::RangeError::New(v.Env(), std::string(what) + " must be an integer in 0..2^53, got " + got).ThrowAsJavaScriptException();
    return false;
  }
  *out = static_cast<int64_t>(d);
  return true;
}

/**
 * new Classifier(n, hN, hW, open: Float32Array(n), release: Float32Array(n), wideOpen: Float32Array(n),
 *                hot: Uint8Array(n), stat: Float32Array(n), prefix: Float64Array(n+1))
 * run(): the detector's per-bin classification (src/detector/detector.ts, Detector.classify) over a frame's prefix
 * sum: narrow (2hN+1) and wide (2hW+1) boxcar means, the hot code of every bin, and, when any bin is hot, the narrow
 * statistic of every bin. Returns the OR of the hot codes. The same expressions as the JS (float64 division, clamp at
 * 0, float32 value compared with the float32 thresholds).
 */
class Classifier : public Napi::ObjectWrap<Classifier> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Classifier", {InstanceMethod<&Classifier::Run>("run")});
  }

  /** True when constructed over a prefix sum of `n` bins at `prefix` (FrameKernel.attach checks it is its own). */
  bool Reads(const double* prefix, int n) const { return ready_ && prefix_ == prefix && n_ == n; }

  /**
   * The classification of the frame now in the bound prefix sum: fills `hot` (and `stat` when any bin is hot) and
   * returns the OR of the hot codes. Called by run() and, per frame, by FrameKernel.pushGated.
   */
  int Classify() {
    const int n = n_, hN = hN_, hW = hW_;
    // local restrict pointers: the uint8_t stores would otherwise force the members to be reloaded every bin
    const double* __restrict pre = prefix_;
    const float* __restrict open = open_;
    const float* __restrict release = release_;
    const float* __restrict wideOpen = wideOpen_;
    uint8_t* __restrict hot = hot_;
    int any = 0;
    const int edge = hW < n ? hW : n;
    const int interiorEnd = n - hW > edge ? n - hW : edge;
    for (int b = 0; b < edge; b++) {
      const float v = Mean(pre, n, hN, b), w = Mean(pre, n, hW, b);
      const int x = HotCode(v, w, open[b], release[b], wideOpen[b]);
      hot[b] = static_cast<uint8_t>(x);
      any |= x;
    }
    const double invN = 1.0 / (2 * hN + 1), invW = 1.0 / (2 * hW + 1);
    // most frames have no hot interior bin: a first pass without stores or branches (vectorised) finds out, and
    // the exact per-bin pass below runs only when one exists
    if (!AnyInterior(pre, release, wideOpen, edge, interiorEnd, hN, hW, invN, invW)) {
      if (interiorEnd > edge) std::memset(hot + edge, 0, static_cast<size_t>(interiorEnd - edge));
    } else {
      for (int b = edge; b < interiorEnd; b++) {
        const double xn = (pre[b + hN + 1] - pre[b - hN]) * invN;
        const double xw = (pre[b + hW + 1] - pre[b - hW]) * invW;
        const float v = static_cast<float>(xn > 0 ? xn : 0);
        const float w = static_cast<float>(xw > 0 ? xw : 0);
        const int x = (v > release[b] || w > wideOpen[b]) ? HotCode(v, w, open[b], release[b], wideOpen[b]) : 0;
        hot[b] = static_cast<uint8_t>(x);
        any |= x;
      }
    }
    for (int b = interiorEnd; b < n; b++) {
      const float v = Mean(pre, n, hN, b), w = Mean(pre, n, hW, b);
      const int x = HotCode(v, w, open[b], release[b], wideOpen[b]);
      hot[b] = static_cast<uint8_t>(x);
      any |= x;
    }
    if (any != 0) {
      float* __restrict stat = stat_;
      for (int b = 0; b < n; b++) stat[b] = Mean(pre, n, hN, b);
    }
    return any;
  }

  explicit Classifier(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Classifier>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 9 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber()) {
      Napi::TypeError::New(env, "Classifier(n, hN, hW, open, release, wideOpen, hot, stat, prefix)").ThrowAsJavaScriptException();
      return;
    }
    n_ = info[0].As<Napi::Number>().Int32Value();
    hN_ = info[1].As<Napi::Number>().Int32Value();
    hW_ = info[2].As<Napi::Number>().Int32Value();
    if (n_ < 1 || hN_ < 1 || hW_ < hN_) {
      Napi::RangeError::New(env, "Classifier: needs n ≥ 1 and 1 ≤ hN ≤ hW").ThrowAsJavaScriptException();
      return;
    }
    // a kernel at least as wide as the band is the whole band's mean at every bin: the same with h = n, and the
    // clamp keeps b ± h inside int32 (a half width near 2^31 would overflow it)
    hN_ = std::min(hN_, n_);
    hW_ = std::min(hW_, n_);
    const char* cls = "Classifier";
    if (!bound_.Bind(info[3], napi_float32_array, n_, &open_, cls, "open")) return;
    if (!bound_.Bind(info[4], napi_float32_array, n_, &release_, cls, "release")) return;
    if (!bound_.Bind(info[5], napi_float32_array, n_, &wideOpen_, cls, "wideOpen")) return;
    if (!bound_.Bind(info[6], napi_uint8_array, n_, &hot_, cls, "hot")) return;
    if (!bound_.Bind(info[7], napi_float32_array, n_, &stat_, cls, "stat")) return;
    if (!bound_.Bind(info[8], napi_float64_array, n_ + 1, &prefix_, cls, "prefix")) return;
    ready_ = true;
  }

 private:
  static inline float Mean(const double* pre, int n, int h, int b) { return KernelMean(pre, n, h, b); }

  /**
   * True when some interior bin b ∈ [from, to) is above its release level (narrow kernel) or its wide open level: the
   * interior test of Classify, the same expressions, with no stores and no branches so that it vectorises. Needs
   * thresholds ≥ 0 (they are levels in linear power, or +∞).
   */
  QB_SIMD_CLONES static bool AnyInterior(const double* __restrict pre, const float* __restrict release, const float* __restrict wideOpen,
                          int from, int to, int hN, int hW, double invN, double invW) {
    // (no clamp at 0: the thresholds are ≥ 0, so a value the clamp would raise to 0 fails the test either way)
    int hit = 0;
    for (int b = from; b < to; b++) {
      const float v = static_cast<float>((pre[b + hN + 1] - pre[b - hN]) * invN);
      const float w = static_cast<float>((pre[b + hW + 1] - pre[b - hW]) * invW);
      hit |= (v > release[b]) | (w > wideOpen[b]);
    }
    return hit != 0;
  }

  static inline int HotCode(float v, float w, float open, float release, float wideOpen) {
    const int hn = v > open ? 2 : v > release ? 1 : 0;
    const int hw = w > wideOpen ? 2 : 0;
    return (hn > hw ? hn : hw) | (hn > 0 ? 4 : 0);
  }

  Napi::Value Run(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready_) {
      Napi::Error::New(env, "Classifier: not constructed").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    return Napi::Number::New(env, Classify());
  }

  bool ready_ = false;
  int n_ = 0, hN_ = 0, hW_ = 0;
  float* open_ = nullptr;
  float* release_ = nullptr;
  float* wideOpen_ = nullptr;
  uint8_t* hot_ = nullptr;
  float* stat_ = nullptr;
  double* prefix_ = nullptr;
  BoundArrays bound_;
};

/**
 * new FrameKernel(n, window: Float64Array(n), norm, stage: Float32Array(2n), power: Float32Array(n),
 *                 prefix: Float64Array(n+1) | null, sum: Float64Array(n) | null, dcRemoval, mode,
 *                 result: Float64Array(2) | null)
 * push/pushMany/pushGated/pushSkip stage samples and compute frames (one, several, until a classified-hot one, or
 * one after passing over some).
 * mode (what each computed frame produces): 0 = Welch sum only; 1 = power; 2 = power + prefix; | 4 = also add to the sum.
 */
class FrameKernel : public Napi::ObjectWrap<FrameKernel> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "FrameKernel",
                       {InstanceMethod<&FrameKernel::Push>("push"),
                        InstanceMethod<&FrameKernel::PushMany>("pushMany"), InstanceMethod<&FrameKernel::PushGated>("pushGated"),
                        InstanceMethod<&FrameKernel::Attach>("attach"), InstanceMethod<&FrameKernel::PushSkip>("pushSkip"),
                        InstanceMethod<&FrameKernel::Reset>("reset"), InstanceMethod<&FrameKernel::Dispose>("dispose")});
  }

  explicit FrameKernel(const Napi::CallbackInfo& info) : Napi::ObjectWrap<FrameKernel>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 7 || !info[0].IsNumber() || !info[2].IsNumber()) {
      Napi::TypeError::New(env, "FrameKernel(n, window, norm, stage, power, prefix, sum)").ThrowAsJavaScriptException();
      return;
    }
    const int64_t n = info[0].As<Napi::Number>().Int64Value();
    if (n < 16 || n > 65536 || (n & (n - 1)) != 0) {
      Napi::RangeError::New(env, "FrameKernel: n must be a power of two in 16..65536").ThrowAsJavaScriptException();
      return;
    }
    n_ = static_cast<int>(n);
    norm_ = info[2].As<Napi::Number>().DoubleValue();
    const char* cls = "FrameKernel";
    if (!bound_.Bind(info[1], napi_float64_array, n_, &window_, cls, "window")) return;
    if (!bound_.Bind(info[3], napi_float32_array, 2 * n_, &stage_, cls, "stage")) return;
    if (!bound_.Bind(info[4], napi_float32_array, n_, &power_, cls, "power")) return;
    if (!info[5].IsNull() && !info[5].IsUndefined() && !bound_.Bind(info[5], napi_float64_array, n_ + 1, &prefix_, cls, "prefix"))
      return;
    if (!info[6].IsNull() && !info[6].IsUndefined() && !bound_.Bind(info[6], napi_float64_array, n_, &sum_, cls, "sum"))
      return;
    dcRemoval_ = info.Length() > 7 && info[7].IsBoolean() ? info[7].As<Napi::Boolean>().Value() : true;
    mode_ = info.Length() > 8 && info[8].IsNumber() ? info[8].As<Napi::Number>().Int32Value() : 1;
    if (info.Length() > 9 && !info[9].IsNull() && !info[9].IsUndefined() && !bound_.Bind(info[9], napi_float64_array, 2, &result_, cls, "result"))
      return;
    window2_.resize(2 * static_cast<size_t>(n_));
    for (int j = 0; j < n_; j++) window2_[2 * j] = window2_[2 * j + 1] = static_cast<float>(window_[j]);
    scratch_.resize(n_);
    in_ = fftwf_alloc_complex(n_);
    out_ = fftwf_alloc_complex(n_);
    if (in_ == nullptr || out_ == nullptr) {
      Napi::Error::New(env, "FrameKernel: fftwf_alloc_complex failed").ThrowAsJavaScriptException();
      return;
    }
    {
      std::lock_guard<std::mutex> lock(g_planner);
      // FFTW_ESTIMATE: the plan depends only on n, so every run computes the same numbers (FFTW_MEASURE picks the
      // algorithm by timing, which could change the rounding from one run to the next)
      plan_ = fftwf_plan_dft_1d(n_, in_, out_, FFTW_FORWARD, FFTW_ESTIMATE);
    }
    if (plan_ == nullptr) Napi::Error::New(env, "FrameKernel: fftwf_plan_dft_1d failed").ThrowAsJavaScriptException();
  }

  ~FrameKernel() override { Release(); }

 private:
  void Release() {
    if (plan_ != nullptr) {
      std::lock_guard<std::mutex> lock(g_planner);
      fftwf_destroy_plan(plan_);
      plan_ = nullptr;
    }
    if (in_ != nullptr) fftwf_free(in_);
    if (out_ != nullptr) fftwf_free(out_);
    in_ = out_ = nullptr;
  }

  /** Window, FFT and power of the frame whose first half is slot `older` (see the class comment for `mode`). */
  QB_SIMD_CLONES void Compute(int older, double dcI, double dcQ, int mode) {
    const int n = n_;
    const int h = n >> 1;
    // float arithmetic throughout (4-wide SIMD): the frame is rounded to float for FFTW anyway, and float32 keeps
    // ≈ 1e-7 relative precision, far inside the 0.01 dB the backends must agree to (test/dsp/fft-backends.test.ts)
    const float* __restrict a = stage_ + older * n;        // the frame's first half (older slot), interleaved I/Q
    const float* __restrict b = stage_ + (1 - older) * n;  // its second half
    const float* __restrict w2 = window2_.data();           // the window, each value twice (I and Q)
    float* __restrict in = reinterpret_cast<float*>(in_);
    const float fI = static_cast<float>(dcI), fQ = static_cast<float>(dcQ);
    for (int k = 0; k < n; k += 2) {
      in[k] = (a[k] - fI) * w2[k];
      in[k + 1] = (a[k + 1] - fQ) * w2[k + 1];
    }
    float* __restrict in2 = in + n;
    const float* __restrict w2b = w2 + n;
    for (int k = 0; k < n; k += 2) {
      in2[k] = (b[k] - fI) * w2b[k];
      in2[k + 1] = (b[k + 1] - fQ) * w2b[k + 1];
    }
    fftwf_execute(plan_);
    const float norm = static_cast<float>(norm_);
    const int what = mode & 3;
    double* __restrict sum = sum_;
    const bool addSum = sum != nullptr && ((mode & 4) != 0 || what == 0);
    // |X|²·norm, fftshifted: bin k → index (k + N/2) mod N (negative frequencies first, so written in order)
    float* __restrict p = what == 0 ? scratch_.data() : power_;
    const float* __restrict o = reinterpret_cast<const float*>(out_);
    for (int i = 0; i < h; i++) {
      const float re = o[2 * (i + h)], im = o[2 * (i + h) + 1];
      p[i] = (re * re + im * im) * norm;
    }
    for (int i = h; i < n; i++) {
      const float re = o[2 * (i - h)], im = o[2 * (i - h) + 1];
      p[i] = (re * re + im * im) * norm;
    }
    if (what == 2 && prefix_ != nullptr) {
      double acc = 0;
      double* __restrict pre = prefix_;
      pre[0] = 0;
      for (int i = 0; i < n; i++) {
        acc += p[i];
        pre[i + 1] = acc;
      }
    }
    if (addSum)
      for (int i = 0; i < n; i++) sum[i] += p[i];
  }

  /**
   * The (samples, from, to) arguments of push, pushMany, pushGated and pushSkip: `samples` a Float32Array of interleaved I/Q
   * holding at least 2·to values, 0 ≤ from ≤ to integers. Returns false after throwing (dispose()d kernel, bad types).
   */
  bool SampleArgs(const Napi::CallbackInfo& info, size_t count, const char* usage, const float** s, int64_t* from, int64_t* to) {
    Napi::Env env = info.Env();
    if (plan_ == nullptr || info.Length() < count || !info[0].IsTypedArray()) {
      Napi::Error::New(env, plan_ == nullptr ? std::string("FrameKernel: ") + usage + " after dispose()" : std::string(usage))
          .ThrowAsJavaScriptException();
      return false;
    }
    Napi::TypedArray a = info[0].As<Napi::TypedArray>();
    if (!IndexArg(info[1], "FrameKernel.push: from", from) || !IndexArg(info[2], "FrameKernel.push: to", to)) return false;
    if (a.TypedArrayType() != napi_float32_array || *to < *from || static_cast<uint64_t>(*to) > a.ElementLength() / 2) {
      Napi::RangeError::New(env, "FrameKernel.push: samples must be a Float32Array holding 2·to values, 0 ≤ from ≤ to").ThrowAsJavaScriptException();
      return false;
    }
    *s = static_cast<const float*>(DataOf(a));
    return true;
  }

  /**
   * Copies `take` interleaved I/Q samples from `src` to `d` and adds them to a slot's sums: sum[0]/sum[1] hold the I/Q
   * sums of the slot's even positions, sum[2]/sum[3] those of its odd ones; `parity` is the slot position of the
   * first sample. Two dependency chains per component instead of one (vectorised), and since a sample's chain is
   * fixed by its position in the slot, the sums do not depend on how the stream was cut into blocks. The integer
   * formats' samples (cu8, cs8, cs16: multiples of 2^-31 below 2^15, ≤ 47 significant bits) sum exactly in double, so
   * for them the result equals a sequential sum; for cf32 it may differ from one in the last bit.
   */
  QB_SIMD_CLONES static void StageRun(float* __restrict d, const float* __restrict src, int take, int parity, double* sum) {
    // the chains continue the slot's sums sample by sample (no per-run partial sums, whose rounding would depend on
    // where the runs were cut)
    double i0 = sum[0], q0 = sum[1], i1 = sum[2], q1 = sum[3];
    int j = 0;
    if (parity == 1 && take > 0) {
      // the run starts on an odd position: that sample joins the odd chain, the pairs below start even
      d[0] = src[0];
      d[1] = src[1];
      i1 += src[0];
      q1 += src[1];
      j = 1;
    }
    for (; j + 1 < take; j += 2) {
      const float re0 = src[2 * j], im0 = src[2 * j + 1], re1 = src[2 * j + 2], im1 = src[2 * j + 3];
      d[2 * j] = re0;
      d[2 * j + 1] = im0;
      d[2 * j + 2] = re1;
      d[2 * j + 3] = im1;
      i0 += re0;
      q0 += im0;
      i1 += re1;
      q1 += im1;
    }
    if (j < take) {
      d[2 * j] = src[2 * j];
      d[2 * j + 1] = src[2 * j + 1];
      i0 += src[2 * j];
      q0 += src[2 * j + 1];
    }
    sum[0] = i0;
    sum[1] = q0;
    sum[2] = i1;
    sum[3] = q1;
  }

  /**
   * Stages samples [from, to) of `s` (interleaved I/Q) into the two half-frame slots, summing I and Q per slot. Each
   * time a frame is complete it gets the running DC estimate (frame mean, then α = 1/16; the first frame after a
   * reset(true) takes the mean as is) and `onFrame(dcI, dcQ)` runs: it computes the frame (ComputeFrame) or not, and
   * says whether to stop there (true) or go on staging; then the slots rotate (50 % overlap). Returns the samples
   * consumed. The DC estimate is SpectrumEngine's JS arithmetic on the slot sums (see StageRun for their order); the
   * frame itself is computed in float.
   */
  template <typename OnFrame>
  int64_t Stage(const float* __restrict s, int64_t from, int64_t to, OnFrame onFrame) {
    const int n = n_, h = n_ >> 1;
    int64_t i = from;
    while (i < to) {
      const int slot = fill_ < h ? older_ : 1 - older_;
      const int inSlot = fill_ < h ? fill_ : fill_ - h;
      const int64_t room = h - inSlot;
      const int take = static_cast<int>(room < to - i ? room : to - i);
      float* __restrict d = stage_ + slot * n + 2 * inSlot;
      const float* __restrict src = s + 2 * i;
      StageRun(d, src, take, inSlot & 1, &sums_[4 * slot]);
      i += take;
      fill_ += take;
      if (fill_ == n) {
        double dcI = 0, dcQ = 0;
        if (dcRemoval_) {
          const int o = older_;
          const double* a = &sums_[4 * o];
          const double* b = &sums_[4 * (1 - o)];
          const double mI = ((a[0] + a[2]) + (b[0] + b[2])) / n;
          const double mQ = ((a[1] + a[3]) + (b[1] + b[3])) / n;
          if (!dcInit_) {
            dcI_ = mI;
            dcQ_ = mQ;
            dcInit_ = true;
          } else {
            const double alpha = 1.0 / 16;
            dcI_ += alpha * (mI - dcI_);
            dcQ_ += alpha * (mQ - dcQ_);
          }
          dcI = dcI_;
          dcQ = dcQ_;
        }
        const bool stop = onFrame(dcI, dcQ);
        for (int k = 0; k < 4; k++) sums_[4 * older_ + k] = 0;
        older_ = 1 - older_;
        fill_ = h;
        if (stop) break;
      }
    }
    return i - from;
  }

  /** Computes the frame now staged (older slot first) with the construction mode. */
  void ComputeFrame(double dcI, double dcQ) { Compute(older_, dcI, dcQ, mode_); }

  /**
   * pushSkip(samples, from, to, skip): as push, but the first `skip` frames that complete are not computed (their
   * samples still update the running DC estimate, so later frames are unchanged): for a consumer that looks only at
   * every k-th frame. result[0] = frames passed over; returns consumed·2 + (1 if a frame was computed).
   */
  Napi::Value PushSkip(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const float* s = nullptr;
    int64_t from = 0, to = 0, skip = 0;
    if (!SampleArgs(info, 4, "pushSkip(samples, from, to, skip)", &s, &from, &to)) return env.Undefined();
    if (!IndexArg(info[3], "FrameKernel.pushSkip: skip", &skip)) return env.Undefined();
    if (result_ == nullptr) {
      Napi::Error::New(env, "FrameKernel.pushSkip needs a kernel made with a result array").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    int64_t passed = 0;
    bool ready = false;
    const int64_t took = Stage(s, from, to, [&](double dcI, double dcQ) {
      if (passed < skip) {
        passed++;
        return false;
      }
      ComputeFrame(dcI, dcQ);
      return ready = true;
    });
    result_[0] = static_cast<double>(passed);
    return Napi::Number::New(env, static_cast<double>(took * 2 + (ready ? 1 : 0)));
  }

  /**
   * push(samples: Float32Array, from, to): stages samples [from, to) until ONE frame is complete (see Stage) or `to` is
   * reached. Returns consumed·2 + (1 if a frame was computed).
   */
  Napi::Value Push(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const float* s = nullptr;
    int64_t from = 0, to = 0;
    if (!SampleArgs(info, 3, "push(samples, from, to)", &s, &from, &to)) return env.Undefined();
    bool ready = false;
    const int64_t took = Stage(s, from, to, [&](double dcI, double dcQ) {
      ComputeFrame(dcI, dcQ);
      return ready = true;
    });
    return Napi::Number::New(env, static_cast<double>(took * 2 + (ready ? 1 : 0)));
  }

  /**
   * pushMany(samples, from, to, maxFrames): as push, but computes up to `maxFrames` (≥ 1) frames in one call (a Welch
   * engine's frames between two averages: only their sum is used). Returns the samples consumed; result[0] = frames
   * computed (the last one's power is in `power` when the mode forms it). Needs the `result` array.
   */
  Napi::Value PushMany(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const float* s = nullptr;
    int64_t from = 0, to = 0, maxFrames = 0;
    if (!SampleArgs(info, 4, "pushMany(samples, from, to, maxFrames)", &s, &from, &to)) return env.Undefined();
    if (!IndexArg(info[3], "FrameKernel.pushMany: maxFrames", &maxFrames)) return env.Undefined();
    if (result_ == nullptr || maxFrames < 1) {
      Napi::Error::New(env, "FrameKernel.pushMany needs maxFrames ≥ 1 and a kernel made with a result array").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    int64_t frames = 0;
    const int64_t took = Stage(s, from, to, [&](double dcI, double dcQ) {
      ComputeFrame(dcI, dcQ);
      return ++frames >= maxFrames;
    });
    result_[0] = static_cast<double>(frames);
    return Napi::Number::New(env, static_cast<double>(took));
  }

  /**
   * attach(classifier): binds the detector's Classifier that reads this kernel's prefix sum, for pushGated. Throws when
   * it reads another array (or another size), or when this kernel forms no prefix sum or has no result array.
   */
  Napi::Value Attach(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject()) {
      Napi::TypeError::New(env, "FrameKernel.attach(classifier)").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Napi::Object o = info[0].As<Napi::Object>();
    Classifier* c = Napi::ObjectWrap<Classifier>::Unwrap(o);
    if (c == nullptr) return env.Undefined();  // (Unwrap threw: not a Classifier)
    if ((mode_ & 3) != 2 || prefix_ == nullptr || result_ == nullptr || !c->Reads(prefix_, n_)) {
      Napi::Error::New(env, "FrameKernel.attach: the classifier must read this kernel's own prefix sum (mode 2, same n), "
                            "and the kernel needs a result array").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    gate_ = c;
    gateRef_ = Napi::Persistent(o);
    return env.Undefined();
  }

  /**
   * pushGated(samples, from, to, passAll, maxFrames = 0): stages and computes frames like push, running the attached
   * classifier on each. A frame with no hot bin (code 0) is counted in result[0] and skipped, unless passAll; the first
   * frame that is hot (or any frame, with passAll) stops the call with its power, prefix, hot codes (and narrow
   * statistic) in place and its code in result[1]. With maxFrames ≥ 1 the call also stops once that many frames are
   * computed (skipped or not): an engine whose kernel also sums every frame (mode | 4) stops at each average's end.
   * Returns consumed·2 + (1 if a hot frame stopped it). The engine passes passAll false (a cold frame only lets the
   * detector's open tracks expire, which it does for the skipped run in JS); passAll lets a caller see every code.
   */
  Napi::Value PushGated(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const float* s = nullptr;
    int64_t from = 0, to = 0;
    if (!SampleArgs(info, 4, "pushGated(samples, from, to, passAll)", &s, &from, &to)) return env.Undefined();
    if (gate_ == nullptr) {
      Napi::Error::New(env, "FrameKernel.pushGated before attach(classifier)").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    const bool passAll = info[3].ToBoolean().Value();
    int64_t maxFrames = 0;
    if (info.Length() > 4 && !info[4].IsUndefined() && !IndexArg(info[4], "FrameKernel.pushGated: maxFrames", &maxFrames))
      return env.Undefined();
    Classifier* gate = gate_;
    double skipped = 0;
    int code = 0;
    bool ready = false;
    const int64_t took = Stage(s, from, to, [&](double dcI, double dcQ) {
      ComputeFrame(dcI, dcQ);
      code = gate->Classify();
      if (code != 0 || passAll) return ready = true;
      skipped++;
      return maxFrames > 0 && skipped >= static_cast<double>(maxFrames);
    });
    result_[0] = skipped;
    result_[1] = ready ? code : 0;
    return Napi::Number::New(env, static_cast<double>(took * 2 + (ready ? 1 : 0)));
  }

  /** reset(resetDc): forgets the partial frame (and, when resetDc, the running DC estimate). */
  Napi::Value Reset(const Napi::CallbackInfo& info) {
    fill_ = 0;
    for (double& x : sums_) x = 0;
    if (info.Length() > 0 && info[0].ToBoolean().Value()) dcInit_ = false;
    return info.Env().Undefined();
  }

  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    Release();
    return info.Env().Undefined();
  }

  int n_ = 0;
  double norm_ = 1;
  std::vector<float> window2_;  // 2n: the window as float, each value twice (interleaved I/Q)
  std::vector<float> scratch_;  // n: power of a frame that only feeds the Welch sum
  bool dcRemoval_ = true;
  int mode_ = 1;
  int fill_ = 0;
  int older_ = 0;
  double sums_[8] = {0, 0, 0, 0, 0, 0, 0, 0};  // per slot: I and Q sums of its even and of its odd positions
  double dcI_ = 0, dcQ_ = 0;
  bool dcInit_ = false;
  double* window_ = nullptr;
  float* stage_ = nullptr;
  float* power_ = nullptr;
  double* prefix_ = nullptr;
  double* sum_ = nullptr;
  double* result_ = nullptr;      // 2: what pushMany/pushGated/pushSkip report besides their return value
  Classifier* gate_ = nullptr;    // attach()ed classifier (kept alive by gateRef_)
  Napi::ObjectReference gateRef_;
  BoundArrays bound_;
  fftwf_complex* in_ = nullptr;
  fftwf_complex* out_ = nullptr;
  fftwf_plan plan_ = nullptr;
};


/**
 * convertCu8(raw: Uint8Array, out: Float32Array, count, rawOffset): cu8 → float32 (x − 127.5) / 127.5 through the same
 * table as src/source/sample-formats.ts (values computed in double, rounded once to float), returning the clip
 * fraction (share of the 2·count bytes equal to 0 or 255).
 */
struct Cu8Table {
  float v[256];
  Cu8Table() {
    for (int b = 0; b < 256; b++) v[b] = static_cast<float>((b - 127.5) / 127.5);
  }
  float operator[](uint8_t b) const { return v[b]; }
};

Napi::Value ConvertCu8(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // a function-local static is initialised once, thread-safely (C++11 [stmt.dcl]/4): worker threads convert at once
  // (the former plain `static bool lutReady` flag was a data race between them)
  static const Cu8Table lut;
  if (info.Length() < 4 || !info[0].IsTypedArray() || !info[1].IsTypedArray()) {
    Napi::TypeError::New(env, "convertCu8(raw, out, count, rawOffset)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::TypedArray rawA = info[0].As<Napi::TypedArray>();
  Napi::TypedArray outA = info[1].As<Napi::TypedArray>();
  int64_t count = 0, off = 0;
  if (!IndexArg(info[2], "convertCu8: count", &count) || !IndexArg(info[3], "convertCu8: rawOffset", &off)) return env.Undefined();
  if (rawA.TypedArrayType() != napi_uint8_array || outA.TypedArrayType() != napi_float32_array ||
      static_cast<uint64_t>(off) + 2 * static_cast<uint64_t>(count) > rawA.ElementLength() ||
      2 * static_cast<uint64_t>(count) > outA.ElementLength()) {
    Napi::RangeError::New(env, "convertCu8: raw must be a Uint8Array with rawOffset + 2·count bytes and out a Float32Array of 2·count")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const int64_t n = 2 * count;
  if (n == 0) return Napi::Number::New(env, 0.0);
  const uint8_t* __restrict raw = static_cast<const uint8_t*>(DataOf(rawA)) + off;
  float* __restrict out = static_cast<float*>(DataOf(outA));
  int64_t clipped = 0;
  for (int64_t i = 0; i < n; i++) {
    const uint8_t v = raw[i];
    out[i] = lut[v];
    clipped += (v == 0) + (v == 255);
  }
  return Napi::Number::New(env, n > 0 ? static_cast<double>(clipped) / static_cast<double>(n) : 0.0);
}

/**
 * firDecimate(mixed: Float64Array(2·count), taps: Float64Array, decimation, out: Float64Array(2·outCount), outCount):
 * the FIR of src/ident/channel.ts channelise at the kept positions, out[o] = Σ_k taps[k]·mixed[o·decimation + k]
 * (complex mixed, real taps), k ascending with one accumulator per component: the same operations in the same order
 * as the JS loop, so the same doubles (no -ffast-math: the compiler does not reassociate; the x86-64 baseline has no
 * FMA to contract into). ≈ 4× faster than V8's loop (no bounds checks, both components in one SSE2 register).
 */
Napi::Value FirDecimate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !info[0].IsTypedArray() || !info[1].IsTypedArray() || !info[3].IsTypedArray()) {
    Napi::TypeError::New(env, "firDecimate(mixed, taps, decimation, out, outCount)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::TypedArray mixedA = info[0].As<Napi::TypedArray>();
  Napi::TypedArray tapsA = info[1].As<Napi::TypedArray>();
  Napi::TypedArray outA = info[3].As<Napi::TypedArray>();
  int64_t d = 0, outCount = 0;
  if (!IndexArg(info[2], "firDecimate: decimation", &d) || !IndexArg(info[4], "firDecimate: outCount", &outCount)) return env.Undefined();
  const uint64_t taps = tapsA.ElementLength();
  if (mixedA.TypedArrayType() != napi_float64_array || tapsA.TypedArrayType() != napi_float64_array ||
      outA.TypedArrayType() != napi_float64_array || d < 1 || taps < 1 || 2 * static_cast<uint64_t>(outCount) > outA.ElementLength() ||
      (outCount > 0 && 2 * (static_cast<uint64_t>(outCount - 1) * static_cast<uint64_t>(d) + taps) > mixedA.ElementLength())) {
    Napi::RangeError::New(env, "firDecimate: mixed, taps and out must be Float64Arrays, decimation ≥ 1, mixed holding "
                               "2·((outCount − 1)·decimation + taps) values and out 2·outCount")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const double* __restrict mixed = static_cast<const double*>(DataOf(mixedA));
  const double* __restrict h = static_cast<const double*>(DataOf(tapsA));
  double* __restrict out = static_cast<double*>(DataOf(outA));
  for (int64_t o = 0; o < outCount; o++) {
    const double* x = mixed + 2 * o * d;
    double ar = 0;
    double ai = 0;
    for (uint64_t k = 0; k < taps; k++) {
      const double hk = h[k];
      ar += hk * x[2 * k];
      ai += hk * x[2 * k + 1];
    }
    out[2 * o] = ar;
    out[2 * o + 1] = ai;
  }
  return env.Undefined();
}

/**
 * polyphaseRun(buf: Float32Array, fill, phases: Float32Array(L·K), K, L, M, state: Float64Array(3), output: Float32Array):
 * the inner loop of src/dsp/resampler.ts PolyphaseResampler.run: with (n, p, o) = state, while n < fill:
 * output[o] = Σ_j phases[p·K + j]·buf[n − K + 1 + j] (complex buf, interleaved; float32 values summed in double, j
 * ascending, one accumulator per component, stored as float32), o += 1, p += M, n += ⌊p / L⌋, p %= L; the final
 * (n, p, o) written back to state. The JS loop's operations in its order, so the same floats. Used by the evidence
 * clips' band cuts and identification's narrow cut (src/dsp/band-cut.ts), where it is most of the CPU.
 */
Napi::Value PolyphaseRun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 8 || !info[0].IsTypedArray() || !info[2].IsTypedArray() || !info[6].IsTypedArray() || !info[7].IsTypedArray()) {
    Napi::TypeError::New(env, "polyphaseRun(buf, fill, phases, K, L, M, state, output)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::TypedArray bufA = info[0].As<Napi::TypedArray>();
  Napi::TypedArray phA = info[2].As<Napi::TypedArray>();
  Napi::TypedArray stA = info[6].As<Napi::TypedArray>();
  Napi::TypedArray outA = info[7].As<Napi::TypedArray>();
  int64_t fill = 0, K = 0, L = 0, M = 0;
  if (!IndexArg(info[1], "polyphaseRun: fill", &fill) || !IndexArg(info[3], "polyphaseRun: K", &K) || !IndexArg(info[4], "polyphaseRun: L", &L) ||
      !IndexArg(info[5], "polyphaseRun: M", &M)) return env.Undefined();
  if (bufA.TypedArrayType() != napi_float32_array || phA.TypedArrayType() != napi_float32_array || outA.TypedArrayType() != napi_float32_array ||
      stA.TypedArrayType() != napi_float64_array || stA.ElementLength() < 3 || K < 1 || L < 1 || M < 1 ||
      static_cast<uint64_t>(K) * static_cast<uint64_t>(L) > phA.ElementLength() || 2 * static_cast<uint64_t>(fill) > bufA.ElementLength()) {
    Napi::RangeError::New(env, "polyphaseRun: buf, phases and output must be Float32Arrays, state a Float64Array(3), K, L, M ≥ 1, "
                               "phases holding L·K taps and buf 2·fill values").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  double* st = static_cast<double*>(DataOf(stA));
  const double nD = st[0], pD = st[1], oD = st[2];
  if (!(nD >= static_cast<double>(K - 1)) || !(pD >= 0) || !(pD < static_cast<double>(L)) || !(oD >= 0) || nD != std::floor(nD) ||
      pD != std::floor(pD) || oD != std::floor(oD)) {
    Napi::RangeError::New(env, "polyphaseRun: state must hold integers n ≥ K − 1, 0 ≤ p < L, o ≥ 0").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int64_t n = static_cast<int64_t>(nD), p = static_cast<int64_t>(pD), o = static_cast<int64_t>(oD);
  const float* __restrict buf = static_cast<const float*>(DataOf(bufA));
  const float* __restrict ph = static_cast<const float*>(DataOf(phA));
  float* __restrict out = static_cast<float*>(DataOf(outA));
  const uint64_t outLen = outA.ElementLength();
  while (n < fill) {
    if (2 * static_cast<uint64_t>(o) + 1 >= outLen) {
      Napi::RangeError::New(env, "polyphaseRun: output too short for the outputs the buffered inputs give").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    const float* x = buf + 2 * (n - K + 1);
    const float* c = ph + p * K;
    double accI = 0;
    double accQ = 0;
    for (int64_t j = 0; j < K; j++) {
      const double cj = c[j];
      accI += cj * static_cast<double>(x[2 * j]);
      accQ += cj * static_cast<double>(x[2 * j + 1]);
    }
    out[2 * o] = static_cast<float>(accI);
    out[2 * o + 1] = static_cast<float>(accQ);
    o++;
    p += M;
    n += p / L;
    p %= L;
  }
  st[0] = static_cast<double>(n);
  st[1] = static_cast<double>(p);
  st[2] = static_cast<double>(o);
  return env.Undefined();
}

/**
 * new LearnerKernel(n, hN, hW, cells, stepDb, minDb, dbTable: Float64Array(2048), countsNarrow: Uint32Array(n·cells),
 *                   countsWide: Uint32Array(n·cells), prefix: Float64Array(n+1), scratch: Float32Array(n), dbPerOctave)
 * The baseline learner's per-frame work (src/baseline/learner.ts) in C++, with the same arithmetic:
 * - median(power: Float32Array(n)): the floor gate's frame median (the ⌊n/2⌋-th smallest value; nth_element);
 * - add(): both kernels' means from `prefix` (as spectrum/statistic.ts: float64 division, clamp at 0, float32 value),
 *   10·log10 by fast-db.ts's table (the JS table is passed in, so the values are identical), the histogram cell
 *   ⌊(dB − minDb)/stepDb⌋ clamped to [0, cells − 1], counted in each kernel's histogram.
 */
class LearnerKernel : public Napi::ObjectWrap<LearnerKernel> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "LearnerKernel",
                       {InstanceMethod<&LearnerKernel::Median>("median"), InstanceMethod<&LearnerKernel::Add>("add")});
  }

  explicit LearnerKernel(const Napi::CallbackInfo& info) : Napi::ObjectWrap<LearnerKernel>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 12) {
      Napi::TypeError::New(env, "LearnerKernel(n, hN, hW, cells, stepDb, minDb, dbTable, countsNarrow, countsWide, prefix, scratch, dbPerOctave)").ThrowAsJavaScriptException();
      return;
    }
    n_ = info[0].As<Napi::Number>().Int32Value();
    hN_ = info[1].As<Napi::Number>().Int32Value();
    hW_ = info[2].As<Napi::Number>().Int32Value();
    cells_ = info[3].As<Napi::Number>().Int32Value();
    invStep_ = 1.0 / info[4].As<Napi::Number>().DoubleValue();
    minDb_ = info[5].As<Napi::Number>().DoubleValue();
    if (n_ < 1 || hN_ < 1 || hW_ < hN_ || cells_ < 1) {
      Napi::RangeError::New(env, "LearnerKernel: needs n ≥ 1, 1 ≤ hN ≤ hW, cells ≥ 1").ThrowAsJavaScriptException();
      return;
    }
    hN_ = std::min(hN_, n_);  // (as in Classifier: the same means, no overflow of b ± h)
    hW_ = std::min(hW_, n_);
    const char* cls = "LearnerKernel";
    if (!bound_.Bind(info[6], napi_float64_array, 2048, &table_, cls, "dbTable")) return;
    if (!bound_.Bind(info[7], napi_uint32_array, static_cast<size_t>(n_) * cells_, &countsN_, cls, "countsNarrow")) return;
    if (!bound_.Bind(info[8], napi_uint32_array, static_cast<size_t>(n_) * cells_, &countsW_, cls, "countsWide")) return;
    if (!bound_.Bind(info[9], napi_float64_array, n_ + 1, &prefix_, cls, "prefix")) return;
    if (!bound_.Bind(info[10], napi_float32_array, n_, &scratch_, cls, "scratch")) return;
    dbPerOctave_ = info[11].As<Napi::Number>().DoubleValue();
    ready_ = true;
  }

 private:
  /** fast-db.ts: 10·log10 from the float's exponent and top 11 mantissa bits; −3000 for x ≤ 0 and subnormals. */
  inline double FastDb(float x) const {
    uint32_t bits;
    std::memcpy(&bits, &x, 4);
    const uint32_t exp = (bits >> 23) & 0xff;
    if (exp == 0 || (bits >> 31) != 0) return -3000;
    return dbPerOctave_ * (static_cast<double>(static_cast<int>(exp) - 127) + table_[(bits >> 12) & 2047]);
  }

  inline void Count(uint32_t* counts, int b, float v) const {
    const double db = FastDb(v);
    const double f = std::floor((db - minDb_) * invStep_);
    int idx;
    if (!(f >= 0)) idx = 0;
    else if (f >= cells_) idx = cells_ - 1;
    else idx = static_cast<int>(f);
    counts[static_cast<size_t>(idx) * n_ + b]++;  // cell-major, as learner.ts BinHistogram
  }

  static inline float Mean(const double* pre, int n, int h, int b) { return KernelMean(pre, n, h, b); }

  Napi::Value Median(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready_ || info.Length() < 1 || !info[0].IsTypedArray()) {
      Napi::TypeError::New(env, "median(power)").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Napi::TypedArray a = info[0].As<Napi::TypedArray>();
    if (a.TypedArrayType() != napi_float32_array || a.ElementLength() != static_cast<size_t>(n_)) {
      Napi::RangeError::New(env, "LearnerKernel.median: power must be a Float32Array of n").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    const float* p = static_cast<const float*>(DataOf(a));
    std::memcpy(scratch_, p, sizeof(float) * n_);
    const int k = n_ >> 1;
    std::nth_element(scratch_, scratch_ + k, scratch_ + n_);
    return Napi::Number::New(env, scratch_[k]);
  }

  Napi::Value Add(const Napi::CallbackInfo& info) {
    if (!ready_) return info.Env().Undefined();
    const int n = n_, hN = hN_, hW = hW_;
    const double* __restrict pre = prefix_;
    uint32_t* __restrict cN = countsN_;
    uint32_t* __restrict cW = countsW_;
    for (int b = 0; b < n; b++) {
      Count(cN, b, Mean(pre, n, hN, b));
      Count(cW, b, Mean(pre, n, hW, b));
    }
    return info.Env().Undefined();
  }

  bool ready_ = false;
  int n_ = 0, hN_ = 0, hW_ = 0, cells_ = 0;
  double invStep_ = 4, minDb_ = -160, dbPerOctave_ = 0;
  const double* table_ = nullptr;
  uint32_t* countsN_ = nullptr;
  uint32_t* countsW_ = nullptr;
  double* prefix_ = nullptr;
  float* scratch_ = nullptr;
  BoundArrays bound_;
};

/**
 * trimNativeHeap(): returns free memory of every malloc arena to the system (glibc malloc_trim(0); a no-op returning
 * false elsewhere). Long replays and daemons otherwise see RSS creep a few % per 10 minutes from arena fragmentation
 * in V8's and libuv's helper threads while the JS heap stays flat (bench/long-run.js).
 */
Napi::Value TrimNativeHeap(const Napi::CallbackInfo& info) {
#if defined(__GLIBC__)
  return Napi::Boolean::New(info.Env(), malloc_trim(0) != 0);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

/**
 * fixMmapThreshold(bytes): glibc mallopt(M_MMAP_THRESHOLD, bytes): every later allocation of at least `bytes` gets
 * its own mapping, returned to the system when freed. Without it glibc raises the threshold each time such a block is
 * freed (up to 32 MiB), so the sample and read buffers of files opened one after another (a replay, a sensor that
 * restarts) come from the heap instead and stay as fragmented free memory. Returns false where not available.
 */
Napi::Value FixMmapThreshold(const Napi::CallbackInfo& info) {
#if defined(__GLIBC__)
  const int64_t bytes = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int64Value() : 0;
  return Napi::Boolean::New(info.Env(), bytes >= 4096 && bytes <= (int64_t{1} << 25) && mallopt(M_MMAP_THRESHOLD, static_cast<int>(bytes)) == 1);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("FrameKernel", FrameKernel::Init(env));
  exports.Set("Classifier", Classifier::Init(env));
  exports.Set("LearnerKernel", LearnerKernel::Init(env));
  exports.Set("convertCu8", Napi::Function::New(env, ConvertCu8, "convertCu8"));
  exports.Set("firDecimate", Napi::Function::New(env, FirDecimate, "firDecimate"));
  exports.Set("polyphaseRun", Napi::Function::New(env, PolyphaseRun, "polyphaseRun"));
  exports.Set("fftwVersion", Napi::String::New(env, fftwf_version));
  exports.Set("abiVersion", Napi::Number::New(env, kAbiVersion));
  exports.Set("trimNativeHeap", Napi::Function::New(env, TrimNativeHeap, "trimNativeHeap"));
  exports.Set("fixMmapThreshold", Napi::Function::New(env, FixMmapThreshold, "fixMmapThreshold"));
  return exports;
}

}  // namespace

NODE_API_MODULE(quietband_dsp, Init)
