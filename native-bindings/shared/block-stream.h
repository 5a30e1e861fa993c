// The stream session parts both receiver addons share (quietband_rtlsdr: src/stream.cc, quietband_soapy:
// soapy/src/soapy.cc): a reader thread fills slots of one pool ArrayBuffer and queues them to JS through a
// ThreadSafeFunction; JS holds a slot until it releases it; the session ends with onEnd(null | Error). Header-only,
// so each addon compiles it into itself (the two addons link to different libraries and load independently).
//
// A stream type used with the templates below has: `SlotPool slotPool`, `std::vector<SlotT> slots` (SlotT has
// `uint32_t index`), `uint32_t slotCount`, `std::atomic<uint64_t> deliveredBlocks`, `void Drop(SlotT*)` (frees the
// slot, counts the block as dropped), `void Run()` (the reader thread), `bool WaitDone(int timeoutMs)`, `std::thread
// thread`, `std::atomic<bool> finalized`, a TypedThreadSafeFunction `tsfn`, `Napi::FunctionReference onEnd`, and
// `owner` with `OnStreamFinalized(env, stream)`.
#pragma once

#include <napi.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace qbshared {

/**
 * The states of a stream's pool slots: free (0), filled and queued for JS (1), or held by JS (2) until JS releases it.
 * Thread-safe: the reader thread takes and frees slots, the JS thread marks them held and releases them.
 */
class SlotPool {
 public:
  /** Makes `count` free slots (slot 0 is taken first). Call before the reader thread starts. */
  void Reset(uint32_t count) {
    std::lock_guard<std::mutex> lock(mutex_);
    state_.assign(count, 0);
    free_.clear();
    free_.reserve(count);
    for (uint32_t i = 0; i < count; i++) free_.push_back(count - 1 - i);  // pop_back hands out slot 0 first
  }

  /** Takes a free slot (now filled) into `index`; false when none is free (JS holds or is sent every slot). */
  bool Take(uint32_t& index) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (free_.empty()) return false;
    index = free_.back();
    free_.pop_back();
    state_[index] = 1;
    return true;
  }

  /** Marks a queued slot as held by JS; done before the JS callback runs, since it may release the slot inside. */
  void Hold(uint32_t index) {
    std::lock_guard<std::mutex> lock(mutex_);
    state_[index] = 2;
  }

  /** Frees slot `index` if JS holds it (JS's releaseSlot); false, and nothing changes, if JS does not. */
  bool Release(uint32_t index) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (index >= state_.size() || state_[index] != 2) return false;
    state_[index] = 0;
    free_.push_back(index);
    return true;
  }

  /** Frees slot `index` whatever its state: its block was not delivered. */
  void Free(uint32_t index) {
    std::lock_guard<std::mutex> lock(mutex_);
    state_[index] = 0;
    free_.push_back(index);
  }

  /** Slots not free (filled, queued or held by JS). */
  uint32_t InUse() {
    std::lock_guard<std::mutex> lock(mutex_);
    return static_cast<uint32_t>(state_.size() - free_.size());
  }

 private:
  std::mutex mutex_;
  std::vector<uint8_t> state_;
  std::vector<uint32_t> free_;
};

/** An Error with `.code` (ERR_NOT_OPEN, ERR_STREAMING, ERR_STOP_TIMEOUT, …) and `message`. */
inline Napi::Error MakeCodedError(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, code));
  return e;
}

/**
 * The TSFN call's second half (JS thread): marks the slot held and calls onBlock(...argv); a block that could not be
 * delivered (JS cannot run: env teardown) is dropped. Raw N-API calls on purpose: this also runs during env teardown,
 * when node-addon-api's Function::Call would turn the failure into napi_fatal_error. A callback that throws still got
 * its block (napi_pending_exception; Node reports the exception as uncaught).
 */
template <typename StreamT, typename SlotT>
void DeliverBlock(napi_env env, napi_value onBlock, napi_value recv, StreamT* s, SlotT* slot, size_t argc, const napi_value* argv) {
  s->slotPool.Hold(slot->index);
  s->deliveredBlocks.fetch_add(1);
  const napi_status st = napi_call_function(env, recv, onBlock, argc, argv, nullptr);
  if (st != napi_ok && st != napi_pending_exception) {
    s->deliveredBlocks.fetch_sub(1);
    s->Drop(slot);
  }
}

/** TSFN finalizer (JS thread): the reader has released the function and every queued call has run. */
template <typename StreamT>
void FinalizeStream(Napi::Env env, void* /*data*/, StreamT* s) {
  s->WaitDone(-1);  // at env teardown the stream may still be running: stop it
  if (s->thread.joinable()) s->thread.join();
  s->finalized.store(true);
  if (s->owner != nullptr) s->owner->OnStreamFinalized(env, s);
}

/** Why a stream ended without stop(): onEnd's Error gets `.code`, `.call`, `.errno` = `rc` and `.disconnected` = true. */
struct StreamEndError {
  std::string code;
  std::string message;
  std::string call;
  int rc = 0;
};

/**
 * Calls onEnd(null), or onEnd(Error) for `error`, and empties `onEnd`. Raw N-API calls: the TSFN finalizer that ends a
 * session also runs during env teardown, when JS cannot run (the call then fails harmlessly).
 */
inline void CallOnEnd(napi_env env, Napi::FunctionReference onEnd, const StreamEndError* error) {
  if (env == nullptr || onEnd.IsEmpty()) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, recv, arg;
  if (napi_get_reference_value(env, onEnd, &fn) == napi_ok && fn != nullptr && napi_get_undefined(env, &recv) == napi_ok) {
    bool ok = true;
    if (error != nullptr) {
      napi_value m, code, v;
      ok = napi_create_string_utf8(env, error->message.c_str(), error->message.size(), &m) == napi_ok &&
           napi_create_string_utf8(env, error->code.c_str(), NAPI_AUTO_LENGTH, &code) == napi_ok &&
           napi_create_error(env, code, m, &arg) == napi_ok;
      if (ok && napi_create_int32(env, error->rc, &v) == napi_ok) napi_set_named_property(env, arg, "errno", v);
      if (ok && napi_create_string_utf8(env, error->call.c_str(), NAPI_AUTO_LENGTH, &v) == napi_ok) napi_set_named_property(env, arg, "call", v);
      if (ok && napi_get_boolean(env, true, &v) == napi_ok) napi_set_named_property(env, arg, "disconnected", v);
    } else {
      ok = napi_get_null(env, &arg) == napi_ok;
    }
    if (ok) napi_call_function(env, recv, fn, 1, &arg, nullptr);
  }
  napi_close_handle_scope(env, scope);
}

/**
 * stop() off the JS thread: waits up to 10 s for the reader to end (StreamT::WaitDone), then resolves; rejects with
 * ERR_STOP_TIMEOUT and `timeoutMessage` (what hung, what to do) when it did not end.
 */
template <typename StreamT>
class StopWorker : public Napi::AsyncWorker {
 public:
  StopWorker(Napi::Env env, const char* name, std::shared_ptr<StreamT> s, const char* timeoutMessage)
      : Napi::AsyncWorker(env, name), stream_(std::move(s)), timeoutMessage_(timeoutMessage), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override { ok_ = stream_->WaitDone(kTimeoutMs); }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (ok_) {
      deferred_.Resolve(env.Undefined());
    } else {
      deferred_.Reject(MakeCodedError(env, "ERR_STOP_TIMEOUT", timeoutMessage_).Value());
    }
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  static constexpr int kTimeoutMs = 10000;
  std::shared_ptr<StreamT> stream_;
  const char* timeoutMessage_;
  Napi::Promise::Deferred deferred_;
  bool ok_ = false;
};

/** stop(): a promise resolved at once without a stream, else settled by a {@link StopWorker}. */
template <typename StreamT>
Napi::Value StopStream(Napi::Env env, const std::shared_ptr<StreamT>& stream, const char* name, const char* timeoutMessage) {
  if (!stream) {
    auto d = Napi::Promise::Deferred::New(env);
    d.Resolve(env.Undefined());
    return d.Promise();
  }
  auto* w = new StopWorker<StreamT>(env, name, stream, timeoutMessage);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

/**
 * releaseSlot(index) -> whether JS held the slot. After the session ended the pool is gone: releasing late is harmless
 * and returns false. Throws a TypeError when index is not a number.
 */
template <typename StreamT>
Napi::Value ReleaseSlot(const Napi::CallbackInfo& info, const std::shared_ptr<StreamT>& stream) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "releaseSlot(index): index must be a number").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const int64_t index = info[0].As<Napi::Number>().Int64Value();
  if (!stream || stream->finalized.load() || index < 0) return Napi::Boolean::New(env, false);
  return Napi::Boolean::New(env, stream->slotPool.Release(static_cast<uint32_t>(index)));
}

/** ref() / unref() of the JS object: whether a running stream keeps the event loop alive. */
template <typename StreamT>
Napi::Value SetStreamRef(const Napi::CallbackInfo& info, const std::shared_ptr<StreamT>& stream, bool& refed, bool ref) {
  refed = ref;
  if (stream && !stream->finalized.load()) {
    if (ref) stream->tsfn.Ref(info.Env());
    else stream->tsfn.Unref(info.Env());
  }
  return info.Env().Undefined();
}

/**
 * The pool ArrayBuffer of `bytes` bytes (slots × slot size, visible to JS); empty, with a RangeError naming `sizeText`
 * thrown, above 2 GiB, or with the allocation's exception pending.
 */
inline Napi::ArrayBuffer NewPool(Napi::Env env, size_t bytes, const char* sizeText) {
  if (bytes > (size_t{1} << 31)) {
    Napi::RangeError::New(env, std::string(sizeText) + " must not exceed 2 GiB").ThrowAsJavaScriptException();
    return Napi::ArrayBuffer();
  }
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, bytes);
  if (env.IsExceptionPending()) return Napi::ArrayBuffer();
  return ab;
}

/**
 * start()'s last step, once the stream `s` has its settings and `slotCount`: makes it the device's (`owner`, `dev` =
 * the device's `dev_`) over the pool `ab` ({@link NewPool}), numbers its slots and frees them all, keeps onEnd
 * (`info[2]`), makes the TSFN to onBlock (`info[1]`; queue of `slotCount` calls, finalizer {@link FinalizeStream}),
 * sets the device's `stream_` (the JS object is kept alive while it runs, until `OnStreamFinalized` unrefs it) and
 * starts the reader thread (`StreamT::Run`). False, with a JS exception pending, when the TSFN could not be made.
 * `DeviceT` has public `dev_`, `refed_`, `stream_` and `Ref()` (an ObjectWrap).
 */
template <typename DeviceT, typename StreamT>
bool LaunchStream(const Napi::CallbackInfo& info, DeviceT* device, const std::shared_ptr<StreamT>& s, Napi::ArrayBuffer ab,
                  const char* name) {
  Napi::Env env = info.Env();
  s->owner = device;
  s->dev = device->dev_;
  s->pool = static_cast<uint8_t*>(ab.Data());
  s->poolRef = Napi::Persistent(ab);
  s->slots.resize(s->slotCount);
  for (uint32_t i = 0; i < s->slotCount; i++) s->slots[i].index = i;
  s->slotPool.Reset(s->slotCount);
  s->onEnd = Napi::Persistent(info[2].As<Napi::Function>());
  s->tsfn = decltype(s->tsfn)::New(env, info[1].As<Napi::Function>(), name, s->slotCount, 1, s.get(), FinalizeStream<StreamT>,
                                   static_cast<void*>(nullptr));
  if (env.IsExceptionPending()) return false;
  if (!device->refed_) s->tsfn.Unref(env);
  device->stream_ = s;
  device->Ref();
  StreamT* raw = s.get();
  s->thread = std::thread([raw] { raw->Run(); });
  return true;
}

/**
 * Whether start() may begin: not `streaming` already (else ERR_STREAMING thrown) and called as (options object,
 * onBlock function, onEnd function) (else a TypeError thrown).
 */
inline bool CheckStartArgs(const Napi::CallbackInfo& info, bool streaming) {
  if (streaming) {
    MakeCodedError(info.Env(), "ERR_STREAMING", "start() refused: the device is already streaming").ThrowAsJavaScriptException();
    return false;
  }
  if (info.Length() < 3 || !info[0].IsObject() || !info[1].IsFunction() || !info[2].IsFunction()) {
    Napi::TypeError::New(info.Env(), "start(options, onBlock, onEnd): expected an object and two functions").ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

}  // namespace qbshared
