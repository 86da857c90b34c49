#!/usr/bin/env python3
"""Checks the result.json files an experiments run wrote (experiments_run_test).

Usage: check_results.py OUT_DIR REPETITIONS

Shape, for every DIR/<name>/result.json: one point per combination of the
parameters' values, `runs` = REPETITIONS at each, one run record per run with
its point and repetition, a category for every outcome measure of each
non-errored run, the aggregated frequencies of every outcome measure at
each point (the report's Aggregate), and no more launches than one per combination of the
topology parameters plus the errored runs (the ecosystem is reused). Facts that hold whatever the timing:
  interceptor-win-rate-vs-sms-delay: with a PIN the attacker never gets the
    key; with a reaction time of 1 s against an SMS delay of 0 ms the
    receiver gets it in some run;
  receiver-lateness-vs-mailbox-ttl: 2 h late with a 1 h TTL the mailbox has
    expired; 10 min late with a 72 h TTL the receiver gets the key;
  single-round-interceptor-500: with a PIN the attacker never gets the key;
  pin-guessing-vs-lockout: the threshold decides (the 5th guess is locked
    out at 3 and redeems at 5; the 6th is locked out at 5 and redeems at 10;
    a PIN outside the dictionary is neither at 10);
  id-guessing-vs-rate-limit: the relay answers exactly the per-address limit
    per window (20 at 20/min) to each address: 3 attackers on one address
    each get 60 answered lookups, on one shared address 20, 1 attacker 20;
    no guess hits a mailbox; Bob gets the key with a 24 h TTL and finds it
    expired with 1 min, at every point;
  malicious-relay-behaviour-vs-detection: each lie has its effect (a second
    reader served under serve_second_reader and ignore_binding, Bob's read
    fails decrypt_failed under swap_payloads, a hand-driven multi-round
    exchange never completes under drop_round and replay_round, Carol is
    refused under lie_about_expiry).
  mail-scanner-vs-binding: without a scanner or with a GET-only one Bob gets
    the key under every design; a POST-following scanner binds the mailbox
    (Bob: mailbox_claimed) in every run under the reference design and
    pin-in-key, with or without a PIN, and Bob gets the key in every run
    under relay-attestation and derived locations;
  malicious-vendor-vs-detection: an honest vendor's Bob gets his own key;
    a vendor attesting its own key is refused bad_attestation and holds
    nothing (under relay-attestation no redemption reaches the authority);
    a vendor redeeming for its own key holds the credential in single round
    (Bob's phone notices after: bad_oem_response) and is refused
    bad_endorsement in multi-round, under both relay designs.
At most a quarter of all runs may have errored.
"""
import json
import os
import sys


def fail(msg):
    print("check_results: " + msg, file=sys.stderr)
    sys.exit(1)


def at(result, **want):
    """The runs at the point whose parameter values are `want` (by name)."""
    names = [p["parameter"]["name"] for p in result["parameters"]]
    for i, point in enumerate(result["points"]):
        values = dict(zip(names, point["values"]))
        if all(values[k] == v for k, v in want.items()):
            yield i


def categories(result, measure, **want):
    points = set(at(result, **want))
    if not points:
        fail(f"{result['name']}: no point {want}")
    cats = [r["categories"].get(measure) for r in result["runs"]
            if r["point"] in points and not r["errored"]]
    return cats


def check_shape(result, reps):
    name = result["name"]
    expected_points = 1
    for p in result["parameters"]:
        expected_points *= len(p["parameter"]["values"])
    if len(result["points"]) != expected_points:
        fail(f"{name}: {len(result['points'])} points, want {expected_points}")
    for p in result["points"]:
        if p["runs"] != reps:
            fail(f"{name}: a point has {p['runs']} runs, want {reps}")
    runs = result["runs"]
    if len(runs) != expected_points * reps:
        fail(f"{name}: {len(runs)} run records, want {expected_points * reps}")
    outcome = [m["name"] for m in result["measures"] if "outcome" in m]
    errored = 0
    for r in runs:
        if r["errored"]:
            errored += 1
            if not r["error"]:
                fail(f"{name}: an errored run says no why")
            continue
        for m in outcome:
            if m not in r["categories"]:
                fail(f"{name}: run {r['point']}/{r['repetition']} has no category for {m}")
    for p in result["points"]:
        have = {o["measure"] for o in p.get("outcomes", [])}
        if not set(outcome) <= have:
            fail(f"{name}: a point lacks the aggregated frequencies of {set(outcome) - have}")
    if errored * 4 > len(runs):
        fail(f"{name}: {errored} of {len(runs)} runs errored: "
             + "; ".join(sorted({r['error'] for r in runs if r['errored']}))[:2000])
    # One launch per combination of the parameters that change the launched
    # topology (the test runs one worker), plus one after each errored run.
    topologies = 1
    for p in result["parameters"]:
        if p.get("forcesRelaunch"):
            topologies *= len(p["parameter"]["values"])
    if result["launches"] > topologies + errored:
        fail(f"{name}: {result['launches']} launches for {topologies} topologies and "
             f"{errored} errored runs (no reuse?)")
    print(f"check_results: {name}: {len(runs)} runs, {errored} errored, "
          f"{result['launches']} launch(es)")


def check_interceptor(r):
    with_pin = categories(r, "who-got-the-key", PIN="552093")
    if "attacker" in with_pin:
        fail("interceptor: the attacker got the key although the share has a PIN")
    slow = categories(r, "who-got-the-key", **{"PIN": "", "reaction time": "1s", "SMS delay": "0ms"})
    # Timing decides each run, and a loaded machine can slow the receiver's
    # accept past a second: the fact is that the receiver can win at all.
    if not slow or "receiver" not in slow:
        fail(f"interceptor: reaction 1 s vs delay 0 ms: {slow}, want the receiver in some run")


def check_lateness(r):
    late = categories(r, "bob-gets-the-key", **{"mailbox TTL": "1h", "lateness": "2h"})
    if not late or any(c != "expired" for c in late):
        fail(f"lateness: 2 h late, TTL 1 h: {late}, want only expired")
    early = categories(r, "bob-gets-the-key", **{"mailbox TTL": "72h", "lateness": "10m"})
    if not early or any(c != "received" for c in early):
        fail(f"lateness: 10 min late, TTL 72 h: {early}, want only received")


def check_pin_lockout(r):
    # The threshold decides: Eve's 5th guess is inside a limit of 5 or 10 and
    # outside a limit of 3; her 6th is inside only a limit of 10.
    for pin, lockout, want in (("654321", "3", "locked out"),
                               ("654321", "5", "attacker"),
                               ("123123", "5", "locked out"),
                               ("123123", "10", "attacker"),
                               ("740319", "10", "neither")):
        got = categories(r, "who-got-the-key", PIN=pin, lockout=lockout)
        if not got or any(c != want for c in got):
            fail(f"pin-guessing-vs-lockout: PIN {pin}, lockout {lockout}: {got}, want {want}")


def check_insider_relay(r):
    # Each lie has the effect the relay's decorator is built for.
    for lie, measure, want in (
            ("SERVE_SECOND_READER", "second-reader", "carol got the key"),
            ("IGNORE_BINDING", "second-reader", "carol got the key"),
            ("SWAP_PAYLOADS", "bob-first-read", "detected: decrypt_failed"),
            ("LIE_ABOUT_EXPIRY", "second-reader", "refused: mailbox_claimed")):
        got = categories(r, measure, **{"relay lies": lie})
        if not got or any(c != want for c in got):
            fail(f"malicious-relay-behaviour-vs-detection: {lie}: {measure} {got}, want {want}")
    # A dropped or replayed round never lets the exchange complete (how it
    # fails depends on when Alice's poll falls).
    for lie in ("DROP_ROUND", "REPLAY_ROUND"):
        got = categories(r, "multi-round", **{"relay lies": lie})
        if not got or "bob got the key" in got:
            fail(f"malicious-relay-behaviour-vs-detection: {lie}: multi-round {got}, "
                 "want never 'bob got the key'")


def values(result, measure, **want):
    points = set(at(result, **want))
    if not points:
        fail(f"{result['name']}: no point {want}")
    return [r["values"].get(measure) for r in result["runs"]
            if r["point"] in points and not r["errored"]]


def check_id_guessing(r):
    # The limit is per client address: attackers on distinct addresses
    # multiply the answered lookups, attackers behind one address do not.
    limit = "--failed_lookups_per_window=20"
    for attackers, distinct, want in (("3", "true", 60), ("3", "false", 20),
                                      ("1", "true", 20), ("1", "false", 20)):
        for window in ("answered-window-1", "answered-window-2"):
            got = values(r, window, **{"rate limit": limit, "attackers": attackers,
                                       "addresses": distinct})
            if not got or any(v != want for v in got):
                fail(f"id-guessing-vs-rate-limit: 20/min, {attackers} attacker(s), "
                     f"distinct addresses {distinct}: {window} {got}, want {want}")
    # The TTL decides Bob's read at every point (and no earlier run's expired
    # reads have used up Bob's own failed-lookup budget).
    for ttl, want in (("24h", "received"), ("1m", "expired")):
        got = categories(r, "bob-gets-the-key", **{"mailbox TTL": ttl})
        if not got or any(c != want for c in got):
            fail(f"id-guessing-vs-rate-limit: TTL {ttl}: bob-gets-the-key {sorted(set(got))}, "
                 f"want only {want}")
    hits = [v for run in r["runs"] if not run["errored"]
            for k, v in run["values"].items() if k == "guess-hits"]
    if not hits or any(v != 0 for v in hits):
        fail(f"id-guessing-vs-rate-limit: guess-hits {sorted(set(hits))}, want only 0")


def only(name, got, want, where):
    if not got or any(c != want for c in got):
        fail(f"{name}: {where}: {got}, want only {want!r}")


MAIL_DESIGNS = {
    "reference": "relay_design: MAILBOX",
    "relay-attestation": "relay_design: MAILBOX  relay_verifies_attestation: true",
    "pin-in-key": "relay_design: MAILBOX  pin_binding: BOUND_INTO_KEY",
    "derived": "relay_design: DERIVED_LOCATIONS",
}


def check_mail_scanner(r):
    name = "mail-scanner-vs-binding"
    for label, design in MAIL_DESIGNS.items():
        for scanner in ("MAIL_SCANNER_NONE", "GET_ONLY"):
            got = categories(r, "who-got-the-key", design=design, scanner=scanner)
            only(name, got, "receiver", f"{label}, {scanner}")
        post = categories(r, "bob-failure", design=design, scanner="POST_FOLLOWING")
        if label in ("reference", "pin-in-key"):
            only(name, post, "mailbox_claimed", f"{label}, POST (either PIN)")
        else:
            only(name, post, "none", f"{label}, POST (either PIN)")


def check_malicious_vendor(r):
    name = "malicious-vendor-vs-detection"
    for design in ("false", "true"):
        for rounds in ("false", "true"):
            at_point = {"relay-att": design, "rounds": rounds}
            where = f"relay-attestation {design}, multi_round {rounds}"
            only(name, categories(r, "credential", vendor="OEM_HONEST", **at_point),
                 "Bob's key", "honest, " + where)
            only(name, categories(r, "credential", vendor="ATTEST_OWN_KEY", **at_point),
                 "nobody", "attests own key, " + where)
            only(name, categories(r, "caught-by", vendor="ATTEST_OWN_KEY", **at_point),
                 "bad_attestation", "attests own key, " + where)
            # The relay refuses the read first under relay-attestation.
            only(name, values(r, "redemptions-at-authority", vendor="ATTEST_OWN_KEY", **at_point),
                 0 if design == "true" else 1, "attests own key, RedeemShare calls, " + where)
            single = rounds == "false"
            only(name, categories(r, "credential", vendor="REDEEM_OWN_KEY", **at_point),
                 "vendor's key" if single else "nobody", "redeems own key, " + where)
            only(name, categories(r, "caught-by", vendor="REDEEM_OWN_KEY", **at_point),
                 "device: bad_oem_response" if single else "bad_endorsement",
                 "redeems own key, " + where)


def check_benchmark(r):
    with_pin = categories(r, "who-got-the-key", PIN="552093")
    if not with_pin or "attacker" in with_pin:
        fail(f"benchmark: with a PIN: {with_pin}, want runs and no attacker")


FACTS = {
    "interceptor-win-rate-vs-sms-delay": check_interceptor,
    "single-round-interceptor-500": check_benchmark,
    "receiver-lateness-vs-mailbox-ttl": check_lateness,
    "pin-guessing-vs-lockout": check_pin_lockout,
    "id-guessing-vs-rate-limit": check_id_guessing,
    "malicious-relay-behaviour-vs-detection": check_insider_relay,
    "mail-scanner-vs-binding": check_mail_scanner,
    "malicious-vendor-vs-detection": check_malicious_vendor,
}


def main():
    out, reps = sys.argv[1], int(sys.argv[2])
    names = sorted(d for d in os.listdir(out)
                   if os.path.isfile(os.path.join(out, d, "result.json")))
    if not names:
        fail(f"no result.json under {out}")
    for name in names:
        with open(os.path.join(out, name, "result.json")) as f:
            result = json.load(f)
        check_shape(result, reps)
        if name in FACTS:
            FACTS[name](result)
    missing = set(FACTS) - set(names)
    if missing:
        fail("no result for " + ", ".join(sorted(missing)))


if __name__ == "__main__":
    main()
