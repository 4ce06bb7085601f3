// Package redis reads and writes Telethon sessions kept in Redis by
// teleredis 0.1.x (kind "telethon-redis",
// https://github.com/ezdev128/telethon-session-redis, teleredis/teleredis.py)
// and by TG-UserBot's RedisSession (kind "telethon-redis-hash",
// https://github.com/TG-UserBot/TG-UserBot, sessions/redis.py).
//
// # teleredis
//
// Keys under hive_prefix (default "telethon:client") and the session name:
//
//	<prefix>:<name>:sessions:<dc_id>      {"dc_id": 2, "server_address": "149.154.167.51", "port": 443, "auth_key": "<base64>"}
//	<prefix>:<name>:entities:<marked id>  {"id": …, "hash": …, "username": …, "phone": …, "name": …}
//
// Values are Python's json.dumps with its default separators (", ", ": ")
// and ASCII escapes, which [Store.Write] reproduces byte for byte; the key
// is standard base64 with padding. Reading also accepts 0.1.0's indented
// form with its ts_ts/ts_str timestamps and any extra field, reads numbers
// as 64-bit integers (never through float64), and refuses pickled values
// (pack_func=PICKLE) with [stores.ErrPickled]: they are never unpickled.
// teleredis reloads whichever sessions:<dc> key Redis lists last; a name
// with several is refused with a [*stores.AmbiguousError] naming the DCs
// unless [Options.DC] chooses one, and Write leaves exactly one. teleredis
// itself stores only the first entity of each batch (a bug); Write stores
// all of them. Update state is not stored.
//
// # TG-UserBot
//
// One hash <prefix>:<name>:auth (prefix "telethon:session") with fields
// dc_id, server_address, port (decimal text), auth_key (the raw 256 bytes)
// and takeout_id ("" when none). Entities and update state live in memory
// only.
//
// # Atomicity and limits
//
// Write runs in one MULTI/EXEC transaction, WATCHing the keys it replaces.
// Reads use SCAN (never KEYS), STRLEN before a bounded GETRANGE, and
// HSTRLEN before HMGET, so a 512 MB value is refused without being
// transferred. Redis Cluster is not supported (the keys of one name may
// live in different slots).
package redis
