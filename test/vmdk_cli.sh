#!/bin/sh
# vdiskmanager's command line: exit statuses, "Error:" messages, the
# progress bar only on a terminal, info, -R output.
set -e
VDM="$top_builddir/src/disk/vdiskmanager"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails() {       # fails EXPECTED-TEXT CMD...: non-zero exit and Error: text
	want=$1; shift
	if "$@" >"$T/out" 2>"$T/err"; then echo "succeeded: $*"; exit 1; fi
	grep -q "^Error: .*$want" "$T/err" || { echo "no \"Error: ...$want\" from $*:"; cat "$T/err"; exit 1; }
}
"$VDM" -c -s 64M -a lsilogic -t 0 "$T/a.vmdk" | grep -q "creation successful"
fails "adapter" "$VDM" -c -s 64M -a scsi -t 0 "$T/b.vmdk"
fails "" "$VDM" -c -s 0 -a ide -t 0 "$T/b.vmdk"
fails "unknown disk type" "$VDM" -c -s 1M -a ide -t 9 "$T/b.vmdk"
fails "File exists" "$VDM" -c -s 1M -a ide -t 0 "$T/a.vmdk"
fails "No such file" "$VDM" info "$T/missing.vmdk"
fails "larger" "$VDM" -x 1M "$T/a.vmdk"
"$VDM" -c -s 4M -a ide -t 2 "$T/f.vmdk" >/dev/null
fails "sparse" "$VDM" -k "$T/f.vmdk"
"$VDM" info "$T/a.vmdk" > "$T/info"
grep -q "^type: monolithicSparse" "$T/info"
grep -q "^capacity: 67108864 bytes" "$T/info"
grep -q "^geometry: 8/255/63" "$T/info"
grep -q "^CID chain: [0-9a-f]\{8\}$" "$T/info"
"$VDM" -R "$T/a.vmdk" | grep -q "consistent"
"$VDM" -r "$T/a.vmdk" -a buslogic -t 2 "$T/b.vmdk" >/dev/null
"$VDM" info "$T/b.vmdk" | grep -q "^geometry: 8/255/63"
grep -q 'ddb.adapterType = "buslogic"' "$T/b.vmdk"
# Damage: -R lists the problem and repairs it.
# Both directories lose table 0 (no good copy is left).
for at in 48 56; do
	gd=$(od -An -j$at -N8 -tu8 "$T/a.vmdk" | tr -d ' ')
	printf '\377\377\377\177' | dd of="$T/a.vmdk" bs=1 seek=$((gd * 512)) conv=notrunc 2>/dev/null
done
if "$VDM" -e "$T/a.vmdk" > "$T/e" 2>"$T/err"; then echo "-e missed the damage"; exit 1; fi
grep -q "grain table 0 .*past end of file" "$T/e"
grep -q "^Error: the disk has 1 problem" "$T/err"
if grep -q repaired "$T/e"; then echo "-e repaired"; exit 1; fi
# A conversion that fails on the damage leaves nothing behind.
for t in 0 1 2 5 7; do
	fails "past end of file" "$VDM" -r "$T/a.vmdk" -t $t "$T/conv.vmdk"
	[ -z "$(ls "$T" | grep '^conv')" ]
done
"$VDM" -R "$T/a.vmdk" > "$T/r"
grep -q "grain table 0 .*past end of file.*(repaired)" "$T/r"
"$VDM" -R "$T/a.vmdk" | grep -q "consistent"
"$VDM" -e "$T/a.vmdk" | grep -q "consistent"
# -q: nothing on stdout.
[ -z "$("$VDM" -q -c -s 1M -a ide -t 1 "$T/q.vmdk")" ]
# The progress bar: on a terminal only.
head -c 33554432 /dev/zero | tr '\0' 'x' > "$T/x.raw"
"$VDM" -r "$T/x.raw" -t 0 "$T/p1.vmdk" > "$T/piped"
if grep -q "Progress" "$T/piped"; then echo "progress bar on a pipe"; exit 1; fi
if command -v script >/dev/null 2>&1; then
	script -qec "$VDM -r $T/x.raw -t 5 $T/p2.vmdk" /dev/null > "$T/tty"
	grep -q "Progress: \[#*\] 100%" "$T/tty"
	script -qec "$VDM -d $T/p1.vmdk" /dev/null > "$T/tty"
	grep -q "100%" "$T/tty"
fi
echo ok
