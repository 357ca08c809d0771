#!/usr/bin/env bash
# `cmake --install` puts exactly the expected files under the prefix, inside
# DESTDIR, and nothing anywhere else; the installed binary reports the CMake
# project version.
#
# usage: install_test.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build_dir=${1:?usage: install_test.sh BUILD_DIR SOURCE_DIR}
source_dir=${2:?usage: install_test.sh BUILD_DIR SOURCE_DIR}
source "$(dirname "$0")/lib.sh"
need cmake find

version=$(project_version "$source_dir")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

expected_under() {  # PREFIX (relative, no leading /)
  local p=$1
  printf '%s\n' \
    "$p/sbin/submitwatch" \
    "$p/share/man/man8/submitwatch.8" \
    "$p/share/doc/submitwatch/README.md" \
    "$p/share/licenses/submitwatch/LICENSE" \
    "$p/share/licenses/submitwatch/LGPL-2.1-only.txt" \
    "$p/share/licenses/submitwatch/BSD-2-Clause.txt" \
    "$p/share/bash-completion/completions/submitwatch" \
    "$p/share/zsh/site-functions/_submitwatch" \
    "$p/share/submitwatch/submitwatch.rules.yml" \
    "$p/lib/systemd/system/submitwatch.service" | sort
}

for prefix in /usr /opt/submitwatch; do
  destdir=$work/destdir${prefix//\//_}
  if ! out=$(DESTDIR=$destdir cmake --install "$build_dir" --prefix "$prefix" 2>&1); then
    fail "cmake --install --prefix $prefix failed:"$'\n'"$out"
    continue
  fi
  # Every path cmake reports writing lies inside DESTDIR.
  outside=$(sed -n -E 's/^-- (Installing|Up-to-date): //p' <<<"$out" | grep -v "^$destdir/")
  [[ -z $outside ]] || fail "prefix $prefix: written outside DESTDIR:"$'\n'"$outside"
  actual=$(cd "$destdir" && find . \( -type f -o -type l \) | sed 's,^\./,,' | sort)
  expected=$(expected_under "${prefix#/}")
  if [[ $actual != "$expected" ]]; then
    fail "prefix $prefix: installed files differ (< expected, > installed):"$'\n'"$(diff <(echo "$expected") <(echo "$actual"))"
  fi
  got=$("$destdir$prefix/sbin/submitwatch" --version 2>&1)
  [[ $got == "submitwatch $version" ]] ||
    fail "prefix $prefix: --version says '$got', CMakeLists.txt says $version"
  cmp -s "$destdir$prefix/share/man/man8/submitwatch.8" "$source_dir/man/submitwatch.8" ||
    fail "prefix $prefix: the installed man page is not man/submitwatch.8"
  [[ -x $destdir$prefix/sbin/submitwatch ]] || fail "prefix $prefix: the binary is not executable"
  # The unit starts the binary where this prefix put it.
  unit=$destdir$prefix/lib/systemd/system/submitwatch.service
  grep -qx "ExecStart=$prefix/sbin/submitwatch serve --listen 127.0.0.1:9867" "$unit" ||
    fail "prefix $prefix: the unit's ExecStart is not $prefix/sbin/submitwatch: $(grep ExecStart= "$unit")"
done
finish
