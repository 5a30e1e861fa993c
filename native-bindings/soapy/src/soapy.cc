// quietband_soapy: N-API addon over libSoapySDR (0.8). enumerate(), class SoapyDevice (open, control calls off the JS
// thread, one RX stream read on an addon-owned thread into a bounded pool of recycled slots handed to JS with a
// ThreadSafeFunction), and Soapy's log lines kept in a ring instead of printed on stderr.
//
// Errors: every rejected promise / onEnd error is an Error with .code = 'ERR_SOAPY' (a Soapy call threw or returned an
// error code; .call names the C++ method, .errno the Soapy code when there is one) or a usage code (ERR_NOT_OPEN,
// ERR_STREAMING, ERR_PENDING). The typed wrapper (native-bindings/soapy.ts) maps them to QuietBandErrors with advice.
#include <napi.h>
#include <SoapySDR/Device.hpp>
#include <SoapySDR/Errors.hpp>
#include <SoapySDR/Formats.hpp>
#include <SoapySDR/Logger.h>
#include <SoapySDR/Logger.hpp>
#include <SoapySDR/Modules.hpp>
#include <SoapySDR/Version.hpp>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "block-stream.h"

namespace qbs {

// ---------------------------------------------------------------------------------------------------------------
// Log ring: Soapy modules log through SoapySDR_log; the last kLogLines lines are kept for error messages.
// ---------------------------------------------------------------------------------------------------------------

constexpr size_t kLogLines = 64;
std::mutex gLogMutex;
std::deque<std::pair<int, std::string>> gLog;

void LogHandler(const SoapySDRLogLevel level, const char* message) {
  std::lock_guard<std::mutex> lock(gLogMutex);
  gLog.emplace_back(static_cast<int>(level), message ? message : "");
  while (gLog.size() > kLogLines) gLog.pop_front();
}

/** Error with .code and optional .call / .errno. */
Napi::Error MakeError(Napi::Env env, const char* code, const std::string& message, const std::string& call = "", int rc = 0) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, code));
  if (!call.empty()) e.Set("call", Napi::String::New(env, call));
  if (rc != 0) e.Set("errno", Napi::Number::New(env, rc));
  return e;
}

Napi::Object KwargsToObject(Napi::Env env, const SoapySDR::Kwargs& kw) {
  Napi::Object o = Napi::Object::New(env);
  for (const auto& kv : kw) o.Set(kv.first, Napi::String::New(env, kv.second));
  return o;
}

Napi::Array RangesToArray(Napi::Env env, const SoapySDR::RangeList& ranges) {
  Napi::Array a = Napi::Array::New(env, ranges.size());
  for (size_t i = 0; i < ranges.size(); i++) {
    Napi::Array r = Napi::Array::New(env, 3);
    r.Set(0u, ranges[i].minimum());
    r.Set(1u, ranges[i].maximum());
    r.Set(2u, ranges[i].step());
    a.Set(static_cast<uint32_t>(i), r);
  }
  return a;
}

Napi::Array StringsToArray(Napi::Env env, const std::vector<std::string>& v) {
  Napi::Array a = Napi::Array::New(env, v.size());
  for (size_t i = 0; i < v.size(); i++) a.Set(static_cast<uint32_t>(i), Napi::String::New(env, v[i]));
  return a;
}

/**
 * One control call off the JS thread: `exec` runs on a libuv worker and may throw (Soapy reports errors by
 * exception); `result` builds the resolved value on the JS thread. A throw rejects with code ERR_SOAPY, .call = name.
 */
class Task : public Napi::AsyncWorker {
 public:
  Task(Napi::Env env, std::string call, std::function<void()> exec, std::function<Napi::Value(Napi::Env)> result,
       std::function<void()> after = nullptr)
      : Napi::AsyncWorker(env, "quietband_soapy:call"),
        call_(std::move(call)),
        exec_(std::move(exec)),
        result_(std::move(result)),
        after_(std::move(after)),
        deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      exec_();
    } catch (const std::exception& e) {
      failed_ = true;
      what_ = e.what();
    } catch (...) {
      failed_ = true;
      what_ = "unknown exception";
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (failed_) {
      if (after_) after_();
      deferred_.Reject(MakeError(env, "ERR_SOAPY", call_ + ": " + what_, call_).Value());
    } else {
      Napi::Value v = result_ ? result_(env) : env.Undefined();
      if (after_) after_();
      deferred_.Resolve(v);
    }
  }
  void OnError(const Napi::Error& e) override {
    if (after_) after_();
    deferred_.Reject(e.Value());
  }

 private:
  std::string call_;
  std::function<void()> exec_;
  std::function<Napi::Value(Napi::Env)> result_;
  std::function<void()> after_;
  Napi::Promise::Deferred deferred_;
  bool failed_ = false;
  std::string what_;
};

// ---------------------------------------------------------------------------------------------------------------
// Stream session
// ---------------------------------------------------------------------------------------------------------------

struct Slot {
  uint32_t index = 0;
  uint32_t samples = 0;       // complex samples in the slot (always the block size)
  uint64_t seq = 0;           // block number since start (dropped blocks consume numbers too)
  uint64_t sampleOffset = 0;  // stream position of the block's first sample: samples since start, dropped blocks and
                              // samples lost in the driver included
  uint32_t overflowsBefore = 0;  // SOAPY_SDR_OVERFLOW reports since the previous block: samples were lost in the driver
};

/** Default bound (ms) of one SoapyRemote call outside streaming (open's make and reads, a control call): see CallDeadline. */
constexpr int kRemoteCallMs = 10000;

struct Stream;
class Device;
void CallJs(Napi::Env env, Napi::Function onBlock, Stream* stream, Slot* slot);

/**
 * A TCP socket of a SoapyRemote link: its fd, the inode it had when recorded (an fd closed and reused meanwhile is not
 * ours any more) and, once BreakLink replaced it, the inode of the unconnected socket put in its place (0 before).
 */
struct LinkSocket {
  int fd;
  ino_t ino;
  ino_t replacedBy = 0;
  /** The device's RPC socket (MarkRpcSocket), on which every control call and the stop's RPCs wait for replies. */
  bool rpc = false;
};

using StreamTsfn = Napi::TypedThreadSafeFunction<Stream, Slot, CallJs>;

/**
 * One RX stream: a std::thread that reads `blockSamples` complex samples per block with readStream (timeout 100 ms)
 * straight into a free pool slot (or into a scratch block, counted as dropped, when JS holds every slot), then queues
 * the slot to JS (NonBlockingCall; queue bounded by the pool size). Slot states: qbshared::SlotPool.
 * The thread owns setupStream/activate/deactivate/closeStream; the TSFN finalizer joins it.
 */
struct Stream {
  Device* owner = nullptr;
  SoapySDR::Device* dev = nullptr;
  std::string format;
  std::string streamArgs;  // setupStream args, e.g. "bufflen=32768" (SoapyRTLSDR's USB transfer size)
  size_t bytesPerSample = 0;
  uint32_t blockSamples = 0, slotCount = 0;
  uint8_t* pool = nullptr;
  std::vector<uint8_t> scratch;
  Napi::Reference<Napi::ArrayBuffer> poolRef;
  std::vector<Slot> slots;
  qbshared::SlotPool slotPool;
  StreamTsfn tsfn;
  std::thread thread;
  std::atomic<bool> cancelRequested{false};
  std::atomic<bool> finalized{false};
  std::atomic<uint64_t> producedBlocks{0}, deliveredBlocks{0}, droppedBlocks{0}, overflows{0}, timeouts{0}, readErrors{0};
  // samples lost inside the driver (from time stamps, or estimated from the wall clock), samples read before a gap in
  // the same block and given up, gaps found, and the stream position of the block being read
  std::atomic<uint64_t> samplesLost{0}, samplesGivenUp{0}, gaps{0}, estimatedGaps{0}, position{0};
  // SoapyRemote only (`remote`): the TCP sockets setupStream opened (the stream link with remote:prot=tcp) and the ones
  // the device's make opened (its RPC link), to the server's address (`peerIps`): see BreakLink. Guarded by sockMutex.
  bool remote = false;
  std::vector<std::string> peerIps;
  std::mutex sockMutex;
  std::vector<LinkSocket> streamSockets, deviceSockets;
  std::atomic<uint64_t> brokenSockets{0};
  std::mutex doneMutex;
  std::condition_variable doneCv;
  bool readDone = false;
  std::string endError;  // empty: ended by stop()
  std::string endCall;
  int endRc = 0;
  Napi::FunctionReference onEnd;

  void Run();
  bool WaitDone(int timeoutMs);
  int BreakLink(int64_t sinceStopMs);
  void CloseReplacedStreamSockets();
  void Drop(Slot* slot);
  Napi::Object Stats(Napi::Env env);
};

class Device : public Napi::ObjectWrap<Device> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Device(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Device>(info) {}
  ~Device() override {
    if (stream_) stream_->WaitDone(2000);
    if (dev_ != nullptr && !stream_) {
      try {
        SoapySDR::Device::unmake(dev_);
      } catch (...) {
      }
    }
  }

  SoapySDR::Device* dev_ = nullptr;
  std::mutex ctrl_;  // serialises control calls across libuv workers
  int pending_ = 0;
  bool refed_ = true;
  std::shared_ptr<Stream> stream_;
  // SoapyRemote device (args driver=remote or remote=...): the server's addresses and the RPC link's sockets (Open)
  bool remote_ = false;
  std::string remoteUrl_;
  std::vector<std::string> peerIps_;
  std::vector<LinkSocket> linkSockets_;
  /** Bound (ms) of a SoapyRemote call outside streaming (open's second argument; kRemoteCallMs by default). */
  int remoteCallMs_ = kRemoteCallMs;
  uint64_t lastProduced_ = 0, lastDelivered_ = 0, lastDropped_ = 0, lastOverflows_ = 0, lastTimeouts_ = 0;
  uint64_t lastLost_ = 0, lastGivenUp_ = 0, lastGaps_ = 0, lastEstimatedGaps_ = 0, lastPosition_ = 0;

  void OnStreamFinalized(Napi::Env env, Stream* s);

 private:
  Napi::Value Open(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value SetSampleRate(const Napi::CallbackInfo& info);
  Napi::Value SetBandwidth(const Napi::CallbackInfo& info);
  Napi::Value SetFrequency(const Napi::CallbackInfo& info);
  Napi::Value SetGainMode(const Napi::CallbackInfo& info);
  Napi::Value SetGain(const Napi::CallbackInfo& info);
  Napi::Value GetGains(const Napi::CallbackInfo& info);
  Napi::Value SetAntenna(const Napi::CallbackInfo& info);
  Napi::Value SetFreqCorrection(const Napi::CallbackInfo& info);
  Napi::Value WriteSetting(const Napi::CallbackInfo& info);
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value ReleaseSlot(const Napi::CallbackInfo& info);
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value GetStats(const Napi::CallbackInfo& info);
  Napi::Value JsRef(const Napi::CallbackInfo& info);
  Napi::Value JsUnref(const Napi::CallbackInfo& info);

  bool CheckOpen(Napi::Env env);
  Napi::Value Queue(Napi::Env env, const std::string& call, std::function<void()> exec,
                    std::function<Napi::Value(Napi::Env)> result);
};

// ---- stream thread ----

/**
 * Where a gap in the stream puts the samples after it, for drivers without usable time stamps: the wall-clock time at
 * which the newest sample read so far arrived, modelled as t = offset + position / rate. Every read that returns data
 * gives offset ≥ its completion time − (position after it) / rate, with equality when the reader waited for that data
 * (caught up); the smallest value over the last 5–10 s (two 5 s windows, so a drift between the host's clock and the
 * receiver's, 50 ppm = 0.25 ms per 5 s, does not accumulate) is the estimate. After an overflow the driver resumes with
 * recent data, so the first read's end sits at ≈ (now − offset) · rate: lost = that − the position the read would end at
 * without a gap. Approximate: a driver that still holds a backlog after the overflow is credited too few lost samples,
 * by that backlog (at most its buffer); a host stall shorter than the driver's buffer costs nothing and is not a gap.
 */
struct WallAnchor {
  static constexpr double kWindowNs = 5e9;
  double cur = std::numeric_limits<double>::infinity(), prev = std::numeric_limits<double>::infinity();
  double windowStartNs = -1;

  /** A read of data ending at stream position `end` (exclusive) completed at `nowNs` (steady clock). */
  void Update(double nowNs, uint64_t end, double rate) {
    if (windowStartNs < 0 || nowNs - windowStartNs >= kWindowNs) {
      prev = cur;
      cur = std::numeric_limits<double>::infinity();
      windowStartNs = nowNs;
    }
    cur = std::min(cur, nowNs - static_cast<double>(end) * 1e9 / rate);
  }
  /** Samples lost before a read ending at `end` that completed at `nowNs` (0 before the first update). */
  uint64_t Lost(double nowNs, uint64_t end, double rate) const {
    const double offset = std::min(cur, prev);
    if (!std::isfinite(offset)) return 0;
    const double d = (nowNs - offset) * rate / 1e9 - static_cast<double>(end);
    return d > 0 ? static_cast<uint64_t>(std::llround(d)) : 0;
  }
};

/** Inodes of the process's open sockets, by fd (from /proc/self/fd). */
std::vector<std::pair<int, ino_t>> OpenSockets() {
  std::vector<std::pair<int, ino_t>> out;
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) return out;
  const int self = dirfd(d);
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    const int fd = std::atoi(e->d_name);
    struct stat sb;
    if (fd == self || fstat(fd, &sb) != 0 || !S_ISSOCK(sb.st_mode)) continue;
    out.emplace_back(fd, sb.st_ino);
  }
  closedir(d);
  return out;
}

/** True for SoapyRemote device args (driver=remote, or a remote= key that SoapyRemote's discovery answers). */
bool IsRemoteArgs(const SoapySDR::Kwargs& kw) {
  const auto d = kw.find("driver");
  return (d != kw.end() && d->second == "remote") || kw.count("remote") != 0;
}

/** Numeric address of a socket's peer ("" when not connected or not IP). */
std::string PeerIp(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "";
  char buf[INET6_ADDRSTRLEN] = {0};
  if (getnameinfo(reinterpret_cast<sockaddr*>(&ss), len, buf, sizeof buf, nullptr, 0, NI_NUMERICHOST) != 0) return "";
  return buf;
}

/**
 * The addresses of the server a `remote=` URL names (tcp://host:port, host:port, [v6]:port or host; resolved as
 * SoapyRemote does, through getaddrinfo). Empty without a remote= key (a server found by discovery): then every socket
 * the device opened counts as its link.
 */
std::vector<std::string> RemotePeerIps(const SoapySDR::Kwargs& kw) {
  std::vector<std::string> out;
  const auto r = kw.find("remote");
  if (r == kw.end()) return out;
  std::string host = r->second;
  const size_t scheme = host.find("://");
  if (scheme != std::string::npos) host = host.substr(scheme + 3);
  if (!host.empty() && host[0] == '[') {
    host = host.substr(1, host.find(']') == std::string::npos ? std::string::npos : host.find(']') - 1);
  } else if (host.find(':') == host.rfind(':') && host.find(':') != std::string::npos) {
    host = host.substr(0, host.find(':'));  // host:port (one colon; more is a bare IPv6 address)
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0) return out;
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    char buf[INET6_ADDRSTRLEN] = {0};
    if (getnameinfo(a->ai_addr, a->ai_addrlen, buf, sizeof buf, nullptr, 0, NI_NUMERICHOST) == 0) out.emplace_back(buf);
  }
  freeaddrinfo(res);
  return out;
}

/**
 * The TCP sockets open now that were not in `before` and whose peer is one of `peerIps` (any peer when empty). Other
 * threads of the process (the HTTP server, other sensors) may open sockets meanwhile: the peer check keeps theirs out
 * unless they talk to the same server.
 */
std::vector<LinkSocket> NewLinkSockets(const std::vector<std::pair<int, ino_t>>& before, const std::vector<std::string>& peerIps) {
  std::vector<LinkSocket> out;
  for (const auto& fi : OpenSockets()) {
    if (std::find(before.begin(), before.end(), fi) != before.end()) continue;
    int type = 0;
    socklen_t len = sizeof type;
    if (getsockopt(fi.first, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) continue;
    if (!peerIps.empty() && std::find(peerIps.begin(), peerIps.end(), PeerIp(fi.first)) == peerIps.end()) continue;
    out.push_back({fi.first, fi.second});
  }
  return out;
}

/**
 * Linux's struct tcp_info as far as tcpi_bytes_acked (kernel ≥ 4.1): glibc's struct ends at tcpi_total_retrans (104
 * bytes, a multiple of 8, so the kernel's next u64 fields follow without padding).
 */
struct TcpInfoBytes {
  tcp_info base;
  uint64_t pacingRate, maxPacingRate, bytesAcked, bytesReceived;
};
static_assert(sizeof(tcp_info) == 104, "glibc tcp_info is expected to end at tcpi_total_retrans");

/**
 * Marks the device's RPC socket among the sockets its make opened: SoapyRemote opens two to the server, the RPC link
 * and (for the first device on that server) the log-forwarding link, which sends one request at its start and nothing
 * after. Called after open's ~20 control calls, the RPC socket is the one that has sent the most bytes. Left unmarked
 * when the kernel does not report tcpi_bytes_acked (then BreakLink falls back to "sent data since the stop began").
 */
void MarkRpcSocket(std::vector<LinkSocket>& sockets) {
  LinkSocket* best = nullptr;
  uint64_t bestBytes = 0;
  for (auto& ls : sockets) {
    TcpInfoBytes ti{};
    socklen_t len = sizeof ti;
    if (getsockopt(ls.fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 || len < sizeof ti) continue;
    if (ti.bytesAcked > bestBytes) {
      bestBytes = ti.bytesAcked;
      best = &ls;
    }
  }
  if (best != nullptr) best->rpc = true;
}

/**
 * Shuts `fd` down (waking a thread blocked in select, recv or send on it) and puts a fresh unconnected TCP socket of its
 * domain in its place, atomically with dup3: the fd number stays its owner's (SoapyRemote closes it later), and every
 * later recv/send on it fails at once (ENOTCONN/EPIPE). Returns the inode of the socket put in, 0 when none could be.
 */
ino_t ReplaceWithUnconnected(int fd) {
  int domain = AF_INET;
  socklen_t len = sizeof domain;
  getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len);
  const int fresh = socket(domain, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fresh < 0) return 0;
  struct stat fs;
  fstat(fresh, &fs);
  shutdown(fd, SHUT_RDWR);
  const bool replaced = dup3(fresh, fd, O_CLOEXEC) == fd;
  close(fresh);
  return replaced ? fs.st_ino : 0;
}

/**
 * Runs `onExpiry` on its own thread if it is not disarmed (destroyed) within `timeoutMs`. For SoapyRemote calls outside
 * streaming: SoapyRemote 0.5.2 waits up to 30 s for each RPC reply, polling the server with test connections that a
 * frozen server's kernel still accepts, and a failed open's unmake as long again (measured: a server frozen during the
 * open's reads held the open 60 s); breaking the RPC link when the deadline passes makes the call fail at once.
 */
class CallDeadline {
 public:
  CallDeadline(int timeoutMs, std::function<void()> onExpiry) : thread_([this, timeoutMs, onExpiry = std::move(onExpiry)] {
    std::unique_lock<std::mutex> lock(mutex_);
    if (cv_.wait_for(lock, std::chrono::milliseconds(timeoutMs), [this] { return done_; })) return;
    expired_ = true;
    lock.unlock();
    onExpiry();
  }) {}
  ~CallDeadline() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  CallDeadline(const CallDeadline&) = delete;
  CallDeadline& operator=(const CallDeadline&) = delete;
  /** True once the deadline passed (the link was broken). */
  bool Expired() {
    std::lock_guard<std::mutex> lock(mutex_);
    return expired_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  bool expired_ = false;
  std::thread thread_;  // last: started once the members above exist
};

/**
 * Breaks the RPC link of a SoapyRemote device whose call passed its deadline: among `sockets` (those its make opened to
 * the server, from NewLinkSockets; marked by MarkRpcSocket here when not yet), the RPC socket, or every one when it
 * cannot be told apart (an open still in make: only the RPC socket exists then, or it has sent the most). The
 * log-forwarding socket is left alone where it is known (replaced, SoapyRemote would reconnect it and leak the fd).
 */
void BreakRpcLink(std::vector<LinkSocket> sockets, int timeoutMs) {
  if (std::none_of(sockets.begin(), sockets.end(), [](const LinkSocket& ls) { return ls.rpc; })) MarkRpcSocket(sockets);
  const bool rpcKnown = std::any_of(sockets.begin(), sockets.end(), [](const LinkSocket& ls) { return ls.rpc; });
  for (const auto& ls : sockets) {
    struct stat sb;
    if ((rpcKnown && !ls.rpc) || fstat(ls.fd, &sb) != 0 || !S_ISSOCK(sb.st_mode) || sb.st_ino != ls.ino) continue;
    if (ReplaceWithUnconnected(ls.fd) != 0) {
      SoapySDR::logf(SOAPY_SDR_WARNING, "quietband: RPC socket fd %d replaced: the SoapyRemote server did not answer within %d ms", ls.fd, timeoutMs);
    }
  }
}

// SoapyRemote servers (the remote= URL) → devices of this process open or opening on them (worker threads share it)
std::mutex gRemoteMutex;
std::map<std::string, int> gRemoteUsers;

/** Counts a device opening on the server `url` (before its make). */
void UseRemote(const std::string& url) {
  if (url.empty()) return;
  std::lock_guard<std::mutex> lock(gRemoteMutex);
  gRemoteUsers[url]++;
}

/**
 * A device on the server `url` was unmade (or its make failed). When it was the process's last one on that server,
 * closes the sockets its make opened that are still open with their recorded inode: SoapyRemote 0.5.2's log-forwarding
 * link (client/LogAcceptor.cpp), shared by the devices of one server, reconnects after its server closed or broke it
 * by assigning a new socket over the old without closing it, and when the last device goes it closes only the new one
 * (measured: one fd left per server kill). Only sockets whose peer has closed are closed: a live one is still
 * someone's. The device's own RPC socket was closed by its destructor; an fd closed
 * and reused meanwhile has another inode and is left alone.
 */
void ReleaseRemote(const std::string& url, const std::vector<LinkSocket>& sockets) {
  if (url.empty()) return;
  std::lock_guard<std::mutex> lock(gRemoteMutex);
  auto it = gRemoteUsers.find(url);
  if (it == gRemoteUsers.end() || --it->second > 0) return;
  gRemoteUsers.erase(it);
  for (const auto& ls : sockets) {
    struct stat sb;
    tcp_info ti{};
    socklen_t len = sizeof ti;
    if (fstat(ls.fd, &sb) != 0 || !S_ISSOCK(sb.st_mode) || sb.st_ino != ls.ino) continue;
    if (getsockopt(ls.fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0) continue;
    if (ti.tcpi_state == TCP_CLOSE_WAIT || ti.tcpi_state == TCP_LAST_ACK || ti.tcpi_state == TCP_CLOSE) close(ls.fd);
  }
}

double SteadyNs() {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

void Stream::Run() {
  SoapySDR::Stream* st = nullptr;
  auto fail = [this](const std::string& call, const std::string& msg, int rc) {
    endCall = call;
    endError = msg;
    endRc = rc;
  };
  double rate = 0;
  try {
    rate = dev->getSampleRate(SOAPY_SDR_RX, 0);
    const auto before = remote ? OpenSockets() : std::vector<std::pair<int, ino_t>>{};
    st = dev->setupStream(SOAPY_SDR_RX, format, std::vector<size_t>{0}, SoapySDR::KwargsFromString(streamArgs));
    // The TCP sockets setupStream opened: SoapyRemote's stream link (remote:prot=tcp). Kept to unblock a read that its
    // server's death or silence left stuck (BreakLink); UDP sockets and sockets other threads had are left alone.
    if (remote) {
      auto opened = NewLinkSockets(before, peerIps);
      std::lock_guard<std::mutex> lock(sockMutex);
      streamSockets = std::move(opened);
    }
    const int rc = dev->activateStream(st);
    if (rc != 0) fail("activateStream", std::string("activateStream returned ") + SoapySDR::errToStr(rc), rc);
  } catch (const std::exception& e) {
    fail(st == nullptr ? "setupStream" : "activateStream", e.what(), 0);
  }
  // Stream position of the next block's first sample. Samples the driver lost advance it too, so every block's
  // sampleOffset is its first sample's true index since start (docs/receivers.md, "Sample positions across overflows"):
  // - time stamps (SOAPY_SDR_HAS_TIME) are used once they have proved exact: the first stamped read fixes time0 (ns at
  //   position 0), and every later one without an overflow before it must land on time0 + position / rate to within
  //   half a sample. After 4 such reads the stamps are trusted: a trusted read past its expected time lost
  //   round((timeNs − expected) · rate / 1e9) samples before it. One stamped read off its time without an overflow
  //   (SoapyRTLSDR 0.3.3 counts bytes, not samples; other drivers stamp every fragment of a transfer with the
  //   transfer's time, or from the host clock) makes them untrusted for the rest of the stream. A time earlier than
  //   expected by 1 s or more is a restarted clock: time0 is fixed again;
  // - an overflow with no trusted stamp after it, or one that shows nothing lost (stamps counting only the samples
  //   delivered), or on a driver without stamps: the loss is estimated from the wall clock (WallAnchor), and time0
  //   follows the estimate.
  // A gap inside a block gives up the samples read before it (samplesGivenUp): the block restarts after the gap.
  uint64_t sampleOffset = 0;
  uint32_t overflowsSince = 0;
  int consecutiveErrors = 0;
  bool timed = false;
  enum class Stamps { kUnproven, kTrusted, kUntrusted } stamps = Stamps::kUnproven;
  int exactReads = 0;
  double time0Ns = 0;
  bool overflowPending = false;
  WallAnchor wall;
  while (endError.empty() && !cancelRequested.load(std::memory_order_relaxed)) {
    uint32_t taken = 0;
    const int32_t index = slotPool.Take(taken) ? static_cast<int32_t>(taken) : -1;
    uint8_t* base = index >= 0 ? pool + static_cast<size_t>(index) * blockSamples * bytesPerSample : scratch.data();
    uint32_t got = 0;
    while (got < blockSamples && !cancelRequested.load(std::memory_order_relaxed)) {
      void* buffs[1] = {base + static_cast<size_t>(got) * bytesPerSample};
      int flags = 0;
      long long timeNs = 0;
      int rc;
      try {
        rc = dev->readStream(st, buffs, blockSamples - got, flags, timeNs, 100000);
      } catch (const std::exception& e) {
        fail("readStream", e.what(), 0);
        break;
      }
      if (rc > 0) {
        consecutiveErrors = 0;
        const double nowNs = SteadyNs();
        const uint64_t at = sampleOffset + got;  // where these samples belong if nothing was lost
        uint64_t lost = 0;
        if (rate > 0 && (flags & SOAPY_SDR_HAS_TIME) != 0) {
          const double d = (static_cast<double>(timeNs) - time0Ns) * rate / 1e9 - static_cast<double>(at);
          if (!timed || d <= -rate) {
            time0Ns = static_cast<double>(timeNs) - static_cast<double>(at) * 1e9 / rate;
            timed = true;
          } else if (stamps == Stamps::kTrusted && d >= 0.5) {
            lost = static_cast<uint64_t>(std::llround(d));
          } else if (!overflowPending && stamps == Stamps::kUnproven) {
            if (std::abs(d) < 0.5) {
              if (++exactReads >= 4) stamps = Stamps::kTrusted;
            } else {
              stamps = Stamps::kUntrusted;
            }
          }
        }
        bool estimated = false;
        if (rate > 0 && overflowPending && lost == 0) {
          lost = wall.Lost(nowNs, at + static_cast<uint64_t>(rc), rate);
          estimated = lost > 0;
          if (timed && (flags & SOAPY_SDR_HAS_TIME) != 0) time0Ns = static_cast<double>(timeNs) - static_cast<double>(at + lost) * 1e9 / rate;
        }
        overflowPending = false;
        if (lost > 0) {
          samplesLost.fetch_add(lost);
          samplesGivenUp.fetch_add(got);
          gaps.fetch_add(1);
          if (estimated) estimatedGaps.fetch_add(1);
          if (got > 0) std::memmove(base, base + static_cast<size_t>(got) * bytesPerSample, static_cast<size_t>(rc) * bytesPerSample);
          sampleOffset = at + lost;
          position.store(sampleOffset);
          got = 0;
        }
        got += static_cast<uint32_t>(rc);
        if (rate > 0) wall.Update(nowNs, sampleOffset + got, rate);
      } else if (rc == SOAPY_SDR_TIMEOUT || rc == 0) {
        timeouts.fetch_add(1);  // the JS side watches the data age (stall watchdog)
      } else if (rc == SOAPY_SDR_OVERFLOW) {
        overflows.fetch_add(1);
        overflowsSince++;
        overflowPending = true;
      } else {
        readErrors.fetch_add(1);
        // A lost device reports errors on every call; a transient glitch does not last 50 calls.
        if (++consecutiveErrors >= 50) {
          fail("readStream", std::string("readStream returned ") + SoapySDR::errToStr(rc) + " 50 times in a row", rc);
          break;
        }
      }
    }
    if (got < blockSamples) {  // stopped mid-block: the partial block is not delivered
      if (index >= 0) slotPool.Free(static_cast<uint32_t>(index));
      break;
    }
    const uint64_t seq = producedBlocks.fetch_add(1);
    const uint64_t offset = sampleOffset;
    sampleOffset += blockSamples;
    position.store(sampleOffset);
    if (index < 0) {
      droppedBlocks.fetch_add(1);
      continue;
    }
    Slot& slot = slots[index];
    slot.samples = blockSamples;
    slot.seq = seq;
    slot.sampleOffset = offset;
    slot.overflowsBefore = overflowsSince;
    overflowsSince = 0;
    if (tsfn.NonBlockingCall(&slot) != napi_ok) Drop(&slot);
  }
  if (st != nullptr) {
    // separately: a deactivate that failed (the link broken by BreakLink) must not skip the closeStream that frees the
    // stream's sockets and buffers
    try {
      dev->deactivateStream(st);
    } catch (...) {
    }
    try {
      dev->closeStream(st);
    } catch (...) {
      // SoapyRemote's closeStream throws at its RPC, before it deletes the stream's endpoint: the endpoint and its
      // sockets stay allocated for good. Close the sockets BreakLink put in (the buffers, a few kB, are lost).
      CloseReplacedStreamSockets();
    }
  }
  {
    std::lock_guard<std::mutex> lock(doneMutex);
    readDone = true;
  }
  doneCv.notify_all();
  tsfn.Release();
}

/** How long a stop waits for the read thread before it breaks a SoapyRemote link whose server does not answer (ms). */
constexpr int kLinkGraceMs = 1000;

/**
 * Frees a read thread stuck on a SoapyRemote link; returns the sockets replaced.
 *
 * Always: the stream's sockets whose peer has closed (TCP state CLOSE_WAIT, LAST_ACK or CLOSE). SoapyRemote 0.5 over
 * TCP (client/Streaming.cpp → StreamEndpoint::acquireRecv) reads a packet header with recv(MSG_WAITALL), treats only
 * ret < 0 as an error, then loops `while (bytesRecvd < bytes) recv(...)` with `bytes` from that header. When the server
 * dies its socket is at EOF: recv returns 0, the header is the previous packet's (stale) and the loop spins forever on
 * recv() == 0 (measured: 100 % of a core, readStream never returns, stop timed out after 10 s).
 *
 * From `sinceStopMs` ≥ kLinkGraceMs on, when the device args name the server (remote=, resolved to `peerIps`; a server
 * found by discovery gets only the above): the stream's sockets and the device's RPC socket (MarkRpcSocket; on which the
 * stop's deactivateStream and closeStream wait, or a retune in flight that holds SoapyRemote's device mutex, so that
 * the stop's RPCs wait behind it; SoapyRemote's log-forwarding socket is left alone: replaced, SoapyRemote would
 * reconnect it and leak the fd). A server
 * that vanished without closing (power cut, cable pulled, Wi-Fi gone; a frozen process) leaves the sockets
 * ESTABLISHED: the read thread, stopping, waits in deactivateStream's RPC, which SoapyRemote gives 30 s, polling every
 * 3 s with a test connection to the server (which a frozen server's kernel still accepts), then as long again in
 * closeStream and twice in the device's destructor (measured with a SIGSTOPped SoapySDRServer: stop timed out after 10 s twice, the device was never unmade,
 * and SoapySDR's device table then handed its dead object to the next make, so the sensor never reopened).
 *
 * A socket is shut down (waking a thread blocked in select or recv on it), then replaced, atomically with dup3, by a
 * fresh unconnected TCP socket: every later recv/send fails (ENOTCONN/EPIPE), SoapyRemote's RPC throws and readStream
 * returns an error. The fd number stays owned by SoapyRemote, which closes it later (CloseReplacedStreamSockets when it
 * cannot); the inode check skips an fd that was closed and reused meanwhile. Before the grace a live link is never
 * touched; after it the device is lost for good (its control calls fail at once; close() and reopen).
 * @param sinceStopMs time since the stop that waits began (ms)
 */
int Stream::BreakLink(int64_t sinceStopMs) {
  const bool whole = sinceStopMs >= kLinkGraceMs;
  std::lock_guard<std::mutex> lock(sockMutex);
  const bool rpcKnown = std::any_of(deviceSockets.begin(), deviceSockets.end(), [](const LinkSocket& ls) { return ls.rpc; });
  int broken = 0;
  for (auto* list : {&streamSockets, &deviceSockets}) {
    for (auto& ls : *list) {
      if (ls.fd < 0 || ls.replacedBy != 0) continue;
      struct stat sb;
      if (fstat(ls.fd, &sb) != 0 || !S_ISSOCK(sb.st_mode) || sb.st_ino != ls.ino) {
        ls.fd = -1;  // closed (and maybe reused): not ours any more
        continue;
      }
      tcp_info ti{};
      socklen_t len = sizeof ti;
      if (getsockopt(ls.fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0) continue;
      const bool peerClosed = ti.tcpi_state == TCP_CLOSE_WAIT || ti.tcpi_state == TCP_LAST_ACK || ti.tcpi_state == TCP_CLOSE;
      // a live socket is broken only when its peer is the server's address (peerIps known: see NewLinkSockets)
      const bool live = whole && !peerIps.empty();
      // the device's RPC socket; when it could not be told apart, a socket that sent data since the stop began
      // (tcpi_last_data_sent: ms since its last data, in jiffies: a few ms of resolution)
      const bool rpc = ls.rpc || (!rpcKnown && static_cast<int64_t>(ti.tcpi_last_data_sent) <= sinceStopMs);
      if (list == &streamSockets ? !(peerClosed || live) : !(live && rpc)) continue;
      const ino_t fresh = ReplaceWithUnconnected(ls.fd);
      if (fresh != 0) {
        SoapySDR::logf(SOAPY_SDR_WARNING, "quietband: %s socket fd %d (TCP state %d) replaced so that the stuck read returns: %s",
                       list == &streamSockets ? "stream" : "RPC", ls.fd, int(ti.tcpi_state),
                       peerClosed ? "the server closed it" : "the server did not answer the stop");
        broken++;
        brokenSockets.fetch_add(1);
        ls.replacedBy = fresh;
      }
    }
  }
  return broken;
}

/** Closes the unconnected sockets BreakLink put in the stream's place, when SoapyRemote's closeStream could not. */
void Stream::CloseReplacedStreamSockets() {
  std::lock_guard<std::mutex> lock(sockMutex);
  for (auto& ls : streamSockets) {
    struct stat sb;
    if (ls.fd >= 0 && ls.replacedBy != 0 && fstat(ls.fd, &sb) == 0 && sb.st_ino == ls.replacedBy) close(ls.fd);
    ls.fd = -1;
  }
}

bool Stream::WaitDone(int timeoutMs) {
  cancelRequested.store(true);
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = timeoutMs < 0 ? std::chrono::steady_clock::time_point::max() : start + std::chrono::milliseconds(timeoutMs);
  std::unique_lock<std::mutex> lock(doneMutex);
  // 200 ms slices (2 readStream timeouts: a healthy reader has stopped by then): each frees a read spinning on a closed
  // link; after kLinkGraceMs (a live server answers the stop's RPCs within milliseconds) the whole link is broken
  for (;;) {
    const auto slice = std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(200));
    if (doneCv.wait_until(lock, slice, [this] { return readDone; })) return true;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    lock.unlock();
    BreakLink(std::chrono::duration_cast<std::chrono::milliseconds>(now - start).count());
    lock.lock();
  }
}

void Stream::Drop(Slot* slot) {
  slotPool.Free(slot->index);
  droppedBlocks.fetch_add(1);
}

Napi::Object Stream::Stats(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("producedBlocks", Napi::Number::New(env, static_cast<double>(producedBlocks.load())));
  o.Set("deliveredBlocks", Napi::Number::New(env, static_cast<double>(deliveredBlocks.load())));
  o.Set("droppedBlocks", Napi::Number::New(env, static_cast<double>(droppedBlocks.load())));
  o.Set("overflows", Napi::Number::New(env, static_cast<double>(overflows.load())));
  o.Set("timeouts", Napi::Number::New(env, static_cast<double>(timeouts.load())));
  o.Set("samplesLost", Napi::Number::New(env, static_cast<double>(samplesLost.load())));
  o.Set("samplesGivenUp", Napi::Number::New(env, static_cast<double>(samplesGivenUp.load())));
  o.Set("gaps", Napi::Number::New(env, static_cast<double>(gaps.load())));
  o.Set("estimatedGaps", Napi::Number::New(env, static_cast<double>(estimatedGaps.load())));
  o.Set("nextSampleOffset", Napi::Number::New(env, static_cast<double>(position.load())));
  o.Set("slotsInUse", Napi::Number::New(env, slotPool.InUse()));
  o.Set("slotCount", Napi::Number::New(env, slotCount));
  return o;
}

// TSFN dispatch (JS thread): onBlock(slot, seq, sampleOffset, overflowsBefore). Raw N-API calls: see
// qbshared::DeliverBlock.
void CallJs(Napi::Env env, Napi::Function onBlock, Stream* s, Slot* slot) {
  if (env == nullptr || onBlock.IsEmpty()) {
    s->Drop(slot);
    return;
  }
  napi_value argv[4], recv;
  if (napi_create_uint32(env, slot->index, &argv[0]) != napi_ok ||
      napi_create_double(env, static_cast<double>(slot->seq), &argv[1]) != napi_ok ||
      napi_create_double(env, static_cast<double>(slot->sampleOffset), &argv[2]) != napi_ok ||
      napi_create_uint32(env, slot->overflowsBefore, &argv[3]) != napi_ok || napi_get_undefined(env, &recv) != napi_ok) {
    s->Drop(slot);
    return;
  }
  qbshared::DeliverBlock(env, onBlock, recv, s, slot, 4, argv);
}

void Device::OnStreamFinalized(Napi::Env env, Stream* s) {
  std::shared_ptr<Stream> keep = stream_;
  lastProduced_ = s->producedBlocks.load();
  lastDelivered_ = s->deliveredBlocks.load();
  lastDropped_ = s->droppedBlocks.load();
  lastOverflows_ = s->overflows.load();
  lastTimeouts_ = s->timeouts.load();
  lastLost_ = s->samplesLost.load();
  lastGivenUp_ = s->samplesGivenUp.load();
  lastGaps_ = s->gaps.load();
  lastEstimatedGaps_ = s->estimatedGaps.load();
  lastPosition_ = s->position.load();
  if (stream_.get() == s) stream_.reset();
  s->owner = nullptr;
  s->poolRef.Reset();
  Napi::FunctionReference onEnd = std::move(s->onEnd);
  const bool failed = !s->endError.empty();
  qbshared::StreamEndError error;
  if (failed) error = {"ERR_SOAPY", s->endCall + ": " + s->endError, s->endCall, s->endRc};
  napi_reference_unref(env, static_cast<napi_ref>(*this), nullptr);  // pairs with Ref() in Start()
  qbshared::CallOnEnd(env, std::move(onEnd), failed ? &error : nullptr);
}

// ---- device methods ----

Napi::Function Device::Define(Napi::Env env) {
  return DefineClass(env, "SoapyDevice",
                     {
                         InstanceMethod<&Device::Open>("open"),
                         InstanceMethod<&Device::Close>("close"),
                         InstanceMethod<&Device::SetSampleRate>("setSampleRate"),
                         InstanceMethod<&Device::SetBandwidth>("setBandwidth"),
                         InstanceMethod<&Device::SetFrequency>("setFrequency"),
                         InstanceMethod<&Device::SetGainMode>("setGainMode"),
                         InstanceMethod<&Device::SetGain>("setGain"),
                         InstanceMethod<&Device::GetGains>("getGains"),
                         InstanceMethod<&Device::SetAntenna>("setAntenna"),
                         InstanceMethod<&Device::SetFreqCorrection>("setFreqCorrection"),
                         InstanceMethod<&Device::WriteSetting>("writeSetting"),
                         InstanceMethod<&Device::Start>("start"),
                         InstanceMethod<&Device::ReleaseSlot>("releaseSlot"),
                         InstanceMethod<&Device::Stop>("stop"),
                         InstanceMethod<&Device::GetStats>("stats"),
                         InstanceMethod<&Device::JsRef>("ref"),
                         InstanceMethod<&Device::JsUnref>("unref"),
                     });
}

bool Device::CheckOpen(Napi::Env env) {
  if (dev_ == nullptr) {
    MakeError(env, "ERR_NOT_OPEN", "the Soapy device is not open").ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

/** The error of a SoapyRemote call abandoned at its deadline (mapSoapyError words it for the user). */
std::runtime_error RemoteSilent(int timeoutMs) {
  return std::runtime_error("the SoapyRemote server did not answer within " + std::to_string(timeoutMs) + " ms (frozen, or its link cut): call abandoned");
}

Napi::Value Device::Queue(Napi::Env env, const std::string& call, std::function<void()> exec,
                          std::function<Napi::Value(Napi::Env)> result) {
  if (!CheckOpen(env)) return env.Undefined();
  pending_++;
  // a SoapyRemote device outside streaming (while streaming, a stop breaks a dead link: Stream::WaitDone): bounded
  const bool bounded = remote_ && !peerIps_.empty() && !stream_;
  auto* t = new Task(
      env, call,
      [this, exec = std::move(exec), bounded, sockets = bounded ? linkSockets_ : std::vector<LinkSocket>{}, ms = remoteCallMs_] {
        std::lock_guard<std::mutex> lock(ctrl_);
        std::unique_ptr<CallDeadline> deadline;
        if (bounded) deadline = std::make_unique<CallDeadline>(ms, [sockets, ms] { BreakRpcLink(sockets, ms); });
        try {
          exec();
        } catch (...) {
          if (deadline && deadline->Expired()) throw RemoteSilent(ms);
          throw;
        }
      },
      std::move(result), [this] { pending_--; });
  Napi::Promise p = t->Promise();
  t->Queue();
  return p;
}

/** Everything the JS side needs to validate settings against, read once at open (channel 0, RX). */
struct OpenInfo {
  std::string driverKey, hardwareKey, nativeFormat;
  double fullScale = 0;
  SoapySDR::Kwargs hardwareInfo;
  SoapySDR::RangeList freqRanges, rateRanges, bandwidthRanges;
  std::vector<double> rates;
  std::vector<std::string> gainNames, antennas, formats;
  std::vector<SoapySDR::Range> gainRanges;
  SoapySDR::Range gainRange;
  std::string antenna;
  bool hasAgc = false, hasCorrection = false;
  size_t rxChannels = 0;
  bool remote = false;
  std::string remoteUrl;  // the remote= key ("" when the server was discovered)
  std::vector<std::string> peerIps;
  std::vector<LinkSocket> linkSockets;
};

// open(args: string) -> Promise<info>
Napi::Value Device::Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (dev_ != nullptr || pending_ > 0) {
    MakeError(env, "ERR_PENDING", "open() refused: the device is already open or opening").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (info.Length() < 1 || !info[0].IsString()) {
    Napi::TypeError::New(env, "open(args): args must be a string such as \"driver=rtlsdr,serial=0001\"").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const std::string args = info[0].As<Napi::String>();
  if (info.Length() >= 2 && !info[1].IsUndefined()) {
    if (!info[1].IsNumber() || info[1].As<Napi::Number>().Int32Value() < 1) {
      Napi::TypeError::New(env, "open(args, remoteCallMs): remoteCallMs must be a whole number of ms >= 1").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    remoteCallMs_ = info[1].As<Napi::Number>().Int32Value();
  }
  const int callMs = remoteCallMs_;
  auto made = std::make_shared<SoapySDR::Device*>(nullptr);
  auto oi = std::make_shared<OpenInfo>();
  pending_++;
  auto* t = new Task(
      env, "SoapySDR::Device::make",
      [made, oi, args, callMs] {
        // a SoapyRemote device: the sockets make opens to the server are its RPC link (see Stream::BreakLink)
        const SoapySDR::Kwargs kw = SoapySDR::KwargsFromString(args);
        oi->remote = IsRemoteArgs(kw);
        if (oi->remote) {
          oi->peerIps = RemotePeerIps(kw);
          if (kw.count("remote") != 0) oi->remoteUrl = kw.at("remote");
        }
        const auto before = oi->remote ? OpenSockets() : std::vector<std::pair<int, ino_t>>{};
        UseRemote(oi->remoteUrl);
        // a server that stops answering during the open (make and the reads below, ≈ 100 ms) holds each RPC 30 s:
        // past callMs the sockets opened to it since `before` are broken (CallDeadline)
        std::unique_ptr<CallDeadline> deadline;
        if (!oi->peerIps.empty()) {
          deadline = std::make_unique<CallDeadline>(callMs, [before, peers = oi->peerIps, callMs] { BreakRpcLink(NewLinkSockets(before, peers), callMs); });
        }
        const auto abandoned = [&deadline] { return deadline != nullptr && deadline->Expired(); };
        SoapySDR::Device* d = nullptr;
        try {
          d = SoapySDR::Device::make(args);
        } catch (...) {
          ReleaseRemote(oi->remoteUrl, {});
          if (abandoned()) throw RemoteSilent(callMs);
          throw;
        }
        *made = d;
        try {
          // only with the server's address known: unfiltered, a socket another thread opened meanwhile could be taken
          if (!oi->peerIps.empty()) oi->linkSockets = NewLinkSockets(before, oi->peerIps);
          oi->rxChannels = d->getNumChannels(SOAPY_SDR_RX);
          if (oi->rxChannels == 0) throw std::runtime_error("the device has no receive channel");
          oi->driverKey = d->getDriverKey();
          oi->hardwareKey = d->getHardwareKey();
          oi->hardwareInfo = d->getHardwareInfo();
          oi->nativeFormat = d->getNativeStreamFormat(SOAPY_SDR_RX, 0, oi->fullScale);
          oi->formats = d->getStreamFormats(SOAPY_SDR_RX, 0);
          oi->freqRanges = d->getFrequencyRange(SOAPY_SDR_RX, 0);
          oi->rateRanges = d->getSampleRateRange(SOAPY_SDR_RX, 0);
          oi->rates = d->listSampleRates(SOAPY_SDR_RX, 0);
          oi->bandwidthRanges = d->getBandwidthRange(SOAPY_SDR_RX, 0);
          oi->gainNames = d->listGains(SOAPY_SDR_RX, 0);
          for (const auto& g : oi->gainNames) oi->gainRanges.push_back(d->getGainRange(SOAPY_SDR_RX, 0, g));
          oi->gainRange = d->getGainRange(SOAPY_SDR_RX, 0);
          oi->antennas = d->listAntennas(SOAPY_SDR_RX, 0);
          oi->antenna = oi->antennas.empty() ? "" : d->getAntenna(SOAPY_SDR_RX, 0);
          oi->hasAgc = d->hasGainMode(SOAPY_SDR_RX, 0);
          oi->hasCorrection = d->hasFrequencyCorrection(SOAPY_SDR_RX, 0);
          MarkRpcSocket(oi->linkSockets);
        } catch (...) {
          if (abandoned()) throw RemoteSilent(callMs);
          throw;
        }
        // broken as the reads finished: the device's link is gone, so is the device
        if (abandoned()) throw RemoteSilent(callMs);
      },
      [this, made, oi](Napi::Env env) -> Napi::Value {
        dev_ = *made;
        remote_ = oi->remote;
        remoteUrl_ = oi->remoteUrl;
        peerIps_ = oi->peerIps;
        linkSockets_ = oi->linkSockets;
        Napi::Object o = Napi::Object::New(env);
        o.Set("driverKey", oi->driverKey);
        o.Set("hardwareKey", oi->hardwareKey);
        o.Set("hardwareInfo", KwargsToObject(env, oi->hardwareInfo));
        o.Set("rxChannels", Napi::Number::New(env, static_cast<double>(oi->rxChannels)));
        o.Set("nativeFormat", oi->nativeFormat);
        o.Set("fullScale", oi->fullScale);
        o.Set("streamFormats", StringsToArray(env, oi->formats));
        o.Set("frequencyRangesHz", RangesToArray(env, oi->freqRanges));
        o.Set("rateRangesSps", RangesToArray(env, oi->rateRanges));
        Napi::Array rates = Napi::Array::New(env, oi->rates.size());
        for (size_t i = 0; i < oi->rates.size(); i++) rates.Set(static_cast<uint32_t>(i), oi->rates[i]);
        o.Set("ratesSps", rates);
        o.Set("bandwidthRangesHz", RangesToArray(env, oi->bandwidthRanges));
        Napi::Array gains = Napi::Array::New(env, oi->gainNames.size());
        for (size_t i = 0; i < oi->gainNames.size(); i++) {
          Napi::Object g = Napi::Object::New(env);
          g.Set("name", oi->gainNames[i]);
          g.Set("minDb", oi->gainRanges[i].minimum());
          g.Set("maxDb", oi->gainRanges[i].maximum());
          g.Set("stepDb", oi->gainRanges[i].step());
          gains.Set(static_cast<uint32_t>(i), g);
        }
        o.Set("gainElements", gains);
        Napi::Array total = Napi::Array::New(env, 3);
        total.Set(0u, oi->gainRange.minimum());
        total.Set(1u, oi->gainRange.maximum());
        total.Set(2u, oi->gainRange.step());
        o.Set("gainRangeDb", total);
        o.Set("antennas", StringsToArray(env, oi->antennas));
        o.Set("antenna", oi->antenna);
        o.Set("hasAgc", oi->hasAgc);
        o.Set("hasFreqCorrection", oi->hasCorrection);
        return o;
      },
      [this, made, oi] {
        pending_--;
        // open failed after make succeeded (no RX channel): unmake on the JS thread, it is quick
        if (*made != nullptr && dev_ == nullptr) {
          try {
            SoapySDR::Device::unmake(*made);
          } catch (...) {
          }
          ReleaseRemote(oi->remoteUrl, oi->linkSockets);
        }
      });
  Napi::Promise p = t->Promise();
  t->Queue();
  return p;
}

Napi::Value Device::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (stream_) {
    MakeError(env, "ERR_STREAMING", "close() refused while streaming: call stop() first").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (pending_ > 0) {
    MakeError(env, "ERR_PENDING", "close() refused: a call is in flight").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (dev_ == nullptr) {
    auto d = Napi::Promise::Deferred::New(env);
    d.Resolve(env.Undefined());
    return d.Promise();
  }
  SoapySDR::Device* d = dev_;
  dev_ = nullptr;
  pending_++;
  const bool bounded = remote_ && !peerIps_.empty();
  auto* t = new Task(env, "SoapySDR::Device::unmake", [d, url = remoteUrl_, sockets = linkSockets_, bounded, ms = remoteCallMs_] {
    {
      // SoapyRemote's destructor sends its RPCs to a server that may have frozen (30 s per reply): bounded as the calls
      std::unique_ptr<CallDeadline> deadline;
      if (bounded) deadline = std::make_unique<CallDeadline>(ms, [sockets, ms] { BreakRpcLink(sockets, ms); });
      try {
        SoapySDR::Device::unmake(d);
      } catch (...) {
        if (!(deadline && deadline->Expired())) throw;  // broken on purpose: the device is gone all the same
      }
    }
    ReleaseRemote(url, sockets);
  }, nullptr, [this] { pending_--; });
  Napi::Promise p = t->Promise();
  t->Queue();
  return p;
}

namespace {
bool NumberArg(const Napi::CallbackInfo& info, size_t i, double& out) {
  if (info.Length() <= i || !info[i].IsNumber()) {
    Napi::TypeError::New(info.Env(), "expected a number").ThrowAsJavaScriptException();
    return false;
  }
  out = info[i].As<Napi::Number>().DoubleValue();
  return true;
}
bool StringArg(const Napi::CallbackInfo& info, size_t i, std::string& out) {
  if (info.Length() <= i || !info[i].IsString()) {
    Napi::TypeError::New(info.Env(), "expected a string").ThrowAsJavaScriptException();
    return false;
  }
  out = info[i].As<Napi::String>().Utf8Value();
  return true;
}
Napi::Value NumberResult(std::shared_ptr<double> v, Napi::Env env) { return Napi::Number::New(env, *v); }
}  // namespace

Napi::Value Device::SetSampleRate(const Napi::CallbackInfo& info) {
  double v;
  if (!NumberArg(info, 0, v)) return info.Env().Undefined();
  auto out = std::make_shared<double>(0);
  return Queue(info.Env(), "setSampleRate", [this, v, out] {
    dev_->setSampleRate(SOAPY_SDR_RX, 0, v);
    *out = dev_->getSampleRate(SOAPY_SDR_RX, 0);
  }, [out](Napi::Env env) { return NumberResult(out, env); });
}

Napi::Value Device::SetBandwidth(const Napi::CallbackInfo& info) {
  double v;
  if (!NumberArg(info, 0, v)) return info.Env().Undefined();
  auto out = std::make_shared<double>(0);
  return Queue(info.Env(), "setBandwidth", [this, v, out] {
    dev_->setBandwidth(SOAPY_SDR_RX, 0, v);
    *out = dev_->getBandwidth(SOAPY_SDR_RX, 0);
  }, [out](Napi::Env env) { return NumberResult(out, env); });
}

Napi::Value Device::SetFrequency(const Napi::CallbackInfo& info) {
  double v;
  if (!NumberArg(info, 0, v)) return info.Env().Undefined();
  auto out = std::make_shared<double>(0);
  return Queue(info.Env(), "setFrequency", [this, v, out] {
    dev_->setFrequency(SOAPY_SDR_RX, 0, v);
    *out = dev_->getFrequency(SOAPY_SDR_RX, 0);
  }, [out](Napi::Env env) { return NumberResult(out, env); });
}

Napi::Value Device::SetGainMode(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsBoolean()) {
    Napi::TypeError::New(info.Env(), "setGainMode(agc: boolean)").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  const bool agc = info[0].As<Napi::Boolean>();
  return Queue(info.Env(), "setGainMode", [this, agc] { dev_->setGainMode(SOAPY_SDR_RX, 0, agc); }, nullptr);
}

// setGain(name, dB) -> read-back dB; name "" sets the overall gain (the driver distributes it over its elements)
Napi::Value Device::SetGain(const Napi::CallbackInfo& info) {
  std::string name;
  double v;
  if (!StringArg(info, 0, name) || !NumberArg(info, 1, v)) return info.Env().Undefined();
  auto out = std::make_shared<double>(0);
  return Queue(info.Env(), "setGain", [this, name, v, out] {
    if (name.empty()) {
      dev_->setGain(SOAPY_SDR_RX, 0, v);
      *out = dev_->getGain(SOAPY_SDR_RX, 0);
    } else {
      dev_->setGain(SOAPY_SDR_RX, 0, name, v);
      *out = dev_->getGain(SOAPY_SDR_RX, 0, name);
    }
  }, [out](Napi::Env env) { return NumberResult(out, env); });
}

// getGains() -> { [element]: dB } read back from the driver
Napi::Value Device::GetGains(const Napi::CallbackInfo& info) {
  auto out = std::make_shared<std::vector<std::pair<std::string, double>>>();
  return Queue(info.Env(), "getGain", [this, out] {
    for (const auto& name : dev_->listGains(SOAPY_SDR_RX, 0)) out->emplace_back(name, dev_->getGain(SOAPY_SDR_RX, 0, name));
  }, [out](Napi::Env env) -> Napi::Value {
    Napi::Object o = Napi::Object::New(env);
    for (const auto& kv : *out) o.Set(kv.first, kv.second);
    return o;
  });
}

Napi::Value Device::SetAntenna(const Napi::CallbackInfo& info) {
  std::string name;
  if (!StringArg(info, 0, name)) return info.Env().Undefined();
  auto out = std::make_shared<std::string>();
  return Queue(info.Env(), "setAntenna", [this, name, out] {
    dev_->setAntenna(SOAPY_SDR_RX, 0, name);
    *out = dev_->getAntenna(SOAPY_SDR_RX, 0);
  }, [out](Napi::Env env) -> Napi::Value { return Napi::String::New(env, *out); });
}

// setFreqCorrection(ppm) -> read-back ppm
Napi::Value Device::SetFreqCorrection(const Napi::CallbackInfo& info) {
  double v;
  if (!NumberArg(info, 0, v)) return info.Env().Undefined();
  auto out = std::make_shared<double>(0);
  return Queue(info.Env(), "setFrequencyCorrection", [this, v, out] {
    dev_->setFrequencyCorrection(SOAPY_SDR_RX, 0, v);
    *out = dev_->getFrequencyCorrection(SOAPY_SDR_RX, 0);
  }, [out](Napi::Env env) { return NumberResult(out, env); });
}

Napi::Value Device::WriteSetting(const Napi::CallbackInfo& info) {
  std::string key, value;
  if (!StringArg(info, 0, key) || !StringArg(info, 1, value)) return info.Env().Undefined();
  return Queue(info.Env(), "writeSetting", [this, key, value] { dev_->writeSetting(key, value); }, nullptr);
}

// start({ format, blockSamples, poolSlots, streamArgs? }, onBlock(slot, seq, sampleOffset, overflowsBefore), onEnd(err|null)) -> ArrayBuffer
Napi::Value Device::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckOpen(env) || !qbshared::CheckStartArgs(info, stream_ != nullptr)) return env.Undefined();
  Napi::Object opts = info[0].As<Napi::Object>();
  const std::string format = opts.Get("format").IsString() ? opts.Get("format").As<Napi::String>().Utf8Value() : "";
  const size_t bps = SoapySDR::formatToSize(format);
  if (format.empty() || bps == 0) {
    Napi::RangeError::New(env, "format must be a Soapy stream format such as CS8, CS16 or CF32").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const double blockD = opts.Get("blockSamples").IsNumber() ? opts.Get("blockSamples").As<Napi::Number>().DoubleValue() : 0;
  const double slotsD = opts.Get("poolSlots").IsNumber() ? opts.Get("poolSlots").As<Napi::Number>().DoubleValue() : 0;
  if (!(blockD >= 256 && blockD <= (1 << 22)) || blockD != static_cast<double>(static_cast<uint32_t>(blockD)) ||
      !(slotsD >= 2 && slotsD <= 4096) || slotsD != static_cast<double>(static_cast<uint32_t>(slotsD))) {
    Napi::RangeError::New(env, "blockSamples must be an integer in 256..4194304 and poolSlots in 2..4096").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const uint32_t blockSamples = static_cast<uint32_t>(blockD), poolSlots = static_cast<uint32_t>(slotsD);
  Napi::ArrayBuffer ab =
      qbshared::NewPool(env, static_cast<size_t>(blockSamples) * bps * poolSlots, "blockSamples * bytes per sample * poolSlots");
  if (ab.IsEmpty()) return env.Undefined();
  auto s = std::make_shared<Stream>();
  s->format = format;
  s->streamArgs = opts.Get("streamArgs").IsString() ? opts.Get("streamArgs").As<Napi::String>().Utf8Value() : "";
  s->remote = remote_;
  s->peerIps = peerIps_;
  s->deviceSockets = linkSockets_;
  s->bytesPerSample = bps;
  s->blockSamples = blockSamples;
  s->slotCount = poolSlots;
  s->scratch.resize(static_cast<size_t>(blockSamples) * bps);
  if (!qbshared::LaunchStream(info, this, s, ab, "quietband_soapy:stream")) return env.Undefined();
  return ab;
}

Napi::Value Device::ReleaseSlot(const Napi::CallbackInfo& info) { return qbshared::ReleaseSlot(info, stream_); }

Napi::Value Device::Stop(const Napi::CallbackInfo& info) {
  return qbshared::StopStream(info.Env(), stream_, "quietband_soapy:stop",
                              "the Soapy read thread did not stop within 10 s (readStream or deactivateStream hung); "
                              "restart the process or replug the receiver");
}

Napi::Value Device::GetStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (stream_) return stream_->Stats(env);
  Napi::Object o = Napi::Object::New(env);
  o.Set("producedBlocks", Napi::Number::New(env, static_cast<double>(lastProduced_)));
  o.Set("deliveredBlocks", Napi::Number::New(env, static_cast<double>(lastDelivered_)));
  o.Set("droppedBlocks", Napi::Number::New(env, static_cast<double>(lastDropped_)));
  o.Set("overflows", Napi::Number::New(env, static_cast<double>(lastOverflows_)));
  o.Set("timeouts", Napi::Number::New(env, static_cast<double>(lastTimeouts_)));
  o.Set("samplesLost", Napi::Number::New(env, static_cast<double>(lastLost_)));
  o.Set("samplesGivenUp", Napi::Number::New(env, static_cast<double>(lastGivenUp_)));
  o.Set("gaps", Napi::Number::New(env, static_cast<double>(lastGaps_)));
  o.Set("estimatedGaps", Napi::Number::New(env, static_cast<double>(lastEstimatedGaps_)));
  o.Set("nextSampleOffset", Napi::Number::New(env, static_cast<double>(lastPosition_)));
  o.Set("slotsInUse", Napi::Number::New(env, 0));
  o.Set("slotCount", Napi::Number::New(env, 0));
  return o;
}

Napi::Value Device::JsRef(const Napi::CallbackInfo& info) { return qbshared::SetStreamRef(info, stream_, refed_, true); }

Napi::Value Device::JsUnref(const Napi::CallbackInfo& info) { return qbshared::SetStreamRef(info, stream_, refed_, false); }

// ---------------------------------------------------------------------------------------------------------------
// Module functions
// ---------------------------------------------------------------------------------------------------------------

// enumerate(args: string) -> Promise<Record<string,string>[]>
Napi::Value Enumerate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string args = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  auto out = std::make_shared<SoapySDR::KwargsList>();
  auto* t = new Task(env, "SoapySDR::Device::enumerate", [args, out] { *out = SoapySDR::Device::enumerate(args); },
                     [out](Napi::Env env) -> Napi::Value {
                       Napi::Array a = Napi::Array::New(env, out->size());
                       for (size_t i = 0; i < out->size(); i++) a.Set(static_cast<uint32_t>(i), KwargsToObject(env, (*out)[i]));
                       return a;
                     });
  Napi::Promise p = t->Promise();
  t->Queue();
  return p;
}

// modules() -> { path, version, error }[]: the driver modules Soapy loads (loaded at first call)
Napi::Value Modules(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SoapySDR::loadModules();
  const auto paths = SoapySDR::listModules();
  Napi::Array a = Napi::Array::New(env, paths.size());
  for (size_t i = 0; i < paths.size(); i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("path", paths[i]);
    o.Set("version", SoapySDR::getModuleVersion(paths[i]));
    std::string errors;
    // getLoaderResult maps each factory the module registers to its error; an empty string means it registered fine
    for (const auto& kv : SoapySDR::getLoaderResult(paths[i])) {
      if (!kv.second.empty()) errors += (errors.empty() ? "" : "; ") + kv.first + ": " + kv.second;
    }
    o.Set("error", errors);
    a.Set(static_cast<uint32_t>(i), o);
  }
  return a;
}

// takeLog() -> { level, message }[]: Soapy log lines since the last call (at most 64), oldest first
Napi::Value TakeLog(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::deque<std::pair<int, std::string>> lines;
  {
    std::lock_guard<std::mutex> lock(gLogMutex);
    lines.swap(gLog);
  }
  Napi::Array a = Napi::Array::New(env, lines.size());
  for (size_t i = 0; i < lines.size(); i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("level", lines[i].first);
    o.Set("message", lines[i].second);
    a.Set(static_cast<uint32_t>(i), o);
  }
  return a;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  SoapySDR_registerLogHandler(LogHandler);
  exports.Set("enumerate", Napi::Function::New<Enumerate>(env, "enumerate"));
  exports.Set("modules", Napi::Function::New<Modules>(env, "modules"));
  exports.Set("takeLog", Napi::Function::New<TakeLog>(env, "takeLog"));
  exports.Set("SoapyDevice", Device::Define(env));
  exports.Set("libVersion", SoapySDR::getLibVersion());
  exports.Set("apiVersion", SoapySDR::getAPIVersion());
  exports.Set("abiVersion", SoapySDR::getABIVersion());
  return exports;
}

}  // namespace qbs

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return qbs::Init(env, exports); }

NODE_API_MODULE(quietband_soapy, InitModule)
