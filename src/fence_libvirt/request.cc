// Reading a fence request from stdin lines or the command line, and the
// metadata that describes the same parameters: one table serves all three.
#include "request.h"

#include <charconv>
#include <optional>
#include <utility>

namespace twinbeat::fence_libvirt {

namespace {

enum class Key { action, port, uri, timeout, delay };

struct Param {
  Key key;
  std::string_view name;        // stdin key, and the metadata name
  std::string_view alias;       // second stdin key, or empty
  std::string_view short_opt;   // "-o", or empty
  std::string_view long_opt;    // "--action"
  std::string_view long_alias;  // the alias's option ("--plug"), or empty
  std::string_view meta;        // "[action]", for getopt's mixed text
  std::string_view type;        // metadata content type
  std::string_view default_value;
  std::string_view shortdesc;
};

constexpr Param kParams[] = {
    {Key::action, "action", "option", "-o", "--action", "", "[action]", "string", "off",
     "Fencing action (off, on, reboot, status, monitor, list, list-status, metadata, "
     "validate-all)"},
    {Key::port, "port", "plug", "-n", "--port", "--plug", "[domain]", "string", "",
     "Name of the libvirt domain to act on: the node to fence"},
    {Key::uri, "uri", "hypervisor_uri", "", "--uri", "--hypervisor-uri", "[uri]", "string",
     kDefaultUri, "libvirt connection URI (lxc:///system, qemu:///system, qemu+ssh://host/system)"},
    {Key::timeout, "timeout", "", "", "--timeout", "", "[seconds]", "second", "20",
     "Seconds the action may take, from connecting to the domain's final state"},
    {Key::delay, "delay", "", "", "--delay", "", "[seconds]", "second", "0",
     "Seconds to wait before off or reboot"},
};

constexpr std::pair<Action, std::string_view> kActions[] = {
    {Action::off, "off"},
    {Action::on, "on"},
    {Action::reboot, "reboot"},
    {Action::status, "status"},
    {Action::monitor, "monitor"},
    {Action::list, "list"},
    {Action::list_status, "list-status"},
    {Action::metadata, "metadata"},
    {Action::validate_all, "validate-all"},
};

constexpr int kMaxSeconds = 3600;

std::string action_names() {
  std::string out;
  for (const auto& [action, name] : kActions) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

std::optional<Action> parse_action(std::string_view text) {
  for (const auto& [action, name] : kActions)
    if (text == name) return action;
  return std::nullopt;
}

std::optional<std::chrono::seconds> parse_seconds(std::string_view text, int min) {
  int n = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, n);
  if (ec != std::errc() || p != end || n < min || n > kMaxSeconds) return std::nullopt;
  return std::chrono::seconds(n);
}

// Stores `value` under `key` (named `as` in messages, as the caller spelt it).
// Returns the error, or "" when the value is good.
std::string set(Request& r, Key key, std::string_view as, std::string_view value) {
  const std::string quoted = "'" + std::string(value) + "'";
  if (value.empty()) return std::string(as) + " needs a value";
  switch (key) {
    case Key::action:
      if (auto a = parse_action(value)) {
        r.action = *a;
        return "";
      }
      return "unknown action " + quoted + " (" + action_names() + ")";
    case Key::port:
      r.port = value;
      return "";
    case Key::uri:
      r.uri = value;
      return "";
    case Key::timeout:
      if (auto s = parse_seconds(value, 1)) {
        r.timeout = *s;
        return "";
      }
      return std::string(as) + ": " + quoted + " is not a whole number of seconds from 1 to 3600";
    case Key::delay:
      if (auto s = parse_seconds(value, 0)) {
        r.delay = *s;
        return "";
      }
      return std::string(as) + ": " + quoted + " is not a whole number of seconds from 0 to 3600";
  }
  return "";
}

const Param* find_key(std::string_view key) {
  for (const Param& p : kParams)
    if (key == p.name || (!p.alias.empty() && key == p.alias)) return &p;
  return nullptr;
}

const Param* find_option(std::string_view opt) {
  for (const Param& p : kParams)
    if (opt == p.long_opt || (!p.short_opt.empty() && opt == p.short_opt) ||
        (!p.long_alias.empty() && opt == p.long_alias))
      return &p;
  return nullptr;
}

std::string_view trim(std::string_view s) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

void check_port(const Request& r, DiagnosticSink& sink) {
  if (needs_port(r.action) && r.port.empty())
    sink.error(0, "action '" + std::string(to_string(r.action)) +
                      "' needs port (or plug): the libvirt domain name");
}

void add_parameter(std::string& xml, std::string_view name, std::string_view getopt, const Param& p,
                   bool is_alias) {
  xml += "\t<parameter name=\"" + std::string(name) + "\" unique=\"0\" required=\"0\">\n";
  xml += "\t\t<getopt mixed=\"" + std::string(getopt) + "\" />\n";
  xml += "\t\t<content type=\"" + std::string(p.type) + "\"";
  if (!p.default_value.empty()) xml += " default=\"" + std::string(p.default_value) + "\"";
  xml += " />\n";
  xml += "\t\t<shortdesc lang=\"en\">";
  xml += is_alias ? "Same as " + std::string(p.name) : std::string(p.shortdesc);
  xml += "</shortdesc>\n\t</parameter>\n";
}

}  // namespace

std::string_view to_string(Action action) {
  for (const auto& [a, name] : kActions)
    if (a == action) return name;
  return "?";
}

bool needs_port(Action action) {
  return action == Action::off || action == Action::on || action == Action::reboot ||
         action == Action::status;
}

Parsed<Request> parse_stdin(std::string_view text) {
  DiagnosticSink sink("stdin");
  Request r;
  int line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    const std::string_view raw = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    const std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      sink.error(line_no, "expected key=value, got '" + std::string(line) + "'");
      continue;
    }
    const std::string_view key = trim(line.substr(0, eq));
    const std::string_view value = trim(line.substr(eq + 1));
    const Param* p = find_key(key);
    if (!p) {
      sink.warning(line_no, "ignoring unknown key '" + std::string(key) + "'");
      continue;
    }
    if (std::string e = set(r, p->key, key, value); !e.empty()) sink.error(line_no, e);
  }
  check_port(r, sink);
  return {std::move(r), sink.take()};
}

Parsed<Command> parse_args(std::span<const std::string_view> words) {
  Command c;
  for (std::string_view w : words) {
    if (w == "-h" || w == "--help") return {Command{Mode::help, {}}, {}};
    if (w == "-V" || w == "--version") return {Command{Mode::version, {}}, {}};
  }
  DiagnosticSink sink("");
  for (size_t i = 0; i < words.size(); ++i) {
    std::string_view opt = words[i];
    std::optional<std::string_view> value;
    if (opt.starts_with("--") && opt.find('=') != std::string_view::npos) {
      value = opt.substr(opt.find('=') + 1);
      opt = opt.substr(0, opt.find('='));
    } else if (opt.size() > 2 && opt[0] == '-' && opt[1] != '-') {
      value = opt.substr(2);  // "-ooff", as getopt reads it
      opt = opt.substr(0, 2);
    }
    const Param* p = opt.starts_with("-") ? find_option(opt) : nullptr;
    if (!p) {
      sink.error(0, (opt.starts_with("-") ? "unknown option '" : "unexpected argument '") +
                        std::string(words[i]) + "'");
      continue;
    }
    if (!value) {
      if (i + 1 >= words.size()) {
        sink.error(0, std::string(opt) + " needs a value");
        continue;
      }
      value = words[++i];
    }
    if (std::string e = set(c.request, p->key, opt, *value); !e.empty()) sink.error(0, e);
  }
  check_port(c.request, sink);
  return {std::move(c), sink.take()};
}

std::string metadata_xml() {
  std::string xml =
      "<?xml version=\"1.0\" ?>\n"
      "<resource-agent name=\"fence_twinbeat_libvirt\" shortdesc=\"Fence agent for libvirt "
      "domains\">\n"
      "<longdesc>fence_twinbeat_libvirt powers a libvirt domain off or on through the libvirt "
      "API (virDomainDestroy, virDomainCreate), for any libvirt driver: lxc, qemu, xen. off "
      "succeeds only once libvirt reports the domain shut off. Unlike fence_xvm, status of a "
      "domain that does not exist is an error, never OFF, so a misspelt name never looks "
      "fenced.</longdesc>\n"
      "<vendor-url>https://libvirt.org</vendor-url>\n"
      "<parameters>\n";
  for (const Param& p : kParams) {
    std::string getopt = p.short_opt.empty() ? "" : std::string(p.short_opt) + ", ";
    getopt += std::string(p.long_opt) + "=" + std::string(p.meta);
    add_parameter(xml, p.name, getopt, p, false);
    // "option", the old name of action, is read but no longer advertised.
    if (p.long_alias.empty()) continue;
    getopt = p.short_opt.empty() ? "" : std::string(p.short_opt) + ", ";
    getopt += std::string(p.long_alias) + "=" + std::string(p.meta);
    add_parameter(xml, p.alias, getopt, p, true);
  }
  xml += "</parameters>\n<actions>\n";
  for (const auto& [action, name] : kActions) {
    xml += "\t<action name=\"" + std::string(name) + "\"";
    if (action == Action::on) xml += " automatic=\"0\"";
    xml += " />\n";
  }
  xml += "</actions>\n</resource-agent>\n";
  return xml;
}

std::string usage() {
  return "Usage: fence_twinbeat_libvirt [-o ACTION] [-n DOMAIN] [--uri URI] [--timeout S] "
         "[--delay S]\n"
         "       fence_twinbeat_libvirt < key=value lines (action, port, uri, timeout, delay)\n"
         "\n"
         "Fences a libvirt domain through the libvirt API. With no option, reads the\n"
         "fence-agent request from stdin, one key=value per line.\n"
         "\n"
         "  -o, --action ACTION   off (default), on, reboot, status, monitor, list,\n"
         "                        list-status, metadata, validate-all\n"
         "  -n, --plug, --port DOMAIN\n"
         "                        the libvirt domain to act on\n"
         "      --uri, --hypervisor-uri URI\n"
         "                        libvirt connection URI (default qemu:///system)\n"
         "      --timeout S       seconds the action may take (default 20)\n"
         "      --delay S         seconds to wait before off and reboot (default 0)\n"
         "  -h, --help            this text\n"
         "  -V, --version         the version\n"
         "\n"
         "Exit status: 0 success (status: ON), 1 failure (or no such domain), 2 status OFF.\n";
}

}  // namespace twinbeat::fence_libvirt
