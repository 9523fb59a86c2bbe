#!/usr/bin/env bash
# Regenerate the expected outputs of tests/lang from CPython 3.11 (the
# oracle). Never edit .out/.err files by hand.
set -euo pipefail
cd "$(dirname "$0")"
for f in *.py; do
  stem="${f%.py}"
  rm -f "$stem.err"
  if ! python3 "$f" > "$stem.out" 2> "$stem.stderr"; then
    grep -v '^\s*$' "$stem.stderr" | tail -n 1 > "$stem.err"
  fi
  rm -f "$stem.stderr"
done
