#!/bin/sh
# npm test: every test but the load tests (npm run test:load), in mocha's parallel mode with one
# worker per core, at least two: a worker runs a test file whole, its before hooks included, while
# another waits on a child process. The type check runs with the lint (npm run lint).
cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
exec mocha --grep @load --invert --parallel --jobs "$((cores > 2 ? cores : 2))"
