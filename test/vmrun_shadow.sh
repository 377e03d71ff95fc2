#!/bin/sh
# Shadow RAM under running code: test/guest/machine_pam_copy.asm runs code
# in ROM pages, flips them to RAM through the i440FX PAM registers and
# copies new code over them with REP MOVSB, as SeaBIOS does at POST.  Every
# byte must arrive and the new code must run (writes to a page that still
# holds other translations were once dropped, which stopped SeaBIOS).
set -u
command -v nasm >/dev/null 2>&1 || exit 77
vmrun="$top_builddir/src/vmrun"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nasm -f bin -o "$tmp/pam.bin" "$top_srcdir/test/guest/machine_pam_copy.asm" || exit 1
printf 'memsize = "16"\nbios440.filename = "pam.bin"\nhostvm.exitPort = "0xf4"\n' >"$tmp/pam.vmx"
HOSTVM_RUNTIME_DIR="$tmp/rt" "$vmrun" --timeout 20 --no-reboot "$tmp/pam.vmx" nogui 2>/dev/null
st=$?
case $st in
0) echo "ok - the copy over translated ROM code arrived and the new code ran"; exit 0 ;;
238) echo "FAIL - stale translations ran after the copy (status 0xEE)" ;;
*) echo "FAIL - status $st (about $((st * 16)) bytes of 16 KiB did not arrive)" ;;
esac
exit 1
