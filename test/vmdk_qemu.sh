#!/bin/sh
# Interoperability with qemu-img: our images pass its check and convert
# byte-identical; its images read byte-identical through vdiskmanager.
command -v qemu-img >/dev/null 2>&1 || exit 77
set -e
VDM="$top_builddir/src/disk/vdiskmanager"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
head -c 8388608 /dev/urandom > "$T/src.raw"
dd if=/dev/zero of="$T/src.raw" bs=65536 seek=20 count=30 conv=notrunc 2>/dev/null
for t in 0 1 2 3; do
	"$VDM" -r "$T/src.raw" -t $t "$T/ours$t.vmdk" >/dev/null
	qemu-img check "$T/ours$t.vmdk" >/dev/null 2>&1 || [ $t = 2 ]
	qemu-img convert -f vmdk -O raw "$T/ours$t.vmdk" "$T/back$t.raw"
	cmp "$T/src.raw" "$T/back$t.raw"
	"$VDM" info "$T/ours$t.vmdk" >/dev/null
done
for sub in monolithicSparse twoGbMaxExtentSparse streamOptimized monolithicFlat; do
	qemu-img convert -f raw -O vmdk -o subformat=$sub "$T/src.raw" "$T/q-$sub.vmdk"
	"$VDM" -r "$T/q-$sub.vmdk" -t 7 "$T/q-$sub.raw" >/dev/null
	cmp "$T/src.raw" "$T/q-$sub.raw"
done
# Backing file chain made by qemu-img.
qemu-img create -f vmdk -b "$T/q-monolithicSparse.vmdk" -F vmdk "$T/child.vmdk" >/dev/null
"$VDM" -r "$T/child.vmdk" -t 7 "$T/child.raw" >/dev/null
cmp "$T/src.raw" "$T/child.raw"
"$VDM" info "$T/child.vmdk" | grep -q "CID chain: [0-9a-f]* -> [0-9a-f]*$"
# Our writes to qemu-made images pass qemu-img check and read back.
cp "$T/q-monolithicSparse.vmdk" "$T/w.vmdk"
"$top_builddir/test/vmdk_crashwriter" "$T/w.vmdk" "$T/cnt"
"$top_builddir/test/vmdk_crashwriter" verify "$T/w.vmdk" 2048
qemu-img check "$T/w.vmdk" >/dev/null
"$top_builddir/test/vmdk_crashwriter" "$T/child.vmdk" "$T/cnt"
qemu-img check "$T/child.vmdk" >/dev/null
qemu-img convert -f vmdk -O raw "$T/child.vmdk" "$T/child2.raw"
"$VDM" -r "$T/child.vmdk" -t 7 "$T/child3.raw" >/dev/null
cmp "$T/child2.raw" "$T/child3.raw"
# Rename keeps both kinds readable (qemu-img agrees).
for t in 0 2; do
	"$VDM" -n "$T/ours$t.vmdk" "$T/renamed$t.vmdk"
	qemu-img convert -f vmdk -O raw "$T/renamed$t.vmdk" "$T/ren$t.raw"
	cmp "$T/src.raw" "$T/ren$t.raw"
done
# Expanding a flat disk: old data kept, new space zero, qemu-img agrees.
"$VDM" -x 16M "$T/renamed2.vmdk"
qemu-img convert -f vmdk -O raw "$T/renamed2.vmdk" "$T/big.raw"
[ "$(stat -c %s "$T/big.raw")" = 16777216 ]
cmp -n 8388608 "$T/src.raw" "$T/big.raw"
echo ok
