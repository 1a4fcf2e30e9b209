// StopStreamEncryption: records put from now on are not encrypted; the
// stream is UPDATING for the transition time.
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

void StopStreamEncryption(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  std::string type = in.GetString("EncryptionType").value_or("");
  if (type != "KMS") return done(InvalidArgument("KMS is the only valid EncryptionType for this request."));
  Change change = [](StreamMeta& s, int64_t now) -> Result<Value> {
    s.encryption_type = "NONE";
    s.key_id.clear();
    s.status = "UPDATING";
    s.status_changed_ms = now;
    return Value::Map();
  };
  MutateStream(k, ByInput(k, ctx, in, Need::kActive), std::move(change), std::move(done));
}

}  // namespace sluice::kinesis
