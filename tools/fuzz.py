#!/usr/bin/env python3
"""./sct fuzz: build the libFuzzer targets (--config=fuzz) and run them.

usage: ./sct fuzz [--time=DURATION] [--cpu=DURATION] [--list] [--ledger] [TARGET...]

TARGET is a fuzz target's name (share_link_fuzzer; the "_fuzzer" may be left
out) or its Bazel label; none runs every target, one after the other. Each
target runs for DURATION (30s, 10m, 1h; default 30s) on its checked-in seed
corpus (<package>/corpus/<target>/, copied, never written) in a working
corpus under out/fuzz/<target>/corpus that keeps what earlier runs found. A crash, leak,
timeout or sanitizer report leaves its input in out/fuzz/<target>/crashes/
and makes the command exit 1; the full log is out/fuzz/<target>/log.

--cpu=DURATION ends each target when its process has used DURATION of CPU
time (user + system, all threads, read from /proc) instead of wall time, so a
run on a shared machine, or under `nice`, still gives each target the CPU it
was promised; --time then caps the wall time (default: none). Every run adds
its CPU seconds, executions and crash count to out/fuzz/<target>/ledger.tsv;
--ledger prints the totals per target without fuzzing.

Prints one line per target: executions, executions per second, corpus size
(inputs and bytes, as libFuzzer reports it at the end), CPU time, and any
crash path.
"""

import argparse
import datetime
import os
import re
import shutil
import signal
import subprocess
import sys
import time

TAG = "sct_fuzz_target"
LSAN_SUPPRESSIONS = "bazel/fuzz/lsan_suppressions.txt"
INTERRUPTED_EXIT_CODE = 72


def parse_duration(text):
    m = re.fullmatch(r"(\d+)([smh]?)", text.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"bad duration {text!r} (use 30s, 10m, 1h)")
    return int(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]


def bazel(*args, capture=True):
    result = subprocess.run(["bazel", *args], stdout=subprocess.PIPE if capture else None,
                            text=True)
    if result.returncode != 0:
        sys.exit(f"sct: error: bazel {' '.join(args[:2])} failed")
    return result.stdout if capture else ""


def all_targets():
    out = bazel("query", "--noshow_progress", f'attr(tags, "{TAG}", //...)')
    return sorted(line for line in out.split() if line.startswith("//"))


def select(labels, wanted):
    if not wanted:
        return labels
    chosen = []
    for w in wanted:
        names = {w, w + "_fuzzer"}
        hits = [l for l in labels if l == w or l.split(":")[-1] in names]
        if not hits:
            names = ", ".join(l.split(":")[-1] for l in labels)
            sys.exit(f"sct: error: no fuzz target {w!r} (targets: {names})")
        chosen.extend(h for h in hits if h not in chosen)
    return chosen


def final_stats(log_text):
    stats = dict(re.findall(r"^stat::(\w+):\s*(\d+)", log_text, re.M))
    corpus = re.findall(r"corp: (\d+)/(\S+)", log_text)
    return {
        "execs": int(stats.get("number_of_executed_units", 0)),
        "execs_per_s": int(stats.get("average_exec_per_sec", 0)),
        "corpus": f"{corpus[-1][0]} inputs/{corpus[-1][1]}" if corpus else "?",
        "peak_rss_mb": int(stats.get("peak_rss_mb", 0)),
    }


def process_cpu_seconds(pid):
    """User + system CPU of a live process (every thread), from /proc/PID/stat."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # Fields after the command: state is [0], utime [11], stime [12] (man 5 proc).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_until(cmd, log, env, root, wall_seconds, cpu_seconds):
    """Runs the fuzzer; with cpu_seconds, interrupts it (SIGINT: libFuzzer prints
    its final stats and exits) once it has used that much CPU. Returns (rc, cpu)."""
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=root, env=env)
    start, cpu = time.time(), 0.0
    while True:
        try:
            rc = proc.wait(timeout=1)
            # Interrupted from outside (Ctrl-C, kill -INT): a stop, not a crash.
            if rc == INTERRUPTED_EXIT_CODE:
                rc = 0
            break
        except subprocess.TimeoutExpired:
            pass
        cpu = process_cpu_seconds(proc.pid) or cpu
        over_cpu = cpu_seconds is not None and cpu >= cpu_seconds
        over_wall = wall_seconds is not None and time.time() - start >= wall_seconds + 30
        if over_cpu or over_wall:
            proc.send_signal(signal.SIGINT)
            try:
                rc = proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                rc = proc.wait()
            # libFuzzer 14 exits 72 when interrupted (no -interrupted_exit_code yet).
            if rc == INTERRUPTED_EXIT_CODE:
                rc = 0
            break
    return rc, cpu


def ledger_path(root, name):
    return os.path.join(root, "out", "fuzz", name, "ledger.tsv")


def add_to_ledger(root, name, cpu, execs, crashes):
    path = ledger_path(root, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fresh = not os.path.exists(path)
    with open(path, "a") as f:
        if fresh:
            f.write("utc\tcpu_seconds\texecs\tcrashes\n")
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        f.write(f"{stamp}\t{cpu:.0f}\t{execs}\t{crashes}\n")


def ledger_totals(root, name):
    totals = {"runs": 0, "cpu": 0.0, "execs": 0, "crashes": 0}
    try:
        with open(ledger_path(root, name)) as f:
            next(f)
            for line in f:
                _, cpu, execs, crashes = line.rstrip("\n").split("\t")
                totals["runs"] += 1
                totals["cpu"] += float(cpu)
                totals["execs"] += int(execs)
                totals["crashes"] += int(crashes)
    except (OSError, StopIteration):
        pass
    return totals


def run_target(root, bin_dir, label, seconds, cpu_seconds=None):
    pkg, name = label[2:].split(":")
    binary = os.path.join(bin_dir, pkg, name)
    seed = os.path.join(root, pkg, "corpus", name)
    out = os.path.join(root, "out", "fuzz", name)
    work, crashes = os.path.join(out, "corpus"), os.path.join(out, "crashes")
    os.makedirs(work, exist_ok=True)
    os.makedirs(crashes, exist_ok=True)
    # libFuzzer may rewrite the corpus directories it is given, so it gets only
    # the working corpus, with the checked-in seeds copied in.
    for name_ in os.listdir(seed):
        if not os.path.exists(os.path.join(work, name_)):
            shutil.copyfile(os.path.join(seed, name_), os.path.join(work, name_))
    before = set(os.listdir(crashes))
    cmd = [binary, "-print_final_stats=1", "-timeout=25",
           "-rss_limit_mb=2560", "-max_len=65536", f"-artifact_prefix={crashes}/", work]
    if seconds is not None:
        cmd.insert(1, f"-max_total_time={seconds}")
    env = dict(os.environ)
    env["LSAN_OPTIONS"] = "suppressions=" + os.path.join(root, LSAN_SUPPRESSIONS)
    with open(os.path.join(out, "log"), "w") as log:
        log.write(" ".join(cmd) + "\n")
        log.flush()
        rc, cpu = run_until(cmd, log, env, root, seconds, cpu_seconds)
    with open(os.path.join(out, "log"), errors="replace") as log:
        stats = final_stats(log.read())
    new = sorted(set(os.listdir(crashes)) - before)
    stats["crashes"] = [os.path.join(crashes, c) for c in new]
    stats["rc"] = rc
    stats["cpu"] = cpu
    add_to_ledger(root, name, cpu, stats["execs"], len(new) + (1 if rc != 0 and not new else 0))
    return stats


def main():
    parser = argparse.ArgumentParser(prog="./sct fuzz", description=__doc__.split("\n")[0])
    parser.add_argument("--time", type=parse_duration, default=None,
                        help="wall time per target (30s unless --cpu is given)")
    parser.add_argument("--cpu", type=parse_duration, default=None,
                        help="CPU time per target (user + system, all threads)")
    parser.add_argument("--list", action="store_true", help="list the targets and exit")
    parser.add_argument("--ledger", action="store_true",
                        help="print each target's accumulated CPU time, executions and crashes")
    parser.add_argument("targets", nargs="*")
    args = parser.parse_args()
    if args.time is None and args.cpu is None:
        args.time = 30
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.chdir(root)
    labels = select(all_targets(), args.targets)
    if args.list:
        print("\n".join(labels))
        return 0
    if args.ledger:
        for label in labels:
            name = label.split(":")[-1]
            t = ledger_totals(root, name)
            print(f"{name}: {t['cpu'] / 3600:.2f} CPU-h ({t['cpu'] / 60:.0f} CPU-min) "
                  f"in {t['runs']} runs, {t['execs']} execs, {t['crashes']} crashes")
        return 0
    bazel("build", "--config=fuzz", *labels, capture=False)
    bin_dir = bazel("info", "--config=fuzz", "bazel-bin").strip()
    failed = 0
    for label in labels:
        start = time.time()
        s = run_target(root, bin_dir, label, args.time, args.cpu)
        name = label.split(":")[-1]
        line = (f"{name}: {s['execs']} execs ({s['execs_per_s']}/s) in "
                f"{time.time() - start:.0f}s ({s['cpu']:.0f} s CPU), corpus {s['corpus']}, "
                f"peak RSS {s['peak_rss_mb']} MB")
        if s["crashes"] or s["rc"] != 0:
            failed += 1
            crashes = ", ".join(s["crashes"]) or f"exit {s['rc']}, see out/fuzz/{name}/log"
            line += f", CRASH: {crashes}"
        else:
            line += ", 0 crashes"
        print(line, flush=True)
    print(f"{len(labels)} fuzz targets, {failed} with crashes")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
