#!/bin/sh
# vmrun's front door: help, version, validate, and errors that name file and line.
set -u
vmrun="$top_builddir/src/vmrun"
data="$top_srcdir/test/data"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$top_srcdir/test/lib.sh"

"$vmrun" --help >"$tmp/out" 2>&1
check "--help exits 0 and shows usage" grep -q '^Usage: vmrun \[-T ws\] \[OPTIONS\] COMMAND' "$tmp/out"
"$vmrun" --version >"$tmp/out"
check "--version names the package" grep -q '^vmrun (hostvm) ' "$tmp/out"

"$vmrun" validate "$data/bad-line.vmx" >"$tmp/out" 2>"$tmp/err"
st=$?
check "malformed .vmx exits non-zero" test "$st" -ne 0
check "malformed .vmx error names file:line" grep -q "^Error: .*bad-line.vmx:2: missing '='" "$tmp/err"

printf 'memsize = "0"\n' >"$tmp/zero.vmx"
"$vmrun" validate "$tmp/zero.vmx" 2>"$tmp/err"
check "memsize 0 rejected with file:line" grep -q 'zero.vmx:1: memsize = "0" is out of range' "$tmp/err"

printf 'ide3:0.present = "TRUE"\n' >"$tmp/ide.vmx"
"$vmrun" -T ws "$tmp/ide.vmx" nogui 2>"$tmp/err"
st=$?
check "impossible ide3:0 rejected before start" test "$st" -eq 2
check "ide3:0 error names the key" grep -q 'ide.vmx:1: ide3:0.present' "$tmp/err"

cat >"$tmp/good.vmx" <<EOT
displayName = "good"
memsize = "128"
ide1:0.present = "TRUE"
ide1:0.deviceType = "cdrom-image"
ide1:0.fileName = "cd.iso"
serial0.present = "TRUE"
serial0.fileName = "com1.txt"
some.unknown.key = "kept"
EOT
: >"$tmp/cd.iso"
"$vmrun" validate "$tmp/good.vmx" >"$tmp/out" 2>&1
check "valid .vmx validates" test $? -eq 0
check "description shows memory" grep -q '^Memory: *128 MB' "$tmp/out"
check "description shows the CD-ROM" grep -q "^ide1:0: *CD-ROM $tmp/cd.iso" "$tmp/out"
check "description shows serial0" grep -q "^serial0: *file $tmp/com1.txt" "$tmp/out"

check "unknown keys are reported" grep -q 'good.vmx:8: unknown key "some.unknown.key"' "$tmp/out"

# Power-on writes what VMware generates back into the .vmx and starts the log.
cat >>"$tmp/good.vmx" <<EOT
# keep me
ethernet0.present = "TRUE"
EOT
"$vmrun" --timeout 0.5 "$tmp/good.vmx" nogui 2>"$tmp/err"
check "power-on runs until the timeout (status 124)" test $? -eq 124
check "uuid.bios written back" grep -q '^uuid.bios = "56 4d [0-9a-f ]*-[0-9a-f ]*"$' "$tmp/good.vmx"
check "generated MAC written back" grep -q '^ethernet0.generatedAddress = "00:0c:29:' "$tmp/good.vmx"
check "comments and unknown keys survive" grep -q '^# keep me$' "$tmp/good.vmx"
check "unknown key survives" grep -q '^some.unknown.key = "kept"$' "$tmp/good.vmx"
check "vmware.log started next to the .vmx" grep -q 'powering on' "$tmp/vmware.log"
uuid=$(grep '^uuid.bios' "$tmp/good.vmx")
"$vmrun" --timeout 0.2 "$tmp/good.vmx" nogui 2>/dev/null
check "uuid stays the same on the next power-on" test "$uuid" = "$(grep '^uuid.bios' "$tmp/good.vmx")"
check "the previous log is kept as vmware-0.log" test -s "$tmp/vmware-0.log"

"$vmrun" frobnicate 2>"$tmp/err"
check "unknown command is an error" grep -q '^Error: unknown command "frobnicate"' "$tmp/err"
"$vmrun" -T esx list 2>"$tmp/err"
check "unsupported host type is an error" grep -q '^Error: unsupported host type' "$tmp/err"

echo "$fails failed"
test "$fails" -eq 0
