// StartStreamEncryption: records put from now on are marked KMS-encrypted
// with the given key; the stream is UPDATING for the transition time. Keys
// are not checked against a KMS.
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

void StartStreamEncryption(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  std::string type = in.GetString("EncryptionType").value_or("");
  std::string key = in.GetString("KeyId").value_or("");
  if (type != "KMS") return done(InvalidArgument("KMS is the only valid EncryptionType for this request."));
  Change change = [type, key](StreamMeta& s, int64_t now) -> Result<Value> {
    s.encryption_type = type;
    s.key_id = key;
    s.status = "UPDATING";
    s.status_changed_ms = now;
    return Value::Map();
  };
  MutateStream(k, ByInput(k, ctx, in, Need::kActive), std::move(change), std::move(done));
}

}  // namespace sluice::kinesis
