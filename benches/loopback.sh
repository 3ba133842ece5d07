#!/usr/bin/env bash
# Loopback end-to-end comparison of issues 6 and 10: the same route served five ways (bare actix-web,
# actix-cors 0.7, cors-actix, cors-actix with a handler and a scope policy beside the route, and
# cors-actix with the same routes but no policy on them), one worker each, driven by wrk over
# 127.0.0.1.
#
#   benches/loopback.sh [ROUNDS] [SECONDS] [CONNECTIONS]     (defaults: 7 rounds, 3 s, 16)
#
# Servers are pinned to core 0 and wrk to core 1 (taskset). Every round runs each kind of request
# (no Origin, allowed GET, allowed preflight) against the five modes in an order that rotates
# every round, so background load hits the three alike. Prints requests/s medians (min–max) and
# the per-round paired ratios ours/bare and ours/actix-cors. Bounded: ROUNDS x 3 x 5 runs of
# SECONDS each, loopback only; the servers are stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${1:-7}
SECS=${2:-3}
CONNS=${3:-16}
BASE_PORT=${LOOPBACK_BASE_PORT:-18080}
MODES=(bare actix-cors ours layered routes)
KINDS=(no-origin allowed-get allowed-preflight)

if ! command -v wrk >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
cargo build --release --quiet -p benches-actix --bin serve
SERVE=target/release/serve

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

cat >"$WORK/no-origin.lua" <<'LUA'
wrk.method = "GET"
LUA
cat >"$WORK/allowed-get.lua" <<'LUA'
wrk.method = "GET"
wrk.headers["Origin"] = "https://myapp.example.com"
LUA
cat >"$WORK/allowed-preflight.lua" <<'LUA'
wrk.method = "OPTIONS"
wrk.headers["Origin"] = "https://myapp.example.com"
wrk.headers["Access-Control-Request-Method"] = "PUT"
wrk.headers["Access-Control-Request-Headers"] = "content-type,x-api-key"
LUA

port_of() { # mode -> port
  case $1 in
    bare) echo $BASE_PORT ;;
    actix-cors) echo $((BASE_PORT + 1)) ;;
    ours) echo $((BASE_PORT + 2)) ;;
    layered) echo $((BASE_PORT + 3)) ;;
    routes) echo $((BASE_PORT + 4)) ;;
  esac
}

for mode in "${MODES[@]}"; do
  port=$(port_of "$mode")
  taskset -c 0 "$SERVE" "$mode" "$port" >"$WORK/$mode.log" 2>&1 &
  PIDS+=($!)
done
for mode in "${MODES[@]}"; do
  port=$(port_of "$mode")
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
done

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(rustc --version)"
echo "wrk -t1 -c$CONNS -d${SECS}s, server on core 0 (1 worker), wrk on core 1, $ROUNDS rounds"
RESULTS="$WORK/results.tsv"
for round in $(seq 0 $((ROUNDS - 1))); do
  for kind in "${KINDS[@]}"; do
    for i in 0 1 2 3 4; do
      mode=${MODES[$(((round + i) % 5))]}
      out=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${SECS}s" -s "$WORK/$kind.lua" "http://127.0.0.1:$(port_of "$mode")/items")
      rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
      non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
      printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$kind" "$mode" "$rps" "${non2xx:-0}" >>"$RESULTS"
      printf 'round %s %-17s %-10s %10s req/s  non-2xx: %s\n' "$round" "$kind" "$mode" "$rps" "${non2xx:-0}" >&2
    done
  done
done

python3 - "$RESULTS" <<'PY'
import sys, statistics
from collections import defaultdict
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
rps = defaultdict(dict)  # (kind, mode) -> {round: rps}
non2xx = defaultdict(int)
for r, kind, mode, v, bad in rows:
    rps[(kind, mode)][int(r)] = float(v)
    non2xx[(kind, mode)] += int(bad)
def show(vals, d):
    return f"{statistics.median(vals):,.{d}f} ({min(vals):,.{d}f}–{max(vals):,.{d}f})"
kinds = ["no-origin", "allowed-get", "allowed-preflight"]
print()
print("| request | bare req/s | actix-cors req/s | ours req/s | ours / bare (paired) | ours / actix-cors (paired) |")
print("|---|---|---|---|---|---|")
for k in kinds:
    b, a, o = rps[(k, "bare")], rps[(k, "actix-cors")], rps[(k, "ours")]
    rounds = sorted(b)
    ob = [o[r] / b[r] for r in rounds]
    oa = [o[r] / a[r] for r in rounds]
    print(f"| {k} | {show(list(b.values()), 0)} | {show(list(a.values()), 0)} | {show(list(o.values()), 0)} "
          f"| {show(ob, 3)} | {show(oa, 3)} |")
print()
print("| request | ours req/s | routes req/s | layered req/s | layered / ours (paired) | layered / routes (paired) |")
print("|---|---|---|---|---|---|")
for k in kinds:
    o, r_, l = rps[(k, "ours")], rps[(k, "routes")], rps[(k, "layered")]
    rounds = sorted(o)
    lo = [l[r] / o[r] for r in rounds]
    lr = [l[r] / r_[r] for r in rounds]
    print(f"| {k} | {show(list(o.values()), 0)} | {show(list(r_.values()), 0)} | {show(list(l.values()), 0)} "
          f"| {show(lo, 3)} | {show(lr, 3)} |")
bad = {f"{k}/{m}": n for (k, m), n in non2xx.items() if n}
print()
print("non-2xx responses (expected only for bare preflights, which actix answers 405):", bad or "none")
PY
