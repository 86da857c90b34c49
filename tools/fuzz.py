#!/usr/bin/env python3
"""./sct fuzz: build the libFuzzer targets (--config=fuzz) and run them.

usage: ./sct fuzz [--time=DURATION] [--list] [TARGET...]

TARGET is a fuzz target's name (share_link_fuzzer; the "_fuzzer" may be left
out) or its Bazel label; none runs every target, one after the other. Each
target runs for DURATION (30s, 10m, 1h; default 30s) on its checked-in seed
corpus (<package>/corpus/<target>/, copied, never written) in a working
corpus under out/fuzz/<target>/corpus that keeps what earlier runs found. A crash, leak,
timeout or sanitizer report leaves its input in out/fuzz/<target>/crashes/
and makes the command exit 1; the full log is out/fuzz/<target>/log.

Prints one line per target: executions, executions per second, corpus size
(inputs and bytes, as libFuzzer reports it at the end), and any crash path.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time

TAG = "sct_fuzz_target"
LSAN_SUPPRESSIONS = "bazel/fuzz/lsan_suppressions.txt"


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


def run_target(root, bin_dir, label, seconds):
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
    cmd = [binary, f"-max_total_time={seconds}", "-print_final_stats=1", "-timeout=25",
           "-rss_limit_mb=2560", "-max_len=65536", f"-artifact_prefix={crashes}/", work]
    env = dict(os.environ)
    env["LSAN_OPTIONS"] = "suppressions=" + os.path.join(root, LSAN_SUPPRESSIONS)
    with open(os.path.join(out, "log"), "w") as log:
        log.write(" ".join(cmd) + "\n")
        log.flush()
        rc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=root, env=env).returncode
    with open(os.path.join(out, "log"), errors="replace") as log:
        stats = final_stats(log.read())
    new = sorted(set(os.listdir(crashes)) - before)
    stats["crashes"] = [os.path.join(crashes, c) for c in new]
    stats["rc"] = rc
    return stats


def main():
    parser = argparse.ArgumentParser(prog="./sct fuzz", description=__doc__.split("\n")[0])
    parser.add_argument("--time", type=parse_duration, default=30, help="per target (30s)")
    parser.add_argument("--list", action="store_true", help="list the targets and exit")
    parser.add_argument("targets", nargs="*")
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.chdir(root)
    labels = select(all_targets(), args.targets)
    if args.list:
        print("\n".join(labels))
        return 0
    bazel("build", "--config=fuzz", *labels, capture=False)
    bin_dir = bazel("info", "--config=fuzz", "bazel-bin").strip()
    failed = 0
    for label in labels:
        start = time.time()
        s = run_target(root, bin_dir, label, args.time)
        name = label.split(":")[-1]
        line = (f"{name}: {s['execs']} execs ({s['execs_per_s']}/s) in "
                f"{time.time() - start:.0f}s, corpus {s['corpus']}, peak RSS {s['peak_rss_mb']} MB")
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
