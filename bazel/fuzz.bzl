"""libFuzzer targets that double as corpus replay tests (docs/fuzzing.md).

sct_fuzz_target(name, srcs, deps) defines, in a `fuzz/` package:
  <name>_lib: the sources, which define LLVMFuzzerTestOneInput;
  <name>: a binary. Under --config=fuzz (clang, ASan + UBSan) it links
    libFuzzer's main and is what `./sct fuzz` runs; in the normal build it
    links the replay main, so `bazel-bin/.../<name> FILE` replays one input;
  <name>_replay_test: a test that feeds every file of corpus/<name>/ (the
    checked-in seed corpus and regression inputs) to the target once.
"""

load("//bazel:sct.bzl", "SANITIZER_DEPS", "SCT_COPTS")

def sct_fuzz_target(name, srcs, deps = [], corpus = None):
    corpus_dir = corpus or ("corpus/" + name)
    pkg = native.package_name()
    native.cc_library(
        name = name + "_lib",
        testonly = True,
        srcs = srcs,
        copts = SCT_COPTS,
        deps = deps,
        alwayslink = True,
    )
    native.cc_binary(
        name = name,
        testonly = True,
        copts = SCT_COPTS,
        linkopts = select({
            "//bazel/fuzz:fuzzing": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        tags = ["sct_fuzz_target"],
        deps = [":" + name + "_lib"] + select({
            "//bazel/fuzz:fuzzing": [],
            "//conditions:default": ["//common/fuzz:replay_main"],
        }) + SANITIZER_DEPS,
    )
    native.cc_test(
        name = name + "_replay_test",
        size = "small",
        args = [pkg + "/" + corpus_dir],
        copts = SCT_COPTS,
        data = native.glob([corpus_dir + "/**"]),
        # Under --config=tsan the instrumented absl::Mutex, as every test
        # (sct.bzl): without it TSan sees none of the services' locks.
        deps = [
            ":" + name + "_lib",
            "//common/fuzz:replay_main",
        ] + SANITIZER_DEPS,
    )
