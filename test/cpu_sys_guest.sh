#!/bin/sh
# Assembles the system-level NASM guest programs (protected mode, V86,
# exceptions, task switches, paging) in test/guest and runs each with
# cpu_runner as the BIOS ROM; every program must print its report on the
# debug port and exit with status 0.  Skips without nasm.
command -v nasm >/dev/null 2>&1 || exit 77
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
rc=0
for src in "$top_srcdir"/test/guest/pm_*.asm "$top_srcdir"/test/guest/v86_*.asm \
	   "$top_srcdir"/test/guest/exc_*.asm "$top_srcdir"/test/guest/task_*.asm \
	   "$top_srcdir"/test/guest/paging_*.asm; do
	[ -f "$src" ] || continue
	name=$(basename "$src" .asm)
	if ! nasm -f bin -i "$top_srcdir/test/guest/" -o "$tmp/$name.bin" "$src"; then
		echo "FAIL $name (nasm)"
		rc=1
		continue
	fi
	if timeout 10 "$top_builddir/test/cpu_runner" "$tmp/$name.bin" >"$tmp/$name.out" 2>&1; then
		echo "PASS $name"
	else
		echo "FAIL $name (status $?): $(tr '\n' ' ' <"$tmp/$name.out" | cut -c1-200)"
		rc=1
	fi
done
exit $rc
