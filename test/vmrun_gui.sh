#!/bin/sh
# The SDL2 console window under a virtual X server: `vmrun guest.vmx gui`
# opens it, the VM runs in it until --timeout.  Skips without xvfb-run or
# in a build without SDL2.
set -u
command -v xvfb-run >/dev/null 2>&1 || exit 77
command -v nasm >/dev/null 2>&1 || exit 77
vmrun="$top_builddir/src/vmrun"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nasm -f bin -o "$tmp/text.bin" "$top_srcdir/test/guest/machine_text.asm" || exit 1
printf 'memsize = "16"\nbios440.filename = "text.bin"\n' >"$tmp/gui.vmx"
# In sanitizer builds: SDL, its X11, GL and D-Bus back ends keep a few
# allocations until exit; they are the libraries', not ours.
printf 'leak:libdbus-1.so\nleak:libSDL2\nleak:libX11\nleak:libGL\nleak:libGLX\nleak:dri.so\nleak:libLLVM\n' >"$tmp/lsan.supp"
LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$tmp/lsan.supp:print_suppressions=0" \
HOSTVM_RUNTIME_DIR="$tmp/rt" xvfb-run -a timeout -s KILL 60 "$vmrun" --timeout 2 "$tmp/gui.vmx" gui 2>"$tmp/err"
st=$?
grep -q 'this build has no console window' "$tmp/vmware.log" && exit 77
. "$top_srcdir/test/lib.sh"
check "the console window opened" grep -q 'gui| info: console window open' "$tmp/vmware.log"
check "the VM ran in it until the timeout (124)" test "$st" -eq 124
[ "$fails" -eq 0 ] || { cat "$tmp/err"; tail "$tmp/vmware.log"; }
exit "$fails"
