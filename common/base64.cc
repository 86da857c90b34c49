#include "common/base64.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace sct {
namespace {

constexpr char kStd[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Encode(absl::string_view data, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(data[i]) << 16) |
                 (static_cast<uint8_t>(data[i + 1]) << 8) |
                 static_cast<uint8_t>(data[i + 2]);
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    out.push_back(alphabet[v & 63]);
  }
  size_t rest = data.size() - i;
  if (rest == 1) {
    uint32_t v = static_cast<uint8_t>(data[i]) << 16;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    if (pad) out.append("==");
  } else if (rest == 2) {
    uint32_t v = (static_cast<uint8_t>(data[i]) << 16) |
                 (static_cast<uint8_t>(data[i + 1]) << 8);
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    if (pad) out.push_back('=');
  }
  return out;
}

// Value of `c` in the alphabet whose last two symbols are c62, c63; -1 if none.
int Value(char c, char c62, char c63) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == c62) return 62;
  if (c == c63) return 63;
  return -1;
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

// The input is never echoed in errors: it may be a secret or ciphertext.
absl::StatusOr<std::string> Decode(absl::string_view in,
                                   absl::string_view field, bool url) {
  const char c62 = url ? '-' : '+';
  const char c63 = url ? '_' : '/';
  const char* what = url ? "not base64url: " : "not base64: ";

  size_t pad = 0;
  while (pad < in.size() && in[in.size() - 1 - pad] == '=') ++pad;
  absl::string_view body = in.substr(0, in.size() - pad);

  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (Value(c, c62, c63) >= 0) continue;
    if (c == '=') {
      return InvalidField(
          field,
          absl::StrCat(what, "padding '=' inside the data at offset ", i));
    }
    if (IsSpace(c)) {
      return InvalidField(field,
                          absl::StrCat(what, "whitespace at offset ", i));
    }
    if (!url && (c == '-' || c == '_')) {
      return InvalidField(
          field, absl::StrCat(what, "base64url character at offset ", i,
                              " (expected standard alphabet)"));
    }
    if (url && (c == '+' || c == '/')) {
      return InvalidField(
          field, absl::StrCat(what, "standard-alphabet character at offset ", i,
                              " (expected base64url)"));
    }
    return InvalidField(field,
                        absl::StrCat(what, "invalid character at offset ", i));
  }
  if (pad > 2) {
    return InvalidField(field, absl::StrCat(what, "too much padding"));
  }
  if (body.size() % 4 == 1) {
    return InvalidField(field, absl::StrCat(what, "invalid length"));
  }
  if (pad > 0 && in.size() % 4 != 0) {
    return InvalidField(field, absl::StrCat(what, "wrong padding"));
  }
  if (pad == 0 && !url && body.size() % 4 != 0) {
    return InvalidField(field, absl::StrCat(what, "missing padding"));
  }

  std::string out;
  out.reserve(body.size() / 4 * 3 + 2);
  size_t i = 0;
  for (; i + 4 <= body.size(); i += 4) {
    uint32_t v = (Value(body[i], c62, c63) << 18) |
                 (Value(body[i + 1], c62, c63) << 12) |
                 (Value(body[i + 2], c62, c63) << 6) |
                 Value(body[i + 3], c62, c63);
    out.push_back(static_cast<char>((v >> 16) & 0xff));
    out.push_back(static_cast<char>((v >> 8) & 0xff));
    out.push_back(static_cast<char>(v & 0xff));
  }
  size_t rest = body.size() - i;
  if (rest == 2) {
    uint32_t v =
        (Value(body[i], c62, c63) << 18) | (Value(body[i + 1], c62, c63) << 12);
    if ((v & 0xffff) != 0) {
      return InvalidField(field, absl::StrCat(what, "non-zero trailing bits"));
    }
    out.push_back(static_cast<char>((v >> 16) & 0xff));
  } else if (rest == 3) {
    uint32_t v = (Value(body[i], c62, c63) << 18) |
                 (Value(body[i + 1], c62, c63) << 12) |
                 (Value(body[i + 2], c62, c63) << 6);
    if ((v & 0xff) != 0) {
      return InvalidField(field, absl::StrCat(what, "non-zero trailing bits"));
    }
    out.push_back(static_cast<char>((v >> 16) & 0xff));
    out.push_back(static_cast<char>((v >> 8) & 0xff));
  }
  return out;
}

}  // namespace

std::string Base64Encode(absl::string_view data) {
  return Encode(data, kStd, true);
}

std::string Base64UrlEncode(absl::string_view data) {
  return Encode(data, kUrl, false);
}

absl::StatusOr<std::string> Base64Decode(absl::string_view encoded,
                                         absl::string_view field) {
  return Decode(encoded, field, /*url=*/false);
}

absl::StatusOr<std::string> Base64UrlDecode(absl::string_view encoded,
                                            absl::string_view field) {
  return Decode(encoded, field, /*url=*/true);
}

}  // namespace sct
