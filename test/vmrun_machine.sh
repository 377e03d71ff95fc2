#!/bin/sh
# vmrun running whole machines with tiny NASM ROMs (bios440.filename):
# exit statuses, the debug port, timeouts, resets, configuration errors
# found before the guest starts, and the control socket (start detached,
# list, captureScreen, stats, reset, stop, and refusing other users).
set -u
command -v nasm >/dev/null 2>&1 || exit 77
vmrun="$top_builddir/src/vmrun"
guest="$top_srcdir/test/guest"
tmp=$(mktemp -d)
HOSTVM_RUNTIME_DIR="$tmp/rt"
export HOSTVM_RUNTIME_DIR
cleanup() {
	for v in "$tmp"/*.vmx; do "$vmrun" stop "$v" hard >/dev/null 2>&1; done
	rm -rf "$tmp"
}
trap cleanup EXIT
. "$top_srcdir/test/lib.sh"

for rom in machine_exit machine_idle machine_reset machine_a20; do
	nasm -f bin -o "$tmp/$rom.bin" "$guest/$rom.asm" || { echo "FAIL nasm $rom"; exit 1; }
done

cat >"$tmp/exit.vmx" <<EOT
memsize = "32"
bios440.filename = "machine_exit.bin"
hostvm.exitPort = "0xf4"
hostvm.debugFile = "exit-debug.txt"
EOT
"$vmrun" --timeout 20 "$tmp/exit.vmx" nogui 2>"$tmp/err"
check "exit port value is vmrun's status (42)" test $? -eq 42
check "0xE9 output in the debug file" grep -qx hello "$tmp/exit-debug.txt"
check "0xE9 output in the log as a guest line" grep -q '| guest| info: hello$' "$tmp/vmware.log"
check "the log says why the VM ended" grep -q 'the VM ended: exit port (exit status 42)' "$tmp/vmware.log"

printf 'memsize = "16"\nbios440.filename = "machine_a20.bin"\nhostvm.exitPort = "0xf4"\nlog.fileName = "a20.log"\n' >"$tmp/a20.vmx"
"$vmrun" --timeout 20 "$tmp/a20.vmx" nogui 2>"$tmp/err"
st=$?
check "A20: the i8042 gate OR port 0x92 (status 0, else the failing step: $st)" test "$st" -eq 0

cat >"$tmp/idle.vmx" <<EOT
memsize = "32"
bios440.filename = "machine_idle.bin"
log.fileName = "idle.log"
EOT
"$vmrun" --timeout 0.5 "$tmp/idle.vmx" nogui 2>"$tmp/err"
check "timeout gives status 124" test $? -eq 124

cat >"$tmp/reset.vmx" <<EOT
memsize = "32"
bios440.filename = "machine_reset.bin"
hostvm.debugFile = "reset-debug.txt"
log.fileName = "reset.log"
EOT
"$vmrun" --timeout 20 --no-reboot "$tmp/reset.vmx" nogui 2>"$tmp/err"
check "guest reset with --no-reboot gives status 6" test $? -eq 6
check "... after one boot" test "$(grep -c boot "$tmp/reset-debug.txt")" -eq 1
rm -f "$tmp/reset-debug.txt"
"$vmrun" --timeout 0.5 --stats "$tmp/reset.vmx" nogui 2>"$tmp/err"
check "without --no-reboot the guest reboots until the timeout" test $? -eq 124
check "... booting more than once" test "$(grep -c boot "$tmp/reset-debug.txt")" -gt 1
check "--stats prints counters" grep -q '^instructions: [1-9]' "$tmp/err"
check "--stats counts the resets" grep -q '^resets: [1-9]' "$tmp/err"

# Bad input is reported before the guest starts, naming the key and file.
head -c 1000 "$tmp/machine_exit.bin" >"$tmp/short.bin"
printf 'bios440.filename = "short.bin"\nlog.fileName = "bad.log"\n' >"$tmp/badrom.vmx"
"$vmrun" "$tmp/badrom.vmx" nogui 2>"$tmp/err"
check "a BIOS of the wrong size is a configuration error (2)" test $? -eq 2
check "... naming the key, file and sizes" grep -q "^Error: bios440.filename: $tmp/short.bin is 1000 bytes; a BIOS image must be 64, 128 or 256 KiB" "$tmp/err"
check "... before the guest runs" sh -c "! grep -q 'the VM is running' '$tmp/bad.log'"
printf 'bios440.filename = "nothere.bin"\n' >"$tmp/norom.vmx"
"$vmrun" "$tmp/norom.vmx" nogui 2>"$tmp/err"
check "a missing BIOS names the key and file" grep -q "bios440.filename: cannot read $tmp/nothere.bin" "$tmp/err"
printf 'bios440.filename = "machine_exit.bin"\nide1:0.present = "TRUE"\nide1:0.deviceType = "cdrom-image"\nide1:0.fileName = "nothere.iso"\n' >"$tmp/noiso.vmx"
"$vmrun" "$tmp/noiso.vmx" nogui 2>"$tmp/err"
check "a missing ISO is a configuration error (2)" test $? -eq 2
check "... naming the key and file" grep -q "ide1:0.fileName = \"nothere.iso\": cannot read $tmp/nothere.iso" "$tmp/err"
printf 'bios440.filename = "machine_exit.bin"\nide0:0.present = "TRUE"\nide0:0.fileName = "nothere.vmdk"\n' >"$tmp/nodisk.vmx"
"$vmrun" "$tmp/nodisk.vmx" nogui 2>"$tmp/err"
check "a missing disk names the key and file" grep -q "ide0:0.fileName = \"nothere.vmdk\": cannot read $tmp/nothere.vmdk" "$tmp/err"
printf 'bios440.filename = "machine_exit.bin"\nhostvm.exitPort = "0x60"\n' >"$tmp/clash.vmx"
"$vmrun" "$tmp/clash.vmx" nogui 2>"$tmp/err"
check "an exit port on another device's port is refused, naming the key" grep -q 'hostvm.exitPort = 0x60: the port is taken' "$tmp/err"

# The control socket.
# A client that connects and says nothing must not keep a VM's process alive.
( "$vmrun" --timeout 1.5 "$tmp/idle.vmx" nogui 2>/dev/null; echo $? >"$tmp/idle-st" ) &
sleep 0.5
python3 -c '
import socket, sys, time, glob
for p in glob.glob(sys.argv[1] + "/*.sock"):
    s = socket.socket(socket.AF_UNIX)
    s.connect(p)
    time.sleep(8)
' "$tmp/rt" &
talker=$!
for i in 1 2 3 4 5 6 7 8 9 10; do [ -s "$tmp/idle-st" ] && break; sleep 0.5; done
check "a silent control client does not keep the VM running" test "$(cat "$tmp/idle-st" 2>/dev/null)" = 124
kill "$talker" 2>/dev/null
wait "$talker" 2>/dev/null

"$vmrun" list >"$tmp/out"
check "list with nothing running" grep -qx 'Total running VMs: 0' "$tmp/out"
"$vmrun" --timeout 60 start "$tmp/idle.vmx" nogui 2>"$tmp/err"
check "start detaches and returns 0 once the VM runs" test $? -eq 0
"$vmrun" list >"$tmp/out"
check "list counts it" grep -qx 'Total running VMs: 1' "$tmp/out"
check "list prints its .vmx path" grep -qx "$(cd "$tmp" && pwd -P)/idle.vmx" "$tmp/out"
check "the runtime directory is private (0700)" test "$(stat -c %a "$tmp/rt")" = 700
check "the socket is private (0600)" test "$(stat -c %a "$tmp"/rt/*.sock)" = 600
"$vmrun" start "$tmp/idle.vmx" nogui 2>"$tmp/err"
check "starting it twice is refused" grep -q 'is already running' "$tmp/err"
"$vmrun" captureScreen "$tmp/idle.vmx" "$tmp/shot.png"
check "captureScreen PNG succeeds" test $? -eq 0
check "... and writes a PNG" sh -c "head -c 8 '$tmp/shot.png' | od -An -c | grep -q 'P   N   G'"
"$vmrun" captureScreen "$tmp/idle.vmx" "$tmp/shot.txt"
check "captureScreen .txt of the text screen succeeds" test -f "$tmp/shot.txt"
"$vmrun" stats "$tmp/idle.vmx" >"$tmp/out"
check "stats over the socket" grep -q '^instructions: [1-9]' "$tmp/out"
"$vmrun" reset "$tmp/idle.vmx" hard
check "reset hard succeeds" test $? -eq 0
sleep 0.3
check "... and the guest booted again" test "$(grep -c 'guest| info: idle' "$tmp/idle.log")" -eq 2
check "control commands are audited in the log" grep -q 'audit: reset hard' "$tmp/idle.log"

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
	# Let nobody reach the socket file itself: the server must still refuse.
	chmod 755 "$tmp" "$tmp/rt"
	chmod 666 "$tmp"/rt/*.sock
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		env HOSTVM_RUNTIME_DIR="$tmp/rt" "$vmrun" stop "$tmp/idle.vmx" hard 2>"$tmp/err"
	check "another uid is refused" grep -q 'permission denied' "$tmp/err"
	check "... and the VM still runs" sh -c "'$vmrun' list | grep -qx 'Total running VMs: 1'"
	check "... and the refusal is logged" grep -q 'refused a control connection from uid' "$tmp/idle.log"
	chmod 700 "$tmp" "$tmp/rt"
else
	echo "skip - other-uid refusal (needs root, setpriv and user nobody)"
fi

"$vmrun" stop "$tmp/idle.vmx" soft
check "stop soft succeeds and returns once the VM is off" test $? -eq 0
"$vmrun" list >"$tmp/out"
check "list is empty again" grep -qx 'Total running VMs: 0' "$tmp/out"
check "the socket is gone" sh -c "! ls '$tmp'/rt/*.sock 2>/dev/null"
"$vmrun" stop "$tmp/idle.vmx" 2>"$tmp/err"
check "stopping a VM that is not running is an error (7)" test $? -eq 7
"$vmrun" --timeout 60 start "$tmp/idle.vmx" nogui && "$vmrun" stop "$tmp/idle.vmx" hard
check "start then stop hard" test $? -eq 0

echo "$fails failed"
test "$fails" -eq 0
