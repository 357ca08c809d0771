#!/usr/bin/env bash
# man/submitwatch.8 renders (man -l, mandoc, groff) without a warning, and it
# cannot drift from the program:
#   * OPTIONS: for every command `submitwatch --help` lists, the subsection
#     "submitwatch COMMAND" documents exactly the options `submitwatch COMMAND
#     --help` prints (short form, long form and value name), and "General
#     options" exactly those of `submitwatch --help`; no subsection for a
#     command that does not exist;
#   * SYNOPSIS shows every command;
#   * FIELDS names every column, header label and pane title of
#     userspace/model/names.h, and no column that is not there;
#   * DESCRIPTION names every verdict and readiness state of names.h;
#   * OUTPUT FORMATS names every record type and field the capture writer and
#     the JSON report write, and every metric family serve writes.
#
# usage: man_test.sh SUBMITWATCH_BINARY SOURCE_DIR
set -uo pipefail
binary=${1:?usage: man_test.sh SUBMITWATCH_BINARY SOURCE_DIR}
source_dir=${2:?usage: man_test.sh SUBMITWATCH_BINARY SOURCE_DIR}
source "$(dirname "$0")/lib.sh"
need man mandoc groff awk

page=$source_dir/man/submitwatch.8
names_h=$source_dir/userspace/model/names.h
[[ -f $page ]] || { echo "$test_name: $page is missing" >&2; exit 1; }

# --- rendering --------------------------------------------------------------
rendered=$(MANPAGER=cat MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l "$page" 2>/tmp/man_test.$$.err)
status=$?
warnings=$(cat /tmp/man_test.$$.err)
rm -f /tmp/man_test.$$.err
((status == 0)) || fail "man -l exited $status"
[[ -z $warnings ]] || fail "man -l (groff) warnings:"$'\n'"$warnings"
for heading in NAME SYNOPSIS DESCRIPTION OPTIONS REQUIREMENTS FIELDS "OUTPUT FORMATS" \
               "EXIT STATUS" OVERHEAD EXAMPLES FILES "SEE ALSO"; do
  grep -qx "$heading" <<<"$rendered" || fail "section $heading is missing"
done

lint=$(mandoc -Tlint -W style "$page" 2>&1) || fail "mandoc -Tlint:"$'\n'"$lint"
[[ -z $lint ]] || fail "mandoc -Tlint is not clean:"$'\n'"$lint"
groff_out=$(groff -man -ww -z "$page" 2>&1) || fail "groff -man -ww -z failed"
[[ -z $groff_out ]] || fail "groff -man -ww -z warnings:"$'\n'"$groff_out"

# --- the page's tags ---------------------------------------------------------
# One line per .TP tag: "SECTION<tab>SUBSECTION<tab>TAG", the tag with font
# escapes and macro names removed and \- as -.
tags=$(awk '
  function plain(s) {
    gsub(/\\f[BIRP]/, "", s); gsub(/\\f\([A-Z][A-Z]/, "", s)
    gsub(/\\-/, "-", s); gsub(/\\&/, "", s); gsub(/\\e/, "\\", s)
    sub(/^\.[A-Z]+ /, "", s); gsub(/"/, "", s)
    gsub(/  +/, " ", s); sub(/^ /, "", s); sub(/ $/, "", s)
    return s
  }
  /^\.SH / { section = plain(substr($0, 5)); subsection = ""; next }
  /^\.SS / { subsection = plain(substr($0, 5)); next }
  /^\.TP/ { want_tag = 1; next }
  want_tag { want_tag = 0; print section "\t" subsection "\t" plain($0) }
' "$page")

tags_in() {  # SECTION [SUBSECTION]: the tags there, one a line
  awk -F'\t' -v sec="$1" -v sub_="${2-}" \
    '$1 == sec && (sub_ == "" || $2 == sub_) { print $3 }' <<<"$tags"
}

compare_sets() {  # WHAT EXPECTED ACTUAL: lines in one and not the other
  local what=$1 missing extra
  missing=$(comm -23 <(sort -u <<<"$2" | sed '/^$/d') <(sort -u <<<"$3" | sed '/^$/d'))
  extra=$(comm -13 <(sort -u <<<"$2" | sed '/^$/d') <(sort -u <<<"$3" | sed '/^$/d'))
  [[ -z $missing ]] || fail "$what: missing from the man page:"$'\n'"$missing"
  [[ -z $extra ]] || fail "$what: in the man page but not in the program:"$'\n'"$extra"
}

# --- OPTIONS against --help -------------------------------------------------
commands=$(help_commands "$binary")
[[ -n $commands ]] || fail "'$binary --help' lists no commands"
general=$(help_options "$binary")
compare_sets "General options (submitwatch --help)" "$general" \
  "$(tags_in OPTIONS "General options")"
all_long=$(grep -o -- '--[a-z0-9-]*' <<<"$general")
for command in $commands; do
  help=$(help_options "$binary" "$command")
  [[ -n $help ]] || fail "'$binary $command --help' prints no options"
  # --help itself is documented once, under General options.
  own=$(grep -v -x -F -f <(printf '%s\n' "$general") <<<"$help")
  compare_sets "submitwatch $command --help" "$own" \
    "$(tags_in OPTIONS "submitwatch $command")"
  all_long+=$'\n'$(grep -o -- '--[a-z0-9-]*' <<<"$help")
done
# Subsections for commands that do not exist, and any long option the page
# documents that no --help prints.
while IFS= read -r subsection; do
  case $subsection in
    "General options") ;;
    "submitwatch "*)
      grep -qx -- "${subsection#submitwatch }" <<<"$commands" ||
        fail "OPTIONS documents '$subsection', which --help does not list" ;;
    *) fail "OPTIONS subsection '$subsection' is neither 'General options' nor 'submitwatch COMMAND'" ;;
  esac
done < <(awk -F'\t' '$1 == "OPTIONS" { print $2 }' <<<"$tags" | sort -u)
documented_long=$(tags_in OPTIONS | grep -o -- '--[a-z0-9-]*')
compare_sets "long options of every --help" "$all_long" "$documented_long"

# --- SYNOPSIS ---------------------------------------------------------------
synopsis=$(awk '/^SYNOPSIS$/ { on = 1; next } /^[A-Z]/ { on = 0 } on' <<<"$rendered")
for command in $commands; do
  grep -Eq "submitwatch \[?$command([] ]|$)" <<<"$synopsis" ||
    fail "SYNOPSIS does not show 'submitwatch $command'"
done

# --- FIELDS and DESCRIPTION against names.h ---------------------------------
names_of() {  # PREFIX: the values of names.h's kPREFIX* string constants
  sed -n "s/^inline constexpr std::string_view k$1[A-Za-z0-9]* = \"\(.*\)\";/\1/p" "$names_h"
}
fields_tags=$(tags_in FIELDS)
# Upper-case tags are columns, except the header labels (LIVE, PAUSED, ...).
compare_sets "columns (names.h kCol*)" "$(names_of Col)" \
  "$(grep -x '[A-Z][A-Z0-9_/%]*' <<<"$fields_tags" | grep -v -x -F -f <(names_of Label))"
for label in $(names_of Label | tr ' ' '\a'); do
  label=${label//$'\a'/ }
  grep -qx -F -- "$label" <<<"$fields_tags" || fail "FIELDS does not describe header label '$label'"
done
fields_titles=$(awk '/^\.SH FIELDS/ { on = 1; next } /^\.SH / { on = 0 }
                     on && /^\.SS / { sub(/^\.SS "?/, ""); sub(/"$/, ""); print }' "$page")
for title in $(names_of Title | tr ' ' '\a'); do
  title=${title//$'\a'/ }
  grep -qx -F -- "$title" <<<"$fields_titles" || fail "FIELDS has no subsection '$title'"
done
description_tags=$(tags_in DESCRIPTION)
for word in $(names_of Verdict) $(names_of Ready); do
  grep -qx -F -- "$word" <<<"$description_tags" || fail "DESCRIPTION does not describe '$word'"
done

# --- OUTPUT FORMATS against the writers ---------------------------------------
# The text of one OUTPUT FORMATS subsection, font escapes removed.
format_text() {
  awk -v sub_="$1" '
    /^\.SH / { in_formats = ($0 ~ /^\.SH "?OUTPUT FORMATS/); on = 0; next }
    in_formats && /^\.SS / { t = substr($0, 5); gsub(/"/, "", t); on = (t == sub_); next }
    on' "$page" | sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e 's/\\&//g'
}
json_keys() {  # FILE: the literal keys a JsonWriter writes
  grep -o -E '(Field|Key|StringArray|UintArray)\("[a-z0-9_]+"' "$1" |
    sed -E 's/.*\("(.*)"/\1/' | sort -u
}
capture_text=$(format_text "Capture file")
[[ -n $capture_text ]] || fail "OUTPUT FORMATS has no 'Capture file' subsection"
for key in $(json_keys "$source_dir/userspace/capture/capture_writer.cc") \
           $(sed -n 's/^inline constexpr std::string_view kRecordType[A-Za-z]* = "\(.*\)";/\1/p' \
               "$source_dir/userspace/capture/capture_format.h"); do
  grep -qw -- "$key" <<<"$capture_text" || fail "OUTPUT FORMATS/Capture file does not describe '$key'"
done
json_text=$(format_text "JSON report")
[[ -n $json_text ]] || fail "OUTPUT FORMATS has no 'JSON report' subsection"
# The report's "header" is the capture's header record: its keys are
# described once, under Capture file.
for key in $(json_keys "$source_dir/userspace/sinks/report/report_json.cc"); do
  grep -qw -- "$key" <<<"$json_text" || grep -qw -- "$key" <<<"$capture_text" ||
    fail "OUTPUT FORMATS/JSON report does not describe '$key'"
done
# Every --format value `report --help` offers has its subsection.
formats=$("$binary" report --help | sed -n '1s/.*--format \([a-z|]*\).*/\1/p' | tr '|' ' ')
for format in $formats; do
  case $format in
    text|json) ;;  # FIELDS and "JSON report", checked above
    perfetto) [[ -n $(format_text "Perfetto trace") ]] || fail "OUTPUT FORMATS has no 'Perfetto trace'" ;;
    folded) [[ -n $(format_text "Folded stacks") ]] || fail "OUTPUT FORMATS has no 'Folded stacks'" ;;
    *) fail "report --format $format is not described in OUTPUT FORMATS" ;;
  esac
done

# Every metric family serve writes, as its samples are named, and none that
# it does not write.
metrics_text=$(format_text "Prometheus metrics")
[[ -n $metrics_text ]] || fail "OUTPUT FORMATS has no 'Prometheus metrics' subsection"
exposition=$source_dir/userspace/sinks/export/metrics_exposition.cc
families=$(tr -s ' \n' ' ' <"$exposition" |
           grep -o -E 'constexpr Family k[A-Za-z]+ = \{ ?"submitwatch_[a-z_]+", Type::k[A-Za-z]+' |
           sed -E 's/.*"(submitwatch_[a-z_]+)", Type::k([A-Za-z]+)/\1 \2/' |
           awk '{ print $1 ($2 == "Counter" ? "_total" : $2 == "Info" ? "_info" : "") }' | sort -u)
[[ -n $families ]] || fail "no metric families found in $exposition"
documented=$(grep -o -E 'submitwatch_[a-z_]+' <<<"$metrics_text" | sort -u)
compare_sets "metric families (metrics_exposition.cc)" "$families" \
  "$(grep -v -E '_(bucket|count|sum)$' <<<"$documented")"

finish
