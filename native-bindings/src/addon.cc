// Module entry of quietband_rtlsdr: listDevices(), class RtlSdrDevice, and what librtlsdr was loaded.
#include <dlfcn.h>

#include "common.h"

namespace qb {

namespace {

struct DeviceEntry {
  uint32_t index;
  std::string name, manufacturer, product, serial;
  int stringsRc;
};

/** Enumerates dongles (rtlsdr_get_device_count / _name / _usb_strings) off the JS thread. */
class ListDevicesWorker : public Napi::AsyncWorker {
 public:
  explicit ListDevicesWorker(Napi::Env env)
      : Napi::AsyncWorker(env, "quietband_rtlsdr:listDevices"), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    const uint32_t n = rtlsdr_get_device_count();
    for (uint32_t i = 0; i < n; i++) {
      char m[256] = {0}, p[256] = {0}, s[256] = {0};
      DeviceEntry e;
      e.index = i;
      const char* name = rtlsdr_get_device_name(i);
      e.name = name ? name : "";
      e.stringsRc = rtlsdr_get_device_usb_strings(i, m, p, s);
      e.manufacturer = m;
      e.product = p;
      e.serial = s;
      entries_.push_back(std::move(e));
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    Napi::Array a = Napi::Array::New(env, entries_.size());
    for (size_t i = 0; i < entries_.size(); i++) {
      const DeviceEntry& e = entries_[i];
      Napi::Object o = Napi::Object::New(env);
      o.Set("index", Napi::Number::New(env, e.index));
      o.Set("name", Napi::String::New(env, e.name));
      o.Set("manufacturer", Napi::String::New(env, e.manufacturer));
      o.Set("product", Napi::String::New(env, e.product));
      o.Set("serial", Napi::String::New(env, e.serial));
      // non-zero: the USB strings could not be read (typically no permission on the device node)
      o.Set("usbStringsRc", Napi::Number::New(env, e.stringsRc));
      a.Set(static_cast<uint32_t>(i), o);
    }
    deferred_.Resolve(a);
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::vector<DeviceEntry> entries_;
};

Napi::Value ListDevices(const Napi::CallbackInfo& info) {
  auto* w = new ListDevicesWorker(info.Env());
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("listDevices", Napi::Function::New<ListDevices>(env, "listDevices"));
  exports.Set("RtlSdrDevice", RtlDevice::Define(env));
  exports.Set("biasTeeSupported", Napi::Boolean::New(env, rtlsdr_set_bias_tee != nullptr));
  // Which librtlsdr.so the dynamic linker bound (Debian's, a custom build, or the test fake).
  Dl_info dl;
  if (dladdr(reinterpret_cast<void*>(&rtlsdr_get_device_count), &dl) != 0 && dl.dli_fname != nullptr) {
    exports.Set("librtlsdrPath", Napi::String::New(env, dl.dli_fname));
  }
  return exports;
}

}  // namespace

}  // namespace qb

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return qb::Init(env, exports); }

NODE_API_MODULE(quietband_rtlsdr, InitModule)
