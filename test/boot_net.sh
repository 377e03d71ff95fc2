#!/bin/sh
# Three hostvm Linux guests on one vswitchd: guests 1 and 2 share port group
# "green" (VLAN 10), guest 3 is on "blue" (VLAN 20) of the same vswitch.
# Each boots the test ISO (scripts/mkiso) with a NIC (guest 2 a vlance
# under Linux's pcnet32, the others an e1000), takes 10.0.0.N from its MAC
# and pings the other two: 1 and 2 reach each other through vswitchd,
# nobody reaches 3 and 3 reaches nobody.  $TEST_ISO picks a
# prebuilt ISO; $BOOT_TIMEOUT (seconds, default 900) bounds each VM.
set -u
[ -r /usr/share/seabios/bios-256k.bin ] || exit 77
tmp=$(mktemp -d)
vsd=
trap '[ -n "$vsd" ] && kill "$vsd" 2>/dev/null; rm -rf "$tmp"' EXIT
. "$top_srcdir/test/lib.sh"
need_iso 77
cat >"$tmp/vs.conf" <<EOT
[global]
runDir = $tmp/run
auditLog = $tmp/audit.log
[vswitch lab]
[portgroup green]
vswitch = lab
vlan = 10
[portgroup blue]
vswitch = lab
vlan = 20
EOT
"$top_builddir/src/net/vswitchd" -c "$tmp/vs.conf" -f 2>"$tmp/vsd.err" &
vsd=$!
for i in $(seq 1 20); do [ -S "$tmp/run/blue.sock" ] && break; sleep 0.5; done
pids=
for g in 1 2 3; do
	pg=green
	nic=e1000
	[ $g = 3 ] && pg=blue
	[ $g = 2 ] && nic=vlance
	mkdir "$tmp/g$g"
	cat >"$tmp/g$g/g.vmx" <<EOT
displayName = "guest$g"
memsize = "128"
ide1:0.present = "TRUE"
ide1:0.deviceType = "cdrom-image"
ide1:0.fileName = "$iso"
serial0.present = "TRUE"
serial0.fileType = "file"
serial0.fileName = "serial.txt"
ethernet0.present = "TRUE"
ethernet0.virtualDev = "$nic"
ethernet0.networkName = "$pg"
ethernet0.vswitchSocket = "$tmp/run/$pg.sock"
ethernet0.addressType = "static"
ethernet0.address = "00:50:56:00:00:0$g"
EOT
	HOSTVM_RUNTIME_DIR="$tmp/rt$g" "$top_builddir/src/vmrun" --timeout "${BOOT_TIMEOUT:-900}" \
		--no-reboot "$tmp/g$g/g.vmx" nogui >"$tmp/g$g/err" 2>&1 &
	pids="$pids $!"
done
st=0
for p in $pids; do wait "$p" || st=$?; done
out() { tr -d '\r' <"$tmp/g$1/serial.txt" 2>/dev/null; }
check "all three guests power off with status 0" test "$st" -eq 0
check "guest 1 (e1000) reaches guest 2 (vlance, same VLAN)" sh -c "echo '$(out 1)' | grep -qx 'HOSTVM-TEST: ping 10.0.0.2 ok'"
check "guest 2 reaches guest 1 (same VLAN)" sh -c "echo '$(out 2)' | grep -qx 'HOSTVM-TEST: ping 10.0.0.1 ok'"
check "guest 1 cannot reach guest 3 (other VLAN)" sh -c "echo '$(out 1)' | grep -qx 'HOSTVM-TEST: ping 10.0.0.3 fail'"
check "guest 2 cannot reach guest 3 (other VLAN)" sh -c "echo '$(out 2)' | grep -qx 'HOSTVM-TEST: ping 10.0.0.3 fail'"
check "guest 3 reaches neither" sh -c "echo '$(out 3)' | grep -qx 'HOSTVM-TEST: ping 10.0.0.1 fail' &&
	echo '$(out 3)' | grep -qx 'HOSTVM-TEST: ping 10.0.0.2 fail'"
if [ "$fails" -ne 0 ]; then
	for g in 1 2 3; do echo "--- guest $g serial (last 15)"; out $g | tail -15; tail -5 "$tmp/g$g/err"; done
	echo "--- vswitchd"; tail -20 "$tmp/vsd.err"
fi
echo "$fails failed"
test "$fails" -eq 0
