"""The Abseil synchronization sources, for ThreadSanitizer builds only.

Debian's Abseil is built with gcc and without TSan, so TSan cannot see the
happens-before edges of absl::Mutex (it is made of atomics and futexes, not
pthread mutexes) and reports a race on every field a Mutex guards. The tsan
config links a TSan-instrumented copy of Debian's own Abseil 20220623.1
Mutex/CondVar/Notification code into every binary and test; its definitions
take precedence over libabsl_synchronization.so for the whole process, gRPC
included (gpr_mu and grpc_core::Mutex are absl::Mutex in gRPC 1.51).

The sources are those of Debian's `abseil` source package, the same version
and inline namespace as the installed headers; `./sct test --tsan` fetches
them with `apt-get source` (tools/sanitizers/fetch_abseil_source.sh) into
$SCT_ABSEIL_SOURCE (default ~/.cache/sct/abseil-source). Without them the
repository still loads; only a tsan build fails, with a message saying so.
"""

SOURCES = [
    "absl/synchronization/barrier.cc",
    "absl/synchronization/blocking_counter.cc",
    "absl/synchronization/mutex.cc",
    "absl/synchronization/notification.cc",
]

def _abseil_tsan_source_impl(ctx):
    src = ctx.os.environ.get("SCT_ABSEIL_SOURCE", "")
    if not src:
        src = ctx.os.environ.get("HOME", "/root") + "/.cache/sct/abseil-source"
    mutex = ctx.path(src + "/absl/synchronization/mutex.cc")
    if mutex.exists:
        # Only the compiled files: their headers are the installed ones
        # (/usr/include, the same files), and the source tree's own BUILD
        # files must not become packages of this repository.
        for f in SOURCES:
            ctx.symlink(src + "/" + f, f)
        ctx.template("BUILD", ctx.attr.build_file, executable = False)
        return
    ctx.file("BUILD", """
genrule(
    name = "synchronization",
    outs = ["missing.txt"],
    cmd = "echo 'the tsan config needs the Abseil sources in {src}: run ./sct test --tsan, " +
          "which fetches them (docs/sanitizers.md)' >&2; exit 1",
    visibility = ["//visibility:public"],
)
""".format(src = src))

abseil_tsan_source = repository_rule(
    implementation = _abseil_tsan_source_impl,
    attrs = {"build_file": attr.label(allow_single_file = True)},
    environ = ["SCT_ABSEIL_SOURCE", "HOME"],
    local = True,
)
