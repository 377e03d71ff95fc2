#!/bin/sh
# QEMU interop: an unmodified qemu-system-i386 guest joins a vswitchd port
# group through the port group's plain QEMU socket (-netdev stream, MAC
# pinned in the configuration).  Its e1000 iPXE ROM broadcasts DHCP
# requests, which a test client on the same port group must receive; then
# the client's frames must be delivered to QEMU's port.
command -v qemu-system-i386 >/dev/null 2>&1 || exit 77
set -e
B="$top_builddir"
ROM=
for r in /usr/share/qemu/pxe-e1000.rom /usr/lib/ipxe/qemu/pxe-e1000.rom \
	 /usr/share/qemu/efi-e1000.rom; do
	[ -f "$r" ] && { ROM=$r; break; }
done
T=$(mktemp -d /tmp/vswqemu.XXXXXX)
QPID=
DPID=
cleanup() {
	[ -n "$QPID" ] && kill "$QPID" 2>/dev/null
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
QMAC=00:50:56:00:01:02
cat > "$T/vswitchd.conf" <<EOF
[vswitch sw0]
[portgroup lab]
vswitch = sw0
vlan = 42
qemuSocket = $T/qemu.sock
qemuMac = $QMAC
EOF
"$B/src/net/vswitchd" -f -c "$T/vswitchd.conf" -d "$T" 2>"$T/daemon.err" &
DPID=$!
i=0
until [ -S "$T/vswitchd.ctl" ] && [ -S "$T/qemu.sock" ]; do
	i=$((i + 1)); [ $i -lt 200 ] || { cat "$T/daemon.err"; exit 1; }
	sleep 0.05
done
"$B/test/vsw_client" wait-dhcp "$T/lab.sock" lab 00:50:56:00:01:01 "$QMAC" 25 \
	> "$T/client.out" &
CPID=$!
sleep 0.2
ROMOPT=
[ -n "$ROM" ] && ROMOPT=",romfile=$ROM"
timeout 30 qemu-system-i386 -nodefaults -display none -m 32 -accel tcg \
	-netdev stream,id=n0,server=off,addr.type=unix,addr.path="$T/qemu.sock" \
	-device e1000,netdev=n0,mac=$QMAC$ROMOPT -boot n >"$T/qemu.out" 2>&1 &
QPID=$!
if ! wait $CPID; then
	echo "no DHCP request from the QEMU guest" >&2
	cat "$T/qemu.out" "$T/daemon.err" >&2
	"$B/src/net/vswitchctl" -d "$T" show ports >&2 || true
	exit 1
fi
cat "$T/client.out"
# The QEMU client is a port of its own with the pinned MAC and the port
# group's VLAN; it sent frames and the client's reply was delivered to it.
i=0
while :; do
	"$B/src/net/vswitchctl" -d "$T" show ports > "$T/ports"
	grep "kind=qemu" "$T/ports" | grep -q " tx-frames=[1-9]" && break
	i=$((i + 1)); [ $i -lt 100 ] || { cat "$T/ports" >&2; exit 1; }
	sleep 0.05
done
grep -q "kind=qemu portgroup=\"lab\" vm=\"qemu\" nic=0 mac=$QMAC guest-mac=$QMAC vlan=42" "$T/ports"
grep "kind=qemu" "$T/ports" | grep -qv "rx-frames=0 "
kill "$QPID" 2>/dev/null || true
wait "$QPID" 2>/dev/null || true
QPID=
kill "$DPID"
wait "$DPID"
DPID=
exit 0
