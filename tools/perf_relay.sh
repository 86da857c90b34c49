#!/bin/bash
# Profiles the relay under load (its use: docs/BENCHMARKS.md): give this script to
# relay_loadgen as --relay_binary; it runs the real
# relay_server under perf from its start, every thread included (perf stat -p misses the
# gRPC threads created later). PERF_MODE=cpu|cpudwarf|offcpu|dwarf|stat, PERF_OUT=output file,
# RELAY=relay_server binary. The load generator's SIGTERM is passed to the relay itself, so
# perf ends with it and writes its output. cpudwarf: CPU samples with DWARF stacks (Debian's
# libc, Abseil and SQLite have no frame pointers), for tools/perf_buckets.py.
RELAY=${RELAY:?set RELAY to a relay_server binary}
OUT=${PERF_OUT:-perf-relay.data}
case "${PERF_MODE:-cpu}" in
  cpu)    perf record -F 999 -g --inherit -o "$OUT" -- "$RELAY" "$@" & ;;
  cpudwarf) perf record -F 499 --call-graph dwarf,16384 --inherit -o "$OUT" -- "$RELAY" "$@" & ;;
  offcpu) perf record -e sched:sched_switch -g --inherit -o "$OUT" -- "$RELAY" "$@" & ;;
  dwarf)  perf record -e sched:sched_switch --call-graph dwarf,8192 --inherit -o "$OUT" -- "$RELAY" "$@" & ;;
  stat)   perf stat --inherit -o "$OUT" -e task-clock,context-switches,syscalls:sys_enter_fdatasync,syscalls:sys_enter_fsync,syscalls:sys_enter_pwrite64,syscalls:sys_enter_pread64,syscalls:sys_enter_futex,syscalls:sys_enter_clock_nanosleep,syscalls:sys_enter_fcntl,syscalls:sys_enter_ftruncate -- "$RELAY" "$@" & ;;
esac
PERF=$!
forward() { for c in $(pgrep -P $PERF); do kill -TERM "$c"; done; }
trap forward TERM INT
wait $PERF; wait $PERF
