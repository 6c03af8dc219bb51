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
# The workers (which mocha starts with this process's Node.js flags) let V8's young generation grow
# to 64 MiB semi-spaces, where its default here stops at 16: the tests allocate fast (the program
# under mocks, fast-check's draws), and a larger young generation is scavenged less often, with
# less of it promoted (CONTRIBUTING gives the collector's time both ways).
exec node --max-semi-space-size=64 "$(dirname "$0")/../node_modules/mocha/bin/mocha.js" --grep @load $tests --parallel --jobs "$((cores > 2 ? cores : 2))" "$@"
