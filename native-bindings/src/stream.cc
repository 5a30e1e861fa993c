// Streaming session: rtlsdr_read_async on an addon-owned thread, buffers copied into a bounded slot pool and
// handed to JS through a ThreadSafeFunction (NonBlockingCall); full pool = dropped block, counted.
#include "common.h"

#include <chrono>
#include <cstring>

namespace qb {

namespace {

/** librtlsdr read callback (read thread): copy into a free slot and queue it for JS, or drop and count. */
void ReadCallback(unsigned char* buf, uint32_t len, void* ctx) {
  Stream* s = static_cast<Stream*>(ctx);
  const uint64_t seq = s->producedBlocks.fetch_add(1);
  const uint64_t offset = s->producedBytes.fetch_add(len);
  if (s->cancelRequested.load(std::memory_order_relaxed)) {
    // Repeat the cancel from inside the callback: a cancel that raced with the start of read_async is not lost.
    rtlsdr_cancel_async(s->dev);
  }
  uint32_t index;
  {
    std::lock_guard<std::mutex> lock(s->freeMutex);
    if (s->freeList.empty()) {
      s->droppedBlocks.fetch_add(1);
      s->droppedBytes.fetch_add(len);
      return;
    }
    index = s->freeList.back();
    s->freeList.pop_back();
    s->slotState[index] = 1;
  }
  const uint32_t n = len <= s->slotBytes ? len : s->slotBytes;
  std::memcpy(s->pool + static_cast<size_t>(index) * s->slotBytes, buf, n);
  Slot& slot = s->slots[index];
  slot.length = n;
  slot.seq = seq;
  slot.byteOffset = offset;
  if (s->tsfn.NonBlockingCall(&slot) != napi_ok) s->Drop(&slot);  // napi_queue_full or napi_closing
}

/** TSFN finalizer (JS thread): the read thread has released the function and every queued call has run. */
void FinalizeStream(Napi::Env env, void* /*data*/, Stream* s) {
  s->WaitDone(-1);  // at env teardown the stream may still be running: cancel it
  if (s->thread.joinable()) s->thread.join();
  s->finalized.store(true);
  if (s->owner != nullptr) s->owner->OnStreamFinalized(env, s);
}

}  // namespace

// TSFN dispatch (JS thread). Raw N-API calls on purpose: this also runs during env teardown, when JS cannot run and
// node-addon-api's Function::Call would turn the failure into napi_fatal_error.
void CallJs(Napi::Env env, Napi::Function onBlock, Stream* s, Slot* slot) {
  if (env == nullptr || onBlock.IsEmpty()) {  // the function is being torn down
    s->Drop(slot);
    return;
  }
  napi_value argv[4];
  napi_value recv;
  if (napi_create_uint32(env, slot->index, &argv[0]) != napi_ok || napi_create_uint32(env, slot->length, &argv[1]) != napi_ok ||
      napi_create_double(env, static_cast<double>(slot->seq), &argv[2]) != napi_ok ||
      napi_create_double(env, static_cast<double>(slot->byteOffset), &argv[3]) != napi_ok ||
      napi_get_undefined(env, &recv) != napi_ok) {
    s->Drop(slot);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(s->freeMutex);
    s->slotState[slot->index] = 2;  // before the call: JS may release the slot from inside the callback
  }
  s->deliveredBlocks.fetch_add(1);
  const napi_status st = napi_call_function(env, recv, onBlock, 4, argv, nullptr);
  // napi_pending_exception: the callback threw; it got the block and Node reports the exception as uncaught.
  if (st != napi_ok && st != napi_pending_exception) {  // JS cannot run (teardown): the block was not delivered
    s->deliveredBlocks.fetch_sub(1);
    s->Drop(slot);
  }
}

void Stream::Run() {
  rtlsdr_reset_buffer(dev);
  const int rc = rtlsdr_read_async(dev, ReadCallback, this, usbBuffers, slotBytes);
  {
    std::lock_guard<std::mutex> lock(doneMutex);
    readRc = rc;
    // read_async returning without our cancel means the device went away (librtlsdr 0.6 returns 0 after
    // "cb transfer status: 5, canceling..." on unplug) or could not start.
    disconnected = !cancelRequested.load();
    readDone = true;
  }
  doneCv.notify_all();
  tsfn.Release();  // last use of the TSFN by this thread; the finalizer joins us
}

bool Stream::WaitDone(int timeoutMs) {
  cancelRequested.store(true);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs < 0 ? 0 : timeoutMs);
  std::unique_lock<std::mutex> lock(doneMutex);
  while (!readDone) {
    lock.unlock();
    rtlsdr_cancel_async(dev);  // -2 while read_async has not started yet: retried on the next round
    lock.lock();
    if (doneCv.wait_for(lock, std::chrono::milliseconds(20), [this] { return readDone; })) break;
    if (timeoutMs >= 0 && std::chrono::steady_clock::now() > deadline) return false;
  }
  return true;
}

bool Stream::Release(uint32_t index) {
  std::lock_guard<std::mutex> lock(freeMutex);
  if (index >= slotCount || slotState[index] != 2) return false;
  slotState[index] = 0;
  freeList.push_back(index);
  return true;
}

void Stream::Drop(Slot* slot) {
  {
    std::lock_guard<std::mutex> lock(freeMutex);
    slotState[slot->index] = 0;
    freeList.push_back(slot->index);
  }
  droppedBlocks.fetch_add(1);
  droppedBytes.fetch_add(slot->length);
}

StreamStats Stream::Stats() {
  StreamStats st;
  st.producedBlocks = producedBlocks.load();
  st.producedBytes = producedBytes.load();
  st.deliveredBlocks = deliveredBlocks.load();
  st.droppedBlocks = droppedBlocks.load();
  st.droppedBytes = droppedBytes.load();
  st.slotCount = slotCount;
  std::lock_guard<std::mutex> lock(freeMutex);
  st.slotsInUse = slotCount - static_cast<uint32_t>(freeList.size());
  return st;
}

Napi::Object StatsToObject(Napi::Env env, const StreamStats& s) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("producedBlocks", Napi::Number::New(env, static_cast<double>(s.producedBlocks)));
  o.Set("producedBytes", Napi::Number::New(env, static_cast<double>(s.producedBytes)));
  o.Set("deliveredBlocks", Napi::Number::New(env, static_cast<double>(s.deliveredBlocks)));
  o.Set("droppedBlocks", Napi::Number::New(env, static_cast<double>(s.droppedBlocks)));
  o.Set("droppedBytes", Napi::Number::New(env, static_cast<double>(s.droppedBytes)));
  o.Set("slotsInUse", Napi::Number::New(env, s.slotsInUse));
  o.Set("slotCount", Napi::Number::New(env, s.slotCount));
  return o;
}

// ---- RtlDevice streaming methods ----

namespace {

bool ReadUint(Napi::Object opts, const char* key, uint32_t dflt, uint32_t lo, uint32_t hi, uint32_t& out) {
  Napi::Value v = opts.Get(key);
  if (v.IsUndefined()) {
    out = dflt;
    return true;
  }
  if (!v.IsNumber()) return false;
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= lo && d <= hi) || d != static_cast<double>(static_cast<uint32_t>(d))) return false;
  out = static_cast<uint32_t>(d);
  return true;
}

class StopWorker : public Napi::AsyncWorker {
 public:
  StopWorker(Napi::Env env, std::shared_ptr<Stream> s)
      : Napi::AsyncWorker(env, "quietband_rtlsdr:stop"), stream_(std::move(s)), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override { ok_ = stream_->WaitDone(kTimeoutMs); }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (ok_) {
      deferred_.Resolve(env.Undefined());
    } else {
      deferred_.Reject(MakeUsageError(env, "ERR_STOP_TIMEOUT",
                                      "rtlsdr_read_async did not return within 10 s of rtlsdr_cancel_async "
                                      "(hung USB transfer); restart the process or replug the dongle")
                           .Value());
    }
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  static constexpr int kTimeoutMs = 10000;
  std::shared_ptr<Stream> stream_;
  Napi::Promise::Deferred deferred_;
  bool ok_ = false;
};

}  // namespace

// start({ bufferBytes, poolSlots, usbBuffers }, onBlock(slot, length, seq, byteOffset), onEnd(err|null)) -> ArrayBuffer
Napi::Value RtlDevice::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env)) return env.Undefined();
  if (stream_) {
    MakeUsageError(env, "ERR_STREAMING", "start() refused: the device is already streaming").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (info.Length() < 3 || !info[0].IsObject() || !info[1].IsFunction() || !info[2].IsFunction()) {
    Napi::TypeError::New(env, "start(options, onBlock, onEnd): expected an object and two functions").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Object opts = info[0].As<Napi::Object>();
  uint32_t bufferBytes, poolSlots, usbBuffers;
  if (!ReadUint(opts, "bufferBytes", 262144, 512, 16u << 20, bufferBytes) || bufferBytes % 512 != 0) {
    Napi::RangeError::New(env, "bufferBytes must be a multiple of 512 between 512 and 16777216").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (!ReadUint(opts, "poolSlots", 16, 1, 4096, poolSlots)) {
    Napi::RangeError::New(env, "poolSlots must be an integer between 1 and 4096").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (!ReadUint(opts, "usbBuffers", 0, 0, 256, usbBuffers)) {
    Napi::RangeError::New(env, "usbBuffers must be an integer between 0 (library default) and 256").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const size_t total = static_cast<size_t>(bufferBytes) * poolSlots;
  if (total > (size_t{1} << 31)) {
    Napi::RangeError::New(env, "bufferBytes * poolSlots must not exceed 2 GiB").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, total);
  if (env.IsExceptionPending() || ab.IsEmpty()) return env.Undefined();

  auto s = std::make_shared<Stream>();
  s->owner = this;
  s->dev = dev_;
  s->slotBytes = bufferBytes;
  s->slotCount = poolSlots;
  s->usbBuffers = usbBuffers;
  s->pool = static_cast<uint8_t*>(ab.Data());
  s->poolRef = Napi::Persistent(ab);
  s->slots.resize(poolSlots);
  s->slotState.assign(poolSlots, 0);
  s->freeList.reserve(poolSlots);
  for (uint32_t i = 0; i < poolSlots; i++) {
    s->slots[i].index = i;
    s->freeList.push_back(poolSlots - 1 - i);  // pop_back hands out slot 0 first
  }
  s->onEnd = Napi::Persistent(info[2].As<Napi::Function>());
  s->tsfn = StreamTsfn::New(env, info[1].As<Napi::Function>(), "quietband_rtlsdr:stream", poolSlots, 1, s.get(),
                            FinalizeStream, static_cast<void*>(nullptr));
  if (env.IsExceptionPending()) return env.Undefined();
  if (!refed_) s->tsfn.Unref(env);
  stream_ = s;
  Ref();  // the JS object stays alive while its thread runs
  Stream* raw = s.get();
  s->thread = std::thread([raw] { raw->Run(); });
  return ab;
}

Napi::Value RtlDevice::ReleaseSlot(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "releaseSlot(index): index must be a number").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const int64_t index = info[0].As<Napi::Number>().Int64Value();
  // After the session ended the pool is gone: releasing late is harmless and returns false.
  if (!stream_ || stream_->finalized.load() || index < 0) return Napi::Boolean::New(env, false);
  return Napi::Boolean::New(env, stream_->Release(static_cast<uint32_t>(index)));
}

Napi::Value RtlDevice::Stop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!stream_) {
    auto d = Napi::Promise::Deferred::New(env);
    d.Resolve(env.Undefined());
    return d.Promise();
  }
  auto* w = new StopWorker(env, stream_);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

Napi::Value RtlDevice::GetStats(const Napi::CallbackInfo& info) {
  return StatsToObject(info.Env(), stream_ ? stream_->Stats() : lastStats_);
}

Napi::Value RtlDevice::JsRef(const Napi::CallbackInfo& info) {
  refed_ = true;
  if (stream_ && !stream_->finalized.load()) stream_->tsfn.Ref(info.Env());
  return info.Env().Undefined();
}

Napi::Value RtlDevice::JsUnref(const Napi::CallbackInfo& info) {
  refed_ = false;
  if (stream_ && !stream_->finalized.load()) stream_->tsfn.Unref(info.Env());
  return info.Env().Undefined();
}

// Raw N-API calls for the same reason as CallJs: the TSFN finalizer also runs during env teardown.
void RtlDevice::OnStreamFinalized(Napi::Env env, Stream* s) {
  std::shared_ptr<Stream> keep = stream_;  // a pending StopWorker may hold another reference
  lastStats_ = s->Stats();
  if (stream_.get() == s) stream_.reset();
  s->owner = nullptr;
  s->poolRef.Reset();
  Napi::FunctionReference onEnd = std::move(s->onEnd);
  const bool disconnected = s->disconnected;
  const int rc = s->readRc;
  napi_reference_unref(env, static_cast<napi_ref>(*this), nullptr);  // pairs with Ref() in Start()
  if (env == nullptr || onEnd.IsEmpty()) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, recv, arg;
  if (napi_get_reference_value(env, onEnd, &fn) == napi_ok && fn != nullptr && napi_get_undefined(env, &recv) == napi_ok) {
    bool ok = true;
    if (disconnected) {
      const std::string msg = "rtlsdr_read_async failed with " + std::to_string(rc) +
                              ": the stream ended without stop(): the dongle was unplugged or stopped responding";
      napi_value m, code, v;
      ok = napi_create_string_utf8(env, msg.c_str(), msg.size(), &m) == napi_ok &&
           napi_create_string_utf8(env, "ERR_LIBRTLSDR", NAPI_AUTO_LENGTH, &code) == napi_ok &&
           napi_create_error(env, code, m, &arg) == napi_ok;
      if (ok && napi_create_int32(env, rc, &v) == napi_ok) napi_set_named_property(env, arg, "errno", v);
      if (ok && napi_create_string_utf8(env, "rtlsdr_read_async", NAPI_AUTO_LENGTH, &v) == napi_ok) napi_set_named_property(env, arg, "call", v);
      if (ok && napi_get_boolean(env, true, &v) == napi_ok) napi_set_named_property(env, arg, "disconnected", v);
    } else {
      ok = napi_get_null(env, &arg) == napi_ok;
    }
    if (ok) napi_call_function(env, recv, fn, 1, &arg, nullptr);  // fails harmlessly when JS cannot run
  }
  napi_close_handle_scope(env, scope);
}

}  // namespace qb
