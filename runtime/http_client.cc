#include "runtime/http_client.h"

#include <mutex>

namespace sct {

std::unique_ptr<httplib::Client> NewHttpClient(const std::string& origin) {
  static std::once_flag first;
  // The first client of the process initialises httplib's static regex here,
  // inside the once; every caller passes the once before making its own.
  std::call_once(first, [] { httplib::Client first_client("http://127.0.0.1:1"); });
  return std::make_unique<httplib::Client>(origin);
}

}  // namespace sct
