#include "relay/preview_page.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace sct::relay {

std::string HtmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string RenderPreviewPage(const DisplayInformation& display, absl::string_view url_link) {
  const std::string title = HtmlEscape(display.title.empty() ? "Shared credential" : display.title);
  const std::string description = HtmlEscape(display.description);
  const std::string image = HtmlEscape(display.image_url);
  const std::string url = HtmlEscape(url_link);
  std::string page = absl::StrCat(
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n",
      "<meta name=\"referrer\" content=\"no-referrer\">\n",
      "<title>", title, "</title>\n",
      "<meta property=\"og:title\" content=\"", title, "\">\n",
      "<meta property=\"og:description\" content=\"", description, "\">\n",
      "<meta property=\"og:image\" content=\"", image, "\">\n",
      "<meta property=\"og:url\" content=\"", url, "\">\n",
      "<meta property=\"og:type\" content=\"website\">\n",
      "</head><body>\n<h1>", title, "</h1>\n<p>", description, "</p>\n");
  // Only https images are shown (the CSP would block anything else anyway).
  if (absl::StartsWithIgnoreCase(display.image_url, "https://")) {
    absl::StrAppend(&page, "<img src=\"", image, "\" alt=\"\" style=\"max-width:100%\">\n");
  }
  absl::StrAppend(&page, "</body></html>\n");
  return page;
}

}  // namespace sct::relay
