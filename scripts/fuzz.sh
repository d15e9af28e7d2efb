#!/usr/bin/env bash
# Fuzzes every decoder under afl++ (Debian's afl++) through SharpFuzz, for about SECONDS in all (default 60):
#   scripts/fuzz.sh [SECONDS]
# Each target of fuzz/Distlog.Fuzz.Targets starts from its corpus (fuzz/corpus/TARGET). A crash of a real target is
# a new bug: it is said loudly and its input copied to fuzz/regressions/TARGET/ — committed, it is a failing test
# (FuzzRegressionTests) until the bug is fixed. It does not fail this run: a fuzzer bounded in time finds new bugs at
# random, and a run that fails at random says nothing about the change under test. Pass --strict to fail on one.
# The target "seeded" has a bug planted on purpose: the run fails unless afl-fuzz finds it, which shows the harness
# finds what is there.
set -euo pipefail
cd "$(dirname "$0")/.."
strict=0; if [ "${1:-}" = --strict ]; then strict=1; shift; fi
total=${1:-60}
targets=(json msgpack batch pickle stamp control level-request yaml query seeded)
seeded_time=90 # it stops at the planted bug: typically 3-13 s (30,000-115,000 runs), once 39 s; a miss in 90 s is about 1 in 3,000
per=$(( (total - seeded_time) / (${#targets[@]} - 1) )); [ "$per" -ge 4 ] || per=4

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet tool restore >/dev/null
dotnet build fuzz/Distlog.Fuzz/Distlog.Fuzz.csproj -c Release -o "$work/bin" --nologo -v quiet >/dev/null
for assembly in Distlog.Protocol.dll Distlog.Query.dll distlogd.dll Distlog.Fuzz.Targets.dll; do
  dotnet sharpfuzz "$work/bin/$assembly" >/dev/null
done

export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
status=0
for target in "${targets[@]}"; do
  seconds=$per; [ "$target" != seeded ] || seconds=$seeded_time
  AFL_BENCH_UNTIL_CRASH=$([ "$target" = seeded ] && echo 1 || echo '') afl-fuzz -i "fuzz/corpus/$target" -o "$work/$target" -V "$seconds" -t 5000 -m none \
    -- dotnet "$work/bin/Distlog.Fuzz.dll" "$target" >"$work/$target.log" 2>&1 || {
      echo "fuzz: afl-fuzz could not run $target:"; tail -n 20 "$work/$target.log"; status=1; continue; }
  crashes=("$work/$target"/default/crashes/id:*)
  [ -e "${crashes[0]}" ] || crashes=()
  execs=$(sed -n 's/^execs_done *: *//p' "$work/$target/default/fuzzer_stats")
  if [ "$target" = seeded ]; then
    if [ ${#crashes[@]} -gt 0 ]; then
      echo "fuzz: seeded: the planted bug was found ($execs runs): the harness works"
    else
      echo "fuzz: seeded: the planted bug was NOT found in $seconds s ($execs runs): the harness is broken"; status=1
    fi
  elif [ ${#crashes[@]} -gt 0 ]; then
    mkdir -p "fuzz/regressions/$target"
    for crash in "${crashes[@]}"; do cp "$crash" "fuzz/regressions/$target/$(sha1sum "$crash" | cut -c1-16)"; done
    echo "fuzz: $target: NEW BUG: ${#crashes[@]} crash(es) in $execs runs, copied to fuzz/regressions/$target/ (commit them and fix it)"
    [ "$strict" = 0 ] || status=1
  else
    echo "fuzz: $target: no crash in $execs runs ($seconds s)"
  fi
done
exit $status
