#!/usr/bin/env bash
# Runs the batch image the way nothing in AWS is set up for, and checks it fails the way the
# program promises: with its default CMD and no table, exit 1 or 2 with a JSON error line on
# stderr; with a bad argument, exit 2. Usage: check-batch-image.sh IMAGE PLATFORM
set -uo pipefail
image=$1
platform=$2

run() {
  local stderr
  stderr=$(mktemp)
  docker run --rm --platform "$platform" "$image" "$@" 2>"$stderr" >/dev/null
  code=$?
  last_error=$(tail -n 1 "$stderr")
  rm -f "$stderr"
}

fail() {
  echo "::error::$1"
  exit 1
}

run
case $code in
  1 | 2) ;;
  *) fail "with its default CMD and no table the image exited $code, expected 1 or 2" ;;
esac
echo "$last_error" | jq -e '.level == "error"' >/dev/null ||
  fail "with its default CMD and no table the image did not end with a JSON error line: $last_error"
echo "default CMD, no table: exit $code, $last_error"

run --arg1 abc --arg2 2
[ "$code" -eq 2 ] || fail "with a bad argument the image exited $code, expected 2"
echo "$last_error" | jq -e '.step == "usage"' >/dev/null || fail "with a bad argument the image wrote no usage error: $last_error"
echo "bad argument: exit 2, $last_error"
