# Shared by the shell tests, which source it once they have $tmp:
#   . "$top_srcdir/test/lib.sh"
# They end with `exit $fails` (or test it).

fails=0

# check DESCRIPTION COMMAND...: runs the command, which must succeed,
# prints "ok - ..." or "FAIL - ..." and counts the failures.
check() {
	desc=$1; shift
	if "$@"; then echo "ok - $desc"; else echo "FAIL - $desc"; fails=$((fails + 1)); fi
}

# need_iso STATUS: sets $iso to $TEST_ISO or to the test ISO scripts/mkiso
# builds in $tmp; ends the test with STATUS (77: skip) when it cannot.
need_iso() {
	iso=${TEST_ISO:-}
	if [ -z "$iso" ]; then
		if ! "$top_srcdir/scripts/mkiso" "$tmp/test.iso" >/dev/null; then
			[ "$1" -eq 77 ] || echo "FAIL - mkiso"
			exit "$1"
		fi
		iso=$tmp/test.iso
	fi
}
