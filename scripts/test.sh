#!/bin/sh
# npm test: the type check and the tests run at once, one on each core, and the suite fails
# when either does. The load tests run apart (npm run test:load).
tsc --noEmit --noCheck false -p . &
typecheck=$!
mocha --grep @load --invert
tests=$?
wait "$typecheck"
types=$?
if [ "$types" -ne 0 ]; then
  echo "type check failed (tsc exit $types)" >&2
  exit "$types"
fi
exit "$tests"
