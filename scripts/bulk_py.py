#!/usr/bin/env python3
"""The CPython stdlib sqlite3 peer loop of docs/benchmarks-bulk.md: each
Telethon .session file in IN_DIR -> a Telethon string file in OUT_DIR
(plain writes, no fsync), and the files/s it took.
Usage: scripts/bulk_py.py IN_DIR OUT_DIR"""
import base64, ipaddress, os, sqlite3, struct, sys, time

src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)
t0 = time.perf_counter()
n = 0
for name in sorted(os.listdir(src)):
    if not name.endswith(".session"):
        continue
    con = sqlite3.connect(os.path.join(src, name))
    dc, addr, port, key = con.execute("select dc_id, server_address, port, auth_key from sessions").fetchone()
    con.close()
    ip = ipaddress.ip_address(addr).packed
    s = "1" + base64.urlsafe_b64encode(struct.pack(">B%dsH256s" % len(ip), dc, ip, port, key)).decode()
    with open(os.path.join(dst, name[:-8] + ".telethon.txt"), "w") as f:
        f.write(s + "\n")
    n += 1
dt = time.perf_counter() - t0
print(f"{n} files in {dt:.3f} s: {n/dt:.0f} files/s")
