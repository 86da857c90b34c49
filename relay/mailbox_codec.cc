#include "relay/mailbox_codec.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/strip.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace sct::relay {
namespace {

constexpr char kRecordFormat[] = "m2";

void Put(std::string* out, absl::string_view s) { absl::StrAppend(out, s.size(), ":", s); }
void PutInt(std::string* out, int64_t v) { Put(out, std::to_string(v)); }
void PutToken(std::string* out, const std::optional<NotificationToken>& t) {
  PutInt(out, t.has_value() ? 1 : 0);
  if (t.has_value()) {
    Put(out, t->type);
    Put(out, t->token_data);
  }
}

// The two payload types the draft defines take one byte ("a", "b"); any
// other type is stored whole after "=".
void PutType(std::string* out, absl::string_view type) {
  if (type == kAeadAes128Gcm) return Put(out, "a");
  if (type == kAeadAes256Gcm) return Put(out, "b");
  Put(out, absl::StrCat("=", type));
}

bool TypeFrom(absl::string_view stored, std::string* type) {
  if (stored == "a") {
    *type = kAeadAes128Gcm;
  } else if (stored == "b") {
    *type = kAeadAes256Gcm;
  } else if (absl::ConsumePrefix(&stored, "=")) {
    type->assign(stored.data(), stored.size());
  } else {
    return false;
  }
  return true;
}

class Reader {
 public:
  explicit Reader(absl::string_view data) : data_(data) {}
  bool View(absl::string_view* out) {
    size_t colon = data_.find(':');
    if (colon == absl::string_view::npos) return false;
    uint64_t len = 0;
    if (!absl::SimpleAtoi(data_.substr(0, colon), &len)) return false;
    data_.remove_prefix(colon + 1);
    if (len > data_.size()) return false;
    *out = data_.substr(0, len);
    data_.remove_prefix(len);
    return true;
  }
  bool Str(std::string* out) {
    absl::string_view v;
    if (!View(&v)) return false;
    out->assign(v.data(), v.size());
    return true;
  }
  bool Int(int64_t* out) {
    absl::string_view v;
    return View(&v) && absl::SimpleAtoi(v, out);
  }
  bool Token(std::optional<NotificationToken>* out) {
    int64_t present = 0;
    if (!Int(&present)) return false;
    if (present == 0) {
      out->reset();
      return true;
    }
    NotificationToken t;
    if (!Str(&t.type) || !Str(&t.token_data)) return false;
    *out = std::move(t);
    return true;
  }
  bool done() const { return data_.empty(); }

 private:
  absl::string_view data_;
};

bool AllDigits(absl::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c); });
}

}  // namespace

// `v` (>= 0) as 20 decimal digits, zero-padded (what "%020d" gives; no
// format parsing on every encode).
std::string Padded20(int64_t v) {
  std::string out(20, '0');
  uint64_t u = static_cast<uint64_t>(v);
  for (size_t i = 20; i > 0 && u != 0; --i, u /= 10) out[i - 1] = static_cast<char>('0' + u % 10);
  return out;
}

std::string PaddedNanos(absl::Time t) {
  int64_t ns = t <= absl::UnixEpoch() ? 0 : absl::ToUnixNanos(t);
  return Padded20(ns);
}

std::string PaddedVersion(int64_t version) { return Padded20(std::max<int64_t>(0, version)); }

absl::string_view RecordVersionDigits(absl::string_view record) {
  if (record.size() < kRecordHeaderBytes || record.substr(0, 2) != kRecordFormat) return {};
  absl::string_view v = record.substr(2, 20);
  return AllDigits(v) ? v : absl::string_view();
}

absl::string_view RecordExpiryDigits(absl::string_view record) {
  if (record.size() < kRecordHeaderBytes || record.substr(0, 2) != kRecordFormat) return {};
  absl::string_view e = record.substr(22, 20);
  return AllDigits(e) ? e : absl::string_view();
}

bool ReadRecordHeader(absl::string_view record, int64_t* version, absl::Time* expires_at) {
  absl::string_view v = RecordVersionDigits(record);
  absl::string_view e = RecordExpiryDigits(record);
  int64_t ns = 0;
  if (v.empty() || e.empty() || !absl::SimpleAtoi(v, version) || !absl::SimpleAtoi(e, &ns)) {
    return false;
  }
  *expires_at = absl::FromUnixNanos(ns);
  return true;
}

std::string EncodeMailbox(const Mailbox& m) {
  std::string out;
  out.reserve(kRecordHeaderBytes + m.payload.data.size() + m.payload.type.size() +
              m.sender_claim.size() + m.receiver_claim.size() + m.attestation.size() + 160);
  absl::StrAppend(&out, kRecordFormat, PaddedVersion(m.version), PaddedNanos(m.expires_at));
  PutType(&out, m.payload.type);
  Put(&out, m.payload.data);
  Put(&out, m.display.title);
  Put(&out, m.display.description);
  Put(&out, m.display.image_url);
  Put(&out, m.access_rights);
  PutInt(&out, absl::ToUnixNanos(m.created_at));
  Put(&out, m.sender_claim);
  PutToken(&out, m.sender_token);
  Put(&out, m.receiver_claim);
  PutToken(&out, m.receiver_token);
  Put(&out, m.attestation);
  PutInt(&out, static_cast<int64_t>(m.applied_requests.size()));
  for (const std::string& k : m.applied_requests) Put(&out, k);
  return out;
}

absl::StatusOr<Mailbox> DecodeMailbox(absl::string_view data, absl::string_view id) {
  Mailbox m;
  m.id = std::string(id);
  int64_t created = 0, n = 0;
  bool ok = ReadRecordHeader(data, &m.version, &m.expires_at);
  Reader r(ok ? data.substr(kRecordHeaderBytes) : absl::string_view());
  absl::string_view type;
  ok = ok && r.View(&type) && TypeFrom(type, &m.payload.type) && r.Str(&m.payload.data) && r.Str(&m.display.title) &&
       r.Str(&m.display.description) && r.Str(&m.display.image_url) &&
       r.Str(&m.access_rights) && r.Int(&created) && r.Str(&m.sender_claim) &&
       r.Token(&m.sender_token) && r.Str(&m.receiver_claim) && r.Token(&m.receiver_token) &&
       r.Str(&m.attestation) && r.Int(&n) && n >= 0 && n <= 1 << 20;
  for (int64_t i = 0; ok && i < n; ++i) {
    std::string k;
    ok = r.Str(&k);
    m.applied_requests.push_back(std::move(k));
  }
  ok = ok && r.done();
  if (!ok) {
    return MakeError(absl::StatusCode::kDataLoss, "store_error",
                     "mailbox record does not decode");
  }
  m.created_at = absl::FromUnixNanos(created);
  return m;
}

}  // namespace sct::relay
