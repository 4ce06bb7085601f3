#!/usr/bin/python3
"""Generates testdata/vectors/pyrogram.json: Pyrogram string sessions.

Usage: python3 pyrogram_vectors.py [SHARED_PYROGRAM_JSON] > pyrogram.json

Pyrogram itself cannot be installed here (PyPI is unreachable), and
@mtcute/convert cannot write (or read) the old 32-bit layout. So these strings
are made by re-running only the struct/base64 lines of Pyrogram's own code,
transcribed below with their source:

  Pyrogram 1.3.0-1.4.x  pyrogram/storage/storage.py  Storage.export_session_string
      user_id = await self.user_id()
      base64.urlsafe_b64encode(struct.pack(
          SESSION_STRING_FORMAT if user_id < utils.MAX_USER_ID_OLD else SESSION_STRING_FORMAT_64,
          dc_id, test_mode, auth_key, user_id, is_bot)).decode().rstrip("=")
      SESSION_STRING_FORMAT = ">B?256sI?", SESSION_STRING_FORMAT_64 = ">B?256sQ?",
      MAX_USER_ID_OLD = 2147483647
  Pyrogram 2.x  pyrogram/storage/storage.py  Storage.export_session_string
      base64.urlsafe_b64encode(struct.pack(">BI?256sQ?", dc_id, api_id, test_mode,
          auth_key, user_id, is_bot)).decode().rstrip("=")
  Pyrogram 2.x  pyrogram/storage/memory_storage.py  MemoryStorage.open (import)
      len(s) in (351, 356) -> old formats (351: ">B?256sI?", 356: ">B?256sQ?"),
      else ">BI?256sQ?"; each decoded with urlsafe_b64decode(s + "=" * (-len(s) % 4))

The v2 and old-64 strings are also checked byte for byte against @mtcute/convert
by the mtcute generator (mtcute.json cross_checks) and by the interop suite.
If SHARED_PYROGRAM_JSON (the project's shared/vectors/pyrogram.json) is given,
the four strings it holds are re-made here and must match exactly.
"""

import base64
import hashlib
import json
import struct
import sys

LIBRARY = "Pyrogram (export/import lines transcribed from source and re-run; PyPI unreachable)"
LIBRARY_VERSION = "1.3.0 (fe764e0e) old layouts; 2.0.106 (master 30de1e21) v2; CPython %s" % sys.version.split()[0]

OLD = ">B?256sI?"
OLD_64 = ">B?256sQ?"
V2 = ">BI?256sQ?"
MAX_USER_ID_OLD = 2147483647


def make_key(n):
    return b"".join(
        hashlib.sha256(("tg-session-vector:%d:%d" % (n, i)).encode()).digest() for i in range(8)
    )


def export_v1(dc_id, test_mode, auth_key, user_id, is_bot):
    fmt = OLD if user_id < MAX_USER_ID_OLD else OLD_64
    return base64.urlsafe_b64encode(
        struct.pack(fmt, dc_id, test_mode, auth_key, user_id, is_bot)
    ).decode().rstrip("=")


def export_v2(dc_id, api_id, test_mode, auth_key, user_id, is_bot):
    return base64.urlsafe_b64encode(
        struct.pack(V2, dc_id, api_id, test_mode, auth_key, user_id, is_bot)
    ).decode().rstrip("=")


def import_v2(s):
    """Pyrogram 2.x MemoryStorage.open, returning the values it stores."""
    if len(s) in (351, 356):
        dc_id, test_mode, auth_key, user_id, is_bot = struct.unpack(
            OLD if len(s) == 351 else OLD_64, base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
        )
        return {"layout": "old-32" if len(s) == 351 else "old-64", "dc_id": dc_id, "api_id": None,
                "test_mode": test_mode, "auth_key_hex": auth_key.hex(), "user_id": user_id, "is_bot": is_bot}
    dc_id, api_id, test_mode, auth_key, user_id, is_bot = struct.unpack(
        V2, base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
    )
    return {"layout": "v2", "dc_id": dc_id, "api_id": api_id, "test_mode": test_mode,
            "auth_key_hex": auth_key.hex(), "user_id": user_id, "is_bot": is_bot}


def _error_name(exc):
    t = type(exc)
    return t.__qualname__ if t.__module__ == "builtins" else t.__module__ + "." + t.__qualname__


VECTORS = []


def add(name, dc_id, api_id, test_mode, user_id, is_bot, key_n, note=None):
    key = make_key(key_n)
    if api_id is None:
        text = export_v1(dc_id, test_mode, key, user_id, is_bot)
        api = "Pyrogram 1.3 Storage.export_session_string (transcribed)"
    else:
        text = export_v2(dc_id, api_id, test_mode, key, user_id, is_bot)
        api = "Pyrogram 2.x Storage.export_session_string (transcribed)"
    read = import_v2(text)
    assert read["auth_key_hex"] == key.hex() and read["user_id"] == user_id
    entry = {
        "name": name,
        "format": "pyrogram-legacy" if api_id is None else "pyrogram",
        "library": LIBRARY,
        "library_version": LIBRARY_VERSION,
        "api": api,
        "read_api": "Pyrogram 2.x MemoryStorage.open (transcribed)",
        "canonical": True,
        "inputs": {"dc_id": dc_id, "api_id": api_id, "test_mode": test_mode, "user_id": user_id,
                   "is_bot": is_bot, "auth_key": "make_key(%d)" % key_n},
        "text": text,
        "expect": {
            "dc_id": dc_id,
            "server_address": None,
            "port": None,
            "ipv6": None,
            "test_mode": test_mode,
            "api_id": api_id,
            "user_id": user_id,
            "is_bot": is_bot,
            "layout": read["layout"],
            "media": None,
            "auth_key_hex": key.hex(),
            "auth_key_id": hashlib.sha1(key).digest()[12:20].hex(),
        },
    }
    if note:
        entry["note"] = note
    VECTORS.append(entry)


def build():
    add("pyrogram_old32_dc2_user", 2, None, False, 123456789, False, 500)
    add("pyrogram_old32_dc1_test_bot", 1, None, True, 987654321, True, 501)
    add("pyrogram_old32_dc5_user_1", 5, None, False, 1, False, 502)
    add("pyrogram_old32_boundary_2147483646", 4, None, False, 2147483646, False, 503,
        "largest user id Pyrogram 1.3 writes in the 32-bit layout")
    add("pyrogram_old32_dc3_user", 3, None, False, 777000, False, 504)
    add("pyrogram_old64_boundary_2147483647", 2, None, False, 2147483647, False, 505,
        "user_id < 2147483647 is strict: 2147483647 gets the 64-bit layout")
    add("pyrogram_old64_dc4_user", 4, None, False, 5000000001, False, 506)
    add("pyrogram_old64_test_bot", 1, None, True, 6000000000, True, 507)
    add("pyrogram_old64_user_2pow63_minus1", 2, None, False, 2**63 - 1, False, 508,
        "largest user id the u64 field can hold that Go's int64 holds too")
    add("pyrogram_v2_dc2_user", 2, 2040, False, 123456791, False, 510)
    add("pyrogram_v2_dc4_bot", 4, 2040, False, 7123456789, True, 511)
    add("pyrogram_v2_dc3_user", 3, 94575, False, 5000000001, False, 512,
        "DC 3: the first byte is 3, like an mtcute v3 string")
    add("pyrogram_v2_test_dc2", 2, 12345, True, 9996621234, False, 513)
    add("pyrogram_v2_api_id_max", 5, 4294967295, False, 2**53 + 1, True, 514,
        "api_id 2^32-1; user id 2^53+1 (a JS number cannot hold it)")
    add("pyrogram_v2_user_0", 1, 6, False, 0, False, 515,
        "user id 0: what converters write when they do not know it")


PROBES = []


def probe(name, text, note=None):
    p = {"name": name, "library": LIBRARY, "library_version": LIBRARY_VERSION,
         "api": "Pyrogram 2.x MemoryStorage.open (transcribed)", "input": text}
    try:
        p["read"] = import_v2(text)
        p["result"] = "ok"
    except Exception as exc:  # noqa: BLE001
        p["result"] = "error"
        p["error"] = "%s: %s" % (_error_name(exc), exc)
    if note:
        p["note"] = note
    PROBES.append(p)


def build_probes():
    v2 = next(v for v in VECTORS if v["name"] == "pyrogram_v2_dc2_user")["text"]
    o32 = next(v for v in VECTORS if v["name"] == "pyrogram_old32_dc2_user")["text"]
    o64 = next(v for v in VECTORS if v["name"] == "pyrogram_old64_dc4_user")["text"]
    std = {ord("-"): "+", ord("_"): "/"}
    probe("v2_valid", v2)
    probe("v2_padding_added", v2 + "=" * (-len(v2) % 4))
    probe("v2_standard_alphabet", v2.translate(std))
    probe("v2_trailing_newline", v2 + "\n")
    probe("v2_leading_space", " " + v2)
    probe("v2_truncated_4_chars", v2[:-4])
    probe("old32_valid", o32)
    probe("old32_padding_added", o32 + "=" * (-len(o32) % 4),
          "352 chars: the length test sends it down the v2 path")
    probe("old32_trailing_newline", o32 + "\n")
    probe("old64_valid", o64)
    probe("old64_trailing_newline", o64 + "\n")
    probe("empty", "", "Pyrogram 2.x skips import for an empty string; shown here: what unpacking it gives")


def check_shared(path):
    with open(path) as f:
        shared = json.load(f)
    for s in shared["string_sessions"]:
        i = s["inputs"]
        key = bytes.fromhex(i["auth_key_hex"])
        if "api_id" in i:
            got = export_v2(i["dc_id"], i["api_id"], i["test_mode"], key, i["user_id"], i["is_bot"])
        else:
            got = export_v1(i["dc_id"], i["test_mode"], key, i["user_id"], i["is_bot"])
        if got != s["output"]:
            raise SystemExit("pyrogram_vectors.py: transcription disagrees with shared vector %s" % s["name"])
    return [s["name"] for s in shared["string_sessions"]]


def main():
    checked = check_shared(sys.argv[1]) if len(sys.argv) > 1 else []
    build()
    build_probes()
    doc = {
        "library": LIBRARY,
        "library_version": LIBRARY_VERSION,
        "generator": "interop/gen/pyrogram_vectors.py (run by interop/gen/gen_vectors.sh)",
        "note": "Pyrogram is not installable here and @mtcute/convert cannot write old-32, so these strings come from "
                "Pyrogram's struct/base64 lines re-run (see the generator's docstring for the exact lines). v2 and "
                "old-64 strings are cross-checked against @mtcute/convert (mtcute.json cross_checks).",
        "checked_against_shared_vectors": checked,
        "auth_key_recipe": "make_key(n) = concat(sha256('tg-session-vector:<n>:<i>') for i in 0..7) (256 bytes)",
        "string_sessions": VECTORS,
        "decode_probes": PROBES,
    }
    json.dump(doc, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
