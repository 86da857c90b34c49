// One conformance suite for every DerivedStore (derived_store.h), as
// relay/mailbox_store_conformance.h is for mailbox stores: each store's test
// instantiates it with a factory.
//
//   INSTANTIATE_TEST_SUITE_P(Memory, DerivedStoreConformance,
//                            testing::Values(DerivedStoreFactory{...}));
//
// A factory's `reopen` (may be empty) closes the store and opens the same
// storage again: the durability cases run only when it is set.
#ifndef SCT_RELAY_DERIVED_DERIVED_STORE_CONFORMANCE_H_
#define SCT_RELAY_DERIVED_DERIVED_STORE_CONFORMANCE_H_

#include <functional>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "relay/derived/derived_store.h"

namespace sct::relay::derived {

struct DerivedStoreFactory {
  std::string name;
  // A fresh, empty store in its own storage.
  std::function<std::unique_ptr<DerivedStore>()> open;
  // The store of the last open() again, after closing `current` (empty: the
  // store does not survive a restart).
  std::function<std::unique_ptr<DerivedStore>(std::unique_ptr<DerivedStore> current)> reopen;
};

class DerivedStoreConformance : public testing::TestWithParam<DerivedStoreFactory> {};

}  // namespace sct::relay::derived

#endif  // SCT_RELAY_DERIVED_DERIVED_STORE_CONFORMANCE_H_
