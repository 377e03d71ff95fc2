#!/bin/sh
# captureScreen of a running VM to .txt: a ROM (test/guest/machine_text.asm)
# writes a line into the VGA text buffer, vmrun captures the text screen.
set -u
command -v nasm >/dev/null 2>&1 || exit 77
vmrun="$top_builddir/src/vmrun"
tmp=$(mktemp -d)
HOSTVM_RUNTIME_DIR="$tmp/rt"
export HOSTVM_RUNTIME_DIR
trap '"$vmrun" stop "$tmp/text.vmx" hard >/dev/null 2>&1; rm -rf "$tmp"' EXIT
nasm -f bin -o "$tmp/text.bin" "$top_srcdir/test/guest/machine_text.asm" || exit 1
printf 'memsize = "16"\nbios440.filename = "text.bin"\n' >"$tmp/text.vmx"
"$vmrun" --timeout 60 start "$tmp/text.vmx" nogui || { echo "FAIL - start"; exit 1; }
for i in 1 2 3 4 5 6 7 8 9 10; do
	"$vmrun" captureScreen "$tmp/text.vmx" "$tmp/screen.txt" 2>/dev/null &&
		grep -qx 'hostvm text screen' "$tmp/screen.txt" && { echo "ok - text screen captured"; exit 0; }
	sleep 0.5
done
echo "FAIL - the text screen was not captured"
cat "$tmp/screen.txt" 2>/dev/null
exit 1
