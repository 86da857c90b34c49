#include "scenarios/experiment/report/sample_experiment.h"

#include <cstdint>
#include <string>

#include "google/protobuf/text_format.h"
#include "scenarios/experiment/report/aggregate.h"

namespace sct::scenarios::experiment {
namespace {

using scenario::v1::ExperimentResult;
using scenario::v1::RunRecord;

// A fixed sequence in [0, 1) (64-bit LCG; Knuth's MMIX constants).
class Sequence {
 public:
  double Next() {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state_ >> 11) / 9007199254740992.0;
  }

 private:
  uint64_t state_ = 42;
};

constexpr char kInterception[] = R"pb(
  name: "interceptor-win-rate-vs-channel-delay"
  description: "A single-round share over SMS while Eve, who reads the SMS channel, races Bob to the mailbox. Swept: how long the SMS takes, and whether a PIN guards the mailbox."
  question: "How often does an SMS interceptor get the key, by channel delay?"
  file: "scenarios/experiments/interception.textproto"
  repetitions: 20
  launches: 4
  started_at { seconds: 1796601600 }
  duration { seconds: 41 nanos: 500000000 }
  parameters {
    parameter { name: "SMS delay" path: "topology.channels[kind=SMS].delay"
                values: "0ms" values: "200ms" values: "500ms" values: "1s" }
    forces_relaunch: true
  }
  parameters {
    parameter { name: "PIN" path: "steps[id=share].share.pin" values: "" values: "4711"
                labels: "no PIN" labels: "PIN" }
  }
  measures {
    name: "who-got-the-key"
    outcome {
      categories { name: "receiver" when { step: "bob-redeem" ok: true } }
      categories { name: "attacker" when { step: "eve-redeem" ok: true } }
      otherwise: "nobody"
    }
  }
  measures { name: "eve-learned-key" learned { actor: "eve" item: PLAINTEXT } }
  measures { name: "share-latency" latency { from_step: "share" to_step: "bob-redeem" } }
  measures { name: "reads" count { trace { to: "relay" rpc: "ReadMailbox" } } }
  charts { title: "Interceptor win rate by SMS delay" kind: LINE measure: "who-got-the-key"
           category: "attacker" x: "SMS delay" series: "PIN" y_label: "Eve gets the key" }
  charts { title: "Share latency (mean, 95 % CI)" kind: BAR measure: "share-latency"
           statistic: "mean" x: "SMS delay" series: "PIN" }
  charts { title: "A chart with a typo" measure: "who-got-the-kye" x: "SMS delay" }
)pb";

void AddInterceptionRuns(ExperimentResult& r) {
  Sequence seq;
  const double delays[] = {0, 200, 500, 1000};
  for (int d = 0; d < 4; ++d) {
    for (int pin = 0; pin < 2; ++pin) {
      const uint32_t index = static_cast<uint32_t>(r.points_size());
      auto* point = r.add_points();
      point->add_values(r.parameters(0).parameter().values(d));
      point->add_values(r.parameters(1).parameter().values(pin));
      point->add_labels(r.parameters(0).parameter().values(d));
      point->add_labels(r.parameters(1).parameter().labels(pin));
      point->set_runs(20);
      for (uint32_t rep = 0; rep < 20; ++rep) {
        RunRecord* run = r.add_runs();
        run->set_point(index);
        run->set_repetition(rep);
        run->set_seed(1 + rep);
        run->mutable_duration()->set_nanos(300000000 + static_cast<int>(seq.Next() * 4e8));
        if (d == 3 && rep >= 18) {  // two launch failures at the slowest delay
          run->set_errored(true);
          run->set_error("launch: relay did not start within 10s");
          point->set_errored(point->errored() + 1);
          continue;
        }
        const double p_eve = pin == 1 ? 0.02 : 0.1 + 0.8 * delays[d] / 1000;
        const double u = seq.Next();
        const std::string who = u < p_eve ? "attacker" : u < 0.97 ? "receiver" : "nobody";
        (*run->mutable_categories())["who-got-the-key"] = who;
        (*run->mutable_categories())["eve-learned-key"] = who == "attacker" ? "yes" : "no";
        if (who == "receiver") {
          (*run->mutable_values())["share-latency"] = delays[d] + 40 + 30 * seq.Next() + 25 * pin;
        }
        (*run->mutable_values())["reads"] = 1 + static_cast<int>(3 * seq.Next());
      }
    }
  }
}

constexpr char kPolling[] = R"pb(
  name: "polls-with-and-without-push"
  description: "Bob's phone waits for a share, with and without push notifications."
  question: "How many polls does a flow cost without push?"
  file: "scenarios/experiments/push.textproto"
  repetitions: 10
  launches: 2
  duration { seconds: 12 }
  parameters {
    parameter { name: "push" path: "topology.oem_servers[0].push" values: "true" values: "false"
                labels: "push" labels: "no push" }
    forces_relaunch: true
  }
  measures { name: "polls" count { trace { from: "bob-phone" to: "relay" rpc: "ReadMailbox" } } }
  measures { name: "delivery" latency { from_step: "share" to_step: "receive" } }
  charts { title: "Polls per share" kind: BAR measure: "polls" statistic: "mean" x: "push" }
  charts { title: "Delivery time, median" kind: BAR measure: "delivery" x: "push" }
)pb";

}  // namespace

ExperimentResult SampleInterceptionExperiment() {
  ExperimentResult r;
  if (!google::protobuf::TextFormat::ParseFromString(kInterception, &r)) {
    r.set_error("the sample does not parse");
    return r;
  }
  AddInterceptionRuns(r);
  Aggregate(r);
  return r;
}

ExperimentResult SamplePollingExperiment() {
  ExperimentResult r;
  if (!google::protobuf::TextFormat::ParseFromString(kPolling, &r)) {
    r.set_error("the sample does not parse");
    return r;
  }
  Sequence seq;
  for (uint32_t p = 0; p < 2; ++p) {
    auto* point = r.add_points();
    point->add_values(r.parameters(0).parameter().values(p));
    point->add_labels(r.parameters(0).parameter().labels(p));
    point->set_runs(10);
    for (uint32_t rep = 0; rep < 10; ++rep) {
      RunRecord* run = r.add_runs();
      run->set_point(p);
      run->set_repetition(rep);
      run->set_seed(1 + rep);
      (*run->mutable_values())["polls"] = p == 0 ? 1 : 8 + static_cast<int>(10 * seq.Next());
      (*run->mutable_values())["delivery"] = (p == 0 ? 120 : 900) + 400 * seq.Next();
    }
  }
  Aggregate(r);
  return r;
}

}  // namespace sct::scenarios::experiment
