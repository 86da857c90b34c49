#include "crypto/openssl_util.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include "gtest/gtest.h"

namespace sct::crypto {
namespace {

TEST(OpenSslErrorTest, CarriesAndDrainsTheErrorQueue) {
  ERR_clear_error();
  // Fetching an unknown algorithm leaves an error on the queue.
  EvpKdfPtr kdf(EVP_KDF_fetch(nullptr, "NO-SUCH-KDF", nullptr));
  ASSERT_EQ(kdf, nullptr);
  absl::Status status = OpenSslError("EVP_KDF_fetch");
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_NE(status.message().find("EVP_KDF_fetch: "), absl::string_view::npos);
  EXPECT_NE(status.message().find("unsupported"), absl::string_view::npos)
      << status.message();
  EXPECT_EQ(ERR_peek_error(), 0u);  // Drained.
  absl::Status empty = OpenSslError("nothing");
  EXPECT_NE(empty.message().find("no OpenSSL error recorded"),
            absl::string_view::npos);
}

TEST(UpRefTest, SharesTheKey) {
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"));
  ASSERT_NE(key, nullptr);
  EvpPkeyPtr second = UpRef(key.get());
  ASSERT_EQ(second.get(), key.get());
  key.reset();
  EXPECT_EQ(EVP_PKEY_get_id(second.get()), EVP_PKEY_X25519);
}

}  // namespace
}  // namespace sct::crypto
