// Generates mtkruto_vectors.json with @mtcute/convert 0.29.7 (interop/node_modules):
//   cd interop && node ../codec/testdata/mtkruto_generate.mjs > ../codec/testdata/mtkruto_vectors.json
import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
const require = createRequire(process.cwd() + '/package.json')
const convert = require('@mtcute/convert')
const makeKey = (n) => Buffer.concat([...Array(8).keys()].map(i => createHash('sha256').update(`tg-session-vector:${n}:${i}`).digest()))
const { MtArgumentError } = require('@mtcute/core')
const out = { library: '@mtcute/convert', library_version: '0.29.7', auth_key_recipe: 'make_key(n) = concat(sha256(`tg-session-vector:${n}:${i}`) for i in 0..7)',
  how: 'serializeMtkrutoSession({dcId, isTest, authKey: make_key(key)}); parse = parseMtkrutoSession(output)', vectors: [] }
const cases = [[1,false,1],[2,false,2],[3,false,3],[4,false,4],[5,false,5],[1,true,6],[2,true,7],[3,true,8]]
// keys with zero runs: key 9 with leading zeros, key 10 with a 300-zero run is impossible (256), use 255 leading zeros
for (const [dc, test, n] of cases) {
  const key = makeKey(n)
  const text = convert.serializeMtkrutoSession({ dcId: dc, isTest: test, authKey: key })
  const p = convert.parseMtkrutoSession(text)
  out.vectors.push({ dc_id: dc, is_test: test, key: n, output: text, parsed: { dc_id: p.dcId, is_test: p.isTest, auth_key_ok: Buffer.from(p.authKey).equals(key) } })
}
{ // key with runs of zeros
  const key = makeKey(9); key.fill(0, 0, 7); key.fill(0, 100, 140); key[255] = 0
  const text = convert.serializeMtkrutoSession({ dcId: 4, isTest: false, authKey: key })
  const p = convert.parseMtkrutoSession(text)
  out.vectors.push({ dc_id: 4, is_test: false, key: 9, zero_runs: [[0,7],[100,140],[255,256]], output: text, parsed: { dc_id: p.dcId, is_test: p.isTest, auth_key_ok: Buffer.from(p.authKey).equals(key) } })
}
out.fixture = { source: 'packages/convert/src/mtkruto/__fixtures__/session.ts (MTKRUTO_SESSION)', output: 'BjItdGVzdAAB_gABAQABWEIKa07Ch-9zoA024mDOpsv20TW4YwuoRRROqSi41YQCbD3c4nKnz7BcFIu1mfn6f6Xm3OTVqoT0zib4p_AuZD9H-t8j5AagecRg-oSpQlmjoiUazKQSxnxWotGWf1mPNntAeOvDNa5t1NjXUxmqdB3e2AjYLF_E2jDESVgUuDBQUMBHIDc_xFBAlz6kVxCZ6iINJHbnyJ2F19tbEPFJvSM999RKaFj5lUUVs0qKNXEUmsFYUuIdPBzjWilY8Uvf9nYU_xXd9CUAAXS5_i4aaWlHoTIf3zn8ZEINhDIU1DMauh5vhSWt7F0fkxODjtou-7PdIunuDtqyQm4steuNJc8' }
{ const p = convert.parseMtkrutoSession(out.fixture.output)
  const sha = createHash('sha1').update(p.authKey).digest()
  out.fixture.parsed = { dc_id: p.dcId, is_test: p.isTest, key_len: p.authKey.length, auth_key_id: sha.subarray(12).readBigUInt64LE().toString() } }
// Layout probes: MTKruto's own layouts (api-id, full), rebuilt here from
// its exportAuthString (storage/0_storage.ts) and rleEncode
// (utilities/0_rle.ts), and broken run-length encodings; "mtcute" is what
// parseMtkrutoSession makes of each. tgsession's expectation is in
// codec/mtkruto_test.go, not here.
function krutoRle(b) {
  const r = []
  let n = 0
  for (const c of b) {
    if (!c) { if (n === 255) { r.push(0, n); n = 1 } else n++ } else { if (n) { r.push(0, n); n = 0 } r.push(c) }
  }
  if (n) r.push(0, n)
  return Buffer.from(r)
}
function tlString(s) {
  const b = [s.length, ...Buffer.from(s)]
  while (b.length % 4) b.push(0)
  return Buffer.from(b)
}
const fixedKey = makeKey(90)
const raw = (dc, trailer = Buffer.alloc(0)) => Buffer.concat([tlString(dc), Buffer.from([0xfe, 0, 1, 0]), fixedKey, trailer])
const i32 = (v) => { const b = Buffer.alloc(4); b.writeInt32LE(v); return b }
const full = (api, bot, user) => { const b = Buffer.alloc(13); b.writeInt32LE(api); b[4] = bot; b.writeBigInt64LE(BigInt(user), 5); return b }
const zeroLead = Buffer.from(fixedKey); zeroLead.fill(0, 0, 255)
out.layout_probes = [
  ['api-id layout', krutoRle(raw('2', i32(94575)))],
  ['full layout', krutoRle(raw('1-test', full(611335, 1, 5000000001)))],
  ['zero run count 0', Buffer.concat([krutoRle(raw('2')), Buffer.from([0, 0])])],
  ['dangling zero', Buffer.concat([krutoRle(raw('2')), Buffer.from([0])])],
  ['dc 9', krutoRle(raw('9'))],
  ['trailing zeros as one long run', krutoRle(raw('3', Buffer.alloc(300)))],
  ['mtcute writes a 256-zero run as 00 00', Buffer.from(convert.serializeMtkrutoSession({ dcId: 2, isTest: false, authKey: zeroLead }), 'base64url')],
].map(([label, b]) => {
  const input = b.toString('base64url')
  let mtcute
  try {
    const p = convert.parseMtkrutoSession(input)
    mtcute = { dc_id: p.dcId, is_test: p.isTest, key_len: p.authKey.length }
  } catch (e) {
    mtcute = { error: `${e.constructor.name}: ${e.message}` }
  }
  return { label, input, mtcute }
})
console.log(JSON.stringify(out, null, 1))
