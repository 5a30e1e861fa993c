// Shared declarations of the quietband_rtlsdr addon: librtlsdr import, error helpers, the device object, the stream session.
#pragma once

#include <napi.h>
#include <rtl-sdr.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "block-stream.h"

extern "C" {
// Imported weakly (as rtl_433 does) so the addon still loads against a librtlsdr built without bias-tee support;
// the address is then null and setBiasTee() reports it as unsupported. librtlsdr 0.6 (Debian 0.6.0-4) has it.
int rtlsdr_set_bias_tee(rtlsdr_dev_t* dev, int on) __attribute__((weak));
}

namespace qb {

/** Error for a failed librtlsdr call: message "<call> failed with <rc>[: detail]", .code 'ERR_LIBRTLSDR', .errno rc, .call. */
Napi::Error MakeRtlError(Napi::Env env, const char* call, int rc, const std::string& detail = "");
/** Error for a refused request (wrong state, bad argument): .code as given (ERR_NOT_OPEN, ERR_STREAMING, ...). */
Napi::Error MakeUsageError(Napi::Env env, const char* code, const std::string& message);

/** Counters of one stream session. produced = delivered + dropped once the session has ended. */
struct StreamStats {
  uint64_t producedBlocks = 0;  // buffers librtlsdr handed to the read callback
  uint64_t producedBytes = 0;
  uint64_t deliveredBlocks = 0;  // buffers handed to the JS callback
  uint64_t droppedBlocks = 0;    // buffers dropped because every pool slot was busy (or the queue was closing)
  uint64_t droppedBytes = 0;
  uint32_t slotsInUse = 0;  // slots filled and not yet released by JS
  uint32_t slotCount = 0;
};

/** One pool slot's current content: which bytes of the stream it holds. */
struct Slot {
  uint32_t index = 0;
  uint32_t length = 0;      // valid bytes
  uint64_t seq = 0;         // block sequence number since start (dropped blocks consume numbers too)
  uint64_t byteOffset = 0;  // stream bytes produced before this block since start
};

struct Stream;
class RtlDevice;

void CallJs(Napi::Env env, Napi::Function onBlock, Stream* stream, Slot* slot);
using StreamTsfn = Napi::TypedThreadSafeFunction<Stream, Slot, CallJs>;

/**
 * One streaming session: a std::thread running rtlsdr_read_async, a bounded pool of slots (one ArrayBuffer of
 * slotCount * slotBytes bytes, visible to JS) and a ThreadSafeFunction whose queue holds at most slotCount calls.
 * A slot is free, filled/queued or held by JS until JS releases it (qbshared::SlotPool); when no slot is free the
 * block is dropped and counted. Lifetime: owned by RtlDevice (shared with a pending StopWorker); the TSFN finalizer joins the
 * thread and detaches the session from the device.
 */
struct Stream {
  RtlDevice* owner = nullptr;
  rtlsdr_dev_t* dev = nullptr;
  uint32_t slotBytes = 0, slotCount = 0, usbBuffers = 0;
  uint8_t* pool = nullptr;
  Napi::Reference<Napi::ArrayBuffer> poolRef;
  std::vector<Slot> slots;
  qbshared::SlotPool slotPool;
  StreamTsfn tsfn;
  std::thread thread;
  std::atomic<bool> cancelRequested{false};
  std::atomic<bool> finalized{false};
  std::atomic<uint64_t> producedBlocks{0}, producedBytes{0}, deliveredBlocks{0}, droppedBlocks{0}, droppedBytes{0};
  std::mutex doneMutex;
  std::condition_variable doneCv;
  bool readDone = false;
  int readRc = 0;
  bool disconnected = false;
  Napi::FunctionReference onEnd;

  /** Read thread body: reset the endpoint buffer, run rtlsdr_read_async until cancelled or the device is lost. */
  void Run();
  /** Requests cancel and repeats rtlsdr_cancel_async until rtlsdr_read_async has returned; false on timeout (ms; <0 = none). */
  bool WaitDone(int timeoutMs);
  /** Marks a filled slot free again (not delivered) and counts the block as dropped. */
  void Drop(Slot* slot);
  StreamStats Stats();
};

/** JS class RtlSdrDevice: one librtlsdr handle; one-shot calls run as AsyncWorkers, streaming via Stream. */
class RtlDevice : public Napi::ObjectWrap<RtlDevice> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit RtlDevice(const Napi::CallbackInfo& info);
  ~RtlDevice() override;

  rtlsdr_dev_t* dev_ = nullptr;
  std::mutex ctrl_;   // serialises librtlsdr control calls of this device across worker threads
  int pending_ = 0;   // AsyncWorkers in flight (JS thread only)
  bool opening_ = false;
  bool closing_ = false;
  bool refed_ = true;
  std::shared_ptr<Stream> stream_;
  StreamStats lastStats_;

  /** Called by the TSFN finalizer on the JS thread when a session has fully ended. */
  void OnStreamFinalized(Napi::Env env, Stream* s);

 private:
  Napi::Value Open(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value SetSampleRate(const Napi::CallbackInfo& info);
  Napi::Value SetCenterFreq(const Napi::CallbackInfo& info);
  Napi::Value SetTunerGainMode(const Napi::CallbackInfo& info);
  Napi::Value SetTunerGain(const Napi::CallbackInfo& info);
  Napi::Value SetFreqCorrection(const Napi::CallbackInfo& info);
  Napi::Value SetAgcMode(const Napi::CallbackInfo& info);
  Napi::Value SetBiasTee(const Napi::CallbackInfo& info);
  Napi::Value SetDirectSampling(const Napi::CallbackInfo& info);
  Napi::Value SetOffsetTuning(const Napi::CallbackInfo& info);
  Napi::Value GetTunerGains(const Napi::CallbackInfo& info);
  Napi::Value GetTunerType(const Napi::CallbackInfo& info);
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value ReleaseSlot(const Napi::CallbackInfo& info);
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value GetStats(const Napi::CallbackInfo& info);
  Napi::Value JsRef(const Napi::CallbackInfo& info);
  Napi::Value JsUnref(const Napi::CallbackInfo& info);
  Napi::Value IsOpen(const Napi::CallbackInfo& info);
  Napi::Value IsStreaming(const Napi::CallbackInfo& info);

  /** Queues a control call: `fn(dev, out)` returns the librtlsdr code; resolves with `out` if returnsValue. */
  Napi::Value QueueCall(const Napi::CallbackInfo& info, const char* call,
                        std::function<int(rtlsdr_dev_t*, int64_t&)> fn, bool returnsValue);
  bool CheckOpen(Napi::Env env);
  static void EnvCleanup(void* arg);
  void Teardown();

  napi_env env_ = nullptr;
  bool hookRegistered_ = false;
};

Napi::Object StatsToObject(Napi::Env env, const StreamStats& s);

}  // namespace qb
