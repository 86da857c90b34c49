// The reading side of a kill -9 durability test: a forked child writes each
// key it got acknowledged, one per line, to a pipe; the test reads them,
// SIGKILLs the child once enough were acknowledged, reads the rest to EOF
// and reaps the child. What it returns is every key the child saw
// acknowledged before it died, the set the store must still hold.
#ifndef SCT_COMMON_TESTING_ACKED_WRITES_H_
#define SCT_COMMON_TESTING_ACKED_WRITES_H_

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <vector>

namespace sct {

// Reads `read_fd` (then closes it) until EOF, SIGKILLing `child` once
// `kill_after` keys were read, and reaps it. Adds a test failure unless the
// child died by SIGKILL.
std::vector<std::string> CollectAcksAndKill(pid_t child, int read_fd, size_t kill_after);

}  // namespace sct

#endif  // SCT_COMMON_TESTING_ACKED_WRITES_H_
