package redisfleet

import goredis "github.com/redis/go-redis/v9"

// Key layout under the prefix P:
//
//	P s:<name>  hash: sealed, akid, labels (JSON), recips (JSON), digest,
//	            size, created, updated (ms, server clock), fence
//	P l:<name>  string "<token>:<id>:<holder>", with the lease TTL (SET NX PX)
//	P idx       sorted set of names, score 0 (listing by ZRANGEBYLEX)
//	P fence     the fencing counter (INCR)
//
// Every operation is one Lua script, so it is atomic and one round trip.
// Times are the server's (TIME); TTLs are PX/PEXPIRE on the server.

const luaNow = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`

// grab leases name if it exists and is free. It returns a reply table.
const luaGrab = luaNow + `
local function grab(P, name, holder, id, ttl)
  local s = P .. 's:' .. name
  local l = P .. 'l:' .. name
  if redis.call('EXISTS', s) == 0 then return {'nf'} end
  local cur = redis.call('GET', l)
  if cur then return {'held', cur, tostring(redis.call('PTTL', l))} end
  local tok = redis.call('INCR', P .. 'fence')
  local f = tonumber(redis.call('HGET', s, 'fence') or '0') or 0
  if tok <= f then
    tok = f + 1
    redis.call('SET', P .. 'fence', string.format('%d', tok))
  end
  local ts = string.format('%d', tok)
  if not redis.call('SET', l, ts .. ':' .. id .. ':' .. holder, 'NX', 'PX', ttl) then
    return {'held', redis.call('GET', l) or '', tostring(redis.call('PTTL', l))}
  end
  redis.call('HSET', s, 'fence', ts)
  return {'ok', name, ts, string.format('%d', now_ms())}
end
`

// ARGV: P, name, holder, id, ttl
var scriptAcquire = goredis.NewScript(luaGrab + `
return grab(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
`)

// ARGV: P, min, max, holder, id, ttl, batch
var scriptAcquireAny = goredis.NewScript(luaGrab + `
local P = ARGV[1]
local batch = tonumber(ARGV[7])
local names = redis.call('ZRANGEBYLEX', P .. 'idx', ARGV[2], ARGV[3], 'LIMIT', 0, batch)
for _, name in ipairs(names) do
  if redis.call('EXISTS', P .. 'l:' .. name) == 0 then
    local r = grab(P, name, ARGV[4], ARGV[5], ARGV[6])
    if r[1] == 'ok' then return r end
  end
end
if #names == batch then return {'more', names[#names]} end
return {'none'}
`)

// ARGV: P, name, value, ttl
var scriptRenew = goredis.NewScript(luaNow + `
local l = ARGV[1] .. 'l:' .. ARGV[2]
local cur = redis.call('GET', l)
if cur ~= ARGV[3] then return {'lost', cur or ''} end
redis.call('PEXPIRE', l, ARGV[4])
return {'ok', string.format('%d', now_ms())}
`)

// ARGV: P, name, value
var scriptRelease = goredis.NewScript(`
local l = ARGV[1] .. 'l:' .. ARGV[2]
local cur = redis.call('GET', l)
if cur ~= ARGV[3] then return {'lost', cur or ''} end
redis.call('DEL', l)
return {'ok'}
`)

// ARGV: P, name, token, sealed, akid, digest, size, recips ("" keeps them)
var scriptWriteBack = goredis.NewScript(luaNow + `
local s = ARGV[1] .. 's:' .. ARGV[2]
local f = redis.call('HGET', s, 'fence')
if not f then return {'nf'} end
if f ~= ARGV[3] then return {'fenced', f} end
redis.call('HSET', s, 'sealed', ARGV[4], 'akid', ARGV[5], 'digest', ARGV[6], 'size', ARGV[7],
  'updated', string.format('%d', now_ms()))
if ARGV[8] and ARGV[8] ~= '' then redis.call('HSET', s, 'recips', ARGV[8]) end
return {'ok'}
`)

// ARGV: P, name, replace, sealed, akid, labels, recips, digest, size
var scriptPut = goredis.NewScript(luaNow + `
local P = ARGV[1]
local s = P .. 's:' .. ARGV[2]
local l = P .. 'l:' .. ARGV[2]
local now = string.format('%d', now_ms())
if redis.call('EXISTS', s) == 1 then
  if ARGV[3] ~= '1' then return {'exists'} end
  local cur = redis.call('GET', l)
  if cur then return {'held', cur, tostring(redis.call('PTTL', l))} end
  redis.call('HSET', s, 'sealed', ARGV[4], 'akid', ARGV[5], 'labels', ARGV[6], 'recips', ARGV[7],
    'digest', ARGV[8], 'size', ARGV[9], 'updated', now)
else
  redis.call('HSET', s, 'sealed', ARGV[4], 'akid', ARGV[5], 'labels', ARGV[6], 'recips', ARGV[7],
    'digest', ARGV[8], 'size', ARGV[9], 'created', now, 'updated', now, 'fence', '0')
  redis.call('ZADD', P .. 'idx', 0, ARGV[2])
end
return {'ok'}
`)

// ARGV: P, name
var scriptDelete = goredis.NewScript(`
local P = ARGV[1]
local s = P .. 's:' .. ARGV[2]
local l = P .. 'l:' .. ARGV[2]
if redis.call('EXISTS', s) == 0 then return {'nf'} end
local cur = redis.call('GET', l)
if cur then return {'held', cur, tostring(redis.call('PTTL', l))} end
redis.call('DEL', s)
redis.call('ZREM', P .. 'idx', ARGV[2])
return {'ok'}
`)

// metaFields are the hash fields of a listing, in reply order.
const luaMetaFields = `'akid', 'labels', 'recips', 'digest', 'size', 'created', 'updated', 'fence'`

// ARGV: P, name. Reply: 'ok', sealed, 8 meta fields, lease value, pttl.
var scriptGet = goredis.NewScript(`
local P = ARGV[1]
local s = P .. 's:' .. ARGV[2]
local l = P .. 'l:' .. ARGV[2]
if redis.call('EXISTS', s) == 0 then return {'nf'} end
local r = {'ok', redis.call('HGET', s, 'sealed') or ''}
for _, v in ipairs(redis.call('HMGET', s, ` + luaMetaFields + `)) do r[#r + 1] = v or '' end
r[#r + 1] = redis.call('GET', l) or ''
r[#r + 1] = tostring(redis.call('PTTL', l))
return r
`)

// ARGV: P, min, max, limit. Reply: more ('1'/'0'), then per entry: name,
// 8 meta fields, lease value, pttl.
var scriptList = goredis.NewScript(`
local P = ARGV[1]
local limit = tonumber(ARGV[4])
local names = redis.call('ZRANGEBYLEX', P .. 'idx', ARGV[2], ARGV[3], 'LIMIT', 0, limit + 1)
local r = {'0'}
if #names > limit then r[1] = '1' end
for i = 1, math.min(#names, limit) do
  local name = names[i]
  local s = P .. 's:' .. name
  local l = P .. 'l:' .. name
  r[#r + 1] = name
  for _, v in ipairs(redis.call('HMGET', s, ` + luaMetaFields + `)) do r[#r + 1] = v or '' end
  r[#r + 1] = redis.call('GET', l) or ''
  r[#r + 1] = tostring(redis.call('PTTL', l))
end
return r
`)

const listFields = 11 // name + 8 meta + lease value + pttl
