#!/usr/bin/python3
"""Telethon peer for tgsession's interop tests.

Speaks JSON lines on stdin/stdout: one request per line,
    {"id": <any>, "op": "<name>", "args": {...}}
and one response per line,
    {"id": <same>, "result": {...}}   or   {"id": <same>, "error": "<ExceptionType>: <message>"}.
Exception types are printed as Python names them: "ValueError", "binascii.Error",
"struct.error", ...

Run it with Debian's interpreter (/usr/bin/python3), which can import the Debian
python3-telethon package (interop/setup.sh installs it). Every call goes through
Telethon's own classes; nothing here re-implements a format.

Ops (auth keys cross the pipe as lowercase hex; these are fake test keys):

  version       {} -> {"library": "Telethon", "version", "python"}
  telethon_decode {"text"} -> StringSession(text):
                {"dc_id", "server_address" (null if none), "port" (null if none),
                 "auth_key_hex" (null if Telethon holds no key, e.g. all-zero key),
                 "auth_key_id" (Telethon's AuthKey.key_id, u64, or null)}
  telethon_encode {"dc_id", "server_address", "port", "auth_key_hex" (or null)}
                -> {"text"}: StringSession(); set_dc(); auth_key = AuthKey(key); save()
  sqlite_write  {"path", "dc_id", "server_address", "port", "auth_key_hex" (or null),
                 "takeout_id" (optional), "entities" (optional list),
                 "update_states" (optional list)} -> {"path"}
                Creates a new SQLiteSession file (the file must not exist), sets the
                DC and key through Telethon's setters, stores entities with
                SQLiteSession.process_entities() on real Telethon TL objects, and
                update states with set_update_state(). Entity objects:
                  {"type": "user", "id", "access_hash", "username"?, "phone"?,
                   "first_name"?, "last_name"?, "bot"?}
                  {"type": "chat", "id", "title"}
                  {"type": "channel", "id", "access_hash", "title", "username"?,
                   "megagroup"?}
                ("id" is the bare id; Telethon stores the marked id.)
                Update states: {"id" (0 = account, else channel id), "pts", "qts",
                "date" (unix seconds, may be fractional), "seq"}.
  sqlite_read   {"path"} -> SQLiteSession(path), which (as Telethon always does)
                migrates an older schema in place:
                {"path", "dc_id", "server_address", "port", "auth_key_hex",
                 "takeout_id", "entities": [{"id", "hash", "username", "phone",
                 "name", "date", "input_peer"}], "update_states": [{"id", "pts",
                 "qts", "date", "seq"}], "version"}
                "phone" is returned as stored (int or str); "input_peer" is the class
                name get_input_entity(id) returns; "date" of update states is a float.
"""

import datetime
import json
import os
import sys

import telethon
from telethon.crypto import AuthKey
from telethon.sessions import SQLiteSession, StringSession
from telethon.tl import types


def _hex_key(session):
    key = session.auth_key
    if key is None or not key.key:
        return None, None
    return key.key.hex(), key.key_id


def _error_name(exc):
    t = type(exc)
    mod = t.__module__
    if mod in ("builtins", "__main__"):
        return t.__qualname__
    return mod + "." + t.__qualname__


def op_version(_args):
    return {
        "library": "Telethon",
        "version": telethon.__version__,
        "python": sys.version.split()[0],
    }


def op_telethon_decode(args):
    s = StringSession(args["text"])
    key_hex, key_id = _hex_key(s)
    return {
        "dc_id": s.dc_id,
        "server_address": s.server_address,
        "port": s.port,
        "auth_key_hex": key_hex,
        "auth_key_id": key_id,
    }


def op_telethon_encode(args):
    s = StringSession()
    s.set_dc(args["dc_id"], args["server_address"], args["port"])
    if args.get("auth_key_hex") is not None:
        s.auth_key = AuthKey(bytes.fromhex(args["auth_key_hex"]))
    return {"text": s.save()}


def _entity(e):
    kind = e["type"]
    if kind == "user":
        return types.User(
            id=e["id"],
            access_hash=e["access_hash"],
            first_name=e.get("first_name"),
            last_name=e.get("last_name"),
            username=e.get("username"),
            phone=e.get("phone"),
            bot=e.get("bot"),
        )
    if kind == "chat":
        return types.Chat(
            id=e["id"],
            title=e["title"],
            photo=types.ChatPhotoEmpty(),
            participants_count=e.get("participants_count", 1),
            date=None,
            version=1,
        )
    if kind == "channel":
        return types.Channel(
            id=e["id"],
            title=e["title"],
            photo=types.ChatPhotoEmpty(),
            date=None,
            access_hash=e["access_hash"],
            username=e.get("username"),
            megagroup=e.get("megagroup"),
        )
    raise ValueError("unknown entity type %r" % (kind,))


def op_sqlite_write(args):
    path = args["path"]
    if os.path.exists(path):
        raise FileExistsError("refusing to overwrite an existing file")
    s = SQLiteSession(path)
    try:
        s.set_dc(args["dc_id"], args["server_address"], args["port"])
        if args.get("auth_key_hex") is not None:
            s.auth_key = AuthKey(bytes.fromhex(args["auth_key_hex"]))
        if args.get("takeout_id") is not None:
            s.takeout_id = args["takeout_id"]
        entities = [_entity(e) for e in args.get("entities") or []]
        if entities:
            s.process_entities(entities)
        for st in args.get("update_states") or []:
            date = datetime.datetime.fromtimestamp(st["date"], tz=datetime.timezone.utc)
            s.set_update_state(
                st["id"],
                types.updates.State(
                    pts=st["pts"], qts=st["qts"], date=date, seq=st["seq"], unread_count=0
                ),
            )
        s.save()
        return {"path": s.filename}
    finally:
        s.close()


def op_sqlite_read(args):
    path = args["path"]
    if not os.path.exists(path):
        # SQLiteSession would silently create a new, empty file.
        raise FileNotFoundError("no such file")
    s = SQLiteSession(path)
    try:
        key_hex, key_id = _hex_key(s)
        c = s._cursor()
        try:
            version = c.execute("select version from version").fetchone()[0]
            rows = c.execute(
                "select id, hash, username, phone, name, date from entities order by id"
            ).fetchall()
        finally:
            c.close()
        entities = []
        for row in rows:
            try:
                peer = type(s.get_input_entity(row[0])).__name__
            except Exception as exc:  # noqa: BLE001 - reported, not hidden
                peer = "error: " + _error_name(exc)
            entities.append(
                {
                    "id": row[0],
                    "hash": row[1],
                    "username": row[2],
                    "phone": row[3],
                    "name": row[4],
                    "date": row[5],
                    "input_peer": peer,
                }
            )
        states = []
        for eid, st in sorted(s.get_update_states(), key=lambda x: x[0]):
            states.append(
                {
                    "id": eid,
                    "pts": st.pts,
                    "qts": st.qts,
                    "date": st.date.timestamp(),
                    "seq": st.seq,
                }
            )
        return {
            "path": s.filename,
            "version": version,
            "dc_id": s.dc_id,
            "server_address": s.server_address,
            "port": s.port,
            "auth_key_hex": key_hex,
            "auth_key_id": key_id,
            "takeout_id": s.takeout_id,
            "entities": entities,
            "update_states": states,
        }
    finally:
        s.close()


OPS = {
    "version": op_version,
    "telethon_decode": op_telethon_decode,
    "telethon_encode": op_telethon_encode,
    "sqlite_write": op_sqlite_write,
    "sqlite_read": op_sqlite_read,
}


def main():
    out = sys.stdout
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req_id = None
        try:
            req = json.loads(line)
            req_id = req.get("id")
            fn = OPS.get(req.get("op"))
            if fn is None:
                raise KeyError("unknown op %r" % (req.get("op"),))
            resp = {"id": req_id, "result": fn(req.get("args") or {})}
        except Exception as exc:  # noqa: BLE001 - every error goes back to the caller
            resp = {"id": req_id, "error": "%s: %s" % (_error_name(exc), exc)}
        out.write(json.dumps(resp) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
