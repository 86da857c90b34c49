// SHA-256 on the FIPS 180-2 / NIST CSRC example vectors; a failure names the
// vector.
#include "crypto/digest.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

namespace sct::crypto {
namespace {

struct Vector {
  const char* id;
  std::string message;
  const char* sha256_hex;
};

std::vector<Vector> Vectors() {
  return {
      {"empty", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"two-blocks-448-bits", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {"896-bits",
       "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrl"
       "mnopqrsmnopqrstnopqrstu",
       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
      {"million-a", std::string(1000000, 'a'),
       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
  };
}

TEST(Sha256Test, NistVectors) {
  for (const Vector& v : Vectors()) {
    const std::string digest = Sha256(v.message);
    EXPECT_EQ(digest.size(), kSha256Size) << v.id;
    EXPECT_EQ(absl::BytesToHexString(digest), v.sha256_hex) << v.id;
    EXPECT_EQ(Sha256Hex(v.message), v.sha256_hex) << v.id;
  }
}

TEST(Sha256Test, ConcatHashesThePartsAsOneString) {
  for (const Vector& v : Vectors()) {
    for (size_t cut : {size_t{0}, v.message.size() / 3, v.message.size()}) {
      const absl::string_view m = v.message;
      EXPECT_EQ(absl::BytesToHexString(Sha256Concat({m.substr(0, cut), m.substr(cut)})),
                v.sha256_hex)
          << v.id << " cut at " << cut;
    }
  }
  EXPECT_EQ(absl::BytesToHexString(Sha256Concat({})), Vectors()[0].sha256_hex);
}

TEST(Sha256Test, HashesEveryByteIncludingNul) {
  const std::string with_nul("a\0b", 3);
  EXPECT_NE(Sha256(with_nul), Sha256("a"));
  EXPECT_NE(Sha256(with_nul), Sha256(std::string("a\0c", 3)));
  EXPECT_EQ(Sha256(with_nul), Sha256(std::string("a\0b", 3)));
}

}  // namespace
}  // namespace sct::crypto
