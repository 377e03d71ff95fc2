#!/bin/sh
# Runs the "flow" group's NASM guest programs (self-modifying code, x87
# results, near control flow/stack/string) as the BIOS ROM with cpu_runner;
# every program must exit with status 0.  Skips without nasm.
command -v nasm >/dev/null 2>&1 || exit 77
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
rc=0
for src in "$top_srcdir"/test/guest/smc_*.asm "$top_srcdir"/test/guest/x87_*.asm \
	   "$top_srcdir"/test/guest/flow_*.asm; do
	[ -f "$src" ] || continue
	name=$(basename "$src" .asm)
	nasm -f bin -o "$tmp/$name.bin" "$src" || { echo "FAIL $name (nasm)"; rc=1; continue; }
	if timeout 10 "$top_builddir/test/cpu_runner" "$tmp/$name.bin" >"$tmp/$name.out"; then
		echo "PASS $name: $(cat "$tmp/$name.out")"
	else
		echo "FAIL $name (status $?): $(cat "$tmp/$name.out")"; rc=1
	fi
done
exit $rc
