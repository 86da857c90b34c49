// What every stateful fuzz target of a service repeats, in one place:
//
// - CurrentWorld<World>(n): the target's world (the service wired to its
//   fakes and a GrpcFuzzHarness), built on first use and rebuilt every n
//   inputs, so that stores grow only so far over an hour of fuzzing; the
//   last world is destroyed at exit, before OpenSSL's own exit handler (see
//   CurrentWorld);
// - ScratchFile: a file for a target's SQLite store in $TEST_TMPDIR (else
//   /tmp), named after the target and the process, removed with its -wal and
//   -shm files when made and when destroyed.
//
// World is any default-constructible type; a world that holds a harness
// declares it last, so that the harness (and its server) goes first.
// Not thread-safe: used from the fuzzer's thread only.
#ifndef SCT_RUNTIME_FUZZ_FUZZ_WORLD_H_
#define SCT_RUNTIME_FUZZ_FUZZ_WORLD_H_

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "openssl/crypto.h"

namespace sct::fuzz {

// OpenSSL frees a thread's state (error queue, per-thread DRBGs) when the
// thread exits, through a thread-local key that its exit handler
// (OPENSSL_cleanup, registered with atexit when OpenSSL is first initialised)
// deletes. Exit handlers run in the reverse order of their registration, so
// OpenSSL is initialised here before the world's static: at exit the world
// goes first, its server threads (which drew random ids) end while OpenSSL can
// still free their state, and OPENSSL_cleanup runs last. The other way round
// LeakSanitizer reports that state as leaked (the replay tests under
// `./sct test --asan`, docs/sanitizers.md). The option is the one OpenSSL's
// implicit initialisation uses (with 0 the call returns before registering).
template <typename World>
World& CurrentWorld(int inputs_per_world) {
  static const bool openssl_ready = OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, nullptr) == 1;
  (void)openssl_ready;
  static std::unique_ptr<World> world;
  static int served = 0;
  if (world == nullptr || ++served % inputs_per_world == 0) {
    world.reset();
    world = std::make_unique<World>();
  }
  return *world;
}

class ScratchFile {
 public:
  explicit ScratchFile(absl::string_view name) {
    const char* dir = std::getenv("TEST_TMPDIR");
    path_ = absl::StrCat(dir != nullptr ? dir : "/tmp", "/sct_", name, "_", getpid(), ".db");
    Remove();
  }
  ~ScratchFile() { Remove(); }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  const std::string& path() const { return path_; }

 private:
  void Remove() const {
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path_ + suffix).c_str());
  }

  std::string path_;
};

}  // namespace sct::fuzz

#endif  // SCT_RUNTIME_FUZZ_FUZZ_WORLD_H_
