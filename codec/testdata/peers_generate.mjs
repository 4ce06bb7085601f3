// Adds GramJS and mtcute results to peer_probes.json and writes
// gramjs_generated.json, with the real npm packages telegram 2.26.22 and
// @mtcute/core 0.29.7. Run by peers_generate.sh; see there.
//
// gramjs_generated.json: StringSession strings written by real GramJS
// (setDC + authKey.setKey + save()) and what new StringSession(out) reads
// back. Keys are obviously fake: make_key(n) from docs/formats.md section 11.
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'

const here = new URL('.', import.meta.url).pathname
const modules = process.argv[2] // directory holding node_modules
const require = createRequire(modules + '/')
const { StringSession } = require('telegram/sessions')
const { AuthKey } = require('telegram/crypto/AuthKey')
const { readStringSession } = await import(modules + '/node_modules/@mtcute/core/utils.js')
const pkgVersion = (name) => JSON.parse(readFileSync(`${modules}/node_modules/${name}/package.json`, 'utf8')).version

function makeKey(n) {
  const parts = []
  for (let i = 0; i < 8; i++) parts.push(createHash('sha256').update(`tg-session-vector:${n}:${i}`).digest())
  return Buffer.concat(parts)
}

async function gramjsRead(text) {
  try {
    const s = new StringSession(text)
    await s.load()
    const key = s.getAuthKey()
    return {
      ok: true,
      dc_id: s.dcId,
      server_address: s.serverAddress ?? null,
      port: s.port ?? null,
      key_len: key && key.getKey() ? key.getKey().length : 0,
    }
  } catch (e) {
    return { ok: false, error: `${e.name}: ${e.message}` }
  }
}

function mtcuteRead(text) {
  try {
    const r = readStringSession(text)
    return { ok: true, dc_id: r.primaryDcs.main.id, server_address: r.primaryDcs.main.ipAddress, port: r.primaryDcs.main.port }
  } catch (e) {
    return { ok: false, error: `${e.name}: ${e.message}` }
  }
}

async function gramjsSave(dc, addr, port, key) {
  const s = new StringSession('')
  s.setDC(dc, addr, port)
  const ak = new AuthKey()
  await ak.setKey(key)
  s.setAuthKey(ak)
  return s.save()
}

// Generated sessions.
const addrs = [
  '149.154.175.53', '149.154.167.51', '149.154.175.100', '149.154.167.91', '91.108.56.130', '1.1.1.1',
  '149.154.167.5', '10.0.0.1', '255.255.255.255', '2001:b28:f23d:f001::a',
  '2001:067c:04e8:f002:0000:0000:0000:000a', '2001:067c:04e8:f004:0000:0000:0000:000b', '::ffff:149.154.167.51',
  'pluto.web.telegram.org', 'venus.web.telegram.org', 'aurora.web.telegram.org', 'vesta.web.telegram.org',
  'flora.web.telegram.org', 'vesta-1.web.telegram.org', 'localhost', 'example.com',
  'a-very-long-host-name.with.several.labels.example.org',
]
const ports = [443, 80, 1, 32767, 5222, 8443]
const sessions = []
let n = 0
for (const addr of addrs) {
  n++
  const dc = [1, 2, 3, 4, 5, 200][n % 6]
  const port = ports[n % ports.length]
  const key = makeKey(2000 + n)
  const out = await gramjsSave(dc, addr, port, key)
  sessions.push({
    name: `gramjs_${n}`,
    inputs: { dc_id: dc, server_address: addr, port, auth_key_recipe: `make_key(${2000 + n})`, auth_key_hex: key.toString('hex') },
    output: out,
    gramjs_decoded: await gramjsRead(out),
  })
}
const edge = []
for (const [label, port] of [['port 32768', 32768], ['port 65535', 65535]]) {
  try {
    await gramjsSave(2, '149.154.167.51', port, makeKey(1))
    edge.push({ label, result: 'ok' })
  } catch (e) {
    edge.push({ label, result: 'error', error: `${e.name}: ${e.message}` })
  }
}
writeFileSync(here + 'gramjs_generated.json', JSON.stringify({
  library: 'gramjs (npm telegram)',
  library_version: pkgVersion('telegram'),
  node: process.version,
  how: "new StringSession(''); setDC(dc, addr, port); setAuthKey(key); save(); then new StringSession(output).load()",
  auth_key_recipe: 'make_key(n) = concat(sha256(`tg-session-vector:${n}:${i}`) for i in 0..7)',
  string_sessions: sessions,
  save_errors: edge,
}, null, 1) + '\n')

// Probes.
const probesPath = here + 'peer_probes.json'
const doc = JSON.parse(readFileSync(probesPath, 'utf8'))
doc.gramjs = `GramJS (npm telegram ${pkgVersion('telegram')}, real) on Node ${process.version}`
doc.mtcute = `mtcute readStringSession (npm @mtcute/core ${pkgVersion('@mtcute/core')}, real) on Node ${process.version}`
for (const p of doc.probes) {
  p.gramjs = await gramjsRead(p.input)
  p.mtcute = mtcuteRead(p.input)
}
writeFileSync(probesPath, JSON.stringify(doc, null, 1) + '\n')

// Base64 probes.
const b64Path = here + 'base64_probes.json'
const b64 = JSON.parse(readFileSync(b64Path, 'utf8'))
b64.node = `Node ${process.version} Buffer.from(s, "base64") and "base64url"`
for (const p of b64.probes) {
  p.node = Buffer.from(p.input, 'base64').toString('hex')
  p.node_url = Buffer.from(p.input, 'base64url').toString('hex')
}
writeFileSync(b64Path, JSON.stringify(b64, null, 1) + '\n')
