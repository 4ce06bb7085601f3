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
console.log(JSON.stringify(out, null, 1))
