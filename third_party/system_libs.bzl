"""The Debian libraries of @system (third_party/system.BUILD), named once.

Every target links them as shared libraries (`-lNAME`, the `*_SHARED` lists
below, in system.BUILD's order). The service binaries (`sct_service_binary`
in //bazel:sct.bzl) put `SERVICE_STATIC_LINKOPTS` in front of those flags:
Debian's static archives (`libNAME.a`) of the libraries in
`STATIC_ARCHIVES`, in one linker group, then `--as-needed`, so that the
shared `-lNAME` flags that follow satisfy nothing and are dropped. A service
process then maps a handful of shared objects at start instead of ~85
(docs/building.md "How the services link").

Kept shared everywhere: libc, libstdc++, libm, libgcc_s (the toolchain's),
libatomic (no archive), OpenSSL (libssl, libcrypto: Debian's security updates
reach the services without a rebuild, and cpp-httplib, which Debian ships
only as libcpp-httplib.so, uses the same copy), cpp-httplib and its brotli.
"""

# Abseil 20220623: what `pkg-config --libs` lists for the modules the
# project uses. Debian's Abseil uses an inline namespace, so all of them.
ABSL = [
    "absl_bad_any_cast_impl",
    "absl_bad_optional_access",
    "absl_bad_variant_access",
    "absl_base",
    "absl_city",
    "absl_civil_time",
    "absl_cord",
    "absl_cord_internal",
    "absl_cordz_functions",
    "absl_cordz_handle",
    "absl_cordz_info",
    "absl_cordz_sample_token",
    "absl_debugging_internal",
    "absl_demangle_internal",
    "absl_examine_stack",
    "absl_exponential_biased",
    "absl_failure_signal_handler",
    "absl_flags_commandlineflag",
    "absl_flags_commandlineflag_internal",
    "absl_flags_config",
    "absl_flags_internal",
    "absl_flags_marshalling",
    "absl_flags_parse",
    "absl_flags_private_handle_accessor",
    "absl_flags_program_name",
    "absl_flags_reflection",
    "absl_flags_usage",
    "absl_flags_usage_internal",
    "absl_graphcycles_internal",
    "absl_hash",
    "absl_hashtablez_sampler",
    "absl_int128",
    "absl_leak_check",
    "absl_log_severity",
    "absl_low_level_hash",
    "absl_malloc_internal",
    "absl_periodic_sampler",
    "absl_random_distributions",
    "absl_random_internal_distribution_test_util",
    "absl_random_internal_platform",
    "absl_random_internal_pool_urbg",
    "absl_random_internal_randen",
    "absl_random_internal_randen_hwaes",
    "absl_random_internal_randen_hwaes_impl",
    "absl_random_internal_randen_slow",
    "absl_random_internal_seed_material",
    "absl_random_seed_gen_exception",
    "absl_random_seed_sequences",
    "absl_raw_hash_set",
    "absl_raw_logging_internal",
    "absl_scoped_set_env",
    "absl_spinlock_wait",
    "absl_stacktrace",
    "absl_status",
    "absl_statusor",
    "absl_str_format_internal",
    "absl_strerror",
    "absl_strings",
    "absl_strings_internal",
    "absl_symbolize",
    "absl_synchronization",
    "absl_throw_delegate",
    "absl_time",
    "absl_time_zone",
]

# gRPC 1.51 and what it links (re2, upb, c-ares, zlib, address_sorting, gpr).
GRPC = [
    "grpc++_reflection",
    "grpc++",
    "grpc",
    "address_sorting",
    "re2",
    "upb",
    "cares",
    "z",
    "gpr",
]

PROTOBUF = ["protobuf"]

SQLITE = ["sqlite3"]

HIREDIS = ["hiredis"]

OPENSSL = [
    "ssl",
    "crypto",
]

def shared_linkopts(names):
    """`-lNAME` for each name: the shared library (or what the linker finds)."""
    return ["-l" + n for n in names]

# The libraries a service binary links from their .a archives.
STATIC_ARCHIVES = GRPC + PROTOBUF + ABSL + SQLITE + HIREDIS

# A service binary's own linkopts; Bazel places a binary's linkopts before
# its dependencies' (the `-lNAME` flags of system.BUILD). The group lets the
# archives refer to each other in any order; `--as-needed` then records a
# later shared library only if something still needs it (OpenSSL,
# cpp-httplib, libstdc++...), not the ones the archives already satisfied.
SERVICE_STATIC_LINKOPTS = (
    ["-Wl,--start-group"] +
    ["-l:lib%s.a" % n for n in STATIC_ARCHIVES] +
    ["-Wl,--end-group", "-Wl,--as-needed"]
)
