#!/bin/bash
# Reproduces every relay scale figure (docs/relay_scale.md and the relay scale
# section of docs/BENCHMARKS.md) with one command:
#
#   tools/scale_bench.sh [OUT_DIR]        # default OUT_DIR: ./scale-results
#
# 1. size:     memory / sqlite / redis stores with LARGE (default 1,000,000)
#              mailboxes of 1 KiB vs SMALL (1,000) in the same run: memory per
#              mailbox and create/read latency (relay_scale --mode=size).
# 2. replicas: 1, 2, 3 relay replicas over one standalone Redis, beside
#              redis-benchmark in the same run (relay_scale --mode=replicas).
# 3. cluster:  the same over a local 3-master Redis Cluster (started here with
#              redis-server + redis-cli --cluster create, stopped at the end).
#
# Environment: LARGE, SMALL, ROUNDS, DURATION, CLIENTS, PRELOAD_CLIENTS, BENCH_REQUESTS,
# SQLITE_DIR (default /dev/shm/...: tmpfs, see docs/relay_scale.md; set it to a
# disk directory to load through fsync), STEPS (default "size replicas cluster").
# Every process started here is stopped on exit, also on failure or Ctrl-C.
set -euo pipefail

cd "$(dirname "$0")/.."
OUT="${1:-scale-results}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
LARGE="${LARGE:-1000000}"
SMALL="${SMALL:-1000}"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-5s}"
CLIENTS="${CLIENTS:-4}"
PRELOAD_CLIENTS="${PRELOAD_CLIENTS:-16}"
BENCH_REQUESTS="${BENCH_REQUESTS:-50000}"
STEPS="${STEPS:-size replicas cluster}"
SQLITE_DIR="${SQLITE_DIR:-/dev/shm/scale-sqlite-$$}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/scale_bench.XXXXXX")"
PIDS=()

cleanup() {
  for pid in "${PIDS[@]:-}"; do
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]:-}"; do
    [[ -n "$pid" ]] && wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK" "$SQLITE_DIR"
}
trap cleanup EXIT INT TERM

for tool in redis-server redis-cli redis-benchmark; do
  command -v "$tool" >/dev/null || { echo "scale_bench: $tool not found (apt install redis-server)"; exit 2; }
done

bazel build -c opt //relay/loadgen:relay_scale
SCALE="$(bazel info -c opt bazel-bin)/relay/loadgen/relay_scale"
mkdir -p "$SQLITE_DIR"
{
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: $(git rev-parse --short HEAD)"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  echo "mem: $(free -g | awk '/Mem:/{print $2}') GiB"
  echo "uptime: $(uptime)"
  echo "redis: $(redis-server --version)"
} | tee "$OUT/machine.txt"

# N distinct ports that were free a moment ago, each with port+10000 free too
# (a cluster node's bus port; so the port must be at most 55535). All sockets
# are held open while choosing, so the N ports differ.
free_ports() {
  python3 -c '
import random, socket, sys
held, ports = [], []
while len(ports) < int(sys.argv[1]):
    p = random.randint(20000, 55000)
    try:
        a, b = socket.socket(), socket.socket()
        a.bind(("127.0.0.1", p))
        b.bind(("127.0.0.1", p + 10000))
    except OSError:
        continue
    held += [a, b]
    ports.append(p)
print(" ".join(map(str, ports)))' "$1"
}

if [[ " $STEPS " == *" size "* ]]; then
  echo "== size: LARGE=$LARGE SMALL=$SMALL (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  "$SCALE" --mode=size --stores=memory,sqlite,redis --large="$LARGE" --small="$SMALL" \
    --warm="$SMALL" --preload_clients="$PRELOAD_CLIENTS" --clients="$CLIENTS" \
    --duration="$DURATION" --rounds="$ROUNDS" --sqlite_dir="$SQLITE_DIR" \
    --work_dir="$WORK/size" --json_out="$OUT/size.json" | tee "$OUT/size.txt"
fi

if [[ " $STEPS " == *" replicas "* ]]; then
  echo "== replicas over one Redis (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  "$SCALE" --mode=replicas --replicas=3 --clients="$CLIENTS" --duration="$DURATION" \
    --rounds="$ROUNDS" --bench_requests="$BENCH_REQUESTS" --work_dir="$WORK/replicas" --json_out="$OUT/replicas.json" |
    tee "$OUT/replicas.txt"
fi

if [[ " $STEPS " == *" cluster "* ]]; then
  echo "== replicas over a 3-master Redis Cluster (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  NODES=()
  for port in $(free_ports 3); do
    dir="$WORK/cluster/$port"
    mkdir -p "$dir"
    redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --logfile "$dir/redis.log" \
      --cluster-enabled yes --cluster-config-file "$dir/nodes.conf" --save "" \
      --appendonly no &
    PIDS+=("$!")
    NODES+=("127.0.0.1:$port")
  done
  for n in "${NODES[@]}"; do
    up=0
    for _ in $(seq 300); do
      if redis-cli -h 127.0.0.1 -p "${n##*:}" ping >/dev/null 2>&1; then up=1; break; fi
      sleep 0.1
    done
    if [[ $up != 1 ]]; then
      echo "scale_bench: redis-server $n did not start:"; tail -5 "$WORK/cluster/${n##*:}/redis.log"
      exit 1
    fi
  done
  if ! redis-cli --cluster create "${NODES[@]}" --cluster-replicas 0 --cluster-yes \
      >"$OUT/cluster-create.txt" 2>&1; then
    echo "scale_bench: redis-cli --cluster create failed:"; tail -5 "$OUT/cluster-create.txt"
    exit 1
  fi
  ok=0
  for _ in $(seq 300); do
    ok=1
    for n in "${NODES[@]}"; do
      redis-cli -h 127.0.0.1 -p "${n##*:}" cluster info 2>/dev/null | grep -q 'cluster_state:ok' || ok=0
    done
    [[ $ok == 1 ]] && break
    sleep 0.2
  done
  [[ $ok == 1 ]] || { echo "scale_bench: the cluster did not reach cluster_state:ok"; exit 1; }
  "$SCALE" --mode=replicas --replicas=3 --clients="$CLIENTS" --duration="$DURATION" \
    --rounds="$ROUNDS" --bench_requests="$BENCH_REQUESTS" \
    --redis="$(IFS=,; echo "${NODES[*]}")" --redis_cluster \
    --work_dir="$WORK/cluster-run" --json_out="$OUT/cluster.json" | tee "$OUT/cluster.txt"
fi

echo "== results in $OUT (load at end: $(cut -d' ' -f1-3 /proc/loadavg))"
