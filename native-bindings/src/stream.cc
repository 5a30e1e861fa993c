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
  if (!s->slotPool.Take(index)) {
    s->droppedBlocks.fetch_add(1);
    s->droppedBytes.fetch_add(len);
    return;
  }
  const uint32_t n = len <= s->slotBytes ? len : s->slotBytes;
  std::memcpy(s->pool + static_cast<size_t>(index) * s->slotBytes, buf, n);
  Slot& slot = s->slots[index];
  slot.length = n;
  slot.seq = seq;
  slot.byteOffset = offset;
  if (s->tsfn.NonBlockingCall(&slot) != napi_ok) s->Drop(&slot);  // napi_queue_full or napi_closing
}

}  // namespace

// TSFN dispatch (JS thread): onBlock(slot, length, seq, byteOffset). Raw N-API calls: see qbshared::DeliverBlock.
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
  qbshared::DeliverBlock(env, onBlock, recv, s, slot, 4, argv);
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

void Stream::Drop(Slot* slot) {
  slotPool.Free(slot->index);
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
  st.slotsInUse = slotPool.InUse();
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

}  // namespace

// start({ bufferBytes, poolSlots, usbBuffers }, onBlock(slot, length, seq, byteOffset), onEnd(err|null)) -> ArrayBuffer
Napi::Value RtlDevice::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env) || !qbshared::CheckStartArgs(info, stream_ != nullptr)) return env.Undefined();
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
  Napi::ArrayBuffer ab = qbshared::NewPool(env, static_cast<size_t>(bufferBytes) * poolSlots, "bufferBytes * poolSlots");
  if (ab.IsEmpty()) return env.Undefined();
  auto s = std::make_shared<Stream>();
  s->slotBytes = bufferBytes;
  s->slotCount = poolSlots;
  s->usbBuffers = usbBuffers;
  if (!qbshared::LaunchStream(info, this, s, ab, "quietband_rtlsdr:stream")) return env.Undefined();
  return ab;
}

Napi::Value RtlDevice::ReleaseSlot(const Napi::CallbackInfo& info) { return qbshared::ReleaseSlot(info, stream_); }

Napi::Value RtlDevice::Stop(const Napi::CallbackInfo& info) {
  return qbshared::StopStream(info.Env(), stream_, "quietband_rtlsdr:stop",
                              "rtlsdr_read_async did not return within 10 s of rtlsdr_cancel_async (hung USB transfer); "
                              "restart the process or replug the dongle");
}

Napi::Value RtlDevice::GetStats(const Napi::CallbackInfo& info) {
  return StatsToObject(info.Env(), stream_ ? stream_->Stats() : lastStats_);
}

Napi::Value RtlDevice::JsRef(const Napi::CallbackInfo& info) { return qbshared::SetStreamRef(info, stream_, refed_, true); }

Napi::Value RtlDevice::JsUnref(const Napi::CallbackInfo& info) { return qbshared::SetStreamRef(info, stream_, refed_, false); }

// Raw N-API calls (here and in qbshared::CallOnEnd): the TSFN finalizer also runs during env teardown.
void RtlDevice::OnStreamFinalized(Napi::Env env, Stream* s) {
  std::shared_ptr<Stream> keep = stream_;  // a pending StopWorker may hold another reference
  lastStats_ = s->Stats();
  if (stream_.get() == s) stream_.reset();
  s->owner = nullptr;
  s->poolRef.Reset();
  Napi::FunctionReference onEnd = std::move(s->onEnd);
  const bool disconnected = s->disconnected;
  qbshared::StreamEndError error;
  if (disconnected) {
    error = {"ERR_LIBRTLSDR",
             "rtlsdr_read_async failed with " + std::to_string(s->readRc) +
                 ": the stream ended without stop(): the dongle was unplugged or stopped responding",
             "rtlsdr_read_async", s->readRc};
  }
  napi_reference_unref(env, static_cast<napi_ref>(*this), nullptr);  // pairs with Ref() in Start()
  qbshared::CallOnEnd(env, std::move(onEnd), disconnected ? &error : nullptr);
}

}  // namespace qb
