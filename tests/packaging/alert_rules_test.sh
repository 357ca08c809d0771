#!/usr/bin/env bash
# packaging/submitwatch.rules.yml is valid Prometheus rule syntax (promtool
# check rules) and each alert fires on the series it is for and stays quiet
# on the others (promtool test rules with alert_rules_test.yml).
#
# usage: alert_rules_test.sh SOURCE_DIR
set -uo pipefail
source_dir=${1:?usage: alert_rules_test.sh SOURCE_DIR}
source "$(dirname "$0")/lib.sh"
need promtool

rules=$source_dir/packaging/submitwatch.rules.yml
cases=$source_dir/tests/packaging/alert_rules_test.yml
out=$(promtool check rules "$rules" 2>&1) || fail "promtool check rules:"$'\n'"$out"
grep -q "SUCCESS: 3 rules found" <<<"$out" || fail "promtool check rules did not find 3 rules:"$'\n'"$out"
for alert in SubmitPathUnsafeAllocation BlkgStatsFallback SubmitwatchEventsLost; do
  grep -q "alert: $alert\$" "$rules" || fail "the rules have no alert $alert"
  grep -q "alertname: $alert\$" "$cases" || fail "alert_rules_test.yml does not test $alert"
done
# promtool resolves rule_files relative to the test file.
out=$(cd "$(dirname "$cases")" && promtool test rules "$(basename "$cases")" 2>&1) ||
  fail "promtool test rules:"$'\n'"$out"
echo "$out"
finish
