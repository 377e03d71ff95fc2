#!/bin/sh
# make bench-cpu: guest MIPS of hostvm's translator on bench/cpu_bench.asm
# (32-bit protected mode, paging on, an integer/memory/branch mix) and of
# qemu-system-i386 TCG on the same image when QEMU is installed.  Each is
# run with 1 and with many rounds (BENCH_CPU_ITER, BENCH_CPU_QEMU_ITER);
# the difference removes start-up and set-up costs.  Instruction counts are hostvm's (cpu_get_stats); the
# workload is deterministic, so QEMU retires the same instructions, which
# the printed checksums confirm.
set -e
: "${top_srcdir:?}" "${top_builddir:?}"
iters=${BENCH_CPU_ITER:-60}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

nasm -f bin -DITER=1 -o "$tmp/one.bin" "$top_srcdir/bench/cpu_bench.asm"
nasm -f bin -DITER="$iters" -o "$tmp/many.bin" "$top_srcdir/bench/cpu_bench.asm"

# hostvm: "insns N seconds S ..." on stderr, the checksum on stdout.
"$top_builddir/bench/cpu_bench" "$tmp/one.bin" >"$tmp/hv1.out" 2>"$tmp/hv1.err"
"$top_builddir/bench/cpu_bench" "$tmp/many.bin" >"$tmp/hvn.out" 2>"$tmp/hvn.err"
set -- $(cat "$tmp/hv1.err")
i1=$2 s1=$4
set -- $(cat "$tmp/hvn.err")
in=$2 sn=$4
echo "hostvm: $(cat "$tmp/hvn.err")"
echo "hostvm: checksum $(cat "$tmp/hvn.out")"
awk -v a="$i1" -v b="$in" -v s="$s1" -v t="$sn" -v n="$iters" 'BEGIN {
	printf "hostvm: %d rounds, %.0f insns in %.3f s: %.1f guest MIPS\n", n, b - a, t - s, (b - a) / (t - s) / 1e6 }'

if ! command -v qemu-system-i386 >/dev/null 2>&1; then
	echo "qemu-system-i386 not installed: no comparison"
	exit 0
fi
# QEMU gets more rounds (its start-up is noisy next to its speed) and the
# fastest of three runs of each image; the rounds retire the same
# instructions as ours, so per-round counts carry over.
qiters=${BENCH_CPU_QEMU_ITER:-$((iters * 8))}
nasm -f bin -DITER="$qiters" -o "$tmp/qmany.bin" "$top_srcdir/bench/cpu_bench.asm"
qemu_time() {
	best=
	for k in 1 2 3; do
		start=$(date +%s.%N)
		qemu-system-i386 -accel tcg -m 64 -display none -nodefaults -bios "$1" \
			-debugcon "file:$2" -device isa-debug-exit,iobase=0xf4,iosize=1 || true
		end=$(date +%s.%N)
		best=$(awk -v a="$start" -v b="$end" -v m="$best" 'BEGIN {
			t = b - a; if (m != "" && m < t) t = m; printf "%.4f", t }')
	done
	echo "$best"
}
q1=$(qemu_time "$tmp/one.bin" "$tmp/q1.out")
qn=$(qemu_time "$tmp/qmany.bin" "$tmp/qn.out")
qemu_time "$tmp/many.bin" "$tmp/qsame.out" >/dev/null
echo "qemu:   checksum $(cat "$tmp/qsame.out") ($iters rounds)"
awk -v a="$i1" -v b="$in" -v n="$iters" -v qn="$qiters" -v s="$q1" -v t="$qn" \
	-v h1="$s1" -v hn="$sn" 'BEGIN {
	r = (b - a) / (n - 1); q = r * (qn - 1) / (t - s) / 1e6; h = r * (n - 1) / (hn - h1) / 1e6
	printf "qemu:   %d rounds, %.0f insns in %.3f s: %.1f guest MIPS (TCG)\n", qn, r * (qn - 1), t - s, q
	printf "hostvm/qemu: %.2f\n", h / q }'
if ! cmp -s "$tmp/hvn.out" "$tmp/qsame.out"; then
	echo "checksums differ: hostvm and QEMU computed different results"
	exit 1
fi
