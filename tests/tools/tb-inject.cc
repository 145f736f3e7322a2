// tb-inject: forges, captures and resends twinbeat packets for the e2e tests
// (wrong keys, replays, truncations), through the project's own wire module.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "twinbeat/config/authkeys.h"
#include "twinbeat/result.h"
#include "twinbeat/time.h"
#include "twinbeat/unique_fd.h"
#include "twinbeat/wire/keyring.h"
#include "twinbeat/wire/packet.h"

using namespace twinbeat;

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitBadArgs = 2;
constexpr int kExitTimeout = 3;

const char kUsage[] =
    "Usage: tb-inject COMMAND [OPTIONS]\n"
    "\n"
    "Test tool: forges, captures and resends twinbeat heartbeats.\n"
    "\n"
    "  forge   --to IP:PORT --sender NAME --generation G --sequence S\n"
    "          [--key-id N] [--method M] [--secret S] [--count N]\n"
    "          [--status up|active] [--timers KEEPALIVE,WARNTIME,DEADTIME]\n"
    "      Encodes a heartbeat signed with key N (default 1), method M (default\n"
    "      sha256) and secret S (default empty, for crc), and sends it COUNT\n"
    "      times (default 1), the sequence growing by one each time. Timers are\n"
    "      in ms (default 1000,15000,30000).\n"
    "\n"
    "  capture --port PORT --out FILE [--from IP] [--timeout-ms MS]\n"
    "      Listens on a raw IPPROTO_UDP socket and saves the UDP payload of the\n"
    "      first datagram to PORT (from IP, if given) into FILE. Waits at most\n"
    "      MS (default 5000); exit 3 when nothing came.\n"
    "\n"
    "  send    --to IP:PORT --in FILE [--truncate N] [--flip K] [--count N]\n"
    "      Sends the saved payload, cut to its first N bytes and/or with byte K\n"
    "      (from 0) inverted, COUNT times (default 1).\n"
    "\n"
    "  show    --in FILE [--key-id N] [--method M] [--secret S]\n"
    "      Decodes a saved payload with that key and prints its fields on one\n"
    "      line (sender=... generation=... sequence=...), or drop=REASON and\n"
    "      exit 1.\n"
    "\n"
    "Exit status: 0 done; 1 failure; 2 bad arguments; 3 capture timed out.\n";

// --name value pairs, each name given at most once.
using Flags = std::map<std::string, std::string>;

Result<Flags> parse_flags(int argc, char** argv, int first,
                          const std::vector<std::string_view>& known) {
  Flags flags;
  for (int i = first; i < argc; ++i) {
    const std::string_view name = argv[i];
    bool ok = false;
    for (auto k : known) ok = ok || k == name;
    if (!ok) return Error{0, "unknown option '" + std::string(name) + "'", {}};
    if (i + 1 >= argc) return Error{0, std::string(name) + " needs a value", {}};
    if (!flags.emplace(std::string(name), argv[i + 1]).second)
      return Error{0, std::string(name) + " given twice", {}};
    ++i;
  }
  return flags;
}

Result<uint64_t> parse_u64(std::string_view what, std::string_view text) {
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty())
    return Error{0, std::string(what) + ": not a number: '" + std::string(text) + "'", {}};
  return v;
}

// `flag` as a number, or `fallback` when absent.
Result<uint64_t> number_flag(const Flags& f, const std::string& flag, std::optional<uint64_t> fallback) {
  auto it = f.find(flag);
  if (it == f.end()) {
    if (fallback) return *fallback;
    return Error{0, flag + " is required", {}};
  }
  return parse_u64(flag, it->second);
}

Result<std::string> string_flag(const Flags& f, const std::string& flag) {
  auto it = f.find(flag);
  if (it == f.end()) return Error{0, flag + " is required", {}};
  return it->second;
}

Result<sockaddr_in> parse_address(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return Error{0, "--to wants IP:PORT, got '" + std::string(text) + "'", {}};
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  const std::string ip(text.substr(0, colon));
  if (inet_pton(AF_INET, ip.c_str(), &sa.sin_addr) != 1)
    return Error{0, "not an IPv4 address: '" + ip + "'", {}};
  auto port = parse_u64("port", text.substr(colon + 1));
  if (!port || *port == 0 || *port > 65535) return Error{0, "bad port in '" + std::string(text) + "'", {}};
  sa.sin_port = htons(static_cast<uint16_t>(*port));
  return sa;
}

// A keyring holding the one key the options describe, which also signs.
Result<wire::Keyring> keyring_from(const Flags& f) {
  auto id = number_flag(f, "--key-id", 1);
  if (!id) return id.error();
  if (*id >= static_cast<uint64_t>(config::kMaxAuthKeys)) return Error{0, "--key-id must be 0..15", {}};
  const std::string method_name = f.count("--method") ? f.at("--method") : "sha256";
  const auto method = config::auth_method_from_string(method_name);
  if (!method) return Error{0, "unknown --method '" + method_name + "'", {}};
  config::AuthKeys keys;
  keys.active_id = static_cast<int>(*id);
  keys.keys[*id] = config::AuthKey{keys.active_id, *method,
                                   f.count("--secret") ? f.at("--secret") : "", {}};
  return wire::Keyring::create(keys);
}

Result<std::vector<uint8_t>> read_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return errno_error("open " + path);
  std::vector<uint8_t> data;
  uint8_t buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("read " + path);
    if (n == 0) break;
    data.insert(data.end(), buf, buf + n);
  }
  return data;
}

Result<void> write_file(const std::string& path, std::span<const uint8_t> data) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd) return errno_error("open " + path);
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("write " + path);
    done += static_cast<size_t>(n);
  }
  return {};
}

Result<void> send_datagrams(const sockaddr_in& to, std::span<const uint8_t> data, uint64_t count) {
  UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) return errno_error("socket");
  for (uint64_t i = 0; i < count; ++i) {
    if (::sendto(fd.get(), data.data(), data.size(), 0, reinterpret_cast<const sockaddr*>(&to),
                 sizeof to) < 0)
      return errno_error("sendto");
  }
  return {};
}

int fail(const Error& e, int code = kExitFailure) {
  std::fprintf(stderr, "tb-inject: %s\n", e.to_string().c_str());
  return code;
}

int forge(int argc, char** argv) {
  auto f = parse_flags(argc, argv, 2,
                       {"--to", "--sender", "--generation", "--sequence", "--key-id", "--method",
                        "--secret", "--count", "--status", "--timers"});
  if (!f) return fail(f.error(), kExitBadArgs);
  auto to = parse_address(f->count("--to") ? f->at("--to") : "");
  auto sender = string_flag(*f, "--sender");
  auto generation = number_flag(*f, "--generation", std::nullopt);
  auto sequence = number_flag(*f, "--sequence", std::nullopt);
  auto count = number_flag(*f, "--count", 1);
  for (const Error* e : {to ? nullptr : &to.error(), sender ? nullptr : &sender.error(),
                         generation ? nullptr : &generation.error(),
                         sequence ? nullptr : &sequence.error(), count ? nullptr : &count.error()})
    if (e) return fail(*e, kExitBadArgs);

  wire::Message msg;
  msg.sender = *sender;
  msg.generation = *generation;
  msg.timers = {Millis{1000}, Millis{15000}, Millis{30000}};
  if (f->count("--timers")) {
    const std::string& t = f->at("--timers");
    const size_t c1 = t.find(','), c2 = t.find(',', c1 == std::string::npos ? c1 : c1 + 1);
    if (c1 == std::string::npos || c2 == std::string::npos)
      return fail(Error{0, "--timers wants KEEPALIVE,WARNTIME,DEADTIME in ms", {}}, kExitBadArgs);
    auto ka = parse_u64("keepalive", t.substr(0, c1));
    auto wt = parse_u64("warntime", t.substr(c1 + 1, c2 - c1 - 1));
    auto dt = parse_u64("deadtime", t.substr(c2 + 1));
    if (!ka || !wt || !dt) return fail(Error{0, "--timers: not numbers: '" + t + "'", {}}, kExitBadArgs);
    msg.timers = {Millis(*ka), Millis(*wt), Millis(*dt)};
  }
  const std::string status = f->count("--status") ? f->at("--status") : "active";
  if (status == "up")
    msg.status = wire::NodeStatus::up;
  else if (status == "active")
    msg.status = wire::NodeStatus::active;
  else
    return fail(Error{0, "--status must be up or active", {}}, kExitBadArgs);

  auto keys = keyring_from(*f);
  if (!keys) return fail(keys.error(), kExitBadArgs);
  UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) return fail(errno_error("socket"));
  uint8_t buf[wire::kMaxPacketSize];
  for (uint64_t i = 0; i < *count; ++i) {
    msg.sequence = *sequence + i;
    const size_t n = wire::encode(msg, *keys, buf);
    if (n == 0) return fail(Error{0, "encode refused the message (sender name or timers)", {}}, kExitBadArgs);
    if (auto r = send_datagrams(*to, std::span<const uint8_t>(buf, n), 1); !r) return fail(r.error());
  }
  return 0;
}

// The UDP payload of `packet` (an IPv4 datagram as a raw socket returns it)
// if it goes to `port` and, when `from` is set, comes from that address.
std::optional<std::span<const uint8_t>> udp_payload(std::span<const uint8_t> packet, uint16_t port,
                                                    const std::optional<in_addr>& from) {
  if (packet.size() < sizeof(iphdr)) return std::nullopt;
  iphdr ip;
  std::memcpy(&ip, packet.data(), sizeof ip);
  const size_t ihl = static_cast<size_t>(ip.ihl) * 4;
  if (ip.version != 4 || ip.protocol != IPPROTO_UDP || ihl < sizeof ip ||
      packet.size() < ihl + sizeof(udphdr))
    return std::nullopt;
  if (from && ip.saddr != from->s_addr) return std::nullopt;
  udphdr udp;
  std::memcpy(&udp, packet.data() + ihl, sizeof udp);
  if (ntohs(udp.dest) != port) return std::nullopt;
  const size_t udp_len = ntohs(udp.len);
  if (udp_len < sizeof udp || ihl + udp_len > packet.size()) return std::nullopt;
  return packet.subspan(ihl + sizeof udp, udp_len - sizeof udp);
}

int capture(int argc, char** argv) {
  auto f = parse_flags(argc, argv, 2, {"--port", "--out", "--from", "--timeout-ms"});
  if (!f) return fail(f.error(), kExitBadArgs);
  auto port = number_flag(*f, "--port", std::nullopt);
  auto out = string_flag(*f, "--out");
  auto timeout = number_flag(*f, "--timeout-ms", 5000);
  if (!port || *port == 0 || *port > 65535) return fail(Error{0, "--port must be 1..65535", {}}, kExitBadArgs);
  if (!out) return fail(out.error(), kExitBadArgs);
  if (!timeout) return fail(timeout.error(), kExitBadArgs);
  std::optional<in_addr> from;
  if (f->count("--from")) {
    in_addr a{};
    if (inet_pton(AF_INET, f->at("--from").c_str(), &a) != 1)
      return fail(Error{0, "--from: not an IPv4 address", {}}, kExitBadArgs);
    from = a;
  }

  UniqueFd fd(::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_UDP));
  if (!fd) return fail(errno_error("socket(SOCK_RAW, IPPROTO_UDP) (needs CAP_NET_RAW)"));
  const Instant deadline = MonotonicClock().now() + Millis(*timeout);
  std::vector<uint8_t> buf(65536);
  for (;;) {
    const Millis left = deadline - MonotonicClock().now();
    if (left <= Millis{0}) break;
    pollfd p{fd.get(), POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return fail(errno_error("poll"));
    if (ready == 0) break;
    const ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) return fail(errno_error("recv"));
    auto payload = udp_payload(std::span<const uint8_t>(buf.data(), static_cast<size_t>(n)),
                               static_cast<uint16_t>(*port), from);
    if (!payload) continue;
    if (auto r = write_file(*out, *payload); !r) return fail(r.error());
    std::printf("captured %zu bytes to port %llu\n", payload->size(),
                static_cast<unsigned long long>(*port));
    return 0;
  }
  std::fprintf(stderr, "tb-inject: no datagram to port %llu within %llu ms\n",
               static_cast<unsigned long long>(*port), static_cast<unsigned long long>(*timeout));
  return kExitTimeout;
}

int send(int argc, char** argv) {
  auto f = parse_flags(argc, argv, 2, {"--to", "--in", "--truncate", "--flip", "--count"});
  if (!f) return fail(f.error(), kExitBadArgs);
  auto to = parse_address(f->count("--to") ? f->at("--to") : "");
  auto in = string_flag(*f, "--in");
  auto count = number_flag(*f, "--count", 1);
  if (!to) return fail(to.error(), kExitBadArgs);
  if (!in) return fail(in.error(), kExitBadArgs);
  if (!count) return fail(count.error(), kExitBadArgs);
  auto data = read_file(*in);
  if (!data) return fail(data.error());
  if (f->count("--truncate")) {
    auto n = parse_u64("--truncate", f->at("--truncate"));
    if (!n) return fail(n.error(), kExitBadArgs);
    if (*n > data->size())
      return fail(Error{0, "--truncate " + std::to_string(*n) + " is past the payload's " +
                               std::to_string(data->size()) + " bytes", {}},
                  kExitBadArgs);
    data->resize(*n);
  }
  if (f->count("--flip")) {
    auto k = parse_u64("--flip", f->at("--flip"));
    if (!k) return fail(k.error(), kExitBadArgs);
    if (*k >= data->size())
      return fail(Error{0, "--flip " + std::to_string(*k) + " is past the payload's " +
                               std::to_string(data->size()) + " bytes", {}},
                  kExitBadArgs);
    (*data)[*k] ^= 0xff;
  }
  if (auto r = send_datagrams(*to, *data, *count); !r) return fail(r.error());
  return 0;
}

int show(int argc, char** argv) {
  auto f = parse_flags(argc, argv, 2, {"--in", "--key-id", "--method", "--secret"});
  if (!f) return fail(f.error(), kExitBadArgs);
  auto in = string_flag(*f, "--in");
  if (!in) return fail(in.error(), kExitBadArgs);
  auto keys = keyring_from(*f);
  if (!keys) return fail(keys.error(), kExitBadArgs);
  auto data = read_file(*in);
  if (!data) return fail(data.error());
  const auto decoded = wire::decode(*data, *keys);
  if (auto* reason = std::get_if<wire::DropReason>(&decoded)) {
    std::printf("drop=%s size=%zu\n", wire::to_string(*reason), data->size());
    return kExitFailure;
  }
  const wire::Message& m = std::get<wire::Message>(decoded);
  std::printf("sender=%s generation=%llu sequence=%llu status=%s key_id=%u size=%zu\n",
              m.sender.c_str(), static_cast<unsigned long long>(m.generation),
              static_cast<unsigned long long>(m.sequence), wire::to_string(m.status),
              static_cast<unsigned>(m.key_id), data->size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return kExitBadArgs;
  }
  const std::string_view cmd = argv[1];
  if (cmd == "-h" || cmd == "--help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (cmd == "forge") return forge(argc, argv);
  if (cmd == "capture") return capture(argc, argv);
  if (cmd == "send") return send(argc, argv);
  if (cmd == "show") return show(argc, argv);
  std::fprintf(stderr, "tb-inject: unknown command '%s'\n%s", argv[1], kUsage);
  return kExitBadArgs;
}
