#!/usr/bin/env bash
# Shell completion completes what the binary offers: bash (through
# bash-completion, as an interactive shell loads it) for commands, every long
# option of every command, option values and files, and the workload after
# "--"; zsh's function parses and generates a spec for every long option.
#
# usage: completion_test.sh SUBMITWATCH_BINARY SOURCE_DIR
set -uo pipefail
binary=${1:?usage: completion_test.sh SUBMITWATCH_BINARY SOURCE_DIR}
source_dir=$(cd "${2:?usage: completion_test.sh SUBMITWATCH_BINARY SOURCE_DIR}" && pwd)
source "$(dirname "$0")/lib.sh"
need zsh awk
bash_completion=/usr/share/bash-completion/bash_completion
if [[ ! -r $bash_completion ]]; then
  [[ ${CI:-} == true ]] && { echo "$test_name: $bash_completion missing under CI=true" >&2; exit 1; }
  echo "$test_name: SKIP: bash-completion is not installed" >&2
  exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The completion runs `submitwatch`, as a user types it.
mkdir "$work/bin" "$work/files"
ln -s "$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")" "$work/bin/submitwatch"
touch "$work/files/capture.jsonl"

# complete LINE: the candidates bash offers for LINE (cursor at its end), one
# a line, sorted. Words are split as readline splits them ("--opt=v" is
# three words: "--opt", "=", "v").
complete_bash() {
  (cd "$work/files" && PATH=$work/bin:$PATH bash --norc --noprofile -c '
    source "$1"
    source "$2"
    line=$3
    COMP_LINE=$line
    COMP_POINT=${#line}
    read -ra COMP_WORDS <<<"${line//=/ = }"
    [[ $line == *[\ =] ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _submitwatch submitwatch "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    printf "%s\n" "${COMPREPLY[@]}" | sort -u | sed "/^$/d"
  ' _ "$bash_completion" "$source_dir/completion/submitwatch.bash" "$1" 2>&1)
}

expect() {  # LINE EXPECTED: the candidates for LINE are exactly EXPECTED
  local got
  got=$(complete_bash "$1")
  [[ $got == "$2" ]] || fail "bash: '$1' completes to"$'\n'"$got"$'\n'"expected"$'\n'"$2"
}
expect_has() {  # LINE WORD: WORD is among the candidates for LINE
  grep -qx -F -- "$2" <<<"$(complete_bash "$1")" || fail "bash: '$1' does not offer '$2'"
}

commands=$(help_commands "$binary")
[[ -n $commands ]] || fail "'$binary --help' lists no commands"
expect "submitwatch " "$(sort <<<"$commands")"
expect "submitwatch --v" "--version"
for command in $commands; do
  expect "submitwatch ${command:0:${#command}-1}" \
    "$(grep "^${command:0:${#command}-1}" <<<"$commands" | sort)"
  longs=$(help_options "$binary" "$command" | grep -o -- '--[a-z0-9-]*' | sort -u)
  expect "submitwatch $command --" "$longs"
  # Every option that takes a value from a set listed in the usage line
  # ("--format text|json") completes to those values, also after "=".
  usage=$("$binary" "$command" --help | head -1)
  while read -r option values; do
    [[ -n $option ]] || continue
    expected=$(tr '|' '\n' <<<"$values" | sort -u)
    expect "submitwatch $command $option " "$expected"
    expect "submitwatch $command $option=" "$expected"
  done < <(grep -o -E -- '--[a-z0-9-]+ [a-z0-9-]+(\|[a-z0-9-]+)+' <<<"$usage" | tr -s ' ')
done
# A FILE value and report's positional FILE complete file names.
expect "submitwatch record --output " "capture.jsonl"
expect "submitwatch report " "capture.jsonl"
expect "submitwatch report -o c" "capture.jsonl"
# After "--", the workload is a command line of its own.
expect_has "submitwatch record --duration 5s -- ech" "echo"

# zsh: the function parses, and its option specs cover every long option.
zsh_function=$source_dir/completion/_submitwatch
zsh -n "$zsh_function" || fail "zsh -n $zsh_function"
for command in $commands; do
  specs=$(PATH=$work/bin:$PATH zsh -f -c '
    _call_program() { shift; "$@" }
    eval "$(sed "\$d" "$1")"
    _submitwatch_specs submitwatch "$2"' _ "$zsh_function" "$command" 2>&1)
  for long in $(help_options "$binary" "$command" | grep -o -- '--[a-z0-9-]*'); do
    grep -q -- "^\(([^)]*)\)\?$long\[" <<<"$specs" ||
      fail "zsh: no spec for '$command $long' in:"$'\n'"$specs"
  done
done

finish
