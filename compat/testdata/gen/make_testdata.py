#!/usr/bin/python3
"""Regenerates the .session files in compat/testdata (see ../README.md).

Run from anywhere with Debian's interpreter (it imports python3-telethon):

    /usr/bin/python3 compat/testdata/gen/make_testdata.py

Files whose name starts with "telethon_v7" are written by real Telethon 1.25.1
(SQLiteSession); every other file is made by executing, with Python's sqlite3,
the CREATE/INSERT/ALTER statements copied from the named library's source (the
same way docs/formats.md's vectors were made, since Pyrogram and Telethon v2 cannot
be installed here). Existing files are replaced. Auth keys are the fake
make_key(n) keys of docs/formats.md#vectors.
"""

import datetime
import hashlib
import os
import shutil
import sqlite3
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)
DATE = 1717243200  # 2024-06-01T12:00:00Z, fixed so files are reproducible


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


# ---------------------------------------------------------------- Telethon 1.25.1


def telethon_files():
    import telethon
    from telethon.crypto import AuthKey
    from telethon.sessions import SQLiteSession
    from telethon.tl import types

    assert telethon.__version__ == "1.25.1", telethon.__version__

    # The main file: DC 2, entities of every kind, update states, takeout.
    s = SQLiteSession(path("telethon_v7.session"))
    s.set_dc(2, "149.154.167.51", 443)
    s.auth_key = AuthKey(make_key(101))
    s.takeout_id = 77
    s.process_entities(
        [
            types.User(
                id=123456789,
                access_hash=-1234567890123456789,
                first_name="Alice",
                last_name="Example",
                username="Alice_Example",
                phone="15551234567",
            ),
            types.User(
                id=5000000001,
                access_hash=987654321987654321,
                first_name="Some Bot",
                username="some_bot",
                bot=True,
            ),
            types.User(id=222222222, access_hash=55, first_name="Phone", phone="447700900123"),
            types.Chat(
                id=987654,
                title="A group",
                photo=types.ChatPhotoEmpty(),
                participants_count=3,
                date=None,
                version=1,
            ),
            types.Channel(
                id=1234567890,
                title="A channel",
                photo=types.ChatPhotoEmpty(),
                date=None,
                access_hash=-3667816481299220253,
                username="AChannel",
            ),
            types.Channel(
                id=1111111111,
                title="A supergroup",
                photo=types.ChatPhotoEmpty(),
                date=None,
                access_hash=42,
                megagroup=True,
            ),
            # Since 1.25 Telethon re-inserts cached peers as InputPeer*, which
            # leaves username/phone/name NULL.
            types.InputPeerUser(333333333, 6666),
        ]
    )
    utc = datetime.timezone.utc
    s.set_update_state(
        0,
        types.updates.State(
            pts=1000, qts=5, date=datetime.datetime.fromtimestamp(DATE, tz=utc), seq=42, unread_count=0
        ),
    )
    s.set_update_state(
        1234567890,
        types.updates.State(
            pts=777,
            qts=0,
            date=datetime.datetime.fromtimestamp(DATE + 0.123456, tz=utc),
            seq=0,
            unread_count=0,
        ),
    )
    s.save()
    s.close()
    # Telethon stamps entities with time.time(); pin them for reproducibility.
    c = sqlite3.connect(os.path.join(OUT, "telethon_v7.session"))
    c.execute("update entities set date = ?", (DATE,))
    c.commit()
    c.close()

    # IPv6 address, DC 4, no entities.
    s = SQLiteSession(path("telethon_v7_ipv6.session"))
    s.set_dc(4, "2001:67c:4e8:f004::a", 443)
    s.auth_key = AuthKey(make_key(102))
    s.save()
    s.close()

    # A fresh file: Telethon's placeholder row (0, NULL, NULL, X'', NULL).
    s = SQLiteSession(path("telethon_v7_nokey.session"))
    s.save()
    s.close()


# ------------------------------------------------- Telethon schema history 1 - 6

V1_TABLES = [
    "create table version (version integer primary key)",
    """create table sessions (
                    dc_id integer primary key,
                    server_address text,
                    port integer,
                    auth_key blob
                )""",
    """create table entities (
                    id integer primary key,
                    hash integer not null,
                    username text,
                    phone integer,
                    name text
                )""",
]
OLD_SENT_FILES = """create table sent_files (
                    md5_digest blob,
                    file_size integer,
                    file_id integer,
                    part_count integer,
                    primary key(md5_digest, file_size)
                )"""
SENT_FILES = """create table sent_files (
                md5_digest blob,
                file_size integer,
                type integer,
                id integer,
                hash integer,
                primary key(md5_digest, file_size, type)
            )"""
UPDATE_STATE = """create table update_state (
                id integer primary key,
                pts integer,
                qts integer,
                date integer,
                seq integer
            )"""


def telethon_old(version):
    """Replays Telethon's schema history up to `version` (sqlite.py git history)."""
    c = sqlite3.connect(path(f"telethon_v{version}.session"))
    for t in V1_TABLES:
        c.execute(t)
    if version >= 2:
        c.execute(OLD_SENT_FILES)
    if version >= 3:
        c.execute("drop table sent_files")
        c.execute(SENT_FILES)
    if version >= 4:
        c.execute(UPDATE_STATE)
    if version >= 5:
        c.execute("alter table sessions add column takeout_id integer")
    c.execute("insert into version values (?)", (version,))
    row = [3, "149.154.175.100", 443, make_key(150 + version)]
    if version >= 5:
        row.append(None)
    c.execute(f"insert or replace into sessions values ({','.join('?' * len(row))})", row)
    if version != 6:  # 5 -> 6 deleted every entity
        c.execute(
            "insert or replace into entities values (?,?,?,?,?)",
            (123456789, -1234567890123456789, "alice_example", "15551234567", "Alice Example"),
        )
    if version >= 4:
        c.execute("insert or replace into update_state values (?,?,?,?,?)", (0, 10, 1, DATE, 2))
    c.commit()
    c.close()


def telethon_mixed():
    """Version 7 with the odd typing real files have: port as TEXT in an untyped
    column, a '+' phone stored as TEXT, REAL dates, an extra version row and an
    extra keyless sessions row."""
    c = sqlite3.connect(path("telethon_v7_mixed.session"))
    c.execute("create table version (version integer primary key)")
    c.execute(
        "create table sessions (dc_id integer primary key, server_address, port, auth_key, takeout_id integer)"
    )
    c.execute(
        "create table entities (id integer primary key, hash integer not null, username text, phone integer, name text, date integer)"
    )
    c.execute(UPDATE_STATE)
    c.execute("insert into version values (7)")
    c.execute("insert into version values (6)")  # extra version row: Telethon reads the first
    c.execute("insert into sessions values (?,?,?,?,?)", (1, None, None, b"", None))
    c.execute("insert into sessions values (?,?,?,?,?)", (5, "91.108.56.130", "443", make_key(107), None))
    c.execute(
        "insert into entities values (?,?,?,?,?,?)", (123456789, "-1234567890123456789", None, "+15551234567", None, 1717243200.5)
    )
    c.execute("insert into entities values (?,?,?,?,?,?)", (-987654, 0, None, None, "A group", None))
    c.execute("insert into update_state values (?,?,?,?,?)", (0, 10, 1, 1717243200.25, 2))
    c.commit()
    c.close()


# ----------------------------------------------------------- Telethon v2 (v10)


def telethon_v10():
    # LonamiWebs/Telethon v2 branch (f15af530) client/src/telethon/_impl/session/storage/sqlite.py
    c = sqlite3.connect(path("telethon_v10.session"))
    c.executescript(
        """
            create table version (
                version integer primary key
            );
            create table datacenter(
                id integer primary key,
                ipv4_addr text,
                ipv6_addr text,
                auth blob
            );
            create table user(
                id integer primary key,
                dc integer not null,
                bot integer not null,
                username text
            );
            create table state(
                pts integer not null,
                qts integer not null,
                date integer not null,
                seq integer not null
            );
            create table channelstate(
                id integer primary key,
                pts integer not null
            );
            """
    )
    c.execute("insert into version values (?)", (10,))
    c.executemany(
        "insert into datacenter values (?, ?, ?, ?)",
        [
            (1, "149.154.175.53:443", "2001:b28:f23d:f001::a:443", make_key(111)),
            (2, "149.154.167.51:443", "2001:67c:4e8:f002::a:443", None),
            (4, "149.154.167.91:443", None, make_key(110)),
        ],
    )
    c.execute("insert into user values (?, ?, ?, ?)", (5000000001, 4, 0, "me_user"))
    c.execute("insert into state values (?, ?, ?, ?)", (1000, 5, DATE, 42))
    c.executemany("insert into channelstate values (?, ?)", [(1234567890, 777)])
    c.commit()
    c.close()

    # The earlier v2 alpha layout (commit 6a880f1f): datacenter(id, addr, auth),
    # user without username. No user row: Telethon v2 starts on DC 2.
    c = sqlite3.connect(path("telethon_v10_alpha.session"))
    c.executescript(
        """
            create table version (
                version integer primary key
            );
            create table datacenter(
                id integer primary key,
                addr text not null,
                auth blob
            );
            create table user(
                id integer primary key,
                dc integer not null,
                bot integer not null
            );
            create table state(
                pts integer not null,
                qts integer not null,
                date integer not null,
                seq integer not null
            );
            create table channelstate(
                id integer primary key,
                pts integer not null
            );
            """
    )
    c.execute("insert into version values (?)", (10,))
    c.execute("insert into datacenter values (?, ?, ?)", (2, "149.154.167.51:443", make_key(112)))
    c.commit()
    c.close()


# -------------------------------------------------------------- Pyrogram family

PYRO_V1_SCHEMA = """
CREATE TABLE sessions
(
    dc_id     INTEGER PRIMARY KEY,
    test_mode INTEGER,
    auth_key  BLOB,
    date      INTEGER NOT NULL,
    user_id   INTEGER,
    is_bot    INTEGER
);

CREATE TABLE peers
(
    id             INTEGER PRIMARY KEY,
    access_hash    INTEGER,
    type           INTEGER NOT NULL,
    username       TEXT,
    phone_number   TEXT,
    last_update_on INTEGER NOT NULL DEFAULT (CAST(STRFTIME('%s', 'now') AS INTEGER))
);

CREATE TABLE version
(
    number INTEGER PRIMARY KEY
);

CREATE INDEX idx_peers_id ON peers (id);
CREATE INDEX idx_peers_username ON peers (username);
CREATE INDEX idx_peers_phone_number ON peers (phone_number);

CREATE TRIGGER trg_peers_last_update_on
    AFTER UPDATE
    ON peers
BEGIN
    UPDATE peers
    SET last_update_on = CAST(STRFTIME('%s', 'now') AS INTEGER)
    WHERE id = NEW.id;
END;
"""

# pyrogram/pyrogram@30de1e21 pyrogram/storage/sqlite_storage.py (version 3)
PYRO_V3_SCHEMA = PYRO_V1_SCHEMA.replace(
    "    dc_id     INTEGER PRIMARY KEY,\n", "    dc_id     INTEGER PRIMARY KEY,\n    api_id    INTEGER,\n"
)

# Mayuri-Chan/pyrofork main pyrogram/storage/sqlite_storage.py (version 4)
PYROFORK_SCHEMA = PYRO_V3_SCHEMA.replace(
    "CREATE TABLE version\n",
    """CREATE TABLE update_state
(
    id   INTEGER PRIMARY KEY,
    pts  INTEGER,
    qts  INTEGER,
    date INTEGER,
    seq  INTEGER
);

CREATE TABLE version
""",
)
PYROFORK_UNAME_SCHEMA = """
CREATE TABLE IF NOT EXISTS usernames
(
    id             TEXT PRIMARY KEY,
    peer_id        INTEGER NOT NULL,
    last_update_on INTEGER NOT NULL DEFAULT (CAST(STRFTIME('%s', 'now') AS INTEGER))
);

CREATE TRIGGER IF NOT EXISTS trg_usernames_last_update_on
    AFTER UPDATE
    ON usernames
BEGIN
    UPDATE usernames
    SET last_update_on = CAST(STRFTIME('%s', 'now') AS INTEGER)
    WHERE id = NEW.id;
END;
"""

# kurigram-org/kurigram@584b0c38 pyrogram/storage/sqlite_storage.py migrations
KURI_USERNAMES_SCHEMA = """
CREATE TABLE usernames
(
    id       INTEGER,
    username TEXT,
    FOREIGN KEY (id) REFERENCES peers(id)
);

CREATE INDEX idx_usernames_username ON usernames (username);
"""
KURI_UPDATE_STATE_SCHEMA = """
CREATE TABLE update_state
(
    id   INTEGER PRIMARY KEY,
    pts  INTEGER,
    qts  INTEGER,
    date INTEGER,
    seq  INTEGER
);
"""

PEERS = [
    # id, access_hash, type, username, phone_number
    (123456789, -1234567890123456789, "user", "alice_example", "15551234567"),
    (5000000001, 987654321987654321, "bot", "some_bot", None),
    (-987654, None, "group", None, None),
    (-1001234567890, -3667816481299220253, "channel", "achannel", None),
    (-1001111111111, 42, "supergroup", None, None),
]


def pyro_peers(c, with_username=True):
    for p in PEERS:
        if with_username:
            c.execute(
                "INSERT INTO peers (id, access_hash, type, username, phone_number, last_update_on) VALUES (?, ?, ?, ?, ?, ?)",
                p + (DATE,),
            )
        else:
            c.execute(
                "INSERT INTO peers (id, access_hash, type, phone_number, last_update_on) VALUES (?, ?, ?, ?, ?)",
                (p[0], p[1], p[2], p[4], DATE),
            )


def pyrogram_old(version):
    c = sqlite3.connect(path(f"pyrogram_v{version}.session"))
    c.executescript(PYRO_V1_SCHEMA)
    c.execute("INSERT INTO version VALUES (?)", (version,))
    c.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?)", (2 if version == 2 else 1, None, None, 0, None, None))
    c.execute("UPDATE sessions SET dc_id = ?", (1,))
    c.execute("UPDATE sessions SET test_mode = ?", (0,))
    c.execute("UPDATE sessions SET auth_key = ?", (make_key(120 + version),))
    c.execute("UPDATE sessions SET user_id = ?", (123456789,))
    c.execute("UPDATE sessions SET is_bot = ?", (0,))
    c.execute("UPDATE sessions SET date = ?", (DATE,))
    pyro_peers(c)
    c.commit()
    c.close()


def pyrogram_v3_migrated():
    # A 1.x (version 2) file opened by Pyrogram 2.x: api_id appended, NULL.
    c = sqlite3.connect(path("pyrogram_v3_migrated.session"))
    c.executescript(PYRO_V1_SCHEMA)
    c.execute("INSERT INTO version VALUES (?)", (2,))
    c.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?)", (5, 0, make_key(123), DATE, 5000000001, 1))
    pyro_peers(c)
    c.execute("ALTER TABLE sessions ADD api_id INTEGER")
    c.execute("UPDATE version SET number = ?", (3,))
    c.commit()
    c.close()


def pyrofork_v4():
    c = sqlite3.connect(path("pyrofork_v4.session"))
    c.executescript(PYROFORK_SCHEMA)
    c.executescript(PYROFORK_UNAME_SCHEMA)
    c.execute("INSERT INTO version VALUES (?)", (4,))
    c.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?)", (2, None, None, None, 0, None, None))
    for col, val in (
        ("dc_id", 1),
        ("api_id", 2040),
        ("test_mode", 0),
        ("auth_key", make_key(124)),
        ("user_id", 123456789),
        ("is_bot", 0),
        ("date", DATE),
    ):
        c.execute(f"UPDATE sessions SET {col} = ?", (val,))
    pyro_peers(c)
    c.executemany(
        "REPLACE INTO usernames (peer_id, id) VALUES (?, ?)",
        [(123456789, "alice_alt"), (-1001234567890, "achannel_old")],
    )
    c.execute("REPLACE INTO update_state (id, pts, qts, date, seq) VALUES (?, ?, ?, ?, ?)", (0, 10, 1, DATE, 2))
    c.commit()
    c.close()


def kurigram_migrated(target):
    """A Pyrogram v3 file migrated by kurigram's update() up to `target`."""
    c = sqlite3.connect(path(f"kurigram_v{target}_migrated.session"))
    c.executescript(PYRO_V3_SCHEMA)
    c.execute("INSERT INTO version VALUES (?)", (3,))
    c.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?)", (1, 2040, 1, make_key(130 + target), DATE, 123456789, 0))
    pyro_peers(c)
    version = 3
    if version == 3 and target > 3:
        c.executescript(KURI_USERNAMES_SCHEMA)
        version += 1
    if version == 4 and target > 4:
        c.executescript(KURI_UPDATE_STATE_SCHEMA)
        version += 1
    if version == 5 and target > 5:
        c.execute("CREATE INDEX idx_usernames_id ON usernames (id);")
        version += 1
    if version == 6 and target > 6:
        # test_mode is 1 in this file: kurigram's TEST table and port 80.
        c.execute("ALTER TABLE sessions ADD server_address TEXT;")
        c.execute("ALTER TABLE sessions ADD port INTEGER;")
        c.execute("UPDATE sessions SET server_address = ?;", ("149.154.175.10",))
        c.execute("UPDATE sessions SET port = ?;", (80,))
        version += 1
    c.execute("UPDATE version SET number = ?", (version,))
    c.executemany(
        "REPLACE INTO usernames (id, username) VALUES (?, ?)",
        [(123456789, "alice_example"), (123456789, "alice_alt"), (-1001234567890, "achannel")],
    )
    c.commit()
    c.close()


def hydrogram_wal():
    """Hydrogram's schema (= Pyrogram v3) in WAL mode, with the session row only
    in the -wal file: the three files are copied while the writer is open."""
    tmp = path("hydrogram_tmp.session")
    c = sqlite3.connect(tmp)
    c.execute("PRAGMA journal_mode=WAL")
    c.executescript(PYRO_V3_SCHEMA)
    c.execute("INSERT INTO version VALUES (?)", (3,))
    c.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?)", (2, None, None, None, 0, None, None))
    c.commit()
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # From here on, everything lives only in the WAL.
    for col, val in (
        ("dc_id", 3),
        ("api_id", 2040),
        ("test_mode", 0),
        ("auth_key", make_key(140)),
        ("user_id", 777000111),
        ("is_bot", 1),
        ("date", DATE),
    ):
        c.execute(f"UPDATE sessions SET {col} = ?", (val,))
    pyro_peers(c)
    c.commit()
    dst = path("hydrogram_wal.session")
    for suffix in ("", "-wal", "-shm"):
        shutil.copyfile(tmp + suffix, dst + suffix)
    c.close()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(tmp + suffix):
            os.remove(tmp + suffix)
    # Sanity: the db file alone still holds the placeholder row.
    only = sqlite3.connect("file:" + dst + "?immutable=1", uri=True)
    assert only.execute("SELECT auth_key FROM sessions").fetchone()[0] is None
    only.close()


def main():
    telethon_files()
    for v in range(1, 7):
        telethon_old(v)
    telethon_mixed()
    telethon_v10()
    pyrogram_old(1)
    pyrogram_old(2)
    pyrogram_v3_migrated()
    pyrofork_v4()
    for v in (4, 5, 6, 7):
        kurigram_migrated(v)
    hydrogram_wal()
    print("ok", file=sys.stderr)


if __name__ == "__main__":
    main()
