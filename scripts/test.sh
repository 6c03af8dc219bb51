#!/bin/sh
# npm test: every test but the load tests; with --load (npm run test:load), the load tests alone.
# Both run in mocha's parallel mode with one worker per core, at least two: a worker runs a test
# file whole, its before hooks included, while another waits on a child process. Options after
# that go to mocha. The type check runs with the lint (npm run lint).
cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
tests="--invert"
if [ "${1:-}" = "--load" ]; then
  tests=""
  shift
fi
exec mocha --grep @load $tests --parallel --jobs "$((cores > 2 ? cores : 2))" "$@"
