#!/bin/sh
# A VM's network adapters reach vswitchd: a VM with an e1000 and a vlance
# on one port group powers on, SeaBIOS finds both PCI functions (8086:100E
# at 00:03.0, 1022:2000 at 00:04.0), and vswitchctl lists both ports with
# the VM's name, NIC numbers and configured MACs; a key naming a NIC model
# the VM has not got is an error before the guest starts.
[ -r /usr/share/seabios/bios-256k.bin ] || exit 77
tmp=$(mktemp -d)
vsd=
trap '[ -n "$vsd" ] && kill "$vsd" 2>/dev/null; rm -rf "$tmp"' EXIT
. "$top_srcdir/test/lib.sh"
cat >"$tmp/vs.conf" <<EOT
[global]
runDir = $tmp/run
auditLog = $tmp/audit.log
[vswitch vs0]
[portgroup pg1]
vswitch = vs0
EOT
"$top_builddir/src/net/vswitchd" -c "$tmp/vs.conf" -f 2>"$tmp/vsd.err" &
vsd=$!
for i in 1 2 3 4 5 6 7 8 9 10; do [ -S "$tmp/run/pg1.sock" ] && break; sleep 0.5; done
cat >"$tmp/n.vmx" <<EOT
displayName = "nictest"
memsize = "64"
hostvm.debugFile = "debug.txt"
ethernet0.present = "TRUE"
ethernet0.virtualDev = "e1000"
ethernet0.networkName = "pg1"
ethernet0.vswitchSocket = "$tmp/run/pg1.sock"
ethernet0.addressType = "static"
ethernet0.address = "00:50:56:00:00:01"
ethernet1.present = "TRUE"
ethernet1.virtualDev = "vlance"
ethernet1.networkName = "pg1"
ethernet1.vswitchSocket = "$tmp/run/pg1.sock"
ethernet1.addressType = "static"
ethernet1.address = "00:50:56:00:00:02"
EOT
HOSTVM_RUNTIME_DIR="$tmp/rt" "$top_builddir/src/vmrun" --timeout 30 "$tmp/n.vmx" nogui \
	>"$tmp/vmrun.out" 2>&1 &
vm=$!
ports=
for i in $(seq 1 40); do
	ports=$("$top_builddir/src/net/vswitchctl" -d "$tmp/run" show ports 2>/dev/null)
	[ "$(echo "$ports" | grep -c 'vm="nictest"')" -eq 2 ] && break
	sleep 0.5
done
for i in $(seq 1 40); do grep -q 'id=1022:2000' "$tmp/debug.txt" 2>/dev/null && break; sleep 0.5; done
check "the e1000 connects: port with nic 0 and its MAC" \
	sh -c "echo '$ports' | grep 'vm=\"nictest\" nic=0 mac=00:50:56:00:00:01' >/dev/null"
check "the vlance connects: port with nic 1 and its MAC" \
	sh -c "echo '$ports' | grep 'vm=\"nictest\" nic=1 mac=00:50:56:00:00:02' >/dev/null"
check "SeaBIOS finds the e1000 at 00:03.0" grep -q 'bdf=00:03.0 id=8086:100e' "$tmp/debug.txt"
check "SeaBIOS finds the vlance at 00:04.0" grep -q 'bdf=00:04.0 id=1022:2000' "$tmp/debug.txt"
kill "$vm" 2>/dev/null
wait "$vm" 2>/dev/null
sed 's/"vlance"/"ne2000"/' "$tmp/n.vmx" >"$tmp/bad.vmx"
HOSTVM_RUNTIME_DIR="$tmp/rt" "$top_builddir/src/vmrun" --timeout 5 "$tmp/bad.vmx" nogui \
	>"$tmp/bad.out" 2>&1
st=$?
check "an unknown virtualDev is a configuration error naming the key" \
	sh -c "[ $st -ne 0 ] && grep -q 'ethernet1.virtualDev' '$tmp/bad.out'"
[ "$fails" -ne 0 ] && { echo "--- vmrun"; cat "$tmp/vmrun.out" "$tmp/bad.out"; echo "--- vswitchd"; cat "$tmp/vsd.err"; }
echo "$fails failed"
test "$fails" -eq 0
