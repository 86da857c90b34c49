#!/usr/bin/env python3
"""Where the SQLite relay's CPU goes: buckets of `perf script` samples.

Reads the text of `perf script -i FILE` (a profile recorded with
tools/perf_relay.sh PERF_MODE=cpudwarf) on stdin and prints a Markdown table:
each sample goes to the first bucket whose patterns all match some frame of
its stack. With CPU_US_PER_RPC (from a PERF_MODE=stat run) as the argument,
it also gives microseconds per RPC. Use: docs/BENCHMARKS.md, "Issue 16 —
SQLite relay CPU (tenth session)".

  perf script -i perf.data | python3 tools/perf_buckets.py 186
"""
import collections
import re
import sys

BUCKETS = [
    ('store write: fdatasync', [r'SqliteStore::', r'fdatasync']),
    ('store write: zero-filling WAL room', [r'SqliteStore::ReserveWalRoom']),
    ('store write: COMMIT (WAL frames, locks)', [r'SqliteStore::CommitBatchLocked']),
    ('store write: statements (SQLite VM, B-trees)',
     [r'SqliteStore::ApplyLocked', r'sqlite3_step|sqlite3VdbeExec']),
    ('store write: binding, savepoints', [r'SqliteStore::ApplyLocked']),
    # Queueing for the write lock (before: SqliteStore::Write's mutex) or for a
    # combiner, sleeping and waking around the sync, handing it on.
    ('store write: waiting, waking, handing on',
     [r'SqliteStore::(Write\b|AwaitDurable|Combine|Finish|RunSync|WakeLocked)']),
    ('store read: SQLite (page cache refill, B-tree)',
     [r'SqliteStore::Read\b', r'sqlite3_step|sqlite3VdbeExec|sqlite3_reset']),
    ('store read: columns, read lock', [r'SqliteStore::Read\b']),
    ('store read: the mailbox cache', [r'SqliteMailboxStore::(Get|Cache)']),
    ('checkpoint thread', [r'CheckpointLoop']),
    ('relay code outside the store (service, codec, adapter)', [r'sct::relay::']),
    ('gRPC thread pool: waits and wake-ups', [r'gpr_cv_wait|gpr_cv_signal|gpr_cv_broadcast|CondVar']),
    ('gRPC, protobuf, sockets, kernel (the rest)', [r'.']),
]


def main():
    cpu_us = float(sys.argv[1]) if len(sys.argv) > 1 else 0.0
    counts = collections.Counter()
    total = 0
    frames = []

    def flush():
        nonlocal total
        if not frames:
            return
        total += 1
        for name, patterns in BUCKETS:
            if all(any(re.search(p, s) for s in frames) for p in patterns):
                counts[name] += 1
                return

    for line in sys.stdin:
        line = line.rstrip('\n')
        if line and line[0] in '\t ':
            m = re.match(r'\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)$', line)
            if m:
                frames.append(m.group(1))
            continue
        flush()
        frames = []
    flush()
    if total == 0:
        sys.exit('no samples')
    print('| where | share of the relay\'s CPU | µs per RPC |')
    print('|---|---:|---:|')
    for name, _ in BUCKETS:
        share = counts[name] / total
        print(f'| {name} | {100 * share:.1f} % | {cpu_us * share:.0f} |')
    print(f'({total} samples)')


if __name__ == '__main__':
    main()
