// Lookups over the generated model tables (see protocol/model.h).
//
// The tables are immutable and these functions keep no state and allocate
// nothing, so they are safe to call from any thread.
#include "protocol/model.h"

#include <algorithm>

namespace sluice::model {

const Operation* Service::FindOperation(std::string_view op) const {
  // The generator emits operations sorted by name (byte order).
  const Operation* end = operations + operation_count;
  const Operation* it = std::lower_bound(
      operations, end, op,
      [](const Operation& o, std::string_view key) { return o.name < key; });
  if (it != end && it->name == op) return it;
  return nullptr;
}

const ErrorInfo* Service::FindError(std::string_view shape_or_code) const {
  // The model's own errors come first, then the protocol-level ones; the
  // generator guarantees that no name or code occurs in two rows.
  for (int i = 0; i < error_count; ++i) {
    const ErrorInfo& e = errors[i];
    if (e.shape == shape_or_code || e.query_code == shape_or_code) return &e;
  }
  return nullptr;
}

const Member* Service::FindMember(const Shape& s,
                                  std::string_view member_name) const {
  if (s.type != ShapeType::kStructure) return nullptr;
  for (int i = s.first_member; i < s.first_member + s.member_count; ++i) {
    if (members[i].name == member_name) return &members[i];
  }
  return nullptr;
}

}  // namespace sluice::model
