#include "bench/sqs_requests.h"

#include <rapidjson/document.h>

#include <cstdio>

#include "common/strings.h"

namespace sluice::bench {
namespace {

constexpr std::string_view kJsonContentType = "application/x-amz-json-1.0";
constexpr std::string_view kFormContentType = "application/x-www-form-urlencoded; charset=utf-8";
constexpr std::string_view kQueryVersion = "2012-11-05";

void AppendParam(std::string& form, std::string_view key, std::string_view value) {
  if (!form.empty()) form.push_back('&');
  form.append(strings::UrlEncode(key));
  form.push_back('=');
  form.append(strings::UrlEncode(value));
}

// Finds the text of the first <tag>...</tag> at or after `from`; sets `end`
// past the closing tag.
std::optional<std::string_view> XmlElement(std::string_view xml, std::string_view tag, size_t from,
                                           size_t* end = nullptr) {
  std::string open(1, '<');
  open.append(tag).push_back('>');
  std::string close("</");
  close.append(tag).push_back('>');
  size_t a = xml.find(open, from);
  if (a == std::string_view::npos) return std::nullopt;
  a += open.size();
  size_t b = xml.find(close, a);
  if (b == std::string_view::npos) return std::nullopt;
  if (end) *end = b + close.size();
  return xml.substr(a, b - a);
}

// Every element named `tag`, in order.
std::vector<std::string_view> XmlElements(std::string_view xml, std::string_view tag) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (auto e = XmlElement(xml, tag, pos, &pos)) out.push_back(*e);
  return out;
}

bool ParseJsonObject(std::string_view body, rapidjson::Document& doc) {
  doc.Parse(body.data(), body.size());
  return !doc.HasParseError() && doc.IsObject();
}

}  // namespace

std::string JsonEscape(std::string_view in) {
  std::string out;
  out.reserve(in.size() + 2);
  for (char c : in) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  return out;
}

// ------------------------------------------------------------------ builders

HttpCall SqsRequests::Json(std::string operation, std::string body) const {
  HttpCall call;
  call.headers.emplace_back("Content-Type", std::string(kJsonContentType));
  call.headers.emplace_back("X-Amz-Target", "AmazonSQS." + operation);
  call.operation = std::move(operation);
  call.body = std::move(body);
  return call;
}

HttpCall SqsRequests::Query(std::string operation, std::string form) const {
  HttpCall call;
  call.headers.emplace_back("Content-Type", std::string(kFormContentType));
  std::string body;
  AppendParam(body, "Action", operation);
  AppendParam(body, "Version", kQueryVersion);
  body.push_back('&');
  body.append(form);
  call.operation = std::move(operation);
  call.body = std::move(body);
  return call;
}

HttpCall SqsRequests::CreateQueue(std::string_view queue_name) const {
  if (protocol_ == Protocol::kJson) {
    return Json("CreateQueue", "{\"QueueName\":\"" + JsonEscape(queue_name) + "\"}");
  }
  std::string form;
  AppendParam(form, "QueueName", queue_name);
  return Query("CreateQueue", std::move(form));
}

HttpCall SqsRequests::SendMessage(std::string_view queue_url, std::string_view body) const {
  if (protocol_ == Protocol::kJson) {
    std::string json = "{\"QueueUrl\":\"" + JsonEscape(queue_url) + "\",\"MessageBody\":\"";
    json += JsonEscape(body);
    json += "\"}";
    return Json("SendMessage", std::move(json));
  }
  std::string form;
  AppendParam(form, "QueueUrl", queue_url);
  AppendParam(form, "MessageBody", body);
  return Query("SendMessage", std::move(form));
}

HttpCall SqsRequests::SendMessageBatch(std::string_view queue_url, const std::vector<std::string>& bodies) const {
  if (protocol_ == Protocol::kJson) {
    std::string json = "{\"QueueUrl\":\"" + JsonEscape(queue_url) + "\",\"Entries\":[";
    for (size_t i = 0; i < bodies.size(); ++i) {
      if (i) json.push_back(',');
      json += "{\"Id\":\"" + std::to_string(i) + "\",\"MessageBody\":\"";
      json += JsonEscape(bodies[i]);
      json += "\"}";
    }
    json += "]}";
    return Json("SendMessageBatch", std::move(json));
  }
  std::string form;
  AppendParam(form, "QueueUrl", queue_url);
  for (size_t i = 0; i < bodies.size(); ++i) {
    const std::string prefix = "SendMessageBatchRequestEntry." + std::to_string(i + 1) + ".";
    AppendParam(form, prefix + "Id", std::to_string(i));
    AppendParam(form, prefix + "MessageBody", bodies[i]);
  }
  return Query("SendMessageBatch", std::move(form));
}

HttpCall SqsRequests::ReceiveMessage(std::string_view queue_url, int max_messages, int wait_seconds) const {
  if (protocol_ == Protocol::kJson) {
    return Json("ReceiveMessage", "{\"QueueUrl\":\"" + JsonEscape(queue_url) +
                                      "\",\"MaxNumberOfMessages\":" + std::to_string(max_messages) +
                                      ",\"WaitTimeSeconds\":" + std::to_string(wait_seconds) + "}");
  }
  std::string form;
  AppendParam(form, "QueueUrl", queue_url);
  AppendParam(form, "MaxNumberOfMessages", std::to_string(max_messages));
  AppendParam(form, "WaitTimeSeconds", std::to_string(wait_seconds));
  return Query("ReceiveMessage", std::move(form));
}

HttpCall SqsRequests::DeleteMessageBatch(std::string_view queue_url,
                                         const std::vector<std::string>& receipt_handles) const {
  if (protocol_ == Protocol::kJson) {
    std::string json = "{\"QueueUrl\":\"" + JsonEscape(queue_url) + "\",\"Entries\":[";
    for (size_t i = 0; i < receipt_handles.size(); ++i) {
      if (i) json.push_back(',');
      json += "{\"Id\":\"" + std::to_string(i) + "\",\"ReceiptHandle\":\"";
      json += JsonEscape(receipt_handles[i]);
      json += "\"}";
    }
    json += "]}";
    return Json("DeleteMessageBatch", std::move(json));
  }
  std::string form;
  AppendParam(form, "QueueUrl", queue_url);
  for (size_t i = 0; i < receipt_handles.size(); ++i) {
    const std::string prefix = "DeleteMessageBatchRequestEntry." + std::to_string(i + 1) + ".";
    AppendParam(form, prefix + "Id", std::to_string(i));
    AppendParam(form, prefix + "ReceiptHandle", receipt_handles[i]);
  }
  return Query("DeleteMessageBatch", std::move(form));
}

std::string MakeMessageBody(size_t size, uint64_t seq) {
  std::string body(1, 'm');
  body.append(std::to_string(seq)).push_back('-');
  if (body.size() > size) {
    body.resize(size);
    return body;
  }
  body.reserve(size);
  for (size_t i = body.size(); i < size; ++i) body.push_back(static_cast<char>('a' + (i + seq) % 26));
  return body;
}

// ------------------------------------------------------------------- parsers

std::optional<std::string> ParseQueueUrl(Protocol protocol, std::string_view body) {
  if (protocol == Protocol::kJson) {
    rapidjson::Document doc;
    if (!ParseJsonObject(body, doc)) return std::nullopt;
    auto it = doc.FindMember("QueueUrl");
    if (it == doc.MemberEnd() || !it->value.IsString()) return std::nullopt;
    return std::string(it->value.GetString(), it->value.GetStringLength());
  }
  auto url = XmlElement(body, "QueueUrl", 0);
  if (!url) return std::nullopt;
  return XmlUnescape(*url);
}

BatchOutcome ParseBatchResult(Protocol protocol, std::string_view body) {
  BatchOutcome out;
  if (protocol == Protocol::kJson) {
    rapidjson::Document doc;
    if (!ParseJsonObject(body, doc)) return out;
    auto ok = doc.FindMember("Successful");
    auto failed = doc.FindMember("Failed");
    const bool has_ok = ok != doc.MemberEnd() && ok->value.IsArray();
    const bool has_failed = failed != doc.MemberEnd() && failed->value.IsArray();
    if (!has_ok && !has_failed) return out;
    out.parsed = true;
    if (has_ok) out.successful = static_cast<int>(ok->value.Size());
    if (has_failed) {
      for (const auto& entry : failed->value.GetArray()) {
        std::string code = "Unknown";
        if (entry.IsObject()) {
          auto c = entry.FindMember("Code");
          if (c != entry.MemberEnd() && c->value.IsString()) code = c->value.GetString();
        }
        out.failed_codes.push_back(std::move(code));
      }
    }
    return out;
  }
  if (body.find("BatchResult>") == std::string_view::npos && body.find("BatchResult/>") == std::string_view::npos) {
    return out;
  }
  out.parsed = true;
  // Successful entries are <SendMessageBatchResultEntry>, <DeleteMessageBatchResultEntry>...
  size_t pos = 0;
  while ((pos = body.find("BatchResultEntry>", pos)) != std::string_view::npos) {
    size_t lt = body.rfind('<', pos);
    if (lt != std::string_view::npos && body.substr(lt + 1, 1) != "/") ++out.successful;
    pos += 1;
  }
  for (std::string_view entry : XmlElements(body, "BatchResultErrorEntry")) {
    auto code = XmlElement(entry, "Code", 0);
    out.failed_codes.push_back(code ? XmlUnescape(*code) : "Unknown");
  }
  return out;
}

ReceiveOutcome ParseReceiveResult(Protocol protocol, std::string_view body) {
  ReceiveOutcome out;
  if (protocol == Protocol::kJson) {
    rapidjson::Document doc;
    if (!ParseJsonObject(body, doc)) return out;
    out.parsed = true;
    auto messages = doc.FindMember("Messages");
    if (messages == doc.MemberEnd() || !messages->value.IsArray()) return out;
    for (const auto& m : messages->value.GetArray()) {
      if (!m.IsObject()) continue;
      auto h = m.FindMember("ReceiptHandle");
      if (h != m.MemberEnd() && h->value.IsString()) {
        out.receipt_handles.emplace_back(h->value.GetString(), h->value.GetStringLength());
      }
      auto b = m.FindMember("Body");
      if (b != m.MemberEnd() && b->value.IsString()) out.body_bytes += b->value.GetStringLength();
    }
    return out;
  }
  if (body.find("ReceiveMessageResult") == std::string_view::npos) return out;
  out.parsed = true;
  for (std::string_view message : XmlElements(body, "Message")) {
    if (auto h = XmlElement(message, "ReceiptHandle", 0)) out.receipt_handles.push_back(XmlUnescape(*h));
    if (auto b = XmlElement(message, "Body", 0)) out.body_bytes += XmlUnescape(*b).size();
  }
  return out;
}

}  // namespace sluice::bench
