#!/bin/sh
# npm run lint: the type check (npm run typecheck) then the import-cycle check (npm run cycles), side
# by side with ESLint, which builds a TypeScript program of its own for its type-checked rules. Each
# of the two lines uses one core, so on two cores the lint takes the longer line's time, not their
# sum. Each line's output is printed whole once both are done; the lint fails if either line does.
# Arguments go to ESLint (npm run lint -- --fix).
if [ "$1" = "--help" ] || [ "$1" = "-h" ]; then
  cat <<'EOF'
usage: npm run lint [-- ESLint's options]

Runs the type check (npm run typecheck), then the import-cycle check (npm run cycles), side by side
with ESLint (eslint .), and prints each one's output whole once both are done. Options after -- go
to ESLint, as --fix does.

Exit codes: 0 no problem; otherwise the failing check's own code (the type check's first).
EOF
  exit 0
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
(npm run --silent typecheck && npm run --silent cycles) >"$out/types" 2>&1 &
types=$!
eslint . "$@" >"$out/eslint" 2>&1 &
eslint=$!
wait "$types"
types_status=$?
wait "$eslint"
eslint_status=$?
cat "$out/types" "$out/eslint"
[ "$types_status" -ne 0 ] && exit "$types_status"
exit "$eslint_status"
