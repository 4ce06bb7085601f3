#!/usr/bin/python3
"""Generates testdata/vectors/telethon.json with real Telethon (Debian python3-telethon).

Usage: /usr/bin/python3 -I telethon_vectors.py [CROSS.json ...] > telethon.json

Every string is made by Telethon's StringSession.save() and read back with
StringSession(text), through the same functions the interop peer uses
(../peers/telethon_peer.py). Optional CROSS files are other generators'
outputs (gramjs.json, mtcute.json, pyrogram.json); their strings are fed to
Telethon as decode probes. Deterministic: fixed inputs, fixed seed, keys from
the docs/formats.md#vectors make_key recipe.
"""

import hashlib
import importlib.util
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "telethon_peer", os.path.join(HERE, "..", "peers", "telethon_peer.py")
)
peer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(peer)

VERSION = peer.op_version({})
LIBRARY = "Telethon"
LIBRARY_VERSION = "%s (CPython %s)" % (VERSION["version"], VERSION["python"])
ENCODE_API = "StringSession(); set_dc(dc_id, server_address, port); auth_key = AuthKey(key); save()"
DECODE_API = "StringSession(text)"


def make_key(n):
    return b"".join(
        hashlib.sha256(("tg-session-vector:%d:%d" % (n, i)).encode()).digest() for i in range(8)
    )


def key_id_hex(key):
    return hashlib.sha1(key).digest()[12:20].hex()


def call(fn, args):
    try:
        return "ok", fn(args)
    except Exception as exc:  # noqa: BLE001
        return "error", "%s: %s" % (peer._error_name(exc), exc)


VECTORS = []


def add(name, dc, addr, port, key_n, note=None):
    key = make_key(key_n)
    res, enc = call(
        peer.op_telethon_encode,
        {"dc_id": dc, "server_address": addr, "port": port, "auth_key_hex": key.hex()},
    )
    if res != "ok":
        raise SystemExit("telethon refused vector %s: %s" % (name, enc))
    text = enc["text"]
    read = peer.op_telethon_decode({"text": text})
    if read["auth_key_hex"] != key.hex() or read["dc_id"] != dc or read["port"] != port:
        raise SystemExit("telethon does not read back vector %s" % name)
    ipv6 = ":" in read["server_address"]
    entry = {
        "name": name,
        "format": "telethon",
        "library": LIBRARY,
        "library_version": LIBRARY_VERSION,
        "api": ENCODE_API,
        "read_api": DECODE_API,
        "canonical": True,
        "inputs": {"dc_id": dc, "server_address": addr, "port": port, "auth_key": "make_key(%d)" % key_n},
        "text": text,
        "expect": {
            "dc_id": dc,
            "server_address": read["server_address"],
            "port": port,
            "ipv6": ipv6,
            "test_mode": None,
            "api_id": None,
            "user_id": None,
            "is_bot": None,
            "layout": "ipv6" if ipv6 else "ipv4",
            "media": None,
            "auth_key_hex": key.hex(),
            "auth_key_id": key_id_hex(key),
            "library_key_id": str(read["auth_key_id"]),
        },
    }
    if note:
        entry["note"] = note
    VECTORS.append(entry)
    return entry


PROD_V4 = {1: "149.154.175.53", 2: "149.154.167.51", 3: "149.154.175.100", 4: "149.154.167.91", 5: "91.108.56.130"}
PROD_V6 = {
    1: "2001:b28:f23d:f001::a",
    2: "2001:67c:4e8:f002::a",
    3: "2001:b28:f23d:f003::a",
    4: "2001:67c:4e8:f004::a",
    5: "2001:b28:f23f:f005::a",
}
TEST_V4 = {1: "149.154.175.10", 2: "149.154.167.40", 3: "149.154.175.117"}
TEST_V6 = {1: "2001:b28:f23d:f001::e", 2: "2001:67c:4e8:f002::e", 3: "2001:b28:f23d:f003::e"}


def build():
    for dc, a in PROD_V4.items():
        add("telethon_v4_prod_dc%d" % dc, dc, a, 443, 100 + dc)
    for dc, a in PROD_V6.items():
        add("telethon_v6_prod_dc%d" % dc, dc, a, 443, 110 + dc)
    for dc, a in TEST_V4.items():
        add("telethon_v4_test_dc%d_port80" % dc, dc, a, 80, 120 + dc, "test DC; Telethon does not store test mode")
        add("telethon_v4_test_dc%d_port443" % dc, dc, a, 443, 125 + dc, "test DC; Telethon does not store test mode")
    for dc, a in TEST_V6.items():
        add("telethon_v6_test_dc%d" % dc, dc, a, 443, 130 + dc, "test DC; Telethon does not store test mode")
    add("telethon_v4_port80", 2, "149.154.167.51", 80, 141)
    add("telethon_v4_port40000", 4, "149.154.167.91", 40000, 142, "port > 32767: GramJS reads it as -25536")
    add("telethon_v4_port65535", 1, "149.154.175.53", 65535, 143)
    add("telethon_v6_port65535", 3, "2001:b28:f23d:f003::a", 65535, 144)
    add("telethon_v4_media_dc2", 2, "149.154.167.151", 443, 145)
    add("telethon_v4_cdn_dc203", 203, "91.105.192.100", 443, 146, "CDN DC id 203 fits Telethon's u8")
    add(
        "telethon_v6_given_expanded",
        2,
        "2001:067c:04e8:f002:0000:0000:0000:000a",
        443,
        147,
        "address given fully expanded; Telethon stores 16 bytes and reads it back compressed",
    )
    add(
        "telethon_v6_ipv4_mapped",
        2,
        "::ffff:149.154.167.51",
        443,
        148,
        "IPv4-mapped IPv6: Telethon packs 16 bytes (IPv6 layout); CPython 3.11 renders it "
        "'::ffff:959a:a733', newer CPython and Go's netip render '::ffff:149.154.167.51'",
    )
    add("telethon_v6_loopback", 2, "::1", 443, 149, "IPv6 address starting with zero bytes")
    rnd = random.Random(20240601)
    for i in range(12):
        dc = rnd.randint(1, 5)
        if rnd.random() < 0.5:
            addr = ".".join(str(rnd.randint(1, 254)) for _ in range(4))
        else:
            addr = "2001:%x:%x:%x::%x" % tuple(rnd.randint(0, 0xFFFF) for _ in range(4))
        port = rnd.choice([80, 443, 5222, rnd.randint(1, 65535)])
        add("telethon_random_%02d" % i, dc, addr, port, 200 + i, "seeded random (seed 20240601)")


PROBES = []


def probe(name, text, note=None, source=None):
    res, out = call(peer.op_telethon_decode, {"text": text})
    p = {
        "name": name,
        "library": LIBRARY,
        "library_version": LIBRARY_VERSION,
        "api": DECODE_API,
        "input": text,
        "result": res,
    }
    if source:
        p["source"] = source
    if res == "ok":
        p["read"] = out
    else:
        p["error"] = out
    if note:
        p["note"] = note
    PROBES.append(p)


def encode_probe(name, args, note=None):
    res, out = call(peer.op_telethon_encode, args)
    p = {
        "name": name,
        "library": LIBRARY,
        "library_version": LIBRARY_VERSION,
        "api": ENCODE_API,
        "encode_input": {k: v for k, v in args.items() if k != "auth_key_hex"},
        "result": res,
    }
    if res == "ok":
        p["output"] = out["text"]
    else:
        p["error"] = out
    if note:
        p["note"] = note
    PROBES.append(p)


def by_name(name):
    return next(v for v in VECTORS if v["name"] == name)


def build_probes(cross):
    v4 = by_name("telethon_v4_prod_dc2")["text"]
    v6 = by_name("telethon_v6_prod_dc4")["text"]
    std = {ord("-"): "+", ord("_"): "/"}
    probe("v4_valid", v4)
    probe("v6_valid", v6)
    probe("v4_padding_stripped", v4.rstrip("="))
    probe("v6_padding_stripped", v6.rstrip("="))
    probe("v4_extra_padding", v4 + "=")
    probe("v4_standard_alphabet", v4.translate(std))
    probe("v6_standard_alphabet", v6.translate(std))
    probe("v4_trailing_newline", v4 + "\n")
    probe("v4_trailing_crlf", v4 + "\r\n")
    probe("v4_trailing_space", v4 + " ")
    probe("v6_trailing_newline", v6 + "\n")
    probe("v4_leading_space", " " + v4)
    probe("v4_quoted", '"' + v4 + '"')
    probe("v4_newline_in_middle", v4[:100] + "\n" + v4[100:])
    probe("v4_truncated_4_chars", v4[:-4])
    probe("v4_truncated_2_chars", v4[:-2], "the padding and one data character removed")
    probe("v4_version_2", "2" + v4[1:])
    probe("empty", "")
    probe("garbage_hello", "hello")
    probe("garbage_1abc", "1abc")
    probe("garbage_1_352_bangs", "1" + "!" * 352)
    zero = peer.op_telethon_encode(
        {"dc_id": 2, "server_address": "149.154.167.51", "port": 443, "auth_key_hex": "00" * 256}
    )["text"]
    probe("v4_all_zero_key", zero, "Telethon loads an all-zero key as 'no auth key', without error")
    import base64
    import struct

    short = "1" + base64.urlsafe_b64encode(
        struct.pack(">B4sH128s", 2, bytes([149, 154, 167, 51]), 443, make_key(150)[:128])
    ).decode()
    probe("v4_128_byte_key", short, "Telethon layout with a 128-byte key (hand-packed)")
    seen = set()
    for doc in cross:
        for v in doc.get("string_sessions", []):
            if v["format"] == "telethon" or v["name"] in seen:
                continue
            if v["name"] in CROSS_NAMES:
                seen.add(v["name"])
                probe(
                    "%s_given_to_telethon" % v["name"],
                    v["text"],
                    CROSS_NAMES[v["name"]],
                    source="%s %s" % (v["library"], v["library_version"]),
                )
    encode_probe(
        "encode_hostname",
        {"dc_id": 4, "server_address": "vesta.web.telegram.org", "port": 443, "auth_key_hex": make_key(151).hex()},
    )
    encode_probe(
        "encode_port_65536",
        {"dc_id": 2, "server_address": "149.154.167.51", "port": 65536, "auth_key_hex": make_key(152).hex()},
    )
    encode_probe(
        "encode_dc_256",
        {"dc_id": 256, "server_address": "149.154.167.51", "port": 443, "auth_key_hex": make_key(153).hex()},
    )
    encode_probe(
        "encode_no_key",
        {"dc_id": 2, "server_address": "149.154.167.51", "port": 443, "auth_key_hex": None},
        "save() without an auth key returns ''",
    )


# Strings from other libraries fed to Telethon, with why each is interesting.
CROSS_NAMES = {
    "gramjs_v4_14_chars_dc2": "GramJS string with a 14-char address: same length as a Telethon IPv6 string",
    "gramjs_v4_14_chars_dc4": "GramJS string with a 14-char address: same length as a Telethon IPv6 string",
    "gramjs_v4_13_chars_dc5": "GramJS string with a 13-char address",
    "gramjs_v4_15_chars_dc3": "GramJS string with a 15-char address",
    "gramjs_hostname_vesta": "GramJS browser session (host name)",
    "mtcute_v3_dc2_no_media_no_self": "mtcute v3 string",
    "pyrogram_v2_dc2_user": "Pyrogram v2 string (from @mtcute/convert)",
    "pyrogram_old64_dc4_user": "Pyrogram old-64 string (from @mtcute/convert)",
}


def main():
    cross = []
    for path in sys.argv[1:]:
        with open(path) as f:
            cross.append(json.load(f))
    build()
    build_probes(cross)
    doc = {
        "library": LIBRARY,
        "library_version": LIBRARY_VERSION,
        "generator": "interop/gen/telethon_vectors.py (run by interop/gen/gen_vectors.sh)",
        "auth_key_recipe": "make_key(n) = concat(sha256('tg-session-vector:<n>:<i>') for i in 0..7) (256 bytes)",
        "string_sessions": VECTORS,
        "decode_probes": PROBES,
    }
    json.dump(doc, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
