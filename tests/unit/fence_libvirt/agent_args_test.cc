// The fence agent's request, from stdin lines and from options: values read,
// every message exactly, and metadata that names what the parser reads.
#include <string>
#include <string_view>
#include <vector>

#include "../../../src/fence_libvirt/request.h"
// CppUTest last: its leak detector redefines new.
#include "CppUTest/TestHarness.h"

using namespace twinbeat;
using namespace twinbeat::fence_libvirt;

namespace {

// Every diagnostic's text, one per line.
template <class T>
std::string messages(const Parsed<T>& parsed) {
  std::string out;
  for (const Diagnostic& d : parsed.diagnostics) {
    if (!out.empty()) out += "\n";
    out += d.to_string();
  }
  return out;
}

Parsed<Command> args(std::vector<std::string_view> words) { return parse_args(words); }

const char* const kActions =
    "(off, on, reboot, status, monitor, list, list-status, metadata, validate-all)";

}  // namespace

TEST_GROUP(AgentStdin){};

TEST(AgentStdin, keys_are_read_with_blanks_comments_and_crlf_skipped) {
  auto p = parse_stdin(
      "# from stonithd\n"
      "\n"
      "action=reboot\r\n"
      "  port = node-a \n"
      "uri=lxc:///system\n"
      "timeout=7\n"
      "delay=3\n");
  STRCMP_EQUAL("", messages(p).c_str());
  CHECK(p.value.action == Action::reboot);
  STRCMP_EQUAL("node-a", p.value.port.c_str());
  STRCMP_EQUAL("lxc:///system", p.value.uri.c_str());
  LONGS_EQUAL(7, p.value.timeout.count());
  LONGS_EQUAL(3, p.value.delay.count());
}

TEST(AgentStdin, defaults_are_off_qemu_system_20_s_and_no_delay) {
  auto p = parse_stdin("port=n1\n");
  CHECK(p.ok());
  CHECK(p.value.action == Action::off);
  STRCMP_EQUAL("qemu:///system", p.value.uri.c_str());
  LONGS_EQUAL(20, p.value.timeout.count());
  LONGS_EQUAL(0, p.value.delay.count());
}

TEST(AgentStdin, aliases_plug_hypervisor_uri_and_option_are_read) {
  auto p = parse_stdin("option=status\nplug=n2\nhypervisor_uri=test:///default\n");
  CHECK(p.ok());
  CHECK(p.value.action == Action::status);
  STRCMP_EQUAL("n2", p.value.port.c_str());
  STRCMP_EQUAL("test:///default", p.value.uri.c_str());
}

TEST(AgentStdin, the_last_of_repeated_keys_wins) {
  auto p = parse_stdin("port=a\nplug=b\naction=on\naction=status\n");
  STRCMP_EQUAL("b", p.value.port.c_str());
  CHECK(p.value.action == Action::status);
}

TEST(AgentStdin, every_action_name_is_read) {
  const std::pair<const char*, Action> names[] = {{"off", Action::off},
                                                  {"on", Action::on},
                                                  {"reboot", Action::reboot},
                                                  {"status", Action::status},
                                                  {"monitor", Action::monitor},
                                                  {"list", Action::list},
                                                  {"list-status", Action::list_status},
                                                  {"metadata", Action::metadata},
                                                  {"validate-all", Action::validate_all}};
  for (const auto& [name, action] : names) {
    auto p = parse_stdin(std::string("action=") + name + "\nport=n\n");
    CHECK_TEXT(p.ok(), name);
    CHECK_TEXT(p.value.action == action, name);
    STRCMP_EQUAL(name, std::string(to_string(action)).c_str());
  }
}

TEST(AgentStdin, errors_and_warnings_name_the_line_and_the_value) {
  const std::string bad_action = std::string("stdin:2: unknown action 'of' ") + kActions;
  const struct {
    const char* input;
    std::string expected;
  } table[] = {
      {"port=n\naction=of\n", bad_action},
      {"port=n\ngarbage\n", "stdin:2: expected key=value, got 'garbage'"},
      {"port=n\naction=\n", "stdin:2: action needs a value"},
      {"port=n\ntimeout=0\n",
       "stdin:2: timeout: '0' is not a whole number of seconds from 1 to 3600"},
      {"port=n\ntimeout=2.5\n",
       "stdin:2: timeout: '2.5' is not a whole number of seconds from 1 to 3600"},
      {"port=n\ntimeout=3601\n",
       "stdin:2: timeout: '3601' is not a whole number of seconds from 1 to 3600"},
      {"port=n\ndelay=-1\n",
       "stdin:2: delay: '-1' is not a whole number of seconds from 0 to 3600"},
      {"port=n\nnodename=alpha\nkey_file=/k\n",
       "stdin:2: warning: ignoring unknown key 'nodename'\n"
       "stdin:3: warning: ignoring unknown key 'key_file'"},
      {"action=status\n", "stdin: action 'status' needs port (or plug): the libvirt domain name"},
      {"plug=\n",
       "stdin:1: plug needs a value\n"
       "stdin: action 'off' needs port (or plug): the libvirt domain name"},
      {"", "stdin: action 'off' needs port (or plug): the libvirt domain name"},
      {"action=list\n", ""},
      {"action=metadata\n", ""},
      {"action=monitor\nuri=test:///default\n", ""},
      {"port=n\ndelay=0\n", ""},
  };
  for (const auto& row : table)
    STRCMP_EQUAL_TEXT(row.expected.c_str(), messages(parse_stdin(row.input)).c_str(), row.input);
}

TEST(AgentStdin, warnings_alone_leave_the_request_usable) {
  auto p = parse_stdin("port=n\nnodename=alpha\n");
  CHECK(p.ok());
  STRCMP_EQUAL("n", p.value.port.c_str());
}

TEST(AgentStdin, every_error_is_reported_in_one_pass) {
  auto p = parse_stdin("action=zap\ntimeout=x\n");
  CHECK_FALSE(p.ok());
  const std::string expected =
      std::string("stdin:1: unknown action 'zap' ") + kActions + "\n" +
      "stdin:2: timeout: 'x' is not a whole number of seconds from 1 to 3600\n"
      "stdin: action 'off' needs port (or plug): the libvirt domain name";
  STRCMP_EQUAL(expected.c_str(), messages(p).c_str());
}

TEST_GROUP(AgentArgs){};

TEST(AgentArgs, short_and_long_options_in_both_forms_are_read) {
  auto p =
      args({"-o", "status", "-n", "dom1", "--uri", "lxc:///system", "--timeout=9", "--delay", "2"});
  STRCMP_EQUAL("", messages(p).c_str());
  CHECK(p.value.mode == Mode::run);
  CHECK(p.value.request.action == Action::status);
  STRCMP_EQUAL("dom1", p.value.request.port.c_str());
  STRCMP_EQUAL("lxc:///system", p.value.request.uri.c_str());
  LONGS_EQUAL(9, p.value.request.timeout.count());
  LONGS_EQUAL(2, p.value.request.delay.count());
}

TEST(AgentArgs, aliases_and_glued_short_values_are_read) {
  auto p = args({"--action=reboot", "--plug=d2", "--hypervisor-uri", "test:///default"});
  CHECK(p.ok());
  CHECK(p.value.request.action == Action::reboot);
  STRCMP_EQUAL("d2", p.value.request.port.c_str());
  STRCMP_EQUAL("test:///default", p.value.request.uri.c_str());
  auto q = args({"-ooff", "-nd3", "--port", "d4"});
  CHECK(q.ok());
  CHECK(q.value.request.action == Action::off);
  STRCMP_EQUAL("d4", q.value.request.port.c_str());
}

TEST(AgentArgs, help_and_version_win_wherever_they_are) {
  CHECK(args({"--bogus", "-h"}).value.mode == Mode::help);
  CHECK(args({"-o", "zap", "--help"}).value.mode == Mode::help);
  CHECK(args({"-V", "--bogus"}).value.mode == Mode::version);
  CHECK(args({"--version"}).value.mode == Mode::version);
}

TEST(AgentArgs, errors_name_the_option_as_given) {
  const std::string bad_action = std::string("unknown action 'zap' ") + kActions;
  const struct {
    std::vector<std::string_view> words;
    std::string expected;
  } table[] = {
      {{"-o", "zap", "-n", "d"}, bad_action},
      {{"--bogus", "-n", "d"}, "unknown option '--bogus'"},
      {{"-n", "d", "stray"}, "unexpected argument 'stray'"},
      {{"-n", "d", "--timeout"}, "--timeout needs a value"},
      {{"-n", "d", "--timeout=0"},
       "--timeout: '0' is not a whole number of seconds from 1 to 3600"},
      {{"-o", "status"}, "action 'status' needs port (or plug): the libvirt domain name"},
      {{"-n", ""}, "-n needs a value\naction 'off' needs port (or plug): the libvirt domain name"},
      {{"-o", "list"}, ""},
  };
  for (const auto& row : table) {
    std::string words;
    for (auto w : row.words) words += std::string(w) + " ";
    STRCMP_EQUAL_TEXT(row.expected.c_str(), messages(args(row.words)).c_str(), words.c_str());
  }
}

TEST_GROUP(AgentMetadata){};

TEST(AgentMetadata, names_every_parameter_and_action_the_parser_reads) {
  const std::string xml = metadata_xml();
  CHECK(
      xml.starts_with("<?xml version=\"1.0\" ?>\n<resource-agent name=\"fence_twinbeat_libvirt\""));
  CHECK(xml.ends_with("</resource-agent>\n"));
  for (const char* p : {"action", "port", "plug", "uri", "hypervisor_uri", "timeout", "delay"})
    CHECK_TEXT(xml.find("<parameter name=\"" + std::string(p) + "\"") != std::string::npos, p);
  for (const char* a : {"off", "on", "reboot", "status", "monitor", "list", "list-status",
                        "metadata", "validate-all"})
    CHECK_TEXT(xml.find("<action name=\"" + std::string(a) + "\"") != std::string::npos, a);
  CHECK(xml.find("<content type=\"string\" default=\"off\" />") != std::string::npos);
  CHECK(xml.find("<getopt mixed=\"-n, --plug=[domain]\" />") != std::string::npos);
}

TEST(AgentMetadata, only_the_single_domain_actions_need_a_port) {
  CHECK(needs_port(Action::off));
  CHECK(needs_port(Action::on));
  CHECK(needs_port(Action::reboot));
  CHECK(needs_port(Action::status));
  CHECK_FALSE(needs_port(Action::list));
  CHECK_FALSE(needs_port(Action::list_status));
  CHECK_FALSE(needs_port(Action::monitor));
  CHECK_FALSE(needs_port(Action::metadata));
  CHECK_FALSE(needs_port(Action::validate_all));
}
