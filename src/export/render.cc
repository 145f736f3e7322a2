// The model written out: as a crmsh script (`crm configure load update`,
// the syntax of `crm configure show`) and as CIB XML (`cibadmin`,
// `crm_verify --xml-file`). Both carry the same ids and values.
#include <string>
#include <vector>

#include "model.h"

namespace twinbeat::exporter {

namespace {

// --- crmsh -------------------------------------------------------------------

// A value as crmsh reads it: bare when it is one plain word, else quoted.
std::string crm_value(const std::string& v) {
  bool plain = !v.empty();
  for (char c : v)
    plain = plain && !(c == ' ' || c == '\t' || c == '"' || c == '\\' || c == '\'' || c == '#' ||
                       c == ';' || c == '$');
  if (plain) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string crm_pairs(const std::vector<Nvpair>& pairs) {
  std::string s;
  for (const auto& nv : pairs) s += " " + nv.name + "=" + crm_value(nv.value);
  return s;
}

std::string agent_of(const Primitive& p) {
  return p.cls + ":" + (p.provider.empty() ? "" : p.provider + ":") + p.type;
}

std::string crm_score(const std::string& score) {
  if (score == "INFINITY") return "inf";
  if (score == "-INFINITY") return "-inf";
  return score;
}

void crm_primitive(const Primitive& p, std::string& s) {
  if (!p.comment.empty()) s += "# " + p.comment + "\n";
  s += "primitive " + p.id + " " + agent_of(p);
  if (!p.params.empty()) s += " \\\n\tparams" + crm_pairs(p.params);
  if (!p.meta.empty()) s += " \\\n\tmeta" + crm_pairs(p.meta);
  for (const auto& op : p.ops)
    s += " \\\n\top " + op.name + " interval=" + op.interval + " timeout=" + op.timeout;
  s += "\n";
}

// --- CIB XML -----------------------------------------------------------------

std::string xml(const std::string& v) {
  std::string out;
  for (char c : v) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string attr(const std::string& name, const std::string& value) {
  return " " + name + "=\"" + xml(value) + "\"";
}

void xml_set(const std::string& tag, const std::string& id, const std::vector<Nvpair>& pairs,
             const std::string& indent, std::string& s) {
  if (pairs.empty()) return;
  s += indent + "<" + tag + attr("id", id) + ">\n";
  for (const auto& nv : pairs)
    s += indent + "  <nvpair" + attr("id", id + "-" + to_id(nv.name)) + attr("name", nv.name) +
         attr("value", nv.value) + "/>\n";
  s += indent + "</" + tag + ">\n";
}

void xml_primitive(const Primitive& p, const std::string& indent, std::string& s) {
  s += indent + "<primitive" + attr("id", p.id) + attr("class", p.cls);
  if (!p.provider.empty()) s += attr("provider", p.provider);
  s += attr("type", p.type) + ">\n";
  xml_set("instance_attributes", p.id + "-instance_attributes", p.params, indent + "  ", s);
  xml_set("meta_attributes", p.id + "-meta_attributes", p.meta, indent + "  ", s);
  if (!p.ops.empty()) {
    s += indent + "  <operations>\n";
    for (const auto& op : p.ops)
      s += indent + "    <op" + attr("id", p.id + "-" + op.name + "-interval-" + op.interval) +
           attr("name", op.name) + attr("interval", op.interval) + attr("timeout", op.timeout) +
           "/>\n";
    s += indent + "  </operations>\n";
  }
  s += indent + "</primitive>\n";
}

void xml_constraints(const Model& m, std::string& s) {
  s += "    <constraints>\n";
  for (const auto& l : m.locations) {
    if (l.score_attribute.empty()) {
      s += "      <rsc_location" + attr("id", l.id) + attr("rsc", l.rsc) + attr("score", l.score) +
           attr("node", l.node) + "/>\n";
      continue;
    }
    s += "      <rsc_location" + attr("id", l.id) + attr("rsc", l.rsc) + ">\n";
    s += "        <rule" + attr("id", l.id + "-rule") + attr("score-attribute", l.score_attribute) +
         ">\n";
    s += "          <expression" + attr("id", l.id + "-rule-expression") +
         attr("attribute", l.score_attribute) + attr("operation", "defined") + "/>\n";
    s += "        </rule>\n      </rsc_location>\n";
  }
  for (const auto& c : m.colocations)
    s += "      <rsc_colocation" + attr("id", c.id) + attr("score", c.score) + attr("rsc", c.rsc) +
         attr("with-rsc", c.with_rsc) + "/>\n";
  for (const auto& o : m.orders)
    s += "      <rsc_order" + attr("id", o.id) + attr("kind", o.kind) + attr("first", o.first) +
         attr("then", o.then) + "/>\n";
  s += "    </constraints>\n";
}

}  // namespace

std::string to_id(std::string_view text) {
  std::string out;
  for (char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (ok) out += c;
    else if (!out.empty() && out.back() != '-') out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.empty() || !((out[0] >= 'a' && out[0] <= 'z') || (out[0] >= 'A' && out[0] <= 'Z') ||
                       out[0] == '_'))
    out = "_" + out;
  return out;
}

std::string render_crmsh(const Model& m) {
  std::string s;
  s += "# Pacemaker configuration of the twinbeat pair in " + m.source + ",\n";
  s += "# written by twinbeat export pacemaker (see report.txt).\n";
  s += "# Load it with: crm configure load update cluster.crm\n";
  for (const auto& [id, name] : m.nodes) s += "node " + std::to_string(id) + ": " + name + "\n";
  for (const auto& p : m.primitives) crm_primitive(p, s);
  for (const auto& g : m.groups) {
    for (const auto& p : g.members) crm_primitive(p, s);
    s += "group " + g.id;
    for (const auto& p : g.members) s += " " + p.id;
    s += " \\\n\tdescription=" + crm_value(g.description);
    if (!g.meta.empty()) s += " \\\n\tmeta" + crm_pairs(g.meta);
    s += "\n";
  }
  for (const auto& c : m.clones) {
    crm_primitive(c.primitive, s);
    s += "clone " + c.id + " " + c.primitive.id;
    if (!c.meta.empty()) s += " \\\n\tmeta" + crm_pairs(c.meta);
    s += "\n";
  }
  for (const auto& l : m.locations) {
    s += "location " + l.id + " " + l.rsc;
    if (l.score_attribute.empty())
      s += " " + crm_score(l.score) + ": " + l.node + "\n";
    else
      s += " rule " + l.score_attribute + ": defined " + l.score_attribute + "\n";
  }
  for (const auto& c : m.colocations)
    s += "colocation " + c.id + " " + crm_score(c.score) + ": " + c.rsc + " " + c.with_rsc + "\n";
  for (const auto& o : m.orders)
    s += "order " + o.id + " " + o.kind + ": " + o.first + " " + o.then + "\n";
  if (!m.fencing_levels.empty()) {
    s += "fencing_topology";
    std::string target;
    for (const auto& l : m.fencing_levels) {
      if (l.target != target) s += " \\\n\t" + l.target + ":";
      target = l.target;
      s += " " + l.device;
    }
    s += "\n";
  }
  if (!m.properties.empty()) s += "property cib-bootstrap-options:" + crm_pairs(m.properties) + "\n";
  if (!m.rsc_defaults.empty()) s += "rsc_defaults rsc-options:" + crm_pairs(m.rsc_defaults) + "\n";
  return s;
}

std::string render_cib(const Model& m) {
  std::string s;
  s += "<!-- Pacemaker configuration of the twinbeat pair in " + xml(m.source) +
       ", written by twinbeat export pacemaker (see report.txt). -->\n";
  s += "<cib validate-with=\"pacemaker-3.0\" admin_epoch=\"0\" epoch=\"1\" num_updates=\"0\">\n";
  s += "  <configuration>\n    <crm_config>\n";
  xml_set("cluster_property_set", "cib-bootstrap-options", m.properties, "      ", s);
  s += "    </crm_config>\n    <nodes>\n";
  for (const auto& [id, name] : m.nodes)
    s += "      <node" + attr("id", std::to_string(id)) + attr("uname", name) + "/>\n";
  s += "    </nodes>\n    <resources>\n";
  for (const auto& p : m.primitives) xml_primitive(p, "      ", s);
  for (const auto& g : m.groups) {
    s += "      <group" + attr("id", g.id) + attr("description", g.description) + ">\n";
    xml_set("meta_attributes", g.id + "-meta_attributes", g.meta, "        ", s);
    for (const auto& p : g.members) xml_primitive(p, "        ", s);
    s += "      </group>\n";
  }
  for (const auto& c : m.clones) {
    s += "      <clone" + attr("id", c.id) + ">\n";
    xml_set("meta_attributes", c.id + "-meta_attributes", c.meta, "        ", s);
    xml_primitive(c.primitive, "        ", s);
    s += "      </clone>\n";
  }
  s += "    </resources>\n";
  xml_constraints(m, s);
  if (!m.fencing_levels.empty()) {
    s += "    <fencing-topology>\n";
    for (const auto& l : m.fencing_levels)
      s += "      <fencing-level" +
           attr("id", "fl-" + to_id(l.target) + "-" + std::to_string(l.index)) +
           attr("target", l.target) + attr("index", std::to_string(l.index)) +
           attr("devices", l.device) + "/>\n";
    s += "    </fencing-topology>\n";
  }
  if (!m.rsc_defaults.empty()) {
    s += "    <rsc_defaults>\n";
    xml_set("meta_attributes", "rsc-options", m.rsc_defaults, "      ", s);
    s += "    </rsc_defaults>\n";
  }
  s += "  </configuration>\n  <status/>\n</cib>\n";
  return s;
}

}  // namespace twinbeat::exporter
