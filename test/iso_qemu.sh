#!/bin/sh
# Checks the test ISO itself: scripts/mkiso builds it, QEMU (TCG, no NIC,
# like the hostvm boot test) boots it,
# and the guest prints what the hostvm boot test expects (shell ready, the
# sha256 the host computes for the same data, a good gzip round trip, the
# fork/exec loop) and powers off, so QEMU exits 0.  Skips without QEMU or
# the Debian packages the ISO is made from.
set -u
command -v qemu-system-i386 >/dev/null 2>&1 || exit 77
command -v xorriso >/dev/null 2>&1 || exit 77
[ -r /usr/lib/debian-installer/images/12/i386/text/debian-installer/i386/linux ] || exit 77
[ -r /usr/lib/ISOLINUX/isolinux.bin ] || exit 77
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$top_srcdir/test/lib.sh"

need_iso 1
timeout 300 qemu-system-i386 -accel tcg -m 256 -nographic -no-reboot -monitor none -nic none \
	-cdrom "$iso" -boot d </dev/null >"$tmp/serial" 2>&1
st=$?
tr -d '\r' <"$tmp/serial" >"$tmp/out"
want=$(seq 1 100000 | sha256sum | cut -d' ' -f1)
check "QEMU exits 0 (the guest powered off)" test "$st" -eq 0
check "the guest reaches its shell" grep -q '^HOSTVM-TEST: shell ready' "$tmp/out"
check "sha256 of the generated data matches the host's" grep -qx "HOSTVM-TEST: sha256 $want" "$tmp/out"
check "gzip round trip" grep -q '^HOSTVM-TEST: gzip [0-9]* bytes, round trip ok$' "$tmp/out"
check "fork/exec loop" grep -qx 'HOSTVM-TEST: fork/exec 200' "$tmp/out"
check "workload timed" grep -q '^HOSTVM-TEST: workload done in [0-9.]* s$' "$tmp/out"
[ "$fails" -eq 0 ] || cat "$tmp/out"
echo "$fails failed"
test "$fails" -eq 0
