#!/usr/bin/env python3
"""bench-boot: boots the test ISO (scripts/mkiso) under hostvm's vmrun and,
in the same run, under qemu-system-i386 with TCG; reports the time from
process start to the guest's shell, the time of the in-guest workload
(between its "workload start" and "workload done" lines), and the ratios
hostvm/QEMU.  Times are taken on the host as the serial lines arrive.

Usage: boot.py --vmrun PATH --iso PATH [--timeout SECONDS]"""
import argparse
import os
import select
import subprocess
import sys
import tempfile
import time

MARK_SHELL = b"HOSTVM-TEST: shell ready"
MARK_START = b"HOSTVM-TEST: workload start"
MARK_DONE = b"HOSTVM-TEST: workload done"
MARK_OFF = b"HOSTVM-TEST: powering off"


def run(name, argv, timeout, env=None):
    """Runs argv, timing the marker lines on its stdout (the serial port)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    marks, buf, tail = {}, b"", b""
    deadline = t0 + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            proc.kill()
            break
        r, _, _ = select.select([proc.stdout], [], [], min(left, 1.0))
        if not r:
            if proc.poll() is not None:
                break
            continue
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            break
        now = time.monotonic() - t0
        buf += chunk
        tail = (tail + chunk)[-4000:]
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            for m in (MARK_SHELL, MARK_START, MARK_DONE, MARK_OFF):
                if m in line and m not in marks:
                    marks[m] = now
    try:
        status = proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        status = proc.wait()
    err = proc.stderr.read().decode(errors="replace")
    total = time.monotonic() - t0
    ok = MARK_SHELL in marks and MARK_START in marks and MARK_DONE in marks
    res = {"name": name, "ok": ok, "status": status, "total": total, "marks": marks,
           "tail": tail.decode(errors="replace"), "stderr": err}
    if ok:
        res["shell"] = marks[MARK_SHELL]
        res["work"] = marks[MARK_DONE] - marks[MARK_START]
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vmrun", required=True)
    ap.add_argument("--iso", required=True)
    ap.add_argument("--timeout", type=float,
                    default=float(os.environ.get("BENCH_BOOT_TIMEOUT", "300")))
    a = ap.parse_args()

    results = []
    qemu = "qemu-system-i386"
    results.append(run("qemu-tcg", [qemu, "-accel", "tcg", "-m", "256", "-nographic",
                                    "-no-reboot", "-monitor", "none", "-nic", "none",
                                    "-cdrom", a.iso,
                                    "-boot", "d"], a.timeout))
    with tempfile.TemporaryDirectory() as d:
        vmx = os.path.join(d, "bench.vmx")
        with open(vmx, "w") as f:
            f.write('displayName = "bench-boot"\nmemsize = "256"\n'
                    'ide1:0.present = "TRUE"\nide1:0.deviceType = "cdrom-image"\n'
                    'ide1:0.fileName = "%s"\n' % os.path.abspath(a.iso))
        env = dict(os.environ, HOSTVM_RUNTIME_DIR=os.path.join(d, "rt"))
        results.append(run("hostvm", [a.vmrun, "--timeout", str(int(a.timeout)),
                                      "--serial-stdio", "--no-reboot", "--stats", vmx,
                                      "nogui"], a.timeout + 10, env))
        stats = results[-1]["stderr"]

    print("bench-boot: test ISO %s" % a.iso)
    print("%-10s %14s %14s %10s %7s" % ("", "time to shell", "workload", "total", "status"))
    for r in results:
        if r["ok"]:
            print("%-10s %13.2fs %13.2fs %9.2fs %7d" % (r["name"], r["shell"], r["work"],
                                                       r["total"], r["status"]))
        else:
            print("%-10s %14s %14s %9.2fs %7d" % (r["name"], "-", "-", r["total"], r["status"]))
    q, h = results
    if q["ok"] and h["ok"]:
        print("ratio hostvm/qemu: time to shell %.2fx, workload %.2fx"
              % (h["shell"] / q["shell"], h["work"] / max(q["work"], 1e-6)))
    if stats.strip():
        print("hostvm counters:")
        print("\n".join("  " + l for l in stats.strip().splitlines()[-12:]))
    failed = [r for r in results if not r["ok"]]
    for r in failed:
        print("%s did not get through the workload (status %d); serial tail:" % (r["name"], r["status"]))
        print(r["tail"][-1500:])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
