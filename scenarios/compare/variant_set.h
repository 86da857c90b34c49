// The variants of a comparison (scenario.v1.VariantSet, text format) and the
// scenario files it runs: loading and checking the variant file, choosing
// columns with --variants, expanding list files of scenarios.
//
// Errors are INVALID_ARGUMENT "invalid_field" with "FILE:LINE:COL: field:
// problem" lines (a variant file) or a message naming the flag or list file
// line; NOT_FOUND "file_not_found" for a file that cannot be read.
// Pure functions apart from reading files; thread-safe.
#ifndef SCT_SCENARIOS_COMPARE_VARIANT_SET_H_
#define SCT_SCENARIOS_COMPARE_VARIANT_SET_H_

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/scenario/v1/scenario.pb.h"

namespace sct::scenarios {

// The built-in variant file, relative to the repository root (and to the
// runfiles root of a Bazel test or `bazel run`).
inline constexpr char kBuiltInVariantFile[] = "scenarios/variants/variants.textproto";

// Parses a VariantSet from `text` (`file` names it in messages) and checks
// it: at least one variant; each with a well-formed name
// (variant_overlay.h CheckVariantName), unique, and a title. Every problem
// is reported, one line each.
absl::StatusOr<scenario::v1::VariantSet> ParseVariantSet(const std::string& text,
                                                         const std::string& file);

// Reads `path` and calls ParseVariantSet.
absl::StatusOr<scenario::v1::VariantSet> LoadVariantSet(const std::string& path);

// The variants named in `names` (comma-separated, as given to --variants),
// in that order; empty `names`: all of `set`. INVALID_ARGUMENT
// "--variants: ..." for an unknown or repeated name, listing the known ones.
absl::StatusOr<scenario::v1::VariantSet> SelectVariants(const scenario::v1::VariantSet& set,
                                                        const std::string& names);

// The names of `set`'s variants.
std::set<std::string> VariantNames(const scenario::v1::VariantSet& set);

// The scenario files named by `args`: a *.txt file is a list of scenario
// files or directories, one per line ('#' starts a comment; a relative
// path is relative to the list file's directory); anything else as
// ExpandScenarioPaths (suite.h) takes it. Order kept.
absl::StatusOr<std::vector<std::string>> ExpandCompareInputs(const std::vector<std::string>& args);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_COMPARE_VARIANT_SET_H_
