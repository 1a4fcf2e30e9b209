#include "bench/http_call.h"

#include <rapidjson/document.h>

#include <cstdlib>

#include "common/strings.h"

namespace sluice::bench {

std::string_view ProtocolName(Protocol p) { return p == Protocol::kJson ? "json" : "query"; }

Signer::Signer(auth::SigningCredentials creds, std::string region, std::string service)
    : creds_(std::move(creds)), region_(std::move(region)), service_(std::move(service)) {}

void Signer::Sign(HttpCall& call, std::string_view host, int64_t now_millis) const {
  call.headers.emplace_back("Host", std::string(host));
  auth::HttpRequestView view{call.method, call.target, call.headers, call.body};
  auth::SignedRequest signed_request =
      auth::SigV4Verifier::SignRequest(view, creds_, region_, service_, now_millis);
  for (auto& header : signed_request.headers) call.headers.push_back(std::move(header));
}

std::string XmlUnescape(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '&') {
      out.push_back(in[i]);
      continue;
    }
    size_t semi = in.find(';', i);
    if (semi == std::string_view::npos) {
      out.push_back('&');
      continue;
    }
    std::string_view ent = in.substr(i + 1, semi - i - 1);
    if (ent == "amp") out.push_back('&');
    else if (ent == "lt") out.push_back('<');
    else if (ent == "gt") out.push_back('>');
    else if (ent == "quot") out.push_back('"');
    else if (ent == "apos") out.push_back('\'');
    else if (ent.size() > 1 && ent[0] == '#') {
      unsigned long cp = ent[1] == 'x' ? std::strtoul(std::string(ent.substr(2)).c_str(), nullptr, 16)
                                       : std::strtoul(std::string(ent.substr(1)).c_str(), nullptr, 10);
      strings::AppendUtf8(out, static_cast<uint32_t>(cp));
    } else {
      out.append(in.substr(i, semi - i + 1));
    }
    i = semi;
  }
  return out;
}

std::string ParseErrorCode(std::string_view body, int http_status) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (!doc.HasParseError() && doc.IsObject()) {
    for (const char* key : {"__type", "code", "Code"}) {
      auto it = doc.FindMember(key);
      if (it == doc.MemberEnd() || !it->value.IsString()) continue;
      std::string_view type(it->value.GetString(), it->value.GetStringLength());
      size_t hash = type.rfind('#');
      if (hash != std::string_view::npos) type.remove_prefix(hash + 1);
      size_t colon = type.find(':');
      if (colon != std::string_view::npos) type = type.substr(0, colon);
      if (!type.empty()) return std::string(type);
    }
  }
  if (size_t a = body.find("<Code>"), b = body.find("</Code>"); a != std::string_view::npos && b != std::string_view::npos && b > a) {
    std::string c = XmlUnescape(body.substr(a + 6, b - a - 6));
    if (!c.empty()) return c;
  }
  return "HTTP " + std::to_string(http_status);
}

}  // namespace sluice::bench
