// quietband-fake: a SoapySDR 0.8 device module for tests. Loaded by the real SoapySDR runtime from a directory on
// SOAPY_SDR_PLUGIN_PATH; driver name "quietband-fake". One RX channel that streams, paced in real time at the set rate
// (0.1–61.44 MS/s), either a recording given in the device args (looped) or a seeded synthetic signal (noise plus
// tone bursts on a fixed schedule), in its native format (CS16 by default) or CS8/CF32 on request. A reader that
// falls further behind than the device buffer gets SOAPY_SDR_OVERFLOW, and the samples in between are lost, as with a
// real USB receiver.
//
// Device args (all optional; every key is also accepted by SoapySDR::Device::make and passed through):
//   serial=QBFAKE01        which device (find() lists QUIETBAND_FAKE_SOAPY_SERIALS, comma-separated; default QBFAKE01)
//   native=CS16|CS8|CF32   the native stream format reported (full scale 32768, 128, 1.0) [CS16]
//   file=PATH              stream this recording instead of the synthetic signal
//   file_format=cu8|cs8|cs16|cf32   its sample format [from the file name's extension; .raw/.bin/.iq: cs16]
//   loop=1|0               loop the recording [1]; 0: after its end readStream only times out (an unplugged device)
//   seed=N                 synthetic signal seed [1]
//   noise_dbfs=-40         synthetic noise power (complex, dB relative to full scale 1.0) [-40]
//   burst_dbfs=-20         tone burst power [-20]; burst_ms=1 duration; burst_period_ms=1000; burst_first_ms=500
//   buffer_ms=100          device buffer: a reader more than this far behind loses the backlog (overflow) [100]
//   transfer_samples=65536 samples arrive in transfers of this many (a USB transfer) [65536]
//   stats=PATH             JSON counters written there about once a second and when the stream stops
//   time=1|count|0         readStream's time stamp [1]: 1 = SOAPY_SDR_HAS_TIME with the first sample's position since
//                          activateStream (ns; lost samples advance it, as a receiver's sample counter does);
//                          count = HAS_TIME counting only the samples delivered (lost ones do not advance it, as drivers
//                          that stamp from their own read count); 0 = no time stamp (flags 0)
//
// Synthetic signal, as a function of the absolute sample index p since activateStream (independent of how the reader
// splits its reads, so equal for equal seeds):
//   noise(p) = T[start(p / 4096) + p % 4096], T = 2^18 complex Gaussian samples (Box–Muller over xorshift64*, seeded),
//   start(s) = splitmix64(seed·2^32 + s) mod (2^18 − 4096);
//   burst k ≥ 0 starts at sample round((burst_first_ms + k·burst_period_ms)·rate/1000), lasts round(burst_ms·rate/1000)
//   samples, and adds A·exp(i·2π·f_k·j/rate) for its j-th sample, A = 10^(burst_dbfs/20),
//   f_k = rate·0.8·(frac(0.5 + (k + seed)·0.6180339887498949) − 0.5) Hz from the centre.
// The table holds CS16 values round(x·32768); a burst sample is round((n/32768 + burst)·32768), clamped. CS8 streams
// get round(v/256) (clamped), CF32 streams v/32768 of those CS16 values v. Recordings are read as cu8 (u − 128)/128,
// cs8 x/128, cs16 x/32768 or cf32 x and written as CS16 round(x·32768), CS8 round(x·128) (clamped) or CF32 x; a
// recording in the stream format is copied byte for byte.
#include <SoapySDR/Device.hpp>
#include <SoapySDR/Errors.hpp>
#include <SoapySDR/Formats.hpp>
#include <SoapySDR/Modules.hpp>
#include <SoapySDR/Registry.hpp>
#include <SoapySDR/Version.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
constexpr double kMinRate = 100e3, kMaxRate = 61.44e6;
constexpr size_t kTableBits = 18, kTable = size_t{1} << kTableBits, kSegment = 4096;
constexpr double kGolden = 0.6180339887498949;

enum class Fmt { CU8, CS8, CS16, CF32 };

size_t BytesPerSample(Fmt f) { return f == Fmt::CU8 || f == Fmt::CS8 ? 2 : f == Fmt::CS16 ? 4 : 8; }

Fmt StreamFmt(const std::string& s) {
  if (s == SOAPY_SDR_CS16) return Fmt::CS16;
  if (s == SOAPY_SDR_CS8) return Fmt::CS8;
  if (s == SOAPY_SDR_CF32) return Fmt::CF32;
  throw std::runtime_error("quietband-fake: stream format \"" + s + "\" is not supported; use CS16, CS8 or CF32");
}

Fmt FileFmt(const std::string& name, const std::string& path) {
  std::string n = name;
  if (n.empty()) {
    const size_t dot = path.rfind('.');
    n = dot == std::string::npos ? "" : path.substr(dot + 1);
    if (n == "raw" || n == "bin" || n == "iq" || n.empty()) n = "cs16";
  }
  if (n == "cu8") return Fmt::CU8;
  if (n == "cs8") return Fmt::CS8;
  if (n == "cs16") return Fmt::CS16;
  if (n == "cf32") return Fmt::CF32;
  throw std::runtime_error("quietband-fake: file_format \"" + n + "\" of " + path + " is not one of cu8, cs8, cs16, cf32");
}

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

double ArgNum(const SoapySDR::Kwargs& a, const char* key, double def) {
  const auto it = a.find(key);
  if (it == a.end() || it->second.empty()) return def;
  char* end = nullptr;
  const double v = std::strtod(it->second.c_str(), &end);
  if (end == it->second.c_str() || *end != '\0' || !std::isfinite(v)) {
    throw std::runtime_error(std::string("quietband-fake: device arg ") + key + "=\"" + it->second + "\" is not a number");
  }
  return v;
}

std::string ArgStr(const SoapySDR::Kwargs& a, const char* key, const std::string& def) {
  const auto it = a.find(key);
  return it == a.end() ? def : it->second;
}

std::vector<std::string> Serials() {
  const char* env = std::getenv("QUIETBAND_FAKE_SOAPY_SERIALS");
  std::string s = env != nullptr && *env != '\0' ? env : "QBFAKE01";
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

int16_t ClampS16(float v) {
  const float r = std::nearbyint(v * 32768.0f);
  return static_cast<int16_t>(std::min(32767.0f, std::max(-32768.0f, r)));
}
int8_t ClampS8(float v) {
  const float r = std::nearbyint(v * 128.0f);
  return static_cast<int8_t>(std::min(127.0f, std::max(-128.0f, r)));
}

class FakeDevice : public SoapySDR::Device {
 public:
  explicit FakeDevice(const SoapySDR::Kwargs& args) : args_(args) {
    serial_ = ArgStr(args, "serial", Serials().front());
    native_ = StreamFmt(ArgStr(args, "native", SOAPY_SDR_CS16));
    seed_ = static_cast<uint64_t>(ArgNum(args, "seed", 1));
    noiseAmpl_ = static_cast<float>(std::pow(10.0, ArgNum(args, "noise_dbfs", -40) / 20.0));
    burstAmpl_ = static_cast<float>(std::pow(10.0, ArgNum(args, "burst_dbfs", -20) / 20.0));
    burstMs_ = ArgNum(args, "burst_ms", 1);
    burstPeriodMs_ = ArgNum(args, "burst_period_ms", 1000);
    burstFirstMs_ = ArgNum(args, "burst_first_ms", 500);
    bufferMs_ = ArgNum(args, "buffer_ms", 100);
    transfer_ = static_cast<uint64_t>(ArgNum(args, "transfer_samples", 65536));
    loop_ = ArgStr(args, "loop", "1") != "0";
    statsPath_ = ArgStr(args, "stats", "");
    timeMode_ = ArgStr(args, "time", "1");
    if (timeMode_ != "1" && timeMode_ != "count" && timeMode_ != "0") {
      throw std::runtime_error("quietband-fake: device arg time=\"" + timeMode_ + "\" is not one of 1, count, 0");
    }
    if (burstPeriodMs_ <= 0 || burstMs_ < 0 || bufferMs_ <= 0 || transfer_ == 0) {
      throw std::runtime_error("quietband-fake: burst_period_ms and buffer_ms must be > 0, burst_ms >= 0, transfer_samples >= 1");
    }
    const std::string file = ArgStr(args, "file", "");
    if (!file.empty()) {
      fileFmt_ = FileFmt(ArgStr(args, "file_format", ""), file);
      std::ifstream in(file, std::ios::binary);
      if (!in) throw std::runtime_error("quietband-fake: cannot read file " + file);
      file_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      fileSamples_ = file_.size() / BytesPerSample(fileFmt_);
      if (fileSamples_ == 0) throw std::runtime_error("quietband-fake: file " + file + " holds no complex sample");
    } else {
      BuildNoiseTable();
    }
  }

  // ---- identification ----
  std::string getDriverKey() const override { return "QuietBandFake"; }
  std::string getHardwareKey() const override { return "QuietBandFake"; }
  SoapySDR::Kwargs getHardwareInfo() const override {
    SoapySDR::Kwargs k;
    k["serial"] = serial_;
    k["origin"] = "test/fake-soapy";
    k["signal"] = file_.empty() ? "synthetic" : "file";
    return k;
  }
  size_t getNumChannels(const int dir) const override { return dir == SOAPY_SDR_RX ? 1 : 0; }

  // ---- stream formats ----
  std::vector<std::string> getStreamFormats(const int, const size_t) const override {
    return {SOAPY_SDR_CS16, SOAPY_SDR_CS8, SOAPY_SDR_CF32};
  }
  std::string getNativeStreamFormat(const int, const size_t, double& fullScale) const override {
    fullScale = native_ == Fmt::CS16 ? 32768 : native_ == Fmt::CS8 ? 128 : 1.0;
    return native_ == Fmt::CS16 ? SOAPY_SDR_CS16 : native_ == Fmt::CS8 ? SOAPY_SDR_CS8 : SOAPY_SDR_CF32;
  }

  // ---- frequency, rate, bandwidth, gain, antenna ----
  void setFrequency(const int, const size_t, const double f, const SoapySDR::Kwargs&) override {
    if (f < 1e6 || f > 6e9) throw std::runtime_error("quietband-fake: frequency out of 1 MHz–6 GHz");
    std::lock_guard<std::mutex> lock(mutex_);
    freqHz_ = f;
  }
  void setFrequency(const int d, const size_t c, const std::string&, const double f, const SoapySDR::Kwargs& a) override {
    setFrequency(d, c, f, a);
  }
  double getFrequency(const int, const size_t) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return freqHz_;
  }
  double getFrequency(const int d, const size_t c, const std::string&) const override { return getFrequency(d, c); }
  std::vector<std::string> listFrequencies(const int, const size_t) const override { return {"RF"}; }
  SoapySDR::RangeList getFrequencyRange(const int, const size_t) const override { return {SoapySDR::Range(1e6, 6e9)}; }
  SoapySDR::RangeList getFrequencyRange(const int, const size_t, const std::string&) const override {
    return {SoapySDR::Range(1e6, 6e9)};
  }
  bool hasFrequencyCorrection(const int, const size_t) const override { return true; }
  void setFrequencyCorrection(const int, const size_t, const double ppm) override { ppm_ = ppm; }
  double getFrequencyCorrection(const int, const size_t) const override { return ppm_; }

  void setSampleRate(const int, const size_t, const double rate) override {
    if (!(rate >= kMinRate && rate <= kMaxRate)) throw std::runtime_error("quietband-fake: rate out of 0.1–61.44 MS/s");
    std::lock_guard<std::mutex> lock(mutex_);
    // keep the stream's sample position continuous: re-anchor the clock at the current position
    if (active_) t0_ = Clock::now() - std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(pos_ / rate));
    rate_ = rate;
    if (!bwSet_) bw_ = rate;
  }
  double getSampleRate(const int, const size_t) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return rate_;
  }
  std::vector<double> listSampleRates(const int, const size_t) const override { return {}; }
  SoapySDR::RangeList getSampleRateRange(const int, const size_t) const override { return {SoapySDR::Range(kMinRate, kMaxRate)}; }
  void setBandwidth(const int, const size_t, const double bw) override {
    bw_ = bw;
    bwSet_ = true;
  }
  double getBandwidth(const int, const size_t) const override { return bw_; }
  SoapySDR::RangeList getBandwidthRange(const int, const size_t) const override { return {SoapySDR::Range(200e3, kMaxRate)}; }

  std::vector<std::string> listGains(const int, const size_t) const override { return {"LNA", "VGA", "AMP"}; }
  SoapySDR::Range getGainRange(const int, const size_t, const std::string& name) const override {
    if (name == "AMP") return SoapySDR::Range(0, 14, 14);
    if (name == "LNA") return SoapySDR::Range(0, 40, 8);
    if (name == "VGA") return SoapySDR::Range(0, 62, 2);
    throw std::runtime_error("quietband-fake: no gain element " + name + " (AMP, LNA, VGA)");
  }
  void setGain(const int dir, const size_t ch, const std::string& name, const double v) override {
    const SoapySDR::Range r = getGainRange(dir, ch, name);
    double q = std::min(r.maximum(), std::max(r.minimum(), v));
    if (r.step() > 0) q = r.minimum() + std::floor((q - r.minimum()) / r.step() + 0.5) * r.step();
    std::lock_guard<std::mutex> lock(mutex_);
    (name == "AMP" ? amp_ : name == "LNA" ? lna_ : vga_) = std::min(r.maximum(), q);
  }
  double getGain(const int dir, const size_t ch, const std::string& name) const override {
    getGainRange(dir, ch, name);
    std::lock_guard<std::mutex> lock(mutex_);
    return name == "AMP" ? amp_ : name == "LNA" ? lna_ : vga_;
  }
  std::vector<std::string> listAntennas(const int, const size_t) const override { return {"RX", "CAL"}; }
  void setAntenna(const int, const size_t, const std::string& name) override {
    if (name != "RX" && name != "CAL") throw std::runtime_error("quietband-fake: no antenna " + name + " (RX, CAL)");
    antenna_ = name;
  }
  std::string getAntenna(const int, const size_t) const override { return antenna_; }

  std::string readSetting(const std::string& key) const override {
    if (key == "overflows") return std::to_string(overflows_.load());
    if (key == "samples_lost") return std::to_string(lost_.load());
    if (key == "samples_read") return std::to_string(read_.load());
    return "";
  }

  // ---- streaming ----
  SoapySDR::Stream* setupStream(const int dir, const std::string& format, const std::vector<size_t>& channels,
                                const SoapySDR::Kwargs&) override {
    if (dir != SOAPY_SDR_RX) throw std::runtime_error("quietband-fake: receive only");
    if (channels.size() > 1 || (channels.size() == 1 && channels[0] != 0)) throw std::runtime_error("quietband-fake: one channel (0)");
    if (streamOpen_) throw std::runtime_error("quietband-fake: a stream is already open");
    fmt_ = StreamFmt(format);
    streamOpen_ = true;
    return reinterpret_cast<SoapySDR::Stream*>(this);
  }
  void closeStream(SoapySDR::Stream*) override {
    deactivateStream(nullptr, 0, 0);
    streamOpen_ = false;
  }
  size_t getStreamMTU(SoapySDR::Stream*) const override { return transfer_; }
  int activateStream(SoapySDR::Stream*, const int, const long long, const size_t) override {
    std::lock_guard<std::mutex> lock(mutex_);
    pos_ = 0;
    nextBurst_ = 0;
    overflows_ = 0;
    lost_ = 0;
    read_ = 0;
    t0_ = Clock::now();
    lastStats_ = t0_;
    active_ = true;
    return 0;
  }
  int deactivateStream(SoapySDR::Stream*, const int, const long long) override {
    bool was;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      was = active_;
      active_ = false;
    }
    if (was) WriteStats();
    return 0;
  }

  int readStream(SoapySDR::Stream*, void* const* buffs, const size_t numElems, int& flags, long long& timeNs,
                 const long timeoutUs) override {
    flags = 0;
    double rate;
    Clock::time_point t0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!active_) return SOAPY_SDR_STREAM_ERROR;
      rate = rate_;
      t0 = t0_;
    }
    const auto now = Clock::now();
    if (now - lastStats_ >= std::chrono::seconds(1)) {
      lastStats_ = now;
      WriteStats();
    }
    // samples the device has received by `now`, in whole transfers
    auto arrived = [&](Clock::time_point t) -> uint64_t {
      const double s = std::chrono::duration<double>(t - t0).count() * rate;
      return s <= 0 ? 0 : static_cast<uint64_t>(s) / transfer_ * transfer_;
    };
    uint64_t avail = arrived(now);
    const uint64_t bufferSamples = std::max<uint64_t>(transfer_, static_cast<uint64_t>(bufferMs_ / 1000.0 * rate));
    if (avail > pos_ + bufferSamples) {
      // the reader fell behind by more than the device buffer: what was buffered is lost, reading resumes with the
      // newest transfer
      const uint64_t resume = avail - transfer_;
      lost_ += resume - pos_;
      pos_ = resume;
      overflows_++;
      Stamp(flags, timeNs, rate);
      return SOAPY_SDR_OVERFLOW;
    }
    if (!file_.empty() && !loop_ && pos_ >= fileSamples_) {
      std::this_thread::sleep_for(std::chrono::microseconds(timeoutUs));
      return SOAPY_SDR_TIMEOUT;
    }
    if (avail <= pos_) {
      // wait for the next transfer, at most timeoutUs
      const uint64_t need = (pos_ / transfer_ + 1) * transfer_;
      const auto due = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(static_cast<double>(need) / rate));
      const auto limit = now + std::chrono::microseconds(timeoutUs);
      if (due > limit) {
        std::this_thread::sleep_until(limit);
        return SOAPY_SDR_TIMEOUT;
      }
      std::this_thread::sleep_until(due);
      avail = std::max(arrived(Clock::now()), need);
    }
    size_t n = static_cast<size_t>(std::min<uint64_t>(numElems, avail - pos_));
    if (!file_.empty() && !loop_) n = static_cast<size_t>(std::min<uint64_t>(n, fileSamples_ - pos_));
    Stamp(flags, timeNs, rate);
    Produce(static_cast<uint8_t*>(buffs[0]), pos_, n, rate);
    pos_ += n;
    read_ += n;
    return static_cast<int>(n);
  }

 private:
  /** The time stamp of a read starting at pos_ (see the time= device arg). */
  void Stamp(int& flags, long long& timeNs, double rate) const {
    if (timeMode_ == "0") return;
    flags = SOAPY_SDR_HAS_TIME;
    const uint64_t at = timeMode_ == "count" ? read_.load() : pos_;
    timeNs = static_cast<long long>(std::llround(static_cast<double>(at) / rate * 1e9));
  }

  void BuildNoiseTable() {
    noise_.resize(2 * kTable);
    uint64_t x = SplitMix64(seed_) | 1;
    auto next = [&x]() {
      x ^= x >> 12;
      x ^= x << 25;
      x ^= x >> 27;
      return x * 0x2545F4914F6CDD1DULL;
    };
    const double sigma = noiseAmpl_ / std::sqrt(2.0);  // per component, so that E|n|^2 = noiseAmpl^2
    for (size_t i = 0; i < kTable; i++) {
      const double u1 = (static_cast<double>(next() >> 11) + 1.0) / 9007199254740993.0;
      const double u2 = static_cast<double>(next() >> 11) / 9007199254740992.0;
      const double r = sigma * std::sqrt(-2.0 * std::log(u1));
      noise_[2 * i] = ClampS16(static_cast<float>(r * std::cos(2 * M_PI * u2)));
      noise_[2 * i + 1] = ClampS16(static_cast<float>(r * std::sin(2 * M_PI * u2)));
    }
  }

  /**
   * n samples from absolute position p into out, in the stream format: the noise table's segments (CS16, copied as
   * they are when the stream is CS16), the bursts added with clamping, then CS8 (value / 256, rounded) or CF32 (/ 32768).
   */
  void Produce(uint8_t* out, uint64_t p, size_t n, double rate) {
    if (!file_.empty()) {
      ProduceFile(out, p, n);
      return;
    }
    int16_t* w = reinterpret_cast<int16_t*>(out);
    if (fmt_ != Fmt::CS16) {
      work_.resize(2 * n);
      w = work_.data();
    }
    for (size_t i = 0; i < n;) {
      const uint64_t s = (p + i) / kSegment, o = (p + i) % kSegment;
      const size_t take = static_cast<size_t>(std::min<uint64_t>(n - i, kSegment - o));
      const uint64_t start = SplitMix64((seed_ << 32) + s) % (kTable - kSegment);
      std::memcpy(&w[2 * i], &noise_[2 * (start + o)], take * 2 * sizeof(int16_t));
      i += take;
    }
    AddBursts(w, p, n, rate);
    if (fmt_ == Fmt::CF32) {
      float* o = reinterpret_cast<float*>(out);
      for (size_t i = 0; i < 2 * n; i++) o[i] = static_cast<float>(w[i]) / 32768.0f;
    } else if (fmt_ == Fmt::CS8) {
      int8_t* o = reinterpret_cast<int8_t*>(out);
      for (size_t i = 0; i < 2 * n; i++) o[i] = ClampS8(static_cast<float>(w[i]) / 32768.0f);
    }
  }

  /** Adds the bursts overlapping [p, p + n) to w (CS16, clamped). */
  void AddBursts(int16_t* w, uint64_t p, size_t n, double rate) {
    const uint64_t len = static_cast<uint64_t>(std::llround(burstMs_ * rate / 1000.0));
    if (len == 0 || burstAmpl_ == 0) return;
    for (uint64_t k = p == 0 ? 0 : nextBurst_;; k++) {
      const uint64_t b0 = static_cast<uint64_t>(std::llround((burstFirstMs_ + static_cast<double>(k) * burstPeriodMs_) * rate / 1000.0));
      if (b0 >= p + n) break;
      if (b0 + len <= p) {
        nextBurst_ = k + 1;
        continue;
      }
      double fr = 0.5 + static_cast<double>(k + seed_) * kGolden;
      fr -= std::floor(fr);
      const double dphi = 2 * M_PI * 0.8 * (fr - 0.5);  // radians per sample: f_k / rate
      const uint64_t from = std::max(b0, p), to = std::min(b0 + len, p + n);
      for (uint64_t q = from; q < to; q++) {
        const double ph = dphi * static_cast<double>(q - b0);
        int16_t* x = &w[2 * (q - p)];
        x[0] = ClampS16(static_cast<float>(x[0]) / 32768.0f + static_cast<float>(burstAmpl_ * std::cos(ph)));
        x[1] = ClampS16(static_cast<float>(x[1]) / 32768.0f + static_cast<float>(burstAmpl_ * std::sin(ph)));
      }
    }
  }

  void ProduceFile(uint8_t* out, uint64_t p, size_t n) {
    const size_t inBps = BytesPerSample(fileFmt_), outBps = BytesPerSample(fmt_);
    for (size_t i = 0; i < n;) {
      const uint64_t at = (p + i) % fileSamples_;
      const size_t take = static_cast<size_t>(std::min<uint64_t>(n - i, fileSamples_ - at));
      const uint8_t* src = file_.data() + at * inBps;
      uint8_t* dst = out + i * outBps;
      if (fileFmt_ == fmt_) {
        std::memcpy(dst, src, take * inBps);
      } else {
        for (size_t j = 0; j < 2 * take; j++) {
          float x;
          switch (fileFmt_) {
            case Fmt::CU8: x = (static_cast<float>(src[j]) - 128.0f) / 128.0f; break;
            case Fmt::CS8: x = static_cast<float>(reinterpret_cast<const int8_t*>(src)[j]) / 128.0f; break;
            case Fmt::CS16: {
              int16_t v;
              std::memcpy(&v, src + 2 * j, 2);
              x = static_cast<float>(v) / 32768.0f;
              break;
            }
            default: std::memcpy(&x, src + 4 * j, 4);
          }
          if (fmt_ == Fmt::CS16) {
            const int16_t v = ClampS16(x);
            std::memcpy(dst + 2 * j, &v, 2);
          } else if (fmt_ == Fmt::CS8) {
            reinterpret_cast<int8_t*>(dst)[j] = ClampS8(x);
          } else {
            std::memcpy(dst + 4 * j, &x, 4);
          }
        }
      }
      i += take;
    }
  }

  void WriteStats() const {
    if (statsPath_.empty()) return;
    const std::string tmp = statsPath_ + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "w");
    if (f == nullptr) return;
    std::fprintf(f, "{\"serial\":\"%s\",\"rateSps\":%.17g,\"samplesRead\":%llu,\"samplesLost\":%llu,\"overflows\":%llu}\n",
                 serial_.c_str(), rate_, static_cast<unsigned long long>(read_.load()), static_cast<unsigned long long>(lost_.load()),
                 static_cast<unsigned long long>(overflows_.load()));
    std::fclose(f);
    std::rename(tmp.c_str(), statsPath_.c_str());
  }

  SoapySDR::Kwargs args_;
  std::string serial_, statsPath_, antenna_ = "RX", timeMode_ = "1";
  Fmt native_ = Fmt::CS16, fmt_ = Fmt::CS16, fileFmt_ = Fmt::CS16;
  uint64_t seed_ = 1, transfer_ = 65536;
  float noiseAmpl_ = 0, burstAmpl_ = 0;
  double burstMs_ = 1, burstPeriodMs_ = 1000, burstFirstMs_ = 500, bufferMs_ = 100;
  bool loop_ = true;
  std::vector<uint8_t> file_;
  uint64_t fileSamples_ = 0;
  std::vector<int16_t> noise_, work_;

  mutable std::mutex mutex_;
  double rate_ = 2.4e6, bw_ = 2.4e6, freqHz_ = 100e6, ppm_ = 0, amp_ = 0, lna_ = 0, vga_ = 0;
  bool bwSet_ = false, active_ = false, streamOpen_ = false;
  Clock::time_point t0_, lastStats_;
  uint64_t pos_ = 0, nextBurst_ = 0;
  std::atomic<uint64_t> overflows_{0}, lost_{0}, read_{0};
};

SoapySDR::KwargsList FindFake(const SoapySDR::Kwargs& args) {
  SoapySDR::KwargsList out;
  const auto want = args.find("serial");
  for (const auto& s : Serials()) {
    if (want != args.end() && want->second != s) continue;
    SoapySDR::Kwargs k;
    k["label"] = "QuietBand fake SDR :: " + s;
    k["serial"] = s;
    out.push_back(k);
  }
  return out;
}

SoapySDR::Device* MakeFake(const SoapySDR::Kwargs& args) { return new FakeDevice(args); }

const SoapySDR::ModuleVersion kVersion("0.1.0");
const SoapySDR::Registry kRegister("quietband-fake", &FindFake, &MakeFake, SOAPY_SDR_ABI_VERSION);

}  // namespace
