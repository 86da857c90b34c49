#!/usr/bin/env python3
"""fdatasync latency of the disk under a directory (its use: docs/BENCHMARKS.md): write N bytes, fdatasync, repeat; prints percentiles.

append: each write extends the file (what a growing SQLite WAL does); overwrite: the file is
written and synced first, then rewritten from its start (a WAL with room, or a restarted one).

usage: fdatasync_latency.py DIR [iterations=300] [bytes_per_write=4096] [threads=1] [append|overwrite]"""
import os, sys, time, statistics, threading
d = sys.argv[1]; n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
size = int(sys.argv[3]) if len(sys.argv) > 3 else 4096
threads = int(sys.argv[4]) if len(sys.argv) > 4 else 1
mode = sys.argv[5] if len(sys.argv) > 5 else "append"  # append | overwrite (file pre-written and synced, writes go from offset 0)
path = os.path.join(d, "fdatasync_latency.%d" % os.getpid())
fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
buf = os.urandom(size)
if mode == "overwrite":
    os.write(fd, os.urandom(size * n * threads + size)); os.fsync(fd); os.lseek(fd, 0, os.SEEK_SET)
lat = []; lock = threading.Lock()
def run():
    for _ in range(n):
        with lock:
            os.write(fd, buf)
        t0 = time.perf_counter(); os.fdatasync(fd); t1 = time.perf_counter()
        with lock:
            lat.append((t1 - t0) * 1e3)
t0 = time.perf_counter()
ts = [threading.Thread(target=run) for _ in range(threads)]
for t in ts: t.start()
for t in ts: t.join()
wall = time.perf_counter() - t0
os.close(fd); os.unlink(path)
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
print("mode=%s dir=%s writes=%dB threads=%d syncs=%d p10=%.2fms p50=%.2fms p90=%.2fms p99=%.2fms mean=%.2fms syncs/s=%.0f"
      % (mode, d, size, threads, len(lat), q(.1), q(.5), q(.9), q(.99), statistics.mean(lat), len(lat) / wall))
