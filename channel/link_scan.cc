#include "channel/link_scan.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_replace.h"
#include "common/errors.h"

namespace sct::channel {
namespace {

// Decodes UTF-8 into code points; false on malformed input (overlongs,
// surrogates, values above U+10FFFF, truncation).
bool DecodeUtf8(absl::string_view s, std::vector<uint32_t>* out) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    int extra;
    if (c < 0x80) {
      cp = c;
      extra = 0;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1F;
      extra = 1;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F;
      extra = 2;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07;
      extra = 3;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;  // truncated sequence
    for (int k = 1; k <= extra; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    out->push_back(cp);
    i += extra + 1;
  }
  return true;
}

// GSM 03.38 default alphabet (one septet each), as Unicode code points.
constexpr uint32_t kGsmBasic[] = {
    '@',   0xA3, '$',  0xA5,  0xE8, 0xE9,  0xF9,  0xEC,  0xF2,  0xC7,  '\n',  0xD8,  0xF8,
    '\r',  0xC5, 0xE5, 0x394, '_',  0x3A6, 0x393, 0x39B, 0x3A9, 0x3A0, 0x3A8, 0x3A3, 0x398,
    0x39E, 0xC6, 0xE6, 0xDF,  0xC9, ' ',   '!',   '"',   '#',   0xA4,  '%',   '&',   '\'',
    '(',   ')',  '*',  '+',   ',',  '-',   '.',   '/',   ':',   ';',   '<',   '=',   '>',
    '?',   0xA1, 0xC4, 0xD6,  0xD1, 0xDC,  0xA7,  0xBF,  0xE4,  0xF6,  0xF1,  0xFC,  0xE0};
// The extension table (escape + one septet: two septets each).
constexpr uint32_t kGsmExtension[] = {'\f', '^', '{', '}', '\\', '[', '~', ']', '|', 0x20AC};

bool InTable(const uint32_t* begin, const uint32_t* end, uint32_t cp) {
  return std::find(begin, end, cp) != end;
}

bool IsGsmBasic(uint32_t cp) {
  if ((cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z')) {
    return true;
  }
  return InTable(std::begin(kGsmBasic), std::end(kGsmBasic), cp);
}

}  // namespace

std::optional<std::string> ExtractOgTitle(absl::string_view html) {
  for (absl::string_view marker : {"property=\"og:title\"", "property='og:title'"}) {
    const size_t at = html.find(marker);
    if (at == absl::string_view::npos) continue;
    const size_t tag_start = html.rfind('<', at);
    const size_t tag_end = html.find('>', at);
    if (tag_start == absl::string_view::npos || tag_end == absl::string_view::npos) continue;
    const absl::string_view tag = html.substr(tag_start, tag_end - tag_start);
    for (char quote : {'"', '\''}) {
      const std::string key = std::string("content=") + quote;
      const size_t value_start = tag.find(key);
      if (value_start == absl::string_view::npos) continue;
      const size_t begin = value_start + key.size();
      const size_t value_end = tag.find(quote, begin);
      if (value_end == absl::string_view::npos) continue;
      // &amp; last so that "&amp;lt;" becomes "&lt;", not "<".
      return absl::StrReplaceAll(tag.substr(begin, value_end - begin), {{"&lt;", "<"},
                                                                        {"&gt;", ">"},
                                                                        {"&quot;", "\""},
                                                                        {"&#39;", "'"},
                                                                        {"&#x27;", "'"},
                                                                        {"&amp;", "&"}});
    }
  }
  return std::nullopt;
}

absl::StatusOr<uint32_t> CountCharacters(absl::string_view text, absl::string_view field) {
  std::vector<uint32_t> cps;
  if (!DecodeUtf8(text, &cps)) return InvalidField(field, "not valid UTF-8");
  return static_cast<uint32_t>(cps.size());
}

absl::StatusOr<SmsMeasure> MeasureSms(absl::string_view text) {
  std::vector<uint32_t> cps;
  if (!DecodeUtf8(text, &cps)) return InvalidField("body", "not valid UTF-8");
  SmsMeasure m;
  uint32_t septets = 0;
  uint32_t utf16 = 0;
  for (uint32_t cp : cps) {
    utf16 += cp > 0xFFFF ? 2 : 1;
    if (IsGsmBasic(cp)) {
      septets += 1;
    } else if (InTable(std::begin(kGsmExtension), std::end(kGsmExtension), cp)) {
      septets += 2;
    } else {
      m.gsm7 = false;
    }
  }
  m.units = m.gsm7 ? septets : utf16;
  const uint32_t single = m.gsm7 ? 160 : 70;
  const uint32_t part = m.gsm7 ? 153 : 67;
  m.segments = m.units <= single ? 1 : (m.units + part - 1) / part;
  return m;
}

}  // namespace sct::channel
