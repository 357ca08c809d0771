#!/usr/bin/env bash
# The systemd unit `cmake --install` writes: systemd-analyze verify finds
# nothing to say about it, it starts the installed `submitwatch serve` on
# loopback, and it is hardened (its capability bounding set is what serve
# needs to attach and nothing else; the file system read-only; no new
# privileges). systemd-analyze security's exposure score is printed.
#
# usage: service_test.sh BUILD_DIR SUBMITWATCH_BINARY
set -uo pipefail
build_dir=${1:?usage: service_test.sh BUILD_DIR SUBMITWATCH_BINARY}
binary=$(realpath "${2:?usage: service_test.sh BUILD_DIR SUBMITWATCH_BINARY}")
source "$(dirname "$0")/lib.sh"
need cmake systemd-analyze

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! out=$(DESTDIR=$work/root cmake --install "$build_dir" --prefix /usr 2>&1); then
  fail "cmake --install failed:"$'\n'"$out"
  finish
fi
unit=$work/root/usr/lib/systemd/system/submitwatch.service
[[ -f $unit ]] || { fail "cmake --install wrote no $unit"; finish; }

value() { sed -n "s/^$1=//p" "$unit"; }
[[ $(value ExecStart) == "/usr/sbin/submitwatch serve --listen 127.0.0.1:9867" ]] ||
  fail "ExecStart is '$(value ExecStart)', not serve on loopback"
# What serve needs to load, attach and give up the rest (serve --help and
# cli/privileges.cc), and nothing more.
expected_caps="CAP_BPF CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_PERFMON CAP_SETPCAP CAP_SYSLOG CAP_SYS_ADMIN"
caps=$(value CapabilityBoundingSet | tr ' ' '\n' | sort | xargs)
[[ $caps == "$expected_caps" ]] || fail "CapabilityBoundingSet is '$caps', expected '$expected_caps'"
for setting in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
               PrivateDevices=yes ProtectKernelModules=yes ProtectKernelTunables=yes \
               ProtectControlGroups=yes RestrictNamespaces=yes MemoryDenyWriteExecute=yes; do
  grep -qx "$setting" "$unit" || fail "the unit does not say $setting"
done
# serve holds nothing but the listening socket: no other address family.
[[ $(value RestrictAddressFamilies) == "AF_INET AF_INET6 AF_UNIX" ]] ||
  fail "RestrictAddressFamilies is '$(value RestrictAddressFamilies)'"

# verify checks that ExecStart's binary exists: point it at the one built.
sed "s|^ExecStart=/usr/sbin/submitwatch|ExecStart=$binary|" "$unit" >"$work/submitwatch.service"
out=$(systemd-analyze verify --man=no "$work/submitwatch.service" 2>&1)
status=$?
((status == 0)) || fail "systemd-analyze verify exited $status"
[[ -z $out ]] || fail "systemd-analyze verify is not silent:"$'\n'"$out"
exposure=$(systemd-analyze security --offline=yes --no-pager "$work/submitwatch.service" 2>&1 |
           grep -o 'Overall exposure level for submitwatch.service: .*')
echo "$test_name: ${exposure:-no exposure level}"
finish
