#include "relay/derived/memory_derived_store.h"

#include <memory>

#include "relay/derived/derived_store_conformance.h"

namespace sct::relay::derived {
namespace {

INSTANTIATE_TEST_SUITE_P(Memory, DerivedStoreConformance,
                         testing::Values(DerivedStoreFactory{
                             "memory", [] { return std::make_unique<MemoryDerivedStore>(); },
                             nullptr}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace sct::relay::derived
