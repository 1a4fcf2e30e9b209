#include "bench/stats.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>

namespace sluice::bench {
namespace {

double Ms(uint64_t nanos) { return static_cast<double>(nanos) / 1e6; }

std::string Format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

}  // namespace

LatencySummary Summarize(const Histogram& h) {
  LatencySummary s;
  s.count = h.count();
  s.mean_ms = h.mean() / 1e6;
  s.p50_ms = Ms(h.ValueAtQuantile(0.50));
  s.p90_ms = Ms(h.ValueAtQuantile(0.90));
  s.p99_ms = Ms(h.ValueAtQuantile(0.99));
  s.p999_ms = Ms(h.ValueAtQuantile(0.999));
  s.max_ms = Ms(h.max());
  return s;
}

void MergeInto(Report& r, const std::vector<const ThreadStats*>& threads) {
  std::map<std::string, Histogram> latency;
  Histogram all;
  for (const ThreadStats* t : threads) {
    const auto& c = t->counters;
    r.requests += c.requests.load();
    r.errors += c.errors.load();
    r.entry_errors += c.entry_errors.load();
    r.messages_sent += c.messages_sent.load();
    r.messages_received += c.messages_received.load();
    r.messages_deleted += c.messages_deleted.load();
    r.bytes_sent += c.bytes_sent.load();
    r.bytes_received += c.bytes_received.load();
    r.unparsed_answers += t->unparsed_answers;
    r.reconnects += t->reconnects;
    for (const auto& [k, v] : t->errors_by_code) r.errors_by_code[k] += v;
    for (const auto& [k, v] : t->errors_by_status) r.errors_by_status[k] += v;
    for (const auto& [k, v] : t->entry_errors_by_code) r.entry_errors_by_code[k] += v;
    for (const auto& [op, h] : t->latency) {
      latency[op].Merge(h);
      all.Merge(h);
    }
  }
  for (const auto& [op, h] : latency) r.latency[op] = Summarize(h);
  r.latency["all"] = Summarize(all);
}

std::string ReportJson(const Report& r) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.SetMaxDecimalPlaces(4);
  auto key = [&](const std::string& k) { w.Key(k.c_str(), static_cast<rapidjson::SizeType>(k.size())); };
  auto str = [&](const std::string& s) { w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size())); };
  auto counts = [&](const std::map<std::string, uint64_t>& m) {
    w.StartObject();
    for (const auto& [k, v] : m) {
      key(k);
      w.Uint64(v);
    }
    w.EndObject();
  };
  w.StartObject();
  key("scenario"); str(r.scenario);
  key("endpoint"); str(r.endpoint);
  key("protocol"); str(r.protocol);
  key("threads"); w.Int(r.threads);
  key("connections"); w.Int(r.connections);
  key("parameters");
  w.StartObject();
  for (const auto& [k, v] : r.parameters) {
    key(k);
    if (const auto* i = std::get_if<int64_t>(&v)) w.Int64(*i);
    else if (const auto* d = std::get_if<double>(&v)) w.Double(*d);
    else str(std::get<std::string>(v));
  }
  w.EndObject();
  key("elapsed_s"); w.Double(r.elapsed_s);
  key("interrupted"); w.Bool(r.interrupted);
  key("requests"); w.Uint64(r.requests);
  key("requests_per_s"); w.Double(r.PerSecond(static_cast<double>(r.requests)));
  key("messages"); w.Uint64(r.messages());
  key("messages_per_s"); w.Double(r.PerSecond(static_cast<double>(r.messages())));
  key("payload_mb_per_s"); w.Double(r.PerSecond(static_cast<double>(r.payload_bytes())) / 1e6);
  key("messages_sent"); w.Uint64(r.messages_sent);
  key("messages_received"); w.Uint64(r.messages_received);
  key("messages_deleted"); w.Uint64(r.messages_deleted);
  key("payload_bytes_sent"); w.Uint64(r.bytes_sent);
  key("payload_bytes_received"); w.Uint64(r.bytes_received);
  key("latency_ms");
  w.StartObject();
  for (const auto& [op, s] : r.latency) {
    key(op);
    w.StartObject();
    key("count"); w.Uint64(s.count);
    key("mean"); w.Double(s.mean_ms);
    key("p50"); w.Double(s.p50_ms);
    key("p90"); w.Double(s.p90_ms);
    key("p99"); w.Double(s.p99_ms);
    key("p999"); w.Double(s.p999_ms);
    key("max"); w.Double(s.max_ms);
    w.EndObject();
  }
  w.EndObject();
  key("errors");
  w.StartObject();
  key("requests"); w.Uint64(r.errors);
  key("entries"); w.Uint64(r.entry_errors);
  key("by_code"); counts(r.errors_by_code);
  key("by_status"); counts(r.errors_by_status);
  key("entries_by_code"); counts(r.entry_errors_by_code);
  w.EndObject();
  key("client_cpu_percent"); w.Double(r.client_cpu_percent);
  key("unparsed_answers"); w.Uint64(r.unparsed_answers);
  key("reconnects"); w.Uint64(r.reconnects);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string ReportText(const Report& r) {
  std::string out;
  auto line = [&](const std::string& s) { out += s + "\n"; };
  line("scenario     " + r.scenario + " against " + r.endpoint + " (" + r.protocol + ", " +
       std::to_string(r.connections) + " connections, " + std::to_string(r.threads) + " threads)" +
       (r.interrupted ? ", interrupted" : ""));
  std::string params;
  for (const auto& [k, v] : r.parameters) {
    if (!params.empty()) params += ", ";
    params += k + "=";
    if (const auto* i = std::get_if<int64_t>(&v)) params += std::to_string(*i);
    else if (const auto* d = std::get_if<double>(&v)) params += Format("%g", *d);
    else params += std::get<std::string>(v);
  }
  if (!params.empty()) line("parameters   " + params);
  line("elapsed      " + Format("%.2f s", r.elapsed_s));
  line("requests     " + std::to_string(r.requests) + Format(" (%.0f/s)", r.PerSecond(static_cast<double>(r.requests))));
  line("messages     " + std::to_string(r.messages()) +
       Format(" (%.0f/s", r.PerSecond(static_cast<double>(r.messages()))) +
       Format(", %.2f MB/s payload)", r.PerSecond(static_cast<double>(r.payload_bytes())) / 1e6) +
       "  sent " + std::to_string(r.messages_sent) + ", received " + std::to_string(r.messages_received) +
       ", deleted " + std::to_string(r.messages_deleted));
  line("latency ms   operation               count      mean       p50       p90       p99     p99.9       max");
  for (const auto& [op, s] : r.latency) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "             %-20s %8llu %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f", op.c_str(),
                  static_cast<unsigned long long>(s.count), s.mean_ms, s.p50_ms, s.p90_ms, s.p99_ms, s.p999_ms,
                  s.max_ms);
    line(buf);
  }
  line("errors       " + std::to_string(r.errors) + " requests, " + std::to_string(r.entry_errors) + " batch entries");
  for (const auto& [k, v] : r.errors_by_code) line("               " + k + ": " + std::to_string(v));
  for (const auto& [k, v] : r.errors_by_status) line("               status " + k + ": " + std::to_string(v));
  for (const auto& [k, v] : r.entry_errors_by_code) line("               entry " + k + ": " + std::to_string(v));
  line("client cpu   " + Format("%.0f%% of one core", r.client_cpu_percent));
  if (r.unparsed_answers) line("unparsed     " + std::to_string(r.unparsed_answers) + " 2xx answers not understood");
  if (r.reconnects) line("reconnects   " + std::to_string(r.reconnects));
  return out;
}

}  // namespace sluice::bench
