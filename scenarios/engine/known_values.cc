#include "scenarios/engine/known_values.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/share_link.h"

namespace sct::scenarios {

namespace cv1 = ::common::v1;

void Know(RunContext& ctx, cv1::KnowledgeItem item, const std::string& value,
          const std::string& label, const std::string& owner) {
  if (value.empty()) return;
  for (const KnownValue& k : ctx.known) {
    if (k.item == item && k.value == value) return;
  }
  ctx.known.push_back(KnownValue{item, value, label, owner});
}

void KnowLink(RunContext& ctx, const std::string& name, SavedShare& share,
              const std::string& link) {
  if (link.empty()) return;
  if (share.link.empty()) share.link = link;
  Know(ctx, cv1::FULL_LINK, link, absl::StrCat("link of ", name));
  if (link.find('#') == std::string::npos) return;
  const std::string fragment = FragmentOf(link);
  Know(ctx, cv1::MAILBOX_SECRET, fragment,
       absl::StrCat("mailbox secret of ", name, " (base64url)"));
  std::string raw;
  if (absl::WebSafeBase64Unescape(fragment, &raw)) {
    Know(ctx, cv1::MAILBOX_SECRET, raw, absl::StrCat("mailbox secret of ", name, " (raw)"));
  }
}

}  // namespace sct::scenarios
