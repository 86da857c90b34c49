#include "scenarios/experiment/runner.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/proto_time.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "scenarios/experiment/measure.h"
#include "scenarios/experiment/reused_ecosystem.h"

namespace sct::scenarios::experiment {
namespace {

namespace sv1 = ::scenario::v1;

constexpr uint32_t kDefaultRepetitions = 20;

// The bytes that tell two topologies apart (deterministic serialization).
std::string TopologyKey(const sv1::Topology& t) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  t.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

bool MovesClocks(const sv1::Scenario& s) {
  for (const sv1::Step& st : s.steps()) {
    if (st.has_advance_clock()) return true;
  }
  return false;
}

// One point's scenario (seed unset) and its topology key.
struct Point {
  sv1::Scenario scenario;
  std::string key;
  bool moves_clocks = false;
};

// The "\r"-updated progress line.
class Progress {
 public:
  Progress(std::ostream* out, size_t points, uint32_t reps)
      : out_(out), points_(points), reps_(reps), start_(absl::Now()) {}
  void Done(size_t point, uint32_t rep) {
    if (out_ == nullptr) return;
    std::lock_guard<std::mutex> lock(mu_);
    ++done_;
    const double total = static_cast<double>(points_) * reps_;
    const absl::Duration elapsed = absl::Now() - start_;
    const double eta = absl::ToDoubleSeconds(elapsed) / done_ * (total - done_);
    *out_ << absl::StrFormat("\rpoint %d/%d, run %d/%d (%d of %d), %.0fs elapsed, ETA %.0fs   ",
                             point + 1, points_, rep + 1, reps_, done_, static_cast<int>(total),
                             absl::ToDoubleSeconds(elapsed), eta)
          << std::flush;
  }
  void End() {
    if (out_ != nullptr && done_ > 0) *out_ << "\n";
  }

 private:
  std::ostream* out_;
  size_t points_;
  uint32_t reps_;
  absl::Time start_;
  std::mutex mu_;
  int done_ = 0;
};

// A worker thread's ecosystem, launched once per distinct topology.
struct Worker {
  int id = 0;
  std::unique_ptr<ReusedEcosystem> eco;
  // What the runs on `eco` read of the channel inboxes.
  std::shared_ptr<InboxCursors> cursors;
  std::string key;
  int launched = 0;
  void Drop() {
    if (eco != nullptr) eco->Shutdown();
    eco.reset();
    cursors.reset();
    key.clear();
  }
};

class Run {
 public:
  Run(const LoadedExperiment& e, const ExperimentOptions& o) : e_(e), o_(o) {}
  sv1::ExperimentResult Go();

 private:
  void Prepare();
  void Work(Worker& w);
  sv1::RunRecord RunOne(Worker& w, size_t point, uint32_t rep);
  EngineOptions EngineFor(Worker& w, const Point& p);

  const LoadedExperiment& e_;
  const ExperimentOptions& o_;
  uint32_t reps_ = 0;
  uint64_t seed_ = 1;
  std::vector<Point> points_;
  std::vector<sv1::RunRecord> records_;
  std::atomic<size_t> next_{0};
  std::atomic<uint32_t> launches_{0};
  std::unique_ptr<Progress> progress_;
};

void Run::Prepare() {
  reps_ = o_.repetitions > 0                ? o_.repetitions
          : e_.experiment.repetitions() > 0 ? e_.experiment.repetitions()
                                            : kDefaultRepetitions;
  seed_ = e_.experiment.seed() == 0 ? 1 : e_.experiment.seed();
  for (const std::vector<int>& idx : e_.points) {
    Point p;
    absl::StatusOr<sv1::Scenario> s = PointScenario(e_, idx, 0);
    p.scenario = s.ok() ? *std::move(s) : e_.scenario;  // loaded: always ok
    AddLearnedAssertions(e_.experiment, p.scenario);
    p.key = TopologyKey(p.scenario.topology());
    p.moves_clocks = MovesClocks(p.scenario);
    points_.push_back(std::move(p));
  }
  records_.resize(points_.size() * reps_);
  progress_ = std::make_unique<Progress>(o_.progress, points_.size(), reps_);
}

EngineOptions Run::EngineFor(Worker& w, const Point& p) {
  EngineOptions eo = o_.engine;
  eo.collect_trace = NeedsTrace(e_.experiment);
  eo.audits = NeedsAudit(e_.experiment);
  if (!o_.reuse) {
    eo.launch = [this](const ResolvedTopology& t, const LaunchOptions& lo) {
      launches_.fetch_add(1);
      return Launch(t, lo);
    };
    return eo;
  }
  if (w.cursors == nullptr) w.cursors = std::make_shared<InboxCursors>();
  eo.inbox_cursors = w.cursors;
  eo.launch = [this, &w, key = p.key](const ResolvedTopology& t, const LaunchOptions& lo)
      -> absl::StatusOr<std::unique_ptr<Ecosystem>> {
    if (w.eco == nullptr) {
      LaunchOptions l = lo;
      // Unique in this process and among processes sharing the work
      // directory: a launch that found an earlier one's databases would
      // start from its state.
      static std::atomic<int> launches_in_process{0};
      ++w.launched;
      l.work_dir = absl::StrCat(o_.engine.work_dir, "/", getpid(), "-",
                                launches_in_process.fetch_add(1) + 1, "-worker-", w.id);
      std::error_code ec;
      std::filesystem::create_directories(l.work_dir, ec);
      absl::StatusOr<std::unique_ptr<Ecosystem>> eco = Launch(t, l);
      launches_.fetch_add(1);
      if (!eco.ok()) return eco.status();
      w.eco = std::make_unique<ReusedEcosystem>(*std::move(eco));
      w.key = key;
    }
    return w.eco->View();
  };
  return eo;
}

sv1::RunRecord Run::RunOne(Worker& w, size_t point, uint32_t rep) {
  const Point& p = points_[point];
  if (w.eco != nullptr && w.key != p.key) w.Drop();
  sv1::Scenario s = p.scenario;
  s.set_seed(seed_ + rep);
  sv1::ScenarioResult r = RunScenario(s, e_.scenario_file, EngineFor(w, p));
  sv1::RunRecord rec;
  rec.set_point(static_cast<uint32_t>(point));
  rec.set_repetition(rep);
  rec.set_seed(s.seed());
  *rec.mutable_duration() = r.duration();
  std::string why;
  if (RunErrored(r, e_.experiment.judge_expectations(), &why)) {
    rec.set_errored(true);
    rec.set_error(why);
    // A failed service or a half-done step may have left the ecosystem in
    // any state: the next run starts on a fresh one.
    w.Drop();
  } else {
    MeasureRun(e_.experiment, r, rec);
  }
  if (w.eco != nullptr && p.moves_clocks) {
    absl::Status reset = ResetClocks(*w.eco->View());
    if (!reset.ok()) w.Drop();
  }
  return rec;
}

void Run::Work(Worker& w) {
  while (true) {
    const size_t k = next_.fetch_add(1);
    if (k >= records_.size()) break;
    const size_t point = k / reps_;
    const uint32_t rep = static_cast<uint32_t>(k % reps_);
    records_[k] = RunOne(w, point, rep);
    progress_->Done(point, rep);
  }
  w.Drop();
}

void FillHeader(const LoadedExperiment& e, sv1::ExperimentResult& out) {
  const sv1::Experiment& x = e.experiment;
  out.set_name(x.name());
  out.set_description(x.description());
  out.set_question(x.question());
  out.set_file(e.file);
  for (const auto& p : e.parameters) *out.add_parameters() = p;
  *out.mutable_measures() = x.measures();
  *out.mutable_charts() = x.charts();
}

sv1::ExperimentResult Run::Go() {
  const absl::Time start = absl::Now();
  Prepare();
  sv1::ExperimentResult out;
  FillHeader(e_, out);
  out.set_repetitions(reps_);
  *out.mutable_started_at() = ToProtoTimestamp(start);
  if (o_.progress != nullptr) {
    for (const auto& p : e_.parameters) {
      if (p.forces_relaunch() && p.parameter().values_size() > 1) {
        *o_.progress << e_.experiment.name() << ": parameter \"" << p.parameter().name()
                     << "\" changes the topology: a relaunch per point\n";
      }
    }
  }
  const int jobs = std::max(1, std::min<int>(o_.jobs, static_cast<int>(records_.size())));
  std::vector<Worker> workers(jobs);
  std::vector<std::thread> threads;
  for (int i = 0; i < jobs; ++i) {
    workers[i].id = i;
    threads.emplace_back([this, &w = workers[i]] { Work(w); });
  }
  for (auto& t : threads) t.join();
  progress_->End();
  for (size_t i = 0; i < points_.size(); ++i) {
    sv1::PointResult* pr = out.add_points();
    for (size_t j = 0; j < e_.points[i].size(); ++j) {
      const sv1::Parameter& p = e_.parameters[j].parameter();
      const int v = e_.points[i][j];
      pr->add_values(p.values(v));
      pr->add_labels(p.labels_size() > v ? p.labels(v) : p.values(v));
    }
    for (uint32_t r = 0; r < reps_; ++r) {
      const sv1::RunRecord& rec = records_[i * reps_ + r];
      pr->set_runs(pr->runs() + 1);
      if (rec.errored()) pr->set_errored(pr->errored() + 1);
    }
  }
  for (auto& rec : records_) *out.add_runs() = std::move(rec);
  out.set_launches(launches_.load());
  *out.mutable_duration() = ToProtoDuration(absl::Now() - start);
  return out;
}

}  // namespace

sv1::ExperimentResult RunExperiment(const LoadedExperiment& e, const ExperimentOptions& options) {
  return Run(e, options).Go();
}

}  // namespace sct::scenarios::experiment
