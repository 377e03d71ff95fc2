#!/bin/sh
# bench-vswitch: frames/s and Gbit/s through vswitchd between two batching
# test clients (vsw_client blast -> sink), 64- and 1500-byte frames, with
# the default security policies on (promiscuous, MAC changes and forged
# transmits all rejected: every frame is checked) and VLAN tagging (VST).
# vswitchd is pinned to one CPU, the clients to another when there is one.
# Goal (issue #6): >= 1 Mpps at 64 B, >= 5 Gbit/s at 1500 B.
set -e
B="${top_builddir:-.}"
SECS="${VSW_BENCH_SECONDS:-3}"
T=$(mktemp -d /tmp/vswbench.XXXXXX)
DPID=
cleanup() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
NCPU=$(nproc)
DCPU=0
CCPU=$((NCPU > 1 ? 1 : 0))
cat > "$T/vswitchd.conf" <<EOF2
[vswitch sw0]
allowPromiscuous = reject
macChanges = reject
forgedTransmits = reject
[portgroup bench]
vswitch = sw0
vlan = 100
EOF2
taskset -c $DCPU "$B/src/net/vswitchd" -f -c "$T/vswitchd.conf" -d "$T" 2>"$T/daemon.err" &
DPID=$!
i=0
until [ -S "$T/bench.sock" ]; do
	i=$((i + 1)); [ $i -lt 200 ] || { cat "$T/daemon.err"; exit 1; }
	sleep 0.05
done
status=0
for size in 64 1500; do
	taskset -c $CCPU "$B/test/vsw_client" sink "$T/bench.sock" bench 00:50:56:00:00:02 "$SECS" > "$T/sink.out" &
	SPID=$!
	sleep 0.2
	taskset -c $CCPU "$B/test/vsw_client" blast "$T/bench.sock" bench 00:50:56:00:00:01 \
		00:50:56:00:00:02 $size $((SECS + 1)) > "$T/blast.out"
	wait $SPID
	read frames bytes secs < "$T/sink.out"
	sent=$(cat "$T/blast.out")
	awk -v f="$frames" -v b="$bytes" -v s="$secs" -v size="$size" -v sent="$sent" 'BEGIN {
		pps = f / s; gbps = b * 8 / s / 1e9;
		printf "vswitch %4d-byte frames: %.2f Mpps, %.2f Gbit/s (%d frames in %.2f s; %d sent)\n",
			size, pps / 1e6, gbps, f, s, sent
	}'
	if [ "$size" = 64 ]; then
		awk -v f="$frames" -v s="$secs" 'BEGIN { exit !(f / s >= 1e6) }' ||
			{ echo "  below the 1 Mpps goal"; status=1; }
	else
		awk -v b="$bytes" -v s="$secs" 'BEGIN { exit !(b * 8 / s >= 5e9) }' ||
			{ echo "  below the 5 Gbit/s goal"; status=1; }
	fi
done
kill "$DPID"
wait "$DPID" || true
DPID=
exit $status
