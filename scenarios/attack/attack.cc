// Skeleton: every function of attack.h; filled in by later commits.
#include "scenarios/attack/attack.h"

namespace sct::scenarios {

absl::Status PrepareAudit(RunContext& ctx) {
  return absl::UnimplementedError("PrepareAudit: not implemented yet");
}
absl::Status ApplyFault(const scenario::v1::Fault& fault, RunContext& ctx) {
  return absl::UnimplementedError("ApplyFault: not implemented yet");
}
absl::Status ClearFault(const scenario::v1::Fault& fault, RunContext& ctx) {
  return absl::UnimplementedError("ClearFault: not implemented yet");
}
absl::Status ArmAdversaries(RunContext& ctx) {
  return absl::UnimplementedError("ArmAdversaries: not implemented yet");
}
void DisarmAdversaries(RunContext& ctx) {}
absl::StatusOr<AdversaryOutcome> ActAdversary(const std::string& adversary,
                                              RunContext& ctx) {
  return absl::UnimplementedError("ActAdversary: not implemented yet");
}
absl::StatusOr<std::vector<scenario::v1::KnowledgeAuditRow>> EvaluateKnowledge(
    RunContext& ctx) {
  return absl::UnimplementedError("EvaluateKnowledge: not implemented yet");
}
absl::StatusOr<std::vector<::common::v1::TraceEvent>> CollectTrace(
    RunContext& ctx) {
  return absl::UnimplementedError("CollectTrace: not implemented yet");
}

}  // namespace sct::scenarios
