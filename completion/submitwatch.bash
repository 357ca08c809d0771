# bash completion for submitwatch(8)                       -*- shell-script -*-
# SPDX-License-Identifier: LGPL-2.1-only OR BSD-2-Clause
#
# Commands and options are read from the program's own --help, which prints
# the same tables that parse the command line, so completion cannot drift from
# the binary it completes. Only the values of a few options are known here,
# and only when the --help text does not list them itself.

# The commands of `submitwatch --help`, one a line.
_submitwatch_commands()
{
    "$1" --help 2>/dev/null | awk '
        /^Commands:/ { listing = 1; next }
        listing && /^  [a-z]/ { print $1; next }
        listing { exit }'
}

# The options of `submitwatch COMMAND --help` (or of `submitwatch --help`
# without a command), one a line as "LONG VALUE SHORT": VALUE is the value's
# name ("FILE", "D") or "-" for a flag, SHORT is "-x" or "-" when there is none.
_submitwatch_options()
{
    local binary=$1 command=$2
    "$binary" ${command:+"$command"} --help 2>/dev/null | awk '
        /^  +-/ {
            sub(/^ +/, "")
            # The option part ends at the two spaces before its help text.
            split($0, parts, /  +/)
            n = split(parts[1], words, /[ ,]+/)
            long = "-"; short = "-"; value = "-"
            for (i = 1; i <= n; i++) {
                if (words[i] ~ /^--/) long = words[i]
                else if (words[i] ~ /^-/) short = words[i]
                else value = words[i]
            }
            if (long != "-") print long, value, short
        }'
}

# Values of an option that takes one from a fixed set: from the usage line
# ("--format text|json"), else from the option's help text ("a|b|c"), else
# from the few this file knows.
_submitwatch_option_values()
{
    local binary=$1 command=$2 option=$3 help values
    help=$("$binary" ${command:+"$command"} --help 2>/dev/null)
    values=$(printf '%s\n' "$help" | sed -n "1s/.*${option} \([a-z0-9,-]*|[a-z0-9|,-]*\).*/\1/p")
    if [[ -z $values ]]; then
        values=$(printf '%s\n' "$help" |
            awk -v opt="$option" '$0 ~ "(^|[ ,])" opt "( |$)" {
                for (i = 1; i <= NF; i++) if ($i ~ /^[a-z0-9-]+(\|[a-z0-9-]+)+[,.;)]*$/) {
                    gsub(/[,.;)]+$/, "", $i); print $i; exit } }')
    fi
    if [[ -z $values ]]; then
        case $option in
            --mode) values="fentry|kprobe|tracepoint" ;;
            --fail-on) values="unsafe|failed|fallback|pending|any" ;;
            --weight) values="count|bytes" ;;
            --format) values="text|json|perfetto|folded" ;;
        esac
    fi
    printf '%s\n' "${values//|/ }"
}

_submitwatch()
{
    local cur prev words cword
    _init_completion -s || return

    local binary=${words[0]} command="" i
    # The first word that is not an option is the command; after "--" the
    # rest is the workload, completed as a command line of its own.
    for ((i = 1; i < cword; i++)); do
        if [[ ${words[i]} == -- ]]; then
            _command_offset $((i + 1))
            return
        fi
        if [[ -z $command && ${words[i]} != -* ]]; then
            # Skip the value of an option that takes one.
            if ((i > 1)) && [[ ${words[i - 1]} == -* ]] &&
                _submitwatch_options "$binary" "" |
                awk -v o="${words[i - 1]}" '($1 == o || $3 == o) && $2 != "-" { found = 1 } END { exit !found }'; then
                continue
            fi
            command=${words[i]}
        fi
    done

    local options
    options=$(_submitwatch_options "$binary" "$command")

    # The value of the option before the cursor.
    if [[ $prev == -* ]]; then
        local long value values
        read -r long value < <(printf '%s\n' "$options" |
            awk -v o="$prev" '$1 == o || $3 == o { print $1, $2; exit }')
        if [[ -n $value && $value != - ]]; then
            values=$(_submitwatch_option_values "$binary" "$command" "$long")
            if [[ -n ${values//[[:space:]]/} ]]; then
                COMPREPLY=($(compgen -W "$values" -- "$cur"))
            elif [[ $value == FILE* || $value == PATH* || $value == DIR* ]]; then
                _filedir
            fi
            return
        fi
    fi

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(printf '%s\n' "$options" | awk '$1 ~ /^--/ { print $1 }')" -- "$cur"))
        return
    fi
    if [[ -z $command ]]; then
        COMPREPLY=($(compgen -W "$(_submitwatch_commands "$binary")" -- "$cur"))
        return
    fi
    # Positional arguments: capture files (report FILE).
    _filedir
} &&
    complete -F _submitwatch submitwatch

# ex: filetype=sh
