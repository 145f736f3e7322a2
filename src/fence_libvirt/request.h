// What a caller asks of fence_twinbeat_libvirt, read the way fence agents read
// it: "key=value" lines on stdin, or options on the command line. Pure: no
// libvirt, no I/O, so the unit tests link it without libvirt.
#pragma once

#include <chrono>
#include <span>
#include <string>
#include <string_view>

#include "twinbeat/diagnostic.h"

namespace twinbeat::fence_libvirt {

inline constexpr std::string_view kProgram = "fence_twinbeat_libvirt";
inline constexpr std::string_view kDefaultUri = "qemu:///system";

enum class Action { off, on, reboot, status, monitor, list, list_status, metadata, validate_all };

// The fence-agent name: "off", "list-status", "validate-all".
std::string_view to_string(Action action);

// True for the actions that act on one domain (off, on, reboot, status): they
// need a port.
bool needs_port(Action action);

struct Request {
  Action action = Action::off;  // fence agents default to off
  std::string port;             // the libvirt domain name: the node to fence
  std::string uri{kDefaultUri};
  std::chrono::seconds timeout{20};  // bounds the whole action once started
  std::chrono::seconds delay{0};     // waited before off and reboot only
};

// Reads stdin's text: one "key=value" per line; blank lines and lines whose
// first non-blank is '#' are skipped. Keys: action (alias option), port (alias
// plug), uri (alias hypervisor_uri), timeout, delay. Diagnostics are named
// "stdin:N:". A bad value or a line without '=' is an error; an unknown key is
// only a warning, because callers such as pacemaker pass keys meant for other
// agents. A missing port for off, on, reboot or status is an error. The last
// of repeated keys wins.
Parsed<Request> parse_stdin(std::string_view text);

enum class Mode { run, help, version };

struct Command {
  Mode mode = Mode::run;
  Request request;
};

// Reads the words after the program name: -o/--action, -n/--plug/--port,
// --uri/--hypervisor-uri, --timeout, --delay (each as "--opt VALUE" or
// "--opt=VALUE"), -h/--help, -V/--version. Help and version win over any
// error. Diagnostics carry no file name.
Parsed<Command> parse_args(std::span<const std::string_view> words);

// The fence-agent metadata: resource-agent XML naming every parameter and
// action, as `fence_xvm -o metadata` prints it.
std::string metadata_xml();

// The --help text.
std::string usage();

}  // namespace twinbeat::fence_libvirt
