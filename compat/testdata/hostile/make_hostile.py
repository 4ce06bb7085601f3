#!/usr/bin/python3
"""Regenerates the hostile .session files in compat/testdata/hostile (see README.md).

Run from anywhere with Debian's interpreter (Python 3.11, SQLite 3.40.1):

    /usr/bin/python3 compat/testdata/hostile/make_hostile.py

Every file is small (a few KiB, the largest about 120 KiB) and made to cost a
reader far more than its size: SQLite generated columns that compute huge
values, planner statistics that make SQLite allocate per row, -wal and
-journal files whose headers claim page numbers far beyond the file. The
auth keys are the fake make_key(n) keys of docs/formats.md#vectors (n = 301…), never
registered with Telegram. Existing files are replaced; the output is
deterministic.
"""

import hashlib
import os
import sqlite3
import struct

OUT = os.path.dirname(os.path.abspath(__file__))
PAGE = 512


def make_key(n):
    return b"".join(
        hashlib.sha256(f"tg-session-vector:{n}:{i}".encode()).digest() for i in range(8)
    )


def path(name):
    p = os.path.join(OUT, name)
    for suffix in ("", "-journal", "-wal", "-shm"):
        if os.path.exists(p + suffix):
            os.remove(p + suffix)
    return p


def connect(name):
    c = sqlite3.connect(path(name), isolation_level=None)
    c.execute(f"PRAGMA page_size={PAGE}")
    c.execute("PRAGMA journal_mode=DELETE")
    return c


def finish(c):
    c.execute("VACUUM")
    c.close()


TELETHON = """
CREATE TABLE version (version integer primary key);
CREATE TABLE sessions (dc_id integer primary key, server_address text, port integer, auth_key blob, takeout_id integer{sx});
CREATE TABLE entities (id integer primary key, hash integer not null, username text, phone integer, name text, date integer{ex});
CREATE TABLE sent_files (md5_digest blob, file_size integer, type integer, id integer, hash integer, primary key(md5_digest, file_size, type));
CREATE TABLE update_state (id integer primary key, pts integer, qts integer, date integer, seq integer);
INSERT INTO version VALUES (7);
"""


def telethon(c, key, sx="", ex=""):
    c.executescript(TELETHON.format(sx=sx, ex=ex))
    c.execute(
        "INSERT INTO sessions (dc_id, server_address, port, auth_key) VALUES (2, '149.154.167.51', 443, ?)",
        (make_key(key),),
    )


def generated_virtual():
    """Unknown VIRTUAL generated columns next to the columns a reader needs: a
    100 MB zeroblob per sessions row and a 40 MB printf() text per entities
    row (60 rows). A reader that selects every column computes 2.5 GB."""
    c = connect("generated_virtual.session")
    telethon(
        c,
        301,
        sx=", x blob generated always as (zeroblob(100000000)) virtual",
        ex=", bio text generated always as (printf('%.*c', 40000000, 'x')) virtual",
    )
    for i in range(60):
        c.execute(
            "INSERT INTO entities (id, hash, username, phone, name, date) VALUES (?, ?, ?, NULL, ?, 1717243200)",
            (1000 + i, 7 * i, f"user{i}", f"User {i}"),
        )
    finish(c)


def generated_key():
    """Pyrogram schema 3 whose sessions.auth_key is itself a VIRTUAL generated
    column (100 MB per row, 8 rows): a reader that reads the key computes it."""
    c = connect("generated_key.session")
    c.executescript(
        """
        CREATE TABLE sessions (dc_id INTEGER PRIMARY KEY, api_id INTEGER, test_mode INTEGER,
            auth_key BLOB GENERATED ALWAYS AS (zeroblob(100000000 + dc_id)) VIRTUAL,
            date INTEGER NOT NULL, user_id INTEGER, is_bot INTEGER);
        CREATE TABLE peers (id INTEGER PRIMARY KEY, access_hash INTEGER, type INTEGER NOT NULL,
            username TEXT, phone_number TEXT, last_update_on INTEGER NOT NULL DEFAULT (CAST(STRFTIME('%s', 'now') AS INTEGER)));
        CREATE TABLE version (number INTEGER PRIMARY KEY);
        INSERT INTO version VALUES (3);
        """
    )
    for dc in range(1, 9):
        c.execute("INSERT INTO sessions (dc_id, api_id, test_mode, date, user_id, is_bot) VALUES (?, 2040, 0, 0, 5, 0)", (dc,))
    finish(c)


def generated_stored():
    """Telethon schema 7 whose entities.name is a STORED generated column: the
    stored values are small (written under a harmless expression) but the
    declared expression, swapped in afterwards, builds 100 MB of text. The
    columns a reader needs must be plain stored columns, never expressions."""
    c = connect("generated_stored.session")
    telethon(c, 302)
    c.execute("DROP TABLE entities")
    c.execute(
        "CREATE TABLE entities (id integer primary key, hash integer not null, username text, phone integer,"
        " name text generated always as (upper(username)) stored, date integer)"
    )
    for i in range(5):
        c.execute("INSERT INTO entities (id, hash, username, date) VALUES (?, ?, ?, 0)", (2000 + i, i, f"u{i}"))
    c.execute("PRAGMA writable_schema=ON")
    c.execute(
        "UPDATE sqlite_master SET sql = replace(sql, 'upper(username)', 'printf(''%.*c'', 100000000, ''y'')') WHERE name = 'entities'"
    )
    c.execute("PRAGMA writable_schema=OFF")
    c.close()  # no VACUUM: it would re-evaluate nothing, but keep the bytes as made


def default_amplified():
    """Telethon schema 7 whose entities.name was added by ALTER TABLE with a
    50,000-byte default: the 5,000 rows inserted before hold no name, so each
    one reads as the 50 KB default (250 MB from a ~100 KB file)."""
    c = connect("default_amplified.session")
    c.executescript(TELETHON.format(sx="", ex="").replace(" name text,", ""))
    c.execute(
        "INSERT INTO sessions (dc_id, server_address, port, auth_key) VALUES (2, '149.154.167.51', 443, ?)",
        (make_key(303),),
    )
    for i in range(5000):
        c.execute("INSERT INTO entities (id, hash, username, phone, date) VALUES (?, ?, NULL, NULL, 0)", (3000 + i, i))
    c.execute("ALTER TABLE entities ADD COLUMN name text DEFAULT '" + "n" * 50000 + "'")
    finish(c)


def stat4():
    """Telethon schema 7 with an index of 1,999 columns (the same column over
    and over) and 6,000 rows of planner statistics (sqlite_stat4) for it.
    SQLite allocates about 48 KB per statistics row when it loads the schema,
    whatever the query: 290 MB from a ~90 KB file."""
    c = connect("stat4.session")
    telethon(c, 304)
    cols = ",".join(["version"] * 1999)
    c.execute(f"CREATE INDEX i ON version({cols})")
    c.execute("PRAGMA writable_schema=ON")
    c.execute("CREATE TABLE sqlite_stat4(tbl,idx,neq,nlt,ndlt,sample)")
    c.executemany("INSERT INTO sqlite_stat4 (idx) VALUES ('i')", [()] * 6000)
    c.execute("PRAGMA writable_schema=OFF")
    finish(c)


def view_bomb():
    """Telethon tables, plus views v0…v30 where each selects twice from the
    previous one: expanding v30 would take 2^30 steps. A reader never touches
    a view (a view named update_state is not Telethon's table)."""
    c = connect("view_bomb.session")
    telethon(c, 305)
    c.execute("DROP TABLE update_state")
    c.execute("CREATE VIEW v0 AS SELECT 1 AS id, 2 AS pts, 3 AS qts, 4 AS date, 5 AS seq")
    for i in range(1, 31):
        c.execute(f"CREATE VIEW v{i} AS SELECT * FROM v{i-1} UNION ALL SELECT * FROM v{i-1}")
    c.execute("CREATE VIEW update_state AS SELECT * FROM v30")
    finish(c)


def escape_names():
    """Another application's tables, named with terminal escape sequences (a
    window-title change, a screen clear), a tab and a bidi override: the
    unknown-schema message lists them."""
    c = connect("escape_names.session")
    for name in ("\x1b]0;pwned\x07", "\x1b[2J\x1b[H", "tab\there", "\u202eevil", "ok_table"):
        c.execute('CREATE TABLE "' + name.replace('"', '""') + '" (x)')
    finish(c)


# ------------------------------------------------------------ -wal / -journal


def wal_checksum(data, s1, s2):
    for i in range(0, len(data), 8):
        a, b = struct.unpack(">II", data[i : i + 8])
        s1 = (s1 + a + s2) & 0xFFFFFFFF
        s2 = (s2 + b + s1) & 0xFFFFFFFF
    return s1, s2


def wal_huge():
    """A valid Telethon file in WAL mode and a 568-byte -wal holding one valid
    commit frame for page 524,288 (the 256 MiB limit at 512-byte pages), whose
    commit says the database is 524,288 pages long. The session itself is in
    the main file; the page is zeros."""
    c = sqlite3.connect(path("wal_huge.session"), isolation_level=None)
    c.execute(f"PRAGMA page_size={PAGE}")
    c.execute("PRAGMA journal_mode=WAL")
    telethon(c, 306)
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    c.close()
    for suffix in ("-wal", "-shm"):
        if os.path.exists(path_of("wal_huge.session") + suffix):
            os.remove(path_of("wal_huge.session") + suffix)
    salt1, salt2 = 0x11223344, 0x55667788
    hdr = struct.pack(">IIIIII", 0x377F0683, 3007000, PAGE, 0, salt1, salt2)
    s1, s2 = wal_checksum(hdr, 0, 0)
    hdr += struct.pack(">II", s1, s2)
    pgno = nTruncate = (256 << 20) // PAGE
    page = bytes(PAGE)
    fh = struct.pack(">IIII", pgno, nTruncate, salt1, salt2)
    s1, s2 = wal_checksum(fh[:8], s1, s2)
    s1, s2 = wal_checksum(page, s1, s2)
    frame = fh + struct.pack(">II", s1, s2) + page
    with open(path_of("wal_huge.session") + "-wal", "wb") as f:
        f.write(hdr + frame)


def pager_checksum(seed, page):
    i = len(page) - 200
    while i > 0:
        seed = (seed + page[i]) & 0xFFFFFFFF
        i -= 200
    return seed


def journal_huge():
    """A valid Telethon file and a hot 1,032-byte -journal (one 512-byte sector
    of header, one record) whose header says the database had 524,288 pages
    and whose record restores page 524,288. The session is in the main file."""
    c = connect("journal_huge.session")
    telethon(c, 307)
    finish(c)
    seed = 0x0BADC0DE
    mx = (256 << 20) // PAGE
    hdr = b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7" + struct.pack(">IIIII", 1, seed, mx, 512, PAGE)
    hdr = hdr.ljust(512, b"\0")
    page = bytes(PAGE)
    rec = struct.pack(">I", mx) + page + struct.pack(">I", pager_checksum(seed, page))
    with open(path_of("journal_huge.session") + "-journal", "wb") as f:
        f.write(hdr + rec)


def path_of(name):
    return os.path.join(OUT, name)


def main():
    generated_virtual()
    generated_key()
    generated_stored()
    default_amplified()
    stat4()
    view_bomb()
    escape_names()
    wal_huge()
    journal_huge()


if __name__ == "__main__":
    main()
