#!/usr/bin/env bash
# Cross-check the Java reference gradients against an independent float64 autograd.
#
#   src/test/python/run_autograd_check.sh            # 50 instances, seed 20240604
#   COUNT=200 SEED=5 src/test/python/run_autograd_check.sh
#   KEEP=1 ...                                       # keep the temp dir (path is printed)
#   PYTHON=/usr/bin/python3 ...                      # interpreter (default: see below)
#   REF_CMD="python3 src/test/python/autograd_check.py decimal-ref" ...
#                                                    # another reference command; FILE is appended
#
# Steps: autograd_check.py make -> "$REPO/lora-limits gradient --method reference --digits 30 FILE"
# for each instance -> autograd_check.py compare. Exit status is that of compare (0 = all passed),
# or 2 when the launcher or a suitable Python is missing.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
SCRIPT="$HERE/autograd_check.py"
COUNT="${COUNT:-50}"
SEED="${SEED:-20240604}"

# Prefer an interpreter with torch (Debian's python3-torch lives in /usr/bin/python3); fall back
# to any python3 with numpy, where the script uses its own tape-based reverse mode.
if [[ -z "${PYTHON:-}" ]]; then
  for cand in /usr/bin/python3 python3; do
    if "$cand" -c 'import numpy, torch' >/dev/null 2>&1; then PYTHON="$cand"; break; fi
  done
fi
if [[ -z "${PYTHON:-}" ]]; then
  for cand in python3 /usr/bin/python3; do
    if "$cand" -c 'import numpy' >/dev/null 2>&1; then PYTHON="$cand"; break; fi
  done
fi
if [[ -z "${PYTHON:-}" ]]; then
  echo "no python3 with numpy found (apt-get install -y python3-numpy python3-torch)" >&2
  exit 2
fi

if [[ -n "${REF_CMD:-}" ]]; then
  read -r -a REF <<<"$REF_CMD"
else
  LAUNCHER="$REPO/lora-limits"
  if [[ ! -x "$LAUNCHER" ]]; then
    echo "launcher $LAUNCHER not found or not executable (build the project first)" >&2
    exit 2
  fi
  REF=("$LAUNCHER" gradient --method reference --digits 30)
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/autograd-check.XXXXXX")"
if [[ -n "${KEEP:-}" ]]; then
  echo "keeping $WORK"
else
  trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$WORK/inst" "$WORK/ref"

echo "python: $PYTHON; reference: ${REF[*]}"
"$PYTHON" "$SCRIPT" make --seed "$SEED" --out "$WORK/inst" --count "$COUNT"

ref_failures=0
for f in "$WORK"/inst/*.json; do
  name="$(basename "$f")"
  if ! "${REF[@]}" "$f" >"$WORK/ref/$name" 2>"$WORK/ref/$name.err"; then
    echo "reference failed on $name:" >&2
    cat "$WORK/ref/$name.err" >&2
    rm -f "$WORK/ref/$name"   # compare counts a missing reference file as a failure
    ref_failures=$((ref_failures + 1))
  fi
done
if ((ref_failures > 0)); then
  echo "$ref_failures reference run(s) failed" >&2
fi

"$PYTHON" "$SCRIPT" compare "$WORK/inst" "$WORK/ref"
