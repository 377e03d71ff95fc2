#!/bin/sh
# Assembles each NASM guest program in test/guest and runs it with
# cpu_runner; every program must exit with status 0.  Skips without nasm.
command -v nasm >/dev/null 2>&1 || exit 77
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
rc=0
for src in "$top_srcdir"/test/guest/real_*.asm; do
	name=$(basename "$src" .asm)
	nasm -f bin -o "$tmp/$name.bin" "$src" || { echo "FAIL $name (nasm)"; rc=1; continue; }
	if timeout 10 "$top_builddir/test/cpu_runner" "$tmp/$name.bin" >"$tmp/$name.out"; then
		echo "PASS $name"
	else
		echo "FAIL $name (status $?)"; rc=1
	fi
done
exit $rc
