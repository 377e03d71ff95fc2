#!/bin/sh
# Boots grub-rescue-pc's grub-rescue-cdrom.iso under a detached vmrun and
# waits (captureScreen to .txt) until the GRUB screen shows: SeaBIOS, the
# VGA BIOS, El Torito from the ATAPI CD-ROM, GRUB in text mode.
# $BOOT_TIMEOUT (seconds, default 120) bounds the wait.
set -u
vmrun="$top_builddir/src/vmrun"
iso=/usr/lib/grub-rescue/grub-rescue-cdrom.iso
[ -r "$iso" ] && [ -r /usr/share/seabios/bios-256k.bin ] || exit 77
tmp=$(mktemp -d)
HOSTVM_RUNTIME_DIR="$tmp/rt"
export HOSTVM_RUNTIME_DIR
trap '"$vmrun" stop "$tmp/grub.vmx" hard >/dev/null 2>&1; rm -rf "$tmp"' EXIT
cat >"$tmp/grub.vmx" <<EOT
displayName = "boot_grub"
memsize = "128"
ide1:0.present = "TRUE"
ide1:0.deviceType = "cdrom-image"
ide1:0.fileName = "$iso"
EOT
"$vmrun" --timeout "${BOOT_TIMEOUT:-120}" start "$tmp/grub.vmx" nogui || { echo "FAIL - start"; exit 1; }
deadline=$(( $(date +%s) + ${BOOT_TIMEOUT:-120} ))
while [ "$(date +%s)" -lt "$deadline" ]; do
	if "$vmrun" captureScreen "$tmp/grub.vmx" "$tmp/screen.txt" 2>/dev/null &&
	   grep -q 'GNU GRUB' "$tmp/screen.txt"; then
		echo "ok - the GRUB screen shows"
		cat "$tmp/screen.txt"
		exit 0
	fi
	"$vmrun" list | grep -q "grub.vmx" || break
	sleep 2
done
echo "FAIL - no GRUB screen"
cat "$tmp/screen.txt" 2>/dev/null
tail -30 "$tmp/vmware.log"
exit 1
