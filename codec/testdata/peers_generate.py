#!/usr/bin/python3
"""Generates telethon_generated.json and the Python part of peer_probes.json.

Run with Debian's python3 and python3-telethon 1.25.1 (apt-get install
python3-telethon), from the repository root:

    /usr/bin/python3 codec/testdata/peers_generate.py

then codec/testdata/peers_generate.sh adds GramJS, mtcute and gotd results.

telethon_generated.json: StringSession strings written by the real Telethon
(set_dc + auth_key + save()) and what the real StringSession reads back.

peer_probes.json: a fixed list of inputs (valid strings of every format and
damaged ones), each with what real Telethon 1.25.1 does with it, and what
Pyrogram 2.x, 1.0-1.2 and 1.3-1.4 do, by running their decoding lines
transcribed verbatim from the sources named below on CPython's own base64 and
struct (PyPI, and so Pyrogram itself, is not reachable here):

  pyrogram/pyrogram@30de1e21 pyrogram/storage/memory_storage.py (2.x)
  pyrogram/pyrogram v1.2.x pyrogram/storage/memory_storage.py + client.py
  pyrogram/pyrogram v1.3.0 pyrogram/storage/memory_storage.py + client.py

Keys are obviously fake: make_key(n) from docs/formats.md section 11.
"""
import base64
import hashlib
import json
import os
import random
import re
import struct
import sys

import telethon
from telethon.crypto import AuthKey
from telethon.sessions import StringSession

HERE = os.path.dirname(os.path.abspath(__file__))


def make_key(n):
    return b"".join(hashlib.sha256(f"tg-session-vector:{n}:{i}".encode()).digest() for i in range(8))


def exc_text(e):
    mod = type(e).__module__
    name = type(e).__qualname__
    prefix = name if mod == "builtins" else f"{mod}.{name}"
    return f"{prefix}: {e}"


# --- Telethon, real library ------------------------------------------------

def telethon_save(dc, addr, port, key):
    ss = StringSession()
    ss.set_dc(dc, addr, port)
    ss.auth_key = AuthKey(key)
    return ss.save()


def telethon_read(text):
    try:
        ss = StringSession(text)
    except Exception as e:  # noqa: BLE001 - record whatever Telethon raises
        return {"ok": False, "error": exc_text(e)}
    return {
        "ok": True,
        "dc_id": ss.dc_id,
        "server_address": ss.server_address,
        "port": ss.port,
        "has_key": ss.auth_key is not None,
    }


# --- Pyrogram, transcribed --------------------------------------------------

def pyrogram2_open(s):
    """pyrogram 2.x MemoryStorage.open, decoding part."""
    if not s:
        return {"ok": False, "error": "empty"}
    try:
        if len(s) in [351, 356]:
            dc_id, test_mode, auth_key, user_id, is_bot = struct.unpack(
                (">B?256sI?" if len(s) == 351 else ">B?256sQ?"),
                base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)),
            )
            return {"ok": True, "old": True, "dc_id": dc_id, "test_mode": test_mode,
                    "user_id": user_id, "is_bot": is_bot}
        dc_id, api_id, test_mode, auth_key, user_id, is_bot = struct.unpack(
            ">BI?256sQ?",
            base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)),
        )
        return {"ok": True, "old": False, "dc_id": dc_id, "api_id": api_id, "test_mode": test_mode,
                "user_id": user_id, "is_bot": is_bot}
    except Exception as e:  # noqa: BLE001
        return {"ok": False, "error": exc_text(e)}


def pyrogram1_open(session_name, v13):
    """pyrogram 1.x Client.__init__ storage choice + MemoryStorage.open."""
    if session_name == ":memory:" or len(session_name) >= 351:
        session_name = re.sub(r"[\n\s]+", "", session_name)
    else:
        return {"ok": False, "error": "file"}
    name = session_name
    if name == ":memory:":  # MemoryStorage.open: if self.name != ":memory:"
        return {"ok": False, "error": "memory"}
    try:
        if v13:
            fmt = ">B?256sI?" if len(name) == 351 else ">B?256sQ?"
        else:
            fmt = ">B?256sI?"
        dc_id, test_mode, auth_key, user_id, is_bot = struct.unpack(
            fmt, base64.urlsafe_b64decode(name + "=" * (-len(name) % 4)))
        return {"ok": True, "old": True, "dc_id": dc_id, "test_mode": test_mode,
                "user_id": user_id, "is_bot": is_bot}
    except Exception as e:  # noqa: BLE001
        return {"ok": False, "error": exc_text(e)}


# --- string makers for the other formats (layouts from docs/formats.md) -----------

def gramjs_string(dc, addr, port, key):
    a = addr.encode()
    return "1" + base64.b64encode(struct.pack(">Bh", dc, len(a)) + a + struct.pack(">h", port) + key).decode()


def pyrogram_v2(dc, api_id, test, key, user, bot):
    return base64.urlsafe_b64encode(struct.pack(">BI?256sQ?", dc, api_id, test, key, user, bot)).decode().rstrip("=")


def pyrogram_old(dc, test, key, user, bot):
    fmt = ">B?256sI?" if user < 2147483647 else ">B?256sQ?"
    return base64.urlsafe_b64encode(struct.pack(fmt, dc, test, key, user, bot)).decode().rstrip("=")


def random_ipv4(r):
    return ".".join(str(x) for x in [r.randint(1, 223), r.randint(0, 255), r.randint(0, 255), r.randint(0, 255)])


def random_ipv6(r):
    groups = [r.choice([0, 0, r.randint(0, 0xffff), r.randint(0, 0xff)]) for _ in range(8)]
    groups[0] = r.randint(0x100, 0xffff)
    return ":".join("%x" % g for g in groups)


def main():
    r = random.Random(20260601)
    known = ["149.154.175.53", "149.154.167.51", "149.154.175.100", "149.154.167.91", "91.108.56.130",
             "149.154.167.40", "2001:b28:f23d:f001::a", "2001:67c:4e8:f002::a", "2001:67c:4e8:f004::a",
             "2001:b28:f23f:f005::a", "2a0a:f280:0203:000a:5000:0000:0000:0100"]
    special = ["::ffff:149.154.167.51", "::ffff:1.2.3.4", "::1", "1.0.0.1", "2001:db8::", "2001:0:0:1::1",
               "1:0:0:1:0:0:1:1", "fe80::1", "ff02::1", "100::", "2001:db8:0:0:1:0:0:1", "127.0.0.1",
               "255.255.255.255", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff"]
    sessions = []
    n = 0
    addrs = known + special + [random_ipv4(r) for _ in range(15)] + [random_ipv6(r) for _ in range(15)]
    for addr in addrs:
        n += 1
        dc = r.choice([1, 2, 3, 4, 5, 1, 2, 4, r.randint(6, 255)])
        port = r.choice([443, 80, 443, r.randint(1, 65535), 65535, 1])
        key = make_key(1000 + n)
        out = telethon_save(dc, addr, port, key)
        back = telethon_read(out)
        sessions.append({
            "name": f"telethon_{n}",
            "inputs": {"dc_id": dc, "server_address": addr, "port": port, "auth_key_recipe": f"make_key({1000 + n})",
                       "auth_key_hex": key.hex()},
            "output": out,
            "telethon_decoded": back,
        })
    with open(os.path.join(HERE, "telethon_generated.json"), "w") as f:
        json.dump({
            "library": "Telethon",
            "library_version": telethon.__version__,
            "python": sys.version.split()[0],
            "how": "StringSession(); set_dc(dc, addr, port); auth_key = AuthKey(key); save(); then StringSession(output)",
            "auth_key_recipe": "make_key(n) = concat(sha256(f'tg-session-vector:{n}:{i}') for i in 0..7)",
            "string_sessions": sessions,
        }, f, indent=1)
        f.write("\n")

    # Probe inputs.
    bases = []
    k = make_key(7)
    bases.append(("telethon_v4", telethon_save(2, "149.154.167.51", 443, k)))
    bases.append(("telethon_v4_port40000", telethon_save(4, "149.154.167.91", 40000, k)))
    bases.append(("telethon_v6", telethon_save(1, "2001:b28:f23d:f001::a", 443, k)))
    bases.append(("telethon_v6_mapped", telethon_save(2, "::ffff:149.154.167.51", 443, k)))
    bases.append(("gramjs_14", gramjs_string(2, "149.154.167.51", 443, k)))
    bases.append(("gramjs_13", gramjs_string(2, "149.154.167.5", 443, k)))
    bases.append(("gramjs_15", gramjs_string(5, "149.154.175.100", 443, k)))
    bases.append(("gramjs_host", gramjs_string(4, "vesta.web.telegram.org", 443, k)))
    bases.append(("gramjs_v6_expanded", gramjs_string(2, "2001:067c:04e8:f002:0000:0000:0000:000a", 80, k)))
    bases.append(("gramjs_port80", gramjs_string(4, "149.154.167.91", 80, k)))
    bases.append(("pyrogram_v2", pyrogram_v2(2, 2040, False, k, 123456791, False)))
    bases.append(("pyrogram_v2_dc3_bot", pyrogram_v2(3, 611335, False, k, 7123456789, True)))
    bases.append(("pyrogram_v2_dc213", pyrogram_v2(213, 1, False, k, 5, False)))
    bases.append(("pyrogram_old32", pyrogram_old(2, False, k, 123456789, False)))
    bases.append(("pyrogram_old64", pyrogram_old(4, False, k, 5000000001, False)))
    bases.append(("pyrogram_old64_boundary", pyrogram_old(1, True, k, 2147483647, True)))
    with open(os.path.join(HERE, "mtcute_vectors.json")) as f:
        bases.append(("mtcute_v3", json.load(f)["native_string_sessions"][0]["output"]))

    probes = []

    def add(label, text):
        probes.append({"label": label, "input": text})

    for name, s in bases:
        add(name, s)
        stripped = s.rstrip("=")
        add(name + "/padding_stripped", stripped)
        add(name + "/plus_pad", s + "=")
        add(name + "/plus_two_pad", stripped + "==")
        add(name + "/trailing_newline", s + "\n")
        add(name + "/trailing_crlf", s + "\r\n")
        add(name + "/trailing_space", s + " ")
        add(name + "/leading_space", " " + s)
        add(name + "/quoted", '"' + s + '"')
        mid = len(s) // 2
        add(name + "/newline_inside", s[:mid] + "\n" + s[mid:])
        add(name + "/space_inside", s[:mid] + " " + s[mid:])
        add(name + "/bang_inside", s[:mid] + "!" + s[mid:])
        add(name + "/std_alphabet", s.replace("-", "+").replace("_", "/"))
        add(name + "/url_alphabet", s.replace("+", "-").replace("/", "_"))
        add(name + "/truncated_1", s[:-1])
        add(name + "/truncated_2", s[:-2])
        add(name + "/truncated_half", s[: len(s) // 2])
        add(name + "/extra_char", s.rstrip("=") + "A" + s[len(s.rstrip("=")):])
        add(name + "/version_2", "2" + s[1:])
        add(name + "/prefixed_1", "1" + s)
        add(name + "/pad_inside", s[:mid] + "=" + s[mid:])
        for j in range(3):
            pos = r.randrange(len(s))
            add(name + f"/delete_{j}", s[:pos] + s[pos + 1:])
            pos = r.randrange(len(s))
            add(name + f"/junk_{j}", s[:pos] + r.choice("!*.#~=\t") + s[pos:])
    add("empty", "")
    add("hello", "hello")
    add("1abc", "1abc")
    add("1", "1")
    add("1!!!!", "1!!!!")
    add("1_plus_352_bang", "1" + "!" * 352)
    add("memory", ":memory:")
    add("non_ascii", "1" + "é" * 10)
    for j in range(20):
        ln = r.choice([350, 351, 352, 353, 356, 357, 361, 362, 363, 364, 365, 368, 369, 370, r.randint(1, 500)])
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        add(f"random_{j}", "".join(r.choice(alphabet) for _ in range(ln)))
        add(f"random_1_{j}", "1" + "".join(r.choice(alphabet) for _ in range(ln)))

    for p in probes:
        s = p["input"]
        p["telethon"] = telethon_read(s)
        p["pyrogram2"] = pyrogram2_open(s)
        p["pyrogram1_2"] = pyrogram1_open(s, False)
        p["pyrogram1_3"] = pyrogram1_open(s, True)

    with open(os.path.join(HERE, "peer_probes.json"), "w") as f:
        json.dump({
            "note": "inputs and what each library does with them; see peers_generate.py and peers_generate.sh",
            "telethon": f"Telethon {telethon.__version__} (real, Debian python3-telethon) on Python {sys.version.split()[0]}",
            "pyrogram": "Pyrogram decoding lines transcribed from source, run on CPython " + sys.version.split()[0],
            "auth_key_recipe": "make_key(n) = concat(sha256(f'tg-session-vector:{n}:{i}') for i in 0..7)",
            "probes": probes,
        }, f, indent=1, ensure_ascii=False)
        f.write("\n")


def pyrogram_generated():
    """pyrogram_generated.json: strings made by Pyrogram's export lines
    (2.x Storage.export_session_string; 1.3 MemoryStorage with
    MAX_USER_ID_OLD), transcribed and run on CPython's struct and base64."""
    r = random.Random(77)
    out = []
    for n in range(60):
        dc = r.choice([1, 2, 3, 4, 5, r.randint(1, 255)])
        test = r.random() < 0.2
        bot = r.random() < 0.3
        user = r.choice([r.randint(1, 2147483646), 2147483646, 2147483647, 2147483648, r.randint(1, 2**63 - 1),
                         2**63 - 1, 0, 4294967295, 4294967296])
        api_id = r.choice([2040, 6, 611335, r.randint(0, 2**32 - 1)])
        key = make_key(3000 + n)
        v2 = base64.urlsafe_b64encode(struct.pack(">BI?256sQ?", dc, api_id, test, key, user, bot)).decode().rstrip("=")
        fmt = ">B?256sI?" if user < 2147483647 else ">B?256sQ?"
        old = base64.urlsafe_b64encode(struct.pack(fmt, dc, test, key, user, bot)).decode().rstrip("=")
        out.append({"inputs": {"dc_id": dc, "api_id": api_id, "test_mode": test, "user_id": user, "is_bot": bot,
                               "auth_key_recipe": f"make_key({3000 + n})", "auth_key_hex": key.hex()},
                    "v2": v2, "old": old, "old_format": fmt})
    with open(os.path.join(HERE, "pyrogram_generated.json"), "w") as f:
        json.dump({"library": "Pyrogram (export lines transcribed: 2.x export_session_string, 1.3 MAX_USER_ID_OLD)",
                   "python": sys.version.split()[0], "string_sessions": out}, f, indent=1)
        f.write("\n")


def base64_probes():
    """base64_probes.json: what CPython's urlsafe_b64decode and (added by
    peers_generate.mjs) Node's Buffer.from(s, "base64") make of short
    random texts mixing both alphabets, padding, whitespace and junk."""
    r = random.Random(424242)
    chars = "AAAABBQQgw01-_+/==== \n\t!.*"
    probes = []
    for n in list(range(0, 12)) * 8 + [r.randint(12, 40) for _ in range(200)]:
        probes.append("".join(r.choice(chars) for _ in range(n)))
    probes += ["AAAA=AAAA", "AA==AA", "AAA=A", "A===", "AB=C", "QUJD\nREVG", "=AAAA", "AAAAA===", "é", "AAAé"]
    out = []
    for text in probes:
        try:
            out.append({"input": text, "python": base64.urlsafe_b64decode(text).hex()})
        except Exception as e:  # noqa: BLE001
            out.append({"input": text, "python_error": exc_text(e)})
    with open(os.path.join(HERE, "base64_probes.json"), "w") as f:
        json.dump({"python": "CPython " + sys.version.split()[0] + " base64.urlsafe_b64decode", "probes": out}, f, indent=1,
                  ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
    pyrogram_generated()
    base64_probes()
