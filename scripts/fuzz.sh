#!/usr/bin/env bash
# Fuzz every Go fuzz target of the repository, one after another, for
# FUZZTIME each (default 15s): go test -fuzz takes one target of one
# package per run. Targets are found, not listed: every `func FuzzXxx` in a
# *_test.go file is run, so a new parser's target joins by being written.
#
#   scripts/fuzz.sh                 # all targets, 15s each
#   FUZZTIME=1m scripts/fuzz.sh     # longer
#   FUZZ_ONLY='Zip|Sniff' scripts/fuzz.sh   # targets whose name matches
#
# A crash fails the run: Go writes the input to the package's
# testdata/fuzz/FuzzName/; this script prints it. Fix the parser, then
# commit that file: it is a regression case `go test` runs from then on.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZTIME=${FUZZTIME:-15s}
FUZZ_ONLY=${FUZZ_ONLY:-.}
FUZZ_PARALLEL=${FUZZ_PARALLEL:-2}
FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-600} # seconds a single target may take, compile included

# "<dir> <FuzzName>" for every target, sorted.
targets=$(grep -rE --include='*_test.go' -o '^func Fuzz[A-Za-z0-9_]*\(' \
    --exclude-dir=node_modules --exclude-dir=.git --exclude-dir=testdata . |
  sed -E 's#^\./(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\($#\1 \2#' | sort -u)
if [ -z "$targets" ]; then
  echo "fuzz: no fuzz targets found" >&2
  exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed=()
count=0
start=$(date +%s)
while read -r dir name; do
  [[ $name =~ $FUZZ_ONLY ]] || continue
  count=$((count + 1))
  corpus="$dir/testdata/fuzz/$name"
  before=$(ls "$corpus" 2>/dev/null | sort || true)
  echo "--- fuzz $name (./$dir) for $FUZZTIME"
  t0=$(date +%s)
  rc=0
  timeout "$FUZZ_TIMEOUT" go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" \
    -parallel "$FUZZ_PARALLEL" "./$dir" >"$log" 2>&1 || rc=$?
  if [ "$rc" = 0 ]; then
    echo "    $(grep -E '^fuzz: elapsed' "$log" | tail -n 1) ($(( $(date +%s) - t0 ))s with the build)"
    continue
  fi
  after=$(ls "$corpus" 2>/dev/null | sort || true)
  new=$(comm -13 <(echo "$before") <(echo "$after") | sed '/^$/d')
  # Go 1.26's fuzz coordinator can fail a target at the end of -fuzztime
  # with a bare "context deadline exceeded" and no input written (a race
  # in internal/fuzz, golang/go#75804, fixed in Go 1.27). Only that
  # failure, and only when replaying the seeds and the committed corpus
  # passes, counts as the toolchain's, not the parser's.
  if [ -z "$new" ] && [ "$rc" = 1 ] && grep -qx '    context deadline exceeded' "$log" && ! grep -qE '^\s+--- FAIL: .*#|panic:|Failing input' "$log" &&
    go test -count=1 -run "^${name}\$" "./$dir" >/dev/null 2>&1; then
    echo "    $name: the coordinator's end-of-fuzztime race (golang/go#75804), no input written, corpus replay passed"
    continue
  fi
  cat "$log"
  failed+=("$name (./$dir)")
  if [ -n "$new" ]; then
    for f in $new; do
      echo "=== crashing input: $corpus/$f"
      cat "$corpus/$f"
      echo
      echo "=== fix the parser, then commit $corpus/$f as a regression case"
    done
  elif [ "$rc" = 124 ]; then
    echo "=== $name ran past ${FUZZ_TIMEOUT}s and was stopped"
  else
    echo "=== $name failed without writing a new input (a failing committed case, or a build error): see above"
  fi
done <<<"$targets"

echo "--- fuzzed $count targets in $(( $(date +%s) - start ))s"
if [ "$count" = 0 ]; then
  echo "fuzz: FUZZ_ONLY=$FUZZ_ONLY matches no target" >&2
  exit 1
fi
if [ ${#failed[@]} -gt 0 ]; then
  printf 'fuzz: FAILED %s\n' "${failed[@]}" >&2
  echo "fuzz: commit each crashing input under its testdata/fuzz as a regression case once the parser is fixed" >&2
  exit 1
fi
