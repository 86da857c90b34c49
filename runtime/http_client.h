// The one way the project makes a cpp-httplib client for an origin
// ("https://127.0.0.1:8443"): the devices' relay clients, the OHTTP
// forwarder, the channel's link-preview fetcher and the engine's HTTP
// adversaries.
//
// Why not `httplib::Client(origin)` directly: that constructor parses the
// origin with a function-local static std::regex inside libcpp-httplib.so.
// The compiler's guard orders its one-time initialisation before every later
// use, but the guard's fast path is an inline load in the uninstrumented
// library, which ThreadSanitizer cannot see, so two threads making their
// first clients at once are reported as a race (seen in every store's suite
// run under `./sct test --tsan`: two id guessers in parallel scenarios).
// NewHttpClient makes the process's first client under std::call_once, which
// ThreadSanitizer does see, so every later client is ordered after the
// regex's initialisation. Nothing changes for the plain build but one atomic
// load per client.
//
// Thread-safe.
#ifndef SCT_RUNTIME_HTTP_CLIENT_H_
#define SCT_RUNTIME_HTTP_CLIENT_H_

#include <memory>
#include <string>

#include "httplib.h"

namespace sct {

// A client for `origin` (scheme://host[:port], as httplib::Client takes it).
std::unique_ptr<httplib::Client> NewHttpClient(const std::string& origin);

}  // namespace sct

#endif  // SCT_RUNTIME_HTTP_CLIENT_H_
