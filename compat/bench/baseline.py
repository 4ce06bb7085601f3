#!/usr/bin/env python3
"""Baseline for BenchmarkConvertTelethonFilesToPyrogram (docs/benchmarks-compat.md).

The plainest honest way to do the same job in Python: for every Telethon
.session file in a directory, open it with sqlite3, read the sessions row,
and pack a Pyrogram 2.x session string with struct + base64, exactly as
Pyrogram's Storage.export_session_string does ('>BI?256sQ?', url-safe base64,
padding stripped). api_id and user_id are given (Telethon files hold
neither), as the Go benchmark gives them.

Usage: baseline.py DIR [ROUNDS]   (prints files/s for each round and the best)

Like the Go side, it opens the files read-only (mode=ro) so that it never
modifies them; it does no locking, WAL or hot-journal handling, no schema
probing, no validation and no report, so it is a lower bound on the work.
"""

import base64
import os
import sqlite3
import struct
import sys
import time

API_ID = 2040
USER_ID = 123456789


def convert(path):
    conn = sqlite3.connect("file:" + path + "?mode=ro", uri=True)
    try:
        dc_id, _addr, _port, auth_key = conn.execute(
            "SELECT dc_id, server_address, port, auth_key FROM sessions"
        ).fetchone()
    finally:
        conn.close()
    packed = struct.pack(">BI?256sQ?", dc_id, API_ID, False, auth_key, USER_ID, False)
    return base64.urlsafe_b64encode(packed).decode().rstrip("=")


def main():
    d = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    files = sorted(os.path.join(d, n) for n in os.listdir(d) if n.endswith(".session"))
    best = 0.0
    for _ in range(rounds):
        t, c = time.perf_counter(), time.process_time()
        out = [convert(p) for p in files]
        dt, dc = time.perf_counter() - t, time.process_time() - c
        assert len(out) == len(files) and all(len(s) == 362 for s in out)
        rate = len(files) / dt
        best = max(best, rate)
        print(f"{len(files)} files in {dt:.3f} s: {rate:.0f} files/s, {dc / len(files) * 1e6:.0f} cpu-µs/file")
    print(f"best: {best:.0f} files/s")


if __name__ == "__main__":
    main()
