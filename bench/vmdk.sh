#!/bin/sh
# bench-vmdk: libvmdk vs qemu-io on the same kind of image (monolithicSparse),
# in the same run.
set -e
B="$top_builddir"
VDM="$B/src/disk/vdiskmanager"
T=$(mktemp -d /var/tmp/vmdkbench.XXXXXX)
trap 'rm -rf "$T"' EXIT
N=20000
el() { echo "$2 - $1" | bc -l; }
"$VDM" -c -s 1G -a ide -t 0 "$T/a.vmdk" >/dev/null
"$B/bench/vmdk_bench" seq "$T/a.vmdk"
rm -rf "$T"/a.vmdk*
"$VDM" -c -s 1G -a ide -t 0 "$T/a.vmdk" >/dev/null
"$B/bench/vmdk_bench" rand "$T/a.vmdk" $N
rm -rf "$T"/a.vmdk*
command -v qemu-io >/dev/null || { echo "qemu-io absent"; exit 0; }
qemu-img create -f vmdk "$T/q.vmdk" 1G >/dev/null
s=$(date +%s.%N)
i=0; cmds=""
while [ $i -lt 1024 ]; do echo "write -P 92 $((i*1048576)) 1M"; i=$((i+1)); done > "$T/w.cmd"
echo flush >> "$T/w.cmd"
qemu-io -t writeback -f vmdk "$T/q.vmdk" < "$T/w.cmd" >/dev/null
m=$(date +%s.%N)
sed 's/^write -P 92/read/' "$T/w.cmd" | grep -v flush > "$T/r.cmd"
qemu-io -t writeback -f vmdk "$T/q.vmdk" < "$T/r.cmd" >/dev/null
e=$(date +%s.%N)
echo "qemu-io seq write $(echo "1073.741824 / ($m - $s)" | bc) MB/s, seq read $(echo "1073.741824 / ($e - $m)" | bc) MB/s"
rm -f "$T/q.vmdk"
qemu-img create -f vmdk "$T/q.vmdk" 1G >/dev/null
awk -v n=$N 'BEGIN { srand(1); for (i = 0; i < n; i++) printf "write %d 4k\n", int(rand() * 262144) * 4096; print "flush" }' > "$T/x.cmd"
s=$(date +%s.%N)
qemu-io -t writeback -f vmdk "$T/q.vmdk" < "$T/x.cmd" >/dev/null
e=$(date +%s.%N)
echo "qemu-io 4k random write $(echo "$N / ($e - $s)" | bc) IOPS"
