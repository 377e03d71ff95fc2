#!/bin/sh
# Crash test: a writer SIGKILLed at random points; then -R must leave a
# consistent disk (qemu-img check agrees) with every flushed write intact.
set -e
VDM="$top_builddir/src/disk/vdiskmanager"
W="$top_builddir/test/vmdk_crashwriter"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for round in 1 2 3 4 5 6; do
	rm -rf "$T"/d.vmdk* "$T/count"
	"$VDM" -c -s 8M -a ide -t 0 "$T/d.vmdk" >/dev/null
	"$W" "$T/d.vmdk" "$T/count" &
	pid=$!
	sleep 0.0$(( $(od -An -N1 -tu1 /dev/urandom) % 9 + 1 ))
	kill -9 $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
	n=$(cat "$T/count" 2>/dev/null || echo 0)
	"$VDM" -R "$T/d.vmdk" >/dev/null
	"$W" verify "$T/d.vmdk" "$n"
	if command -v qemu-img >/dev/null 2>&1; then
		qemu-img check "$T/d.vmdk" >/dev/null
	fi
	echo "round $round: $n flushed writes verified"
done
