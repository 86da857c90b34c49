#include "common/testing/acked_writes.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gtest/gtest.h"

namespace sct {

std::vector<std::string> CollectAcksAndKill(pid_t child, int read_fd, size_t kill_after) {
  std::vector<std::string> acked;
  std::string buffer;
  char chunk[4096];
  bool killed = false;
  while (true) {
    const ssize_t n = read(read_fd, chunk, sizeof(chunk));
    if (n <= 0) break;  // EOF once the child is dead
    buffer.append(chunk, static_cast<size_t>(n));
    size_t nl;
    while ((nl = buffer.find('\n')) != std::string::npos) {
      acked.push_back(buffer.substr(0, nl));
      buffer.erase(0, nl + 1);
    }
    if (!killed && acked.size() >= kill_after) {
      kill(child, SIGKILL);
      killed = true;
    }
  }
  close(read_fd);
  int wstatus = 0;
  EXPECT_EQ(waitpid(child, &wstatus, 0), child);
  EXPECT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL)
      << "child did not die by SIGKILL; exit status " << wstatus;
  return acked;
}

}  // namespace sct
