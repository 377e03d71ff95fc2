#!/bin/sh
# Interoperability with qemu-img: every type we create passes its check
# and converts back byte-identical; every subformat it creates (and a
# backing-file chain) reads byte-identical through libvmdk, and our writes
# to its images (and our -k, -d, -x on them) pass its check.
command -v qemu-img >/dev/null 2>&1 || exit 77
set -e
VDM="$top_builddir/src/disk/vdiskmanager"
W="$top_builddir/test/vmdk_crashwriter"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
head -c 8388608 /dev/urandom > "$T/src.raw"
dd if=/dev/zero of="$T/src.raw" bs=65536 seek=20 count=30 conv=notrunc 2>/dev/null
dd if=/dev/zero of="$T/src.raw" bs=4096 seek=1000 count=3 conv=notrunc 2>/dev/null

# qemu-img check, where the format has one (flat extents have none).
qcheck() {
	out=$(qemu-img check "$1" 2>&1) && return 0
	case $out in *"does not support checks"*) return 0 ;; esac
	echo "$out" >&2
	return 1
}

# Ours -> qemu: types 0..5 (qemu 7 does not know createType vmfsThin, 6).
for t in 0 1 2 3 4 5 6; do
	"$VDM" -r "$T/src.raw" -t $t "$T/ours$t.vmdk" >/dev/null
	"$VDM" info "$T/ours$t.vmdk" >/dev/null
	"$VDM" -r "$T/ours$t.vmdk" -t 7 "$T/self$t.raw" >/dev/null
	cmp "$T/src.raw" "$T/self$t.raw"
	[ $t = 6 ] && continue
	qcheck "$T/ours$t.vmdk"
	qemu-img convert -f vmdk -O raw "$T/ours$t.vmdk" "$T/back$t.raw"
	cmp "$T/src.raw" "$T/back$t.raw"
done
qemu-img info "$T/ours5.vmdk" | grep -q "compressed: true"
# A stream whose first grain tables are empty (left out of the file).
truncate -s 100M "$T/holes.raw"
printf 'hello' | dd of="$T/holes.raw" bs=1 seek=94371840 conv=notrunc 2>/dev/null
"$VDM" -r "$T/holes.raw" -t 5 "$T/holes.vmdk" >/dev/null
qcheck "$T/holes.vmdk"
qemu-img convert -f vmdk -O raw "$T/holes.vmdk" "$T/holes.back"
cmp "$T/holes.raw" "$T/holes.back"

# qemu -> ours.
for sub in monolithicSparse twoGbMaxExtentSparse streamOptimized monolithicFlat twoGbMaxExtentFlat; do
	qemu-img convert -f raw -O vmdk -o subformat=$sub "$T/src.raw" "$T/q-$sub.vmdk"
	"$VDM" -r "$T/q-$sub.vmdk" -t 7 "$T/q-$sub.raw" >/dev/null
	cmp "$T/src.raw" "$T/q-$sub.raw"
done
# Zeroed-grain entries (GTE 1), as qemu writes them with zeroed_grain=on:
# read as zeros, and our writes into such a grain keep the rest zero.
qemu-img create -f vmdk -o zeroed_grain=on "$T/zg.vmdk" 8M >/dev/null
qemu-io -f vmdk -c "write -P 0x41 0 1M" -c "write -z 128k 256k" "$T/zg.vmdk" >/dev/null
qemu-img map --output=json "$T/zg.vmdk" | grep -q '"start": 131072, "length": 262144,.*"zero": true'
qemu-img convert -f vmdk -O raw "$T/zg.vmdk" "$T/zg.q.raw"
"$VDM" -r "$T/zg.vmdk" -t 7 "$T/zg.o.raw" >/dev/null
cmp "$T/zg.q.raw" "$T/zg.o.raw"
"$W" "$T/zg.vmdk" "$T/cnt" 6144
qcheck "$T/zg.vmdk"
qemu-img convert -f vmdk -O raw "$T/zg.vmdk" "$T/zg.q.raw"
"$VDM" -r "$T/zg.vmdk" -t 7 "$T/zg.o2.raw" >/dev/null
cmp "$T/zg.q.raw" "$T/zg.o2.raw"
# Backing file chain made by qemu-img.
qemu-img create -f vmdk -b "$T/q-monolithicSparse.vmdk" -F vmdk "$T/child.vmdk" >/dev/null
"$VDM" -r "$T/child.vmdk" -t 7 "$T/child.raw" >/dev/null
cmp "$T/src.raw" "$T/child.raw"
"$VDM" info "$T/child.vmdk" | grep -q "CID chain: [0-9a-f]* -> [0-9a-f]*$"

# Our writes to qemu-made images pass qemu-img check, and qemu reads
# (the child first: writing its parent changes the CID it depends on)
# back what libvmdk reads.
for img in child q-monolithicSparse q-twoGbMaxExtentSparse q-monolithicFlat; do
	"$W" "$T/$img.vmdk" "$T/cnt" 6144
	"$W" verify "$T/$img.vmdk" 6144
	qcheck "$T/$img.vmdk"
	qemu-img convert -f vmdk -O raw "$T/$img.vmdk" "$T/$img.q.raw"
	"$VDM" -r "$T/$img.vmdk" -t 7 "$T/$img.o.raw" >/dev/null
	cmp "$T/$img.q.raw" "$T/$img.o.raw"
done
# A stream-optimized image is read-only for writers (as for VMware).
if "$W" "$T/q-streamOptimized.vmdk" "$T/cnt" 2>/dev/null; then exit 1; fi

# Shrink, defragment and expand a qemu-made sparse image holding written
# zeros (allocated grains): smaller, same contents, qemu agrees.
qemu-img create -f vmdk "$T/k.vmdk" 8M >/dev/null
qemu-io -f vmdk -c "write -P 0x55 3M 2M" -c "write -P 0 0 2M" -c "write -P 0x66 1M 64k" "$T/k.vmdk" >/dev/null
qemu-img convert -f vmdk -O raw "$T/k.vmdk" "$T/k0.raw"
s0=$(stat -c %s "$T/k.vmdk")
"$VDM" -d "$T/k.vmdk" >/dev/null
"$VDM" -k "$T/k.vmdk" >/dev/null
[ "$(stat -c %s "$T/k.vmdk")" -le $((s0 - 1900000)) ]
"$VDM" -x 24M "$T/k.vmdk" >/dev/null
qcheck "$T/k.vmdk"
qemu-img convert -f vmdk -O raw "$T/k.vmdk" "$T/k.raw"
[ "$(stat -c %s "$T/k.raw")" = 25165824 ]
cmp -n 8388608 "$T/k0.raw" "$T/k.raw"
cmp -i 8388608:0 -n 16777216 "$T/k.raw" /dev/zero
# Past 4 GiB the directories move to the end of the file.
"$VDM" -x 5G "$T/k.vmdk" >/dev/null
qcheck "$T/k.vmdk"
qemu-io -f vmdk -c "write -P 0x77 4G 64k" "$T/k.vmdk" >/dev/null
"$VDM" -e "$T/k.vmdk" >/dev/null
qemu-io -f vmdk -c "read -P 0x77 4G 64k" -c "read -P 0x55 3M 2M" "$T/k.vmdk" | grep -q "read 2097152/"
"$VDM" -x 3G "$T/q-twoGbMaxExtentSparse.vmdk" >/dev/null
qcheck "$T/q-twoGbMaxExtentSparse.vmdk"
qemu-img info "$T/q-twoGbMaxExtentSparse.vmdk" | grep -q "virtual size: 3 GiB"

# Rename moves the descriptor and the extents named after it; qemu-img
# reads the result, nothing of the old name is left.
for t in 0 1 2 3 4 5; do
	"$VDM" -n "$T/ours$t.vmdk" "$T/renamed$t.vmdk"
	qemu-img convert -f vmdk -O raw "$T/renamed$t.vmdk" "$T/ren$t.raw"
	cmp "$T/src.raw" "$T/ren$t.raw"
	[ -z "$(ls "$T" | grep "^ours$t[-.]")" ]
done
# Expanding a flat disk: old data kept, new space zero, qemu-img agrees.
"$VDM" -x 16M "$T/renamed2.vmdk" >/dev/null
qemu-img convert -f vmdk -O raw "$T/renamed2.vmdk" "$T/big.raw"
[ "$(stat -c %s "$T/big.raw")" = 16777216 ]
cmp -n 8388608 "$T/src.raw" "$T/big.raw"
echo ok
