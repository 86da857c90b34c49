#include "relay/memory_mailbox_store.h"

#include <memory>

#include "gtest/gtest.h"
#include "relay/mailbox_store_conformance.h"

namespace sct::relay {
namespace {

INSTANTIATE_TEST_SUITE_P(
    Memory, MailboxStoreConformanceTest,
    testing::Values(MailboxStoreFactory{
        "memory",
        []() -> absl::StatusOr<std::unique_ptr<MailboxStore>> {
          return std::make_unique<MemoryMailboxStore>();
        }}),
    [](const testing::TestParamInfo<MailboxStoreFactory>& info) { return info.param.name; });

}  // namespace
}  // namespace sct::relay
