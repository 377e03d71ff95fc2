#!/bin/sh
# Crash test: a writer SIGKILLed at random points, many times, on a
# monolithicSparse and a twoGbMaxExtentSparse disk, every third round with
# empty grain directories (so the writer allocates grain tables).  After each kill: the
# disk opens again (the dead writer's lock is broken), every write
# completed before the last flush is intact, -R leaves it consistent
# (qemu-img check agrees), and a second -R finds nothing.
set -e
VDM="$top_builddir/src/disk/vdiskmanager"
W="$top_builddir/test/vmdk_crashwriter"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ROUNDS=${VMDK_CRASH_ROUNDS:-24}
# Empties both grain directories of sparse extent $1 (as a disk whose
# grain tables are allocated lazily): writes must then create tables.
zero_gd() {
	for at in 48 56; do
		s=$(od -An -j$at -N8 -tu8 "$1" | tr -d ' ')
		dd if=/dev/zero of="$1" bs=512 seek="$s" count=1 conv=notrunc 2>/dev/null
	done
}
round=1
while [ $round -le "$ROUNDS" ]; do
	t=$((round % 2))
	rm -rf "$T"/d* "$T/count"
	"$VDM" -c -s 9M -a ide -t $t "$T/d.vmdk" >/dev/null
	if [ $((round % 3)) = 0 ]; then
		if [ $t = 0 ]; then zero_gd "$T/d.vmdk"; else zero_gd "$T/d-s001.vmdk"; fi
	fi
	# Every other pair of rounds starts with a fast run through the first
	# pass, so the kill lands among overwrites.
	fast=$(( (round / 2) % 2 * (2048 + round * 97) ))
	"$W" "$T/d.vmdk" "$T/count" $fast &
	pid=$!
	# A random point: 1..120 ms into the run (or after it ends).
	r=$(od -An -N1 -tu1 /dev/urandom | tr -d ' ')
	sleep "$(printf '0.%03d' $((r % 120 + 1)))"
	kill -9 $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
	n=$(cat "$T/count" 2>/dev/null || echo 0)
	"$W" verify "$T/d.vmdk" "$n"
	"$VDM" -R "$T/d.vmdk" >"$T/report" || { cat "$T/report"; exit 1; }
	"$W" verify "$T/d.vmdk" "$n"
	"$VDM" -R "$T/d.vmdk" >"$T/report2"
	if grep -q "^extent" "$T/report2"; then
		cat "$T/report2"
		exit 1
	fi
	if command -v qemu-img >/dev/null 2>&1; then
		qemu-img check "$T/d.vmdk" >/dev/null
	fi
	echo "round $round (type $t): $n flushed writes verified; $(grep -c '^extent' "$T/report" || true) problem(s) repaired"
	round=$((round + 1))
done
