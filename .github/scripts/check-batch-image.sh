#!/usr/bin/env bash
# Runs the batch image the way nothing in AWS is set up for, and checks it fails the way its
# contract (batch-container/contract.json, or CONTRACT) says: with its default CMD and no table,
# the failed or the usage exit code, ending with an error line on stderr; with a value no flag
# takes, the usage exit code and the usage error line.
# Usage: check-batch-image.sh IMAGE PLATFORM [CONTRACT]
set -uo pipefail
image=$1
platform=$2
contract=${3:-batch-container/contract.json}

failed=$(jq -er '.exitCodes.failed' "$contract") || { echo "::error::$contract has no exitCodes.failed"; exit 1; }
usage=$(jq -er '.exitCodes.usage' "$contract") || { echo "::error::$contract has no exitCodes.usage"; exit 1; }
error_fields=$(jq -ec '.errorLine.fields' "$contract") || { echo "::error::$contract has no errorLine.fields"; exit 1; }
usage_fields=$(jq -ec '.errorLine.fields + .errorLine.usageFields' "$contract") || { echo "::error::$contract has no errorLine.usageFields"; exit 1; }
# Every flag of the contract, each with a value no integer flag takes.
mapfile -t refused < <(jq -r '.arguments.flags[] | ("--" + .name), "not-an-integer"' "$contract")

run() {
  local stderr
  stderr=$(mktemp)
  docker run --rm --platform "$platform" "$image" "$@" 2>"$stderr" >/dev/null
  code=$?
  last_error=$(tail -n 1 "$stderr")
  rm -f "$stderr"
}

# Whether the last line on stderr is a JSON object holding every field of $1.
holds() {
  echo "$last_error" | jq -e --argjson want "$1" '. as $line | type == "object" and ($want | to_entries | all(.value == $line[.key]))' >/dev/null 2>&1
}

fail() {
  echo "::error::$1"
  exit 1
}

run
case $code in
  "$failed" | "$usage") ;;
  *) fail "with its default CMD and no table the image exited $code, expected $failed or $usage" ;;
esac
holds "$error_fields" || fail "with its default CMD and no table the image did not end with an error line holding $error_fields: $last_error"
echo "default CMD, no table: exit $code, $last_error"

run "${refused[@]}"
[ "$code" -eq "$usage" ] || fail "with ${refused[*]} the image exited $code, expected $usage"
holds "$usage_fields" || fail "with ${refused[*]} the image wrote no error line holding $usage_fields: $last_error"
echo "refused command: exit $usage, $last_error"
