// RtlSdrDevice: open/close and the one-shot librtlsdr calls as AsyncWorkers that keep only the C return code.
#include "common.h"

#include <cmath>
#include <cstring>

namespace qb {

namespace {

Napi::Promise Resolved(Napi::Env env, Napi::Value v) {
  auto d = Napi::Promise::Deferred::New(env);
  d.Resolve(v);
  return d.Promise();
}

/** Base for device workers: holds the JS object alive, counts as pending, settles a promise. */
class DeviceWorker : public Napi::AsyncWorker {
 public:
  DeviceWorker(RtlDevice* d, Napi::Object self, const char* resource)
      : Napi::AsyncWorker(self.Env(), resource), device_(d), deferred_(Napi::Promise::Deferred::New(self.Env())) {
    self_ = Napi::Persistent(self);
    device_->pending_++;
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  virtual void Settle(Napi::Env env) = 0;
  void OnOK() override {
    device_->pending_--;
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    Settle(env);
  }
  void OnError(const Napi::Error& e) override {
    device_->pending_--;
    deferred_.Reject(e.Value());
  }
  RtlDevice* device_;
  Napi::ObjectReference self_;
  Napi::Promise::Deferred deferred_;
};

/** A control call: fn(dev, out) -> librtlsdr return code, run under the device's control mutex. */
class CallWorker : public DeviceWorker {
 public:
  CallWorker(RtlDevice* d, Napi::Object self, const char* call, std::function<int(rtlsdr_dev_t*, int64_t&)> fn,
             bool returnsValue)
      : DeviceWorker(d, self, call), call_(call), fn_(std::move(fn)), returnsValue_(returnsValue), dev_(d->dev_) {}

 protected:
  void Execute() override {
    std::lock_guard<std::mutex> lock(device_->ctrl_);
    rc_ = fn_(dev_, out_);
  }
  void Settle(Napi::Env env) override {
    if (rc_ < 0) {
      deferred_.Reject(MakeRtlError(env, call_, rc_).Value());
    } else {
      deferred_.Resolve(returnsValue_ ? Napi::Number::New(env, static_cast<double>(out_)) : env.Undefined());
    }
  }

 private:
  const char* call_;
  std::function<int(rtlsdr_dev_t*, int64_t&)> fn_;
  bool returnsValue_;
  rtlsdr_dev_t* dev_;
  int rc_ = 0;
  int64_t out_ = 0;
};

/** rtlsdr_open by serial (rtlsdr_get_index_by_serial first) or by index, then reads identity and tuner. */
class OpenWorker : public DeviceWorker {
 public:
  OpenWorker(RtlDevice* d, Napi::Object self, std::string serial, int32_t index)
      : DeviceWorker(d, self, "quietband_rtlsdr:open"), serial_(std::move(serial)), index_(index) {
    d->opening_ = true;
  }

 protected:
  void Execute() override {
    // Indexes can shift when dongles are replugged between the serial lookup and the open: verify and retry once.
    for (int attempt = 0; attempt < 2; attempt++) {
      int index = index_;
      if (!serial_.empty()) {
        index = rtlsdr_get_index_by_serial(serial_.c_str());
        if (index < 0) {
          call_ = "rtlsdr_get_index_by_serial";
          rc_ = index;
          return;
        }
      }
      call_ = "rtlsdr_open";
      rc_ = rtlsdr_open(&dev_, static_cast<uint32_t>(index));
      if (rc_ < 0) {
        dev_ = nullptr;
        return;
      }
      char m[256] = {0}, p[256] = {0}, s[256] = {0};
      rtlsdr_get_usb_strings(dev_, m, p, s);
      if (!serial_.empty() && serial_ != s) {
        rtlsdr_close(dev_);
        dev_ = nullptr;
        call_ = "rtlsdr_get_index_by_serial";
        rc_ = -3;  // librtlsdr's "no device with that serial"
        continue;
      }
      index_ = index;
      manufacturer_ = m;
      product_ = p;
      serialRead_ = s;
      const char* name = rtlsdr_get_device_name(static_cast<uint32_t>(index));
      name_ = name ? name : "";
      tuner_ = static_cast<int>(rtlsdr_get_tuner_type(dev_));
      const int n = rtlsdr_get_tuner_gains(dev_, nullptr);
      if (n > 0) {
        gains_.resize(static_cast<size_t>(n));
        rtlsdr_get_tuner_gains(dev_, gains_.data());
      }
      rc_ = 0;
      return;
    }
  }
  void Settle(Napi::Env env) override {
    device_->opening_ = false;
    if (rc_ < 0) {
      deferred_.Reject(MakeRtlError(env, call_, rc_).Value());
      return;
    }
    device_->dev_ = dev_;
    Napi::Object o = Napi::Object::New(env);
    o.Set("index", Napi::Number::New(env, index_));
    o.Set("name", Napi::String::New(env, name_));
    o.Set("manufacturer", Napi::String::New(env, manufacturer_));
    o.Set("product", Napi::String::New(env, product_));
    o.Set("serial", Napi::String::New(env, serialRead_));
    o.Set("tunerType", Napi::Number::New(env, tuner_));
    Napi::Array g = Napi::Array::New(env, gains_.size());
    for (size_t i = 0; i < gains_.size(); i++) g.Set(static_cast<uint32_t>(i), Napi::Number::New(env, gains_[i]));
    o.Set("gainsTenthDb", g);
    deferred_.Resolve(o);
  }
  void OnError(const Napi::Error& e) override {
    device_->opening_ = false;
    DeviceWorker::OnError(e);
  }

 private:
  std::string serial_;
  int32_t index_;
  const char* call_ = "rtlsdr_open";
  int rc_ = 0;
  rtlsdr_dev_t* dev_ = nullptr;
  std::string name_, manufacturer_, product_, serialRead_;
  int tuner_ = 0;
  std::vector<int> gains_;
};

class CloseWorker : public DeviceWorker {
 public:
  CloseWorker(RtlDevice* d, Napi::Object self, rtlsdr_dev_t* dev)
      : DeviceWorker(d, self, "quietband_rtlsdr:close"), dev_(dev) {}

 protected:
  void Execute() override {
    std::lock_guard<std::mutex> lock(device_->ctrl_);
    rc_ = rtlsdr_close(dev_);
  }
  void Settle(Napi::Env env) override {
    device_->closing_ = false;
    if (rc_ < 0) deferred_.Reject(MakeRtlError(env, "rtlsdr_close", rc_).Value());
    else deferred_.Resolve(env.Undefined());
  }
  void OnError(const Napi::Error& e) override {
    device_->closing_ = false;
    DeviceWorker::OnError(e);
  }

 private:
  rtlsdr_dev_t* dev_;
  int rc_ = 0;
};

bool ArgInt(const Napi::CallbackInfo& info, double lo, double hi, const char* what, int64_t& out) {
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(info.Env(), std::string(what) + " must be a number").ThrowAsJavaScriptException();
    return false;
  }
  const double d = info[0].As<Napi::Number>().DoubleValue();
  if (!(d >= lo && d <= hi) || std::floor(d) != d) {
    Napi::RangeError::New(info.Env(), std::string(what) + " must be an integer in [" + std::to_string(static_cast<int64_t>(lo)) +
                                          ", " + std::to_string(static_cast<int64_t>(hi)) + "]")
        .ThrowAsJavaScriptException();
    return false;
  }
  out = static_cast<int64_t>(d);
  return true;
}

bool ArgBool(const Napi::CallbackInfo& info, const char* what, bool& out) {
  if (info.Length() < 1 || !info[0].IsBoolean()) {
    Napi::TypeError::New(info.Env(), std::string(what) + " must be a boolean").ThrowAsJavaScriptException();
    return false;
  }
  out = info[0].As<Napi::Boolean>().Value();
  return true;
}

}  // namespace

Napi::Error MakeRtlError(Napi::Env env, const char* call, int rc, const std::string& detail) {
  std::string msg = std::string(call) + " failed with " + std::to_string(rc);
  if (!detail.empty()) msg += ": " + detail;
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, "ERR_LIBRTLSDR"));
  e.Set("errno", Napi::Number::New(env, rc));
  e.Set("call", Napi::String::New(env, call));
  return e;
}

Napi::Error MakeUsageError(Napi::Env env, const char* code, const std::string& message) {
  return qbshared::MakeCodedError(env, code, message);
}

Napi::Function RtlDevice::Define(Napi::Env env) {
  return DefineClass(env, "RtlSdrDevice",
                     {
                         InstanceMethod<&RtlDevice::Open>("open"),
                         InstanceMethod<&RtlDevice::Close>("close"),
                         InstanceMethod<&RtlDevice::SetSampleRate>("setSampleRate"),
                         InstanceMethod<&RtlDevice::SetCenterFreq>("setCenterFreq"),
                         InstanceMethod<&RtlDevice::SetTunerGainMode>("setTunerGainMode"),
                         InstanceMethod<&RtlDevice::SetTunerGain>("setTunerGain"),
                         InstanceMethod<&RtlDevice::SetFreqCorrection>("setFreqCorrection"),
                         InstanceMethod<&RtlDevice::SetAgcMode>("setAgcMode"),
                         InstanceMethod<&RtlDevice::SetBiasTee>("setBiasTee"),
                         InstanceMethod<&RtlDevice::SetDirectSampling>("setDirectSampling"),
                         InstanceMethod<&RtlDevice::SetOffsetTuning>("setOffsetTuning"),
                         InstanceMethod<&RtlDevice::GetTunerGains>("getTunerGains"),
                         InstanceMethod<&RtlDevice::GetTunerType>("getTunerType"),
                         InstanceMethod<&RtlDevice::Start>("start"),
                         InstanceMethod<&RtlDevice::ReleaseSlot>("releaseSlot"),
                         InstanceMethod<&RtlDevice::Stop>("stop"),
                         InstanceMethod<&RtlDevice::GetStats>("stats"),
                         InstanceMethod<&RtlDevice::JsRef>("ref"),
                         InstanceMethod<&RtlDevice::JsUnref>("unref"),
                         InstanceAccessor<&RtlDevice::IsOpen>("isOpen"),
                         InstanceAccessor<&RtlDevice::IsStreaming>("isStreaming"),
                     });
}

RtlDevice::RtlDevice(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RtlDevice>(info) {
  env_ = info.Env();
  hookRegistered_ = napi_add_env_cleanup_hook(env_, EnvCleanup, this) == napi_ok;
}

RtlDevice::~RtlDevice() {
  if (hookRegistered_) napi_remove_env_cleanup_hook(env_, EnvCleanup, this);
  Teardown();
}

void RtlDevice::EnvCleanup(void* arg) {
  auto* self = static_cast<RtlDevice*>(arg);
  self->hookRegistered_ = false;
  self->Teardown();
}

// Env teardown or garbage collection: stop the read thread and close the handle so librtlsdr is left clean.
void RtlDevice::Teardown() {
  if (stream_) {
    stream_->WaitDone(5000);
    if (stream_->thread.joinable()) stream_->thread.join();
  }
  if (dev_ != nullptr && pending_ == 0) {
    rtlsdr_close(dev_);
    dev_ = nullptr;
  }
}

bool RtlDevice::CheckOpen(Napi::Env env) {
  if (dev_ == nullptr || closing_) {
    MakeUsageError(env, "ERR_NOT_OPEN", "the RTL-SDR device is not open").ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

Napi::Value RtlDevice::QueueCall(const Napi::CallbackInfo& info, const char* call,
                                 std::function<int(rtlsdr_dev_t*, int64_t&)> fn, bool returnsValue) {
  auto* w = new CallWorker(this, info.This().As<Napi::Object>(), call, std::move(fn), returnsValue);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

// open({ serial } | { index }) -> Promise<{ index, name, manufacturer, product, serial, tunerType, gainsTenthDb }>
Napi::Value RtlDevice::Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (dev_ != nullptr || opening_ || closing_) {
    MakeUsageError(env, "ERR_ALREADY_OPEN", "open() refused: this device object is already open or busy").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (info.Length() < 1 || !info[0].IsObject()) {
    Napi::TypeError::New(env, "open(target): expected { serial: string } or { index: number }").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Object target = info[0].As<Napi::Object>();
  std::string serial;
  int32_t index = 0;
  Napi::Value s = target.Get("serial");
  Napi::Value i = target.Get("index");
  if (s.IsString()) {
    serial = s.As<Napi::String>().Utf8Value();
    if (serial.empty() || serial.size() > 255) {
      Napi::RangeError::New(env, "serial must be 1..255 characters").ThrowAsJavaScriptException();
      return env.Undefined();
    }
  } else if (i.IsNumber()) {
    const double d = i.As<Napi::Number>().DoubleValue();
    if (!(d >= 0 && d <= 255) || std::floor(d) != d) {
      Napi::RangeError::New(env, "index must be an integer in [0, 255]").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    index = static_cast<int32_t>(d);
  } else {
    Napi::TypeError::New(env, "open(target): expected { serial: string } or { index: number }").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto* w = new OpenWorker(this, info.This().As<Napi::Object>(), serial, index);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

// close() -> Promise<void>; idempotent; refused while streaming or while a request is pending.
Napi::Value RtlDevice::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (dev_ == nullptr || closing_) return Resolved(env, env.Undefined());
  if (stream_) {
    MakeUsageError(env, "ERR_STREAMING", "close() refused while streaming: call stop() first").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (pending_ > 0) {
    MakeUsageError(env, "ERR_PENDING", "close() refused: a request to the device is still pending").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  rtlsdr_dev_t* dev = dev_;
  dev_ = nullptr;
  closing_ = true;
  auto* w = new CloseWorker(this, info.This().As<Napi::Object>(), dev);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

// setSampleRate(rateSps) -> Promise<number>: the rate librtlsdr actually set (rtlsdr_get_sample_rate, S/s).
Napi::Value RtlDevice::SetSampleRate(const Napi::CallbackInfo& info) {
  int64_t rate;
  if (!CheckOpen(info.Env()) || !ArgInt(info, 1, 4294967295.0, "rateSps", rate)) return info.Env().Undefined();
  return QueueCall(info, "rtlsdr_set_sample_rate", [rate](rtlsdr_dev_t* d, int64_t& out) {
    const int rc = rtlsdr_set_sample_rate(d, static_cast<uint32_t>(rate));
    out = rtlsdr_get_sample_rate(d);
    return rc;
  }, true);
}

// setCenterFreq(hz) -> Promise<number>: the read-back centre frequency (rtlsdr_get_center_freq, Hz).
Napi::Value RtlDevice::SetCenterFreq(const Napi::CallbackInfo& info) {
  int64_t hz;
  if (!CheckOpen(info.Env()) || !ArgInt(info, 1, 4294967295.0, "centerHz", hz)) return info.Env().Undefined();
  return QueueCall(info, "rtlsdr_set_center_freq", [hz](rtlsdr_dev_t* d, int64_t& out) {
    const int rc = rtlsdr_set_center_freq(d, static_cast<uint32_t>(hz));
    out = rtlsdr_get_center_freq(d);
    return rc;
  }, true);
}

// setTunerGainMode(manual: boolean) -> Promise<void>; false = tuner AGC ("auto gain").
Napi::Value RtlDevice::SetTunerGainMode(const Napi::CallbackInfo& info) {
  bool manual;
  if (!CheckOpen(info.Env()) || !ArgBool(info, "manual", manual)) return info.Env().Undefined();
  return QueueCall(info, "rtlsdr_set_tuner_gain_mode", [manual](rtlsdr_dev_t* d, int64_t&) {
    return rtlsdr_set_tuner_gain_mode(d, manual ? 1 : 0);
  }, false);
}

// setTunerGain(tenthDb) -> Promise<number>: rtlsdr_get_tuner_gain read-back (tenths of a dB).
Napi::Value RtlDevice::SetTunerGain(const Napi::CallbackInfo& info) {
  int64_t g;
  if (!CheckOpen(info.Env()) || !ArgInt(info, -1000, 1000, "gainTenthDb", g)) return info.Env().Undefined();
  return QueueCall(info, "rtlsdr_set_tuner_gain", [g](rtlsdr_dev_t* d, int64_t& out) {
    const int rc = rtlsdr_set_tuner_gain(d, static_cast<int>(g));
    out = rtlsdr_get_tuner_gain(d);
    return rc;
  }, true);
}

// setFreqCorrection(ppm) -> Promise<void>; librtlsdr's -2 ("already this value") counts as success.
Napi::Value RtlDevice::SetFreqCorrection(const Napi::CallbackInfo& info) {
  int64_t ppm;
  if (!CheckOpen(info.Env()) || !ArgInt(info, -1000, 1000, "ppm", ppm)) return info.Env().Undefined();
  return QueueCall(info, "rtlsdr_set_freq_correction", [ppm](rtlsdr_dev_t* d, int64_t&) {
    const int rc = rtlsdr_set_freq_correction(d, static_cast<int>(ppm));
    return rc == -2 ? 0 : rc;
  }, false);
}

// setAgcMode(on) -> Promise<void>: the RTL2832's digital AGC (not the tuner gain mode).
Napi::Value RtlDevice::SetAgcMode(const Napi::CallbackInfo& info) {
  bool on;
  if (!CheckOpen(info.Env()) || !ArgBool(info, "on", on)) return info.Env().Undefined();
  return QueueCall(info, "rtlsdr_set_agc_mode", [on](rtlsdr_dev_t* d, int64_t&) {
    return rtlsdr_set_agc_mode(d, on ? 1 : 0);
  }, false);
}

// setBiasTee(on) -> Promise<void>; rejects with code ERR_UNSUPPORTED when librtlsdr lacks rtlsdr_set_bias_tee.
Napi::Value RtlDevice::SetBiasTee(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool on;
  if (!CheckOpen(env) || !ArgBool(info, "on", on)) return env.Undefined();
  if (rtlsdr_set_bias_tee == nullptr) {
    auto d = Napi::Promise::Deferred::New(env);
    d.Reject(MakeUsageError(env, "ERR_UNSUPPORTED", "this librtlsdr has no rtlsdr_set_bias_tee (added in 0.6)").Value());
    return d.Promise();
  }
  return QueueCall(info, "rtlsdr_set_bias_tee", [on](rtlsdr_dev_t* d, int64_t&) {
    return rtlsdr_set_bias_tee(d, on ? 1 : 0);
  }, false);
}

// setDirectSampling(mode: 0 off | 1 I-ADC | 2 Q-ADC) -> Promise<void>
Napi::Value RtlDevice::SetDirectSampling(const Napi::CallbackInfo& info) {
  int64_t mode;
  if (!CheckOpen(info.Env()) || !ArgInt(info, 0, 2, "mode", mode)) return info.Env().Undefined();
  return QueueCall(info, "rtlsdr_set_direct_sampling", [mode](rtlsdr_dev_t* d, int64_t&) {
    return rtlsdr_set_direct_sampling(d, static_cast<int>(mode));
  }, false);
}

// setOffsetTuning(on) -> Promise<void>; librtlsdr returns -2 on R820T/R828D (not supported).
Napi::Value RtlDevice::SetOffsetTuning(const Napi::CallbackInfo& info) {
  bool on;
  if (!CheckOpen(info.Env()) || !ArgBool(info, "on", on)) return info.Env().Undefined();
  return QueueCall(info, "rtlsdr_set_offset_tuning", [on](rtlsdr_dev_t* d, int64_t&) {
    return rtlsdr_set_offset_tuning(d, on ? 1 : 0);
  }, false);
}

// getTunerGains() -> number[] (tenths of a dB, librtlsdr's table for this tuner; no USB I/O)
Napi::Value RtlDevice::GetTunerGains(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  const int n = rtlsdr_get_tuner_gains(dev_, nullptr);
  std::vector<int> gains(n > 0 ? static_cast<size_t>(n) : 0);
  if (n > 0) rtlsdr_get_tuner_gains(dev_, gains.data());
  Napi::Array a = Napi::Array::New(env, gains.size());
  for (size_t i = 0; i < gains.size(); i++) a.Set(static_cast<uint32_t>(i), Napi::Number::New(env, gains[i]));
  return a;
}

// getTunerType() -> number (enum rtlsdr_tuner: 0 unknown, 1 E4000, 2 FC0012, 3 FC0013, 4 FC2580, 5 R820T, 6 R828D)
Napi::Value RtlDevice::GetTunerType(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  return Napi::Number::New(env, static_cast<int>(rtlsdr_get_tuner_type(dev_)));
}

Napi::Value RtlDevice::IsOpen(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), dev_ != nullptr && !closing_);
}

Napi::Value RtlDevice::IsStreaming(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), static_cast<bool>(stream_));
}

}  // namespace qb
