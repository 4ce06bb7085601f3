// Generates mtcute_generated.json: mtcute v3 string sessions written and read
// by the real @mtcute/core, plus decode probes of hand-made payloads.
//
// Regenerate (network: npm registry only):
//
//   mkdir -p /tmp/mtc && cd /tmp/mtc && npm init -y >/dev/null &&
//     npm install @mtcute/core@0.29.7 @mtcute/convert@0.29.7
//   cp codec/testdata/mtcute_generate.mjs /tmp/mtc/ &&
//     node /tmp/mtc/mtcute_generate.mjs > codec/testdata/mtcute_generated.json
//
// Keys are obviously fake: make_key(n) from docs/formats.md#vectors. "expect" is what
// tgsession's ParseMtcute must return ("ok" or the name of a codec sentinel
// error); "mtcute" is what readStringSession did with the same text.
import { readStringSession, writeStringSession } from '@mtcute/core/utils.js'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'

const nodeModules = new URL('./node_modules/', import.meta.url)
const pkgVersion = (name) => JSON.parse(readFileSync(new URL(`${name}/package.json`, nodeModules), 'utf8')).version

function makeKey(n) {
  const parts = []
  for (let i = 0; i < 8; i++) parts.push(createHash('sha256').update(`tg-session-vector:${n}:${i}`).digest())
  return new Uint8Array(Buffer.concat(parts))
}


function readBack(text) {
  try {
    const r = readStringSession(text)
    const dc = (d) => ({ id: d.id, ipAddress: d.ipAddress, port: d.port, ipv6: d.ipv6, mediaOnly: d.mediaOnly, testMode: d.testMode })
    return {
      ok: true,
      main: dc(r.primaryDcs.main),
      media: dc(r.primaryDcs.media),
      media_is_main: r.primaryDcs.media === r.primaryDcs.main,
      self: r.self ? { userId: r.self.userId, isBot: r.self.isBot } : null,
      authKey_len: r.authKey.length,
      authKey_sha256: createHash('sha256').update(r.authKey).digest('hex'),
    }
  } catch (e) {
    return { ok: false, error: `${e.constructor.name}: ${e.message}` }
  }
}

// Sessions written by writeStringSession. media: undefined means the same
// object as main (mtcute then writes no media DC).
const dc2 = { id: 2, ipAddress: '149.154.167.50', port: 443 }
const dc2media = { id: 2, ipAddress: '149.154.167.222', port: 443, mediaOnly: true }
const dc2v6 = { id: 2, ipAddress: '2001:067c:04e8:f002:0000:0000:0000:000a', port: 443, ipv6: true }
const dc2v6media = { id: 2, ipAddress: '2001:067c:04e8:f002:0000:0000:0000:000b', port: 443, ipv6: true, mediaOnly: true }
const test2 = { id: 2, ipAddress: '149.154.167.40', port: 443, testMode: true }
const test2media = { id: 2, ipAddress: '149.154.167.40', port: 443, mediaOnly: true, testMode: true }
const cases = [
  { name: 'ipv4_plain', key: 101, main: dc2 },
  { name: 'ipv4_media_self', key: 102, main: dc2, media: dc2media, self: { userId: 5000000001, isBot: false } },
  { name: 'ipv6_media_bot', key: 103, main: dc2v6, media: dc2v6media, self: { userId: 7000000123, isBot: true } },
  { name: 'test_media_self', key: 104, main: test2, media: test2media, self: { userId: 12345, isBot: false } },
  { name: 'test_ipv6_compressed', key: 105, main: { id: 2, ipAddress: '2001:67c:4e8:f002::e', port: 443, ipv6: true, testMode: true } },
  { name: 'dc1_port80_self_1', key: 106, main: { id: 1, ipAddress: '149.154.175.53', port: 80 }, self: { userId: 1, isBot: false } },
  { name: 'dc5_port5222_maxint53_bot', key: 107, main: { id: 5, ipAddress: '91.108.56.130', port: 5222 }, self: { userId: 2 ** 53 - 1, isBot: true } },
  { name: 'hostname', key: 108, main: { id: 4, ipAddress: 'vesta.web.telegram.org', port: 443 } },
  { name: 'media_other_dc', key: 109, main: { id: 2, ipAddress: '149.154.167.51', port: 443 }, media: { id: 4, ipAddress: '149.154.164.250', port: 443, mediaOnly: true } },
  { name: 'user_id_0', key: 110, main: dc2, self: { userId: 0, isBot: false } },
  { name: 'addr_7_chars', key: 111, main: { id: 3, ipAddress: '1.2.3.4', port: 443 } },
  { name: 'addr_8_chars', key: 112, main: { id: 3, ipAddress: '10.2.3.4', port: 443 } },
  { name: 'addr_9_chars', key: 113, main: { id: 3, ipAddress: '10.20.3.4', port: 443 } },
  { name: 'addr_10_chars', key: 114, main: { id: 3, ipAddress: '10.20.30.4', port: 443 } },
  { name: 'addr_55_chars_max', key: 115, main: { id: 3, ipAddress: 'a'.repeat(51) + '.com', port: 443 } },
  { name: 'port_65535_dc_255', key: 116, main: { id: 255, ipAddress: '149.154.175.100', port: 65535 } },
  { name: 'ipv6_flag_on_ipv4_address', key: 117, main: { id: 2, ipAddress: '149.154.167.50', port: 443, ipv6: true } },
  { name: 'media_not_media_only', key: 118, main: dc2, media: { id: 2, ipAddress: '149.154.167.50', port: 443 } },
  { name: 'media_same_fields_other_object', key: 119, main: dc2, media: { ...dc2 }, self: { userId: 777000, isBot: false } },
  { name: 'test_no_media_self_bot', key: 120, main: test2, self: { userId: 5000000002, isBot: true } },
]

const sessions = cases.map((c) => {
  const authKey = makeKey(c.key)
  const output = writeStringSession({ version: 3, primaryDcs: { main: c.main, media: c.media ?? c.main }, self: c.self ?? null, authKey })
  return {
    name: c.name,
    key: c.key,
    input: { main: c.main, media: c.media ?? null, self: c.self ?? null },
    output,
    read_back: readBack(output),
  }
})

// Probes: hand-made payloads, to pin down what mtcute's reader does.
const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return b }
function tlBytes(data, { long = false, pad = 0 } = {}) {
  const n = data.length
  const head = long || n >= 254 ? Buffer.from([0xfe, n & 0xff, (n >> 8) & 0xff, n >> 16]) : Buffer.from([n])
  const total = head.length + n
  const padding = Buffer.alloc((4 - (total % 4)) % 4, pad)
  return Buffer.concat([head, Buffer.from(data), padding])
}
function blob({ v = 2, id = 2, flags = 0, addr = '149.154.167.50', addrPad = 0, port = 443, extra = Buffer.alloc(0) } = {}) {
  return Buffer.concat([Buffer.from([v, id, flags]), tlBytes(Buffer.from(addr), { pad: addrPad }), u32(port), extra])
}
function payload({ version = 3, flags = 0, main = blob(), media = null, self = null, key = makeKey(200), trailing = Buffer.alloc(0), mainOpts = {} }) {
  const parts = [Buffer.from([version]), u32(flags), tlBytes(main, mainOpts)]
  if (media) parts.push(tlBytes(media))
  if (self) { const b = Buffer.alloc(8); b.writeBigInt64LE(BigInt(self.id)); parts.push(b, u32(self.bool)) }
  parts.push(tlBytes(key), trailing)
  return Buffer.concat(parts)
}
const T = 0x997275b5, F = 0xbc799737
const probePayloads = [
  { name: 'legacy_test_flag', expect: 'ok', p: payload({ flags: 2 | 4, media: blob({ flags: 2, addr: '149.154.167.222' }) }) },
  { name: 'legacy_test_flag_no_media', expect: 'ok', p: payload({ flags: 2 }) },
  { name: 'blob_v1_test_bit_ignored', expect: 'ok', p: payload({ flags: 4, main: blob({ v: 1, flags: 4 }), media: blob({ v: 1, flags: 2 | 4 }) }) },
  { name: 'blob_v1_main_v2_media', expect: 'ok', p: payload({ flags: 4, main: blob({ v: 1 }), media: blob({ v: 2, flags: 2 }) }) },
  { name: 'version_1', expect: 'ErrUnsupportedVersion', p: payload({ version: 1 }) },
  { name: 'version_2', expect: 'ErrUnsupportedVersion', p: payload({ version: 2 }) },
  { name: 'version_4', expect: 'ErrUnsupportedVersion', p: payload({ version: 4 }) },
  { name: 'blob_v0', expect: 'ErrUnsupportedVersion', p: payload({ main: blob({ v: 0 }) }) },
  { name: 'blob_v3', expect: 'ErrUnsupportedVersion', p: payload({ main: blob({ v: 3 }) }) },
  { name: 'test_mode_mismatch', expect: 'ErrBadField', p: payload({ flags: 4, main: blob({ flags: 4 }), media: blob({ flags: 2 }) }) },
  { name: 'bad_bool', expect: 'ErrBadField', p: payload({ flags: 1, self: { id: 5, bool: 0x1cb5c415 } }) },
  { name: 'self_bool_true', expect: 'ok', p: payload({ flags: 1, self: { id: 5, bool: T } }) },
  { name: 'self_bool_false', expect: 'ok', p: payload({ flags: 1, self: { id: 5, bool: F } }) },
  { name: 'negative_user_id', expect: 'ErrBadField', p: payload({ flags: 1, self: { id: -5, bool: F } }) },
  { name: 'user_id_2pow53', expect: 'ErrBadField', p: payload({ flags: 1, self: { id: 2 ** 53, bool: F } }) },
  { name: 'unknown_flag_8', expect: 'ErrBadField', p: payload({ flags: 8 }) },
  { name: 'unknown_flag_high', expect: 'ErrBadField', p: payload({ flags: 0x80000000 }) },
  { name: 'unknown_dc_flag_8', expect: 'ErrBadField', p: payload({ main: blob({ flags: 8 }) }) },
  { name: 'main_media_only', expect: 'ErrBadField', p: payload({ main: blob({ flags: 2 }) }) },
  { name: 'dc_id_0', expect: 'ErrBadField', p: payload({ main: blob({ id: 0 }) }) },
  { name: 'port_0', expect: 'ErrBadField', p: payload({ main: blob({ port: 0 }) }) },
  { name: 'port_65536', expect: 'ErrBadField', p: payload({ main: blob({ port: 65536 }) }) },
  { name: 'port_negative', expect: 'ErrBadField', p: payload({ main: blob({ port: -443 }) }) },
  { name: 'address_empty', expect: 'ErrBadField', p: payload({ main: blob({ addr: '' }) }) },
  { name: 'address_not_host', expect: 'ErrBadField', p: payload({ main: blob({ addr: 'a b' }) }) },
  { name: 'address_non_ascii', expect: 'ErrBadField', p: payload({ main: blob({ addr: 'тест.рф' }) }) },
  { name: 'address_ipv6_zone', expect: 'ErrBadField', p: payload({ main: blob({ addr: 'fe80::1%eth0', flags: 1 }) }) },
  { name: 'trailing_byte', expect: 'ErrBadLength', p: payload({ trailing: Buffer.from([0]) }) },
  { name: 'blob_trailing_bytes', expect: 'ErrBadLength', p: payload({ main: blob({ extra: Buffer.from([0, 0, 0, 0]) }) }) },
  { name: 'nonzero_padding', expect: 'ErrBadField', p: payload({ main: blob({ addrPad: 0x55 }) }) },
  { name: 'long_form_short_length', expect: 'ErrBadField', p: payload({ mainOpts: { long: true } }) },
  { name: 'key_255_bytes', expect: 'ErrBadKey', p: payload({ key: makeKey(200).subarray(0, 255) }) },
  { name: 'key_257_bytes', expect: 'ErrBadKey', p: payload({ key: Buffer.concat([makeKey(200), Buffer.from([1])]) }) },
  { name: 'key_zero', expect: 'ErrZeroKey', p: payload({ key: new Uint8Array(256) }) },
  { name: 'truncated_key', expect: 'ErrBadLength', p: payload({}).subarray(0, 100) },
].map(({ name, expect, p }) => {
  const text = Buffer.from(p).toString('base64url')
  return { name, expect, text, mtcute: readBack(text) }
})

// Text variants of a valid session: the alphabets and padding mtcute accepts.
const base = sessions[1].output
const std = Buffer.from(base, 'base64url').toString('base64')
const textProbes = [
  { name: 'standard_alphabet_padded', expect: 'ok', text: std },
  { name: 'standard_alphabet_unpadded', expect: 'ok', text: std.replace(/=+$/, '') },
  { name: 'url_alphabet_padded', expect: 'ok', text: base + '='.repeat((4 - (base.length % 4)) % 4) },
  { name: 'trailing_newline', expect: 'ok', text: base + '\n' },
].map((p) => ({ ...p, mtcute: readBack(p.text) }))

const out = {
  library: '@mtcute/core',
  library_version: `@mtcute/core ${pkgVersion('@mtcute/core')}, @mtcute/tl-runtime ${pkgVersion('@mtcute/tl-runtime')}, node ${process.version}`,
  generator: 'codec/testdata/mtcute_generate.mjs (writeStringSession / readStringSession from @mtcute/core/utils.js)',
  auth_key_recipe: 'make_key(n) = concat(sha256(`tg-session-vector:${n}:${i}`) for i in 0..7)',
  sessions,
  probes: [...probePayloads, ...textProbes],
}
process.stdout.write(JSON.stringify(out, null, 1) + '\n')
