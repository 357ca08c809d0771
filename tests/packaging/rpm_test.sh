#!/usr/bin/env bash
# packaging/build-rpm builds the binary RPM from this tree; the package holds
# exactly the expected paths with the right doc/licence markings, its
# extracted binary runs (--version equals the CMake project version, --help
# lists the commands) and still embeds the BPF object, and rpmlint finds no
# error in the spec or the package (its warnings are printed).
#
# usage: rpm_test.sh SOURCE_DIR TOPDIR
set -uo pipefail
source_dir=${1:?usage: rpm_test.sh SOURCE_DIR TOPDIR}
topdir=${2:?usage: rpm_test.sh SOURCE_DIR TOPDIR}
source "$(dirname "$0")/lib.sh"
need git cmake rpmbuild rpm rpm2cpio cpio rpmlint tar gzip

version=$(project_version "$source_dir")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "$test_name: building the RPM of $version (rpmbuild compiles the project again)"
if ! built=$("$source_dir/packaging/build-rpm" --topdir "$topdir" 2>"$work/build.log"); then
  tail -n 60 "$work/build.log" >&2
  fail "packaging/build-rpm failed (log: $work/build.log, shown above)"
  finish
fi
rpm_file=$(grep -E "/submitwatch-$version-[^/]*\.x86_64\.rpm$" <<<"$built" | grep -v debug | head -1)
spec=$topdir/SPECS/submitwatch.spec
[[ -n $rpm_file && -f $rpm_file ]] || { fail "no submitwatch-$version RPM among: $built"; finish; }
echo "$test_name: built $rpm_file"
# %check ran the unprivileged tests, and they passed.
check_summary=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$work/build.log")
echo "$test_name: %check: ${check_summary:-no ctest summary}"
grep -qE '^100% tests passed, 0 tests failed out of [1-9]' <<<"$check_summary" ||
  fail "%check did not run and pass the unit and cli tests"

# --- header -------------------------------------------------------------------
query() { rpm -qp --nosignature --queryformat "$1" "$rpm_file"; }
[[ $(query '%{NAME} %{VERSION} %{ARCH}') == "submitwatch $version x86_64" ]] ||
  fail "name/version/arch: $(query '%{NAME} %{VERSION} %{ARCH}')"
[[ $(query '%{LICENSE}') == "LGPL-2.1-only OR BSD-2-Clause" ]] ||
  fail "License: $(query '%{LICENSE}')"
grep -q "^Version: *$version\$" "$spec" || fail "the generated spec's Version is not $version"

# --- contents -----------------------------------------------------------------
listed=$(rpm -qlp --nosignature "$rpm_file" | grep -v '^/usr/lib/\.build-id' | sort)
expected=$(printf '%s\n' \
  /usr/sbin/submitwatch \
  /usr/share/man/man8/submitwatch.8.gz \
  /usr/share/doc/submitwatch \
  /usr/share/doc/submitwatch/README.md \
  /usr/share/licenses/submitwatch \
  /usr/share/licenses/submitwatch/LICENSE \
  /usr/share/licenses/submitwatch/LGPL-2.1-only.txt \
  /usr/share/licenses/submitwatch/BSD-2-Clause.txt \
  /usr/share/bash-completion/completions/submitwatch \
  /usr/share/zsh/site-functions/_submitwatch \
  /usr/lib/systemd/system/submitwatch.service \
  /usr/share/submitwatch \
  /usr/share/submitwatch/submitwatch.rules.yml | sort)
[[ $listed == "$expected" ]] ||
  fail "rpm -qlp differs (< expected, > in the package):"$'\n'"$(diff <(echo "$expected") <(echo "$listed"))"
licences=$(rpm -qp --nosignature --licensefiles "$rpm_file" | sort)
[[ $licences == "$(grep '^/usr/share/licenses/submitwatch/' <<<"$expected")" ]] ||
  fail "the licence files are not exactly the %license files: $licences"
# (Here-strings, not pipes: grep -q exiting early would fail the pipeline.)
docs=$(rpm -qp --nosignature --docfiles "$rpm_file")
grep -qx /usr/share/doc/submitwatch/README.md <<<"$docs" || fail "README.md is not marked %doc"
grep -qx /usr/share/man/man8/submitwatch.8.gz <<<"$docs" ||
  fail "the man page is not marked as documentation"

# The unit is enabled, stopped and restarted by the package's scriptlets.
scripts=$(rpm -qp --nosignature --scripts "$rpm_file")
for step in "preset submitwatch.service" "disable --now submitwatch.service" \
            "try-restart submitwatch.service"; do
  grep -qF -- "$step" <<<"$scripts" || fail "the scriptlets do not run 'systemctl $step'"
done

# --- the extracted binary -------------------------------------------------------
mkdir "$work/root"
(cd "$work/root" && rpm2cpio "$rpm_file" | cpio -idm --quiet) || fail "rpm2cpio | cpio failed"
extracted=$work/root/usr/sbin/submitwatch
got=$("$extracted" --version 2>&1) || fail "extracted --version exited non-zero"
[[ $got == "submitwatch $version" ]] || fail "extracted --version says '$got', CMake says $version"
help=$("$extracted" --help 2>&1) || fail "extracted --help exited non-zero"
for command in record report probe; do
  grep -q "^  $command " <<<"$help" || fail "extracted --help does not list $command"
done
# The BPF object rides inside the binary (skeleton); stripping kept it.
grep -q -a 'Dual BSD/GPL' "$extracted" || fail "the packaged binary does not embed the BPF object"
grep -qx "ExecStart=/usr/sbin/submitwatch serve --listen 127.0.0.1:9867" \
  "$work/root/usr/lib/systemd/system/submitwatch.service" ||
  fail "the packaged unit does not start /usr/sbin/submitwatch serve"
gzip -dc "$work/root/usr/share/man/man8/submitwatch.8.gz" | cmp -s - "$source_dir/man/submitwatch.8" ||
  fail "the packaged man page is not man/submitwatch.8"

# --- rpmlint ------------------------------------------------------------------
lint_out=$(rpmlint --rpmlintrc "$source_dir/packaging/submitwatch.rpmlintrc" "$spec" "$rpm_file" 2>&1)
echo "$test_name: rpmlint:"
sed 's/^/  /' <<<"$lint_out"
summary=$(grep -E '[0-9]+ errors?, [0-9]+ warnings?' <<<"$lint_out" | tail -1)
[[ -n $summary ]] || fail "rpmlint printed no summary"
errors=$(sed -E 's/.* ([0-9]+) errors?,.*/\1/' <<<"$summary")
[[ $errors == 0 ]] || fail "rpmlint: $summary"

finish
