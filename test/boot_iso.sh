#!/bin/sh
# Boots the test ISO (scripts/mkiso) under vmrun, headless: SeaBIOS, the
# CD-ROM, isolinux, Linux on the serial console, the in-guest workload, and
# ACPI power-off ending vmrun with status 0.  Part of `make boot-check`
# (needs a CPU that runs SeaBIOS and Linux); $TEST_ISO picks a prebuilt ISO,
# $BOOT_TIMEOUT (seconds, default 600) bounds the run.
set -u
vmrun="$top_builddir/src/vmrun"
[ -r /usr/share/seabios/bios-256k.bin ] || exit 77
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$top_srcdir/test/lib.sh"

need_iso 77
cat >"$tmp/boot.vmx" <<EOT
displayName = "boot_iso"
memsize = "256"
ide1:0.present = "TRUE"
ide1:0.deviceType = "cdrom-image"
ide1:0.fileName = "$iso"
serial0.present = "TRUE"
serial0.fileType = "file"
serial0.fileName = "serial.txt"
EOT
HOSTVM_RUNTIME_DIR="$tmp/rt" "$vmrun" --timeout "${BOOT_TIMEOUT:-600}" --no-reboot --stats \
	"$tmp/boot.vmx" nogui 2>"$tmp/err"
st=$?
tr -d '\r' <"$tmp/serial.txt" >"$tmp/out" 2>/dev/null
want=$(seq 1 100000 | sha256sum | cut -d' ' -f1)
check "vmrun exits 0: the guest powered off through ACPI" test "$st" -eq 0
check "the guest reaches its busybox shell" grep -q '^HOSTVM-TEST: shell ready' "$tmp/out"
check "sha256 of the generated data matches the host's" grep -qx "HOSTVM-TEST: sha256 $want" "$tmp/out"
check "gzip round trip" grep -q '^HOSTVM-TEST: gzip [0-9]* bytes, round trip ok$' "$tmp/out"
check "fork/exec loop" grep -qx 'HOSTVM-TEST: fork/exec 200' "$tmp/out"
if [ "$fails" -ne 0 ]; then
	echo "--- serial (last 30 lines)"; tail -30 "$tmp/out"
	echo "--- vmrun stderr"; tail -30 "$tmp/err"
	echo "--- vmware.log (last 30 lines)"; tail -30 "$tmp/vmware.log"
fi
echo "$fails failed"
test "$fails" -eq 0
