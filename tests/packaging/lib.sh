# Shared by the packaging tests (sourced). No privileges needed.
# A test that lacks a tool skips (exit 77, ctest's SKIP_RETURN_CODE) on a
# developer machine and fails under CI=true, where scripts/deps installs them.

test_name=$(basename "$0" .sh)
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# need TOOL... : every TOOL on PATH, or skip (fail under CI).
need() {
  local missing=() tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  ((${#missing[@]} == 0)) && return 0
  if [[ ${CI:-} == true ]]; then
    echo "$test_name: missing ${missing[*]} under CI=true (scripts/deps installs them)" >&2
    exit 1
  fi
  echo "$test_name: SKIP: missing ${missing[*]} (scripts/deps installs them)" >&2
  exit 77
}

finish() {
  if ((failures)); then
    echo "$test_name: $failures failure(s)" >&2
    exit 1
  fi
  echo "$test_name: ok"
  exit 0
}

# The commands `submitwatch --help` lists, one a line.
help_commands() {
  "$1" --help | awk '
    /^Commands:/ { listing = 1; next }
    listing && /^  [a-z]/ { print $1; next }
    listing { exit }'
}

# The option column of `submitwatch [COMMAND] --help`, one option a line,
# spaces squeezed: "-o, --output FILE", "--all-allocs".
help_options() {
  local binary=$1 command=${2:-}
  "$binary" ${command:+"$command"} --help | awk '
    /^  +-/ {
      sub(/^ +/, "")
      split($0, parts, /  +/)
      print parts[1]
    }'
}

# The CMake project version, from the one place it lives.
project_version() {
  cmake -P "$1/packaging/spec.cmake"
}
