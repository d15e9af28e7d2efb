#!/usr/bin/env bash
# Runs every test of the repository, exactly as CI does (.ci/run calls this script).
# It installs what the tests need on a fresh machine, from Debian's packages: redis-server (the storage tests start
# their own private Redis on a random loopback port) and redis-tools (redis-cli joins three private redis-servers into
# the Redis Cluster that the sharded store is tested on) and chromium (the viewer's browser tests drive it headless
# through Playwright; nothing is downloaded) and libzmq5 (the client's libzmq transport is tested against the
# daemon's NetMQ socket; distlogd's CURVE sockets are libzmq's) and afl++ (the fuzz job, scripts/fuzz.sh, with the
# SharpFuzz tool that .config/dotnet-tools.json names). The .NET SDK named in global.json must already be on PATH.
# Test projects run one after another: they start real sockets and processes, and a two-core machine gives more
# honest timings when they do not compete. MongoDB tests run only when DISTLOG_TEST_MONGODB_URL names a server;
# without it they are reported as skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dotnet >/dev/null 2>&1; then
  echo "scripts/test.sh: the .NET 10 SDK (dotnet) is required" >&2
  exit 2
fi

missing=()
[ -x /usr/bin/redis-server ] || missing+=(redis-server)
[ -x /usr/bin/redis-cli ] || missing+=(redis-tools)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -n "$(ls /usr/lib/*/libzmq.so.5 /usr/lib/libzmq.so.5 2>/dev/null)" ] || missing+=(libzmq5)
command -v afl-fuzz >/dev/null 2>&1 || missing+=(afl++)
if [ ${#missing[@]} -gt 0 ]; then
  echo "scripts/test.sh: installing ${missing[*]} from Debian's packages"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

dotnet build Distlog.slnx --nologo -v quiet

results=$(mktemp -d)
status=0
for project in test/*.Tests/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  echo "== $name"
  code=0
  dotnet test "$project" --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" \
    --logger "console;verbosity=normal" >"$results/$name.log" 2>&1 || code=$?
  grep -E "^\s+(Passed|Failed|Skipped) |Failed!|Passed!|error|Error Message|Assert|Exception" "$results/$name.log" || true
  if [ "$code" -ne 0 ]; then
    status=1
    if ! ls "$results/$name.trx" >/dev/null 2>&1; then tail -n 40 "$results/$name.log"; fi
  fi
done

# The fuzz job: every decoder under afl++ for about a minute in all, and the planted bug found (scripts/fuzz.sh).
echo "== fuzz"
scripts/fuzz.sh 60 || status=1

# One closing line for every test project together: "N passed, N failed, N skipped".
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  total=$(sed -E 's/.* total="([0-9]+)".*/\1/' <<<"$counters")
  executed=$(sed -E 's/.* executed="([0-9]+)".*/\1/' <<<"$counters")
  p=$(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")
  f=$(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + total - executed))
done
rm -rf "$results"
if [ "$failed" -gt 0 ]; then status=1; fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
