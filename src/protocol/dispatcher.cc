#include "protocol/dispatcher.h"

#include <rapidjson/stringbuffer.h>
#include <algorithm>
#include <rapidjson/writer.h>

#include "common/crypto.h"
#include "common/strings.h"

namespace sluice::protocol {
namespace {

std::string_view ContentType(WireProtocol p) {
  switch (p) {
    case WireProtocol::kJson10: return "application/x-amz-json-1.0";
    case WireProtocol::kJson11: return "application/x-amz-json-1.1";
    case WireProtocol::kCbor11: return kCborContentType;
    default: return "text/xml";
  }
}

std::string JsonError(std::string_view raw_type, std::string_view raw_message) {
  // Error texts may echo request bytes: keep the answer valid UTF-8.
  std::string type = strings::SanitizeUtf8(raw_type, false);
  std::string message = strings::SanitizeUtf8(raw_message, false);
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("__type");
  w.String(type.data(), static_cast<rapidjson::SizeType>(type.size()));
  w.Key("message");
  w.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

bool IsFormContent(std::string_view content_type) {
  return strings::StartsWith(strings::ToLower(content_type), "application/x-www-form-urlencoded");
}

}  // namespace

Dispatcher::Dispatcher(const auth::SigV4Verifier* verifier, DispatcherOptions options)
    : verifier_(verifier), options_(std::move(options)) {}

void Dispatcher::Register(ServiceBinding binding) { bindings_.push_back(std::move(binding)); }

const ServiceBinding* Dispatcher::ByTarget(std::string_view prefix) const {
  for (const auto& b : bindings_) {
    if (b.model->target_prefix == prefix) return &b;
  }
  return nullptr;
}

const ServiceBinding* Dispatcher::ByAction(std::string_view action, std::string_view scope) const {
  // The credential scope names the service when the client signed; otherwise
  // the first Query service that knows the action.
  for (const auto& b : bindings_) {
    if (b.query && !scope.empty() && b.scope_name == scope) return &b;
  }
  for (const auto& b : bindings_) {
    if (b.query && b.model->FindOperation(action)) return &b;
  }
  for (const auto& b : bindings_) {
    if (b.query) return &b;
  }
  return nullptr;
}

HttpResponse Dispatcher::RenderError(WireProtocol protocol, const ServiceBinding* binding,
                                     const Error& error, const std::string& request_id) {
  const model::ErrorInfo* info = binding ? binding->model->FindError(error.code) : nullptr;
  int status = error.http_status ? error.http_status : (info ? info->http_status : 400);
  bool sender = info ? info->sender_fault : error.sender_fault;
  if (error.http_status >= 500) sender = false;
  std::string query_code(info ? info->query_code : std::string_view(error.code));
  std::string shape(info ? info->shape : std::string_view(error.code));

  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("x-amzn-RequestId", request_id);
  if (protocol == WireProtocol::kQuery) {
    std::string ns = binding ? std::string(binding->model->xml_namespace)
                             : "http://queue.amazonaws.com/doc/2012-11-05/";
    r.headers.emplace_back("Content-Type", "text/xml");
    r.body = "<?xml version=\"1.0\"?><ErrorResponse xmlns=\"" + ns + "\"><Error><Type>" +
             (sender ? "Sender" : "Receiver") + "</Type><Code>" + XmlEscape(query_code) +
             "</Code><Message>" + XmlEscape(error.message) + "</Message><Detail/></Error><RequestId>" +
             request_id + "</RequestId></ErrorResponse>";
  } else {
    r.headers.emplace_back("Content-Type", std::string(ContentType(protocol)));
    std::string type = binding ? std::string(binding->model->json_prefix) + shape : shape;
    if (!binding || binding->query_compatible) {
      r.headers.emplace_back("x-amzn-query-error",
                             query_code + (sender ? ";Sender" : ";Receiver"));
    } else {
      // SDKs take the code from x-amzn-ErrorType before the body's __type; a
      // query-compatible service leaves it out, or the JS SDK v3 would prefer
      // it to the legacy code in x-amzn-query-error.
      r.headers.emplace_back("x-amzn-ErrorType", shape);
    }
    if (protocol == WireProtocol::kCbor11) {
      // Error texts may echo request bytes: keep CBOR text strings UTF-8.
      r.body = EncodeCborError(strings::SanitizeUtf8(type, false),
                               strings::SanitizeUtf8(error.message, false));
    } else {
      r.body = JsonError(type, error.message);
    }
  }
  return r;
}

HttpResponse Dispatcher::RenderTransportError(int status, const std::string& code,
                                              const std::string& message) const {
  const ServiceBinding* b = bindings_.empty() ? nullptr : &bindings_.front();
  return RenderError(WireProtocol::kQuery, b, Error{code, message, status, status < 500},
                     crypto::UuidV4());
}

void Dispatcher::Handle(const HttpRequest& req, Respond respond) const {
  std::string request_id = crypto::UuidV4();
  auth::HttpRequestView view{req.method, req.target, req.headers, req.body};

  // 1. Which service, protocol and operation.
  const ServiceBinding* binding = nullptr;
  WireProtocol protocol = WireProtocol::kQuery;
  std::string op_name;
  FormParams form;
  std::string_view target = req.Header("X-Amz-Target");
  if (!target.empty()) {
    size_t dot = target.find('.');
    std::string_view prefix = target.substr(0, dot);
    binding = ByTarget(prefix);
    protocol = binding ? binding->json_protocol : WireProtocol::kJson10;
    if (IsCborContentType(req.Header("Content-Type"))) protocol = WireProtocol::kCbor11;
    if (!binding || dot == std::string_view::npos) {
      return respond(RenderError(protocol, binding,
                                 Error{"UnknownOperationException", "Unknown operation " + std::string(target) + "."},
                                 request_id));
    }
    op_name = std::string(target.substr(dot + 1));
  } else {
    // Query: parameters from the query string and, for form posts, the body.
    auto query = strings::ParseForm(req.Query());
    std::optional<std::vector<std::pair<std::string, std::string>>> body;
    if (req.method == "POST" && IsFormContent(req.Header("Content-Type"))) {
      body = strings::ParseForm(req.body);
    } else if (req.method == "POST" && !req.body.empty() && req.Header("Content-Type").empty()) {
      body = strings::ParseForm(req.body);
    } else {
      body.emplace();
    }
    if (!query || !body) {
      return respond(RenderError(WireProtocol::kQuery, ByAction("", ""),
                                 Error{"MalformedQueryString", "The query string is malformed."},
                                 request_id));
    }
    for (auto& [k, v] : *query) form.emplace(k, v);
    for (auto& [k, v] : *body) form[k] = v;
    auto action = form.find("Action");
    std::string scope = auth::CredentialScopeService(view);
    binding = ByAction(action == form.end() ? "" : action->second, scope);
    if (action == form.end() || action->second.empty()) {
      return respond(RenderError(WireProtocol::kQuery, binding,
                                 Error{"MissingAction", "The request must contain the parameter Action."},
                                 request_id));
    }
    op_name = action->second;
  }

  // 2. Who is calling.
  auto auth = verifier_->Verify(view);
  if (!auth.ok()) return respond(RenderError(protocol, binding, auth.error(), request_id));
  // A signature holds for the service its scope names: at AWS another
  // service's endpoint refuses it, so a key scoped to one service cannot be
  // replayed against another here either.
  if (binding && auth->signed_request && verifier_->mode() == auth::AuthMode::kStrict &&
      auth->service != binding->scope_name) {
    return respond(RenderError(
        protocol, binding,
        Error{"SignatureDoesNotMatch",
              "Credential should be scoped to correct service: '" + binding->scope_name + "'. ", 403,
              true},
        request_id));
  }

  const model::Operation* op = binding ? binding->model->FindOperation(op_name) : nullptr;
  if (!op) {
    Error e = protocol == WireProtocol::kQuery
                  ? Error{"InvalidAction", "The action " + op_name + " is not valid for this endpoint."}
                  : Error{"UnknownOperationException", "Unknown operation " + op_name + "."};
    return respond(RenderError(protocol, binding, e, request_id));
  }

  // 3. Decode and check the input.
  Result<Value> input = protocol == WireProtocol::kQuery   ? DecodeQuery(*binding->model, *op, form)
                        : protocol == WireProtocol::kCbor11 ? DecodeCbor(*binding->model, *op, req.body)
                                                            : DecodeJson(*binding->model, *op, req.body);
  if (!input.ok()) return respond(RenderError(protocol, binding, input.error(), request_id));
  if (!binding->path_member.empty() && !input->Find(binding->path_member) && op->input >= 0 &&
      binding->model->FindMember(binding->model->shape(op->input), binding->path_member)) {
    std::string_view path = req.Path();
    if (std::count(path.begin(), path.end(), '/') == 2 && path.size() > 3) {
      input->Set(binding->path_member, Value::String(std::string(path)));
    }
  }
  Status valid = Validate(*binding->model, *op, *input, binding->style);
  if (!valid.ok()) return respond(RenderError(protocol, binding, valid.error(), request_id));

  // 4. Call the service.
  CallContext ctx;
  ctx.account_id = auth->account_id.empty() ? options_.default_account_id : auth->account_id;
  ctx.region = auth->region.empty() ? options_.default_region : auth->region;
  ctx.access_key = auth->access_key;
  ctx.authenticated = verifier_->mode() == auth::AuthMode::kStrict && auth->signed_request;
  ctx.host = std::string(req.Header("Host"));
  ctx.scheme = req.tls ? "https" : "http";
  ctx.request_id = request_id;
  ctx.path = std::string(req.Path());

  const ServiceBinding* b = binding;
  if (binding->event_encoder && binding->service->StreamsOutput(op->name)) {
    // The answer is a status, headers and then an event stream; errors found
    // before it starts are ordinary error responses.
    binding->service->InvokeStream(
        ctx, op->name, std::move(input).value(), binding->event_encoder(protocol),
        [b, protocol, request_id, respond = std::move(respond)](Result<StreamProducer> result) {
          if (!result.ok()) return respond(RenderError(protocol, b, result.error(), request_id));
          HttpResponse r;
          r.headers.emplace_back("x-amzn-RequestId", request_id);
          r.headers.emplace_back("Content-Type", "application/vnd.amazon.eventstream");
          r.stream = std::move(result).value();
          respond(std::move(r));
        });
    return;
  }
  binding->service->Invoke(
      ctx, op->name, std::move(input).value(),
      [b, op, protocol, request_id, respond = std::move(respond)](Result<Value> result) {
        if (!result.ok()) return respond(RenderError(protocol, b, result.error(), request_id));
        HttpResponse r;
        r.headers.emplace_back("x-amzn-RequestId", request_id);
        if (protocol == WireProtocol::kQuery) {
          r.headers.emplace_back("Content-Type", "text/xml");
          r.body = EncodeXmlResponse(*b->model, *op, *result, request_id);
        } else {
          r.headers.emplace_back("Content-Type", std::string(ContentType(protocol)));
          r.body = protocol == WireProtocol::kCbor11 ? EncodeCbor(*b->model, *op, *result)
                                                     : EncodeJson(*b->model, *op, *result);
        }
        respond(std::move(r));
      });
}

}  // namespace sluice::protocol
