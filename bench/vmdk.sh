#!/bin/sh
# bench-vmdk: libvmdk against qemu-io on the same kind of image (a fresh
# 1 GiB monolithicSparse disk), in the same run, same caching mode: both
# through the host page cache (qemu-io -t writeback), each write phase
# ending with a flush (fdatasync) that is counted in its time.  Reads come
# right after the writes on both sides.  Each side runs twice, alternating;
# the better run is reported.  qemu-io's start-up time (measured with a
# bare flush) is subtracted from its runs.
set -e
B="$top_builddir"
VDM="$B/src/disk/vdiskmanager"
T=$(mktemp -d /var/tmp/vmdkbench.XXXXXX)
trap 'rm -rf "$T"' EXIT
N=${VMDK_BENCH_RANDOM:-20000}
command -v qemu-io >/dev/null || { echo "qemu-io absent: libvmdk only"; }
awk -v n="$N" 'BEGIN { srand(1); for (i = 0; i < n; i++) printf "write %d 4k\n", int(rand() * 262144) * 4096; print "flush" }' > "$T/rand.cmd"
i=0
while [ $i -lt 1024 ]; do echo "write -P 92 $((i * 1048576)) 1M"; i=$((i + 1)); done > "$T/w.cmd"
echo flush >> "$T/w.cmd"
sed 's/^write -P 92/read/' "$T/w.cmd" | grep -v flush > "$T/r.cmd"
now() { date +%s.%N; }
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (a > b ? a : b) }'; }
qio() { qemu-io -t writeback -f vmdk "$@" >/dev/null; }

qemu_round() {
	rm -f "$T/q.vmdk"
	qemu-img create -f vmdk "$T/q.vmdk" 1G >/dev/null
	s=$(now); echo flush | qio "$T/q.vmdk"; e=$(now)
	boot=$(echo "$e - $s" | bc -l)
	s=$(now); qio "$T/q.vmdk" < "$T/w.cmd"; m=$(now)
	qio "$T/q.vmdk" < "$T/r.cmd"; e=$(now)
	qw=$(echo "1073.741824 / ($m - $s - $boot)" | bc -l)
	qr=$(echo "1073.741824 / ($e - $m - $boot)" | bc -l)
	rm -f "$T/q.vmdk"
	qemu-img create -f vmdk "$T/q.vmdk" 1G >/dev/null
	s=$(now); qio "$T/q.vmdk" < "$T/rand.cmd"; e=$(now)
	qx=$(echo "$N / ($e - $s - $boot)" | bc -l)
	rm -f "$T/q.vmdk"
}

ours_round() {
	rm -rf "$T"/a.vmdk*
	"$VDM" -c -s 1G -a ide -t 0 "$T/a.vmdk" >/dev/null
	"$B/bench/vmdk_bench" seq "$T/a.vmdk" > "$T/seq.out"
	rm -rf "$T"/a.vmdk*
	"$VDM" -c -s 1G -a ide -t 0 "$T/a.vmdk" >/dev/null
	"$B/bench/vmdk_bench" rand "$T/a.vmdk" "$T/rand.cmd" > "$T/rand.out"
	rm -rf "$T"/a.vmdk*
	ow=$(awk '{ print $4 }' "$T/seq.out"); or=$(awk '{ print $8 }' "$T/seq.out")
	ox=$(awk '{ print $5 }' "$T/rand.out")
}

bw=0; br=0; bx=0; cw=0; cr=0; cx=0
for r in 1 2; do
	ours_round
	bw=$(best "$bw" "$ow"); br=$(best "$br" "$or"); bx=$(best "$bx" "$ox")
	if command -v qemu-io >/dev/null; then
		qemu_round
		cw=$(best "$cw" "$qw"); cr=$(best "$cr" "$qr"); cx=$(best "$cx" "$qx")
	fi
done
printf "%-28s %12s %12s\n" "1 GiB monolithicSparse" libvmdk qemu-io
printf "%-28s %9.0f MB/s %7.0f MB/s\n" "sequential write (1 MiB)" "$bw" "$cw"
printf "%-28s %9.0f MB/s %7.0f MB/s\n" "sequential read (1 MiB)" "$br" "$cr"
printf "%-28s %9.0f IOPS %7.0f IOPS\n" "random write (4 KiB, $N)" "$bx" "$cx"
