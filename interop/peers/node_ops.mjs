// Operations of the Node peer (node_peer.mjs) and the vector generator
// (../gen/node_vectors.mjs): GramJS (npm `telegram`), mtcute (@mtcute/core)
// and @mtcute/convert, at the exact versions pinned in interop/package.json
// (installed by interop/setup.sh).
//
// Every op calls the libraries' own functions; nothing here re-implements a
// format. Auth keys cross as lowercase hex (fake test keys). Each op takes
// one args object and returns (or resolves to) one result object; a library
// exception propagates, and errorText() renders it as "<Class>: <message>".
//
// Ops:
//   version                 {} -> {node, telegram, mtcute_core, mtcute_convert}
//   gramjs_decode           {text} -> new StringSession(text); await load():
//                           {dc_id, server_address, port, auth_key_hex, auth_key_id}
//                           (port as GramJS reads it: signed i16; key/id null if none)
//   gramjs_encode           {dc_id, server_address, port, auth_key_hex}
//                           -> {text}: new StringSession(""); setDC(); authKey =
//                           AuthKey.setKey(key); save()
//   mtcute_read             {text} -> readStringSession(text) (@mtcute/core/utils.js):
//                           {version, main: DC, media: DC, media_is_main (object
//                           identity, i.e. no separate media DC was stored),
//                           self: {user_id, is_bot} | null, auth_key_hex}
//   mtcute_write            {main: DC, media: DC | null (null = same object as main),
//                           self: {user_id, is_bot} | null, auth_key_hex} -> {text}
//                           via writeStringSession({version: 3, ...})
//     DC = {id, ip_address, port, ipv6, media_only, test_mode}
//   convert_parse_telethon  {text} -> parseTelethonSession: {dc_id, ip_address, ipv6, port, auth_key_hex}
//   convert_serialize_telethon {dc_id, ip_address, ipv6, port, auth_key_hex} -> {text}
//   convert_parse_gramjs    {text} -> parseGramjsSession: same fields as telethon
//   convert_serialize_gramjs {dc_id, ip_address, ipv6, port, auth_key_hex} -> {text}
//   convert_parse_pyrogram  {text} -> parsePyrogramSession:
//                           {dc_id, api_id (null if absent), is_test, user_id, is_bot, auth_key_hex}
//   convert_serialize_pyrogram {dc_id, api_id (null/absent = old-64 layout), is_test,
//                           user_id, is_bot, auth_key_hex} -> {text}
//   convert                 {from, to, text, api_id?} -> {text}: convertFrom<From>
//                           then convertTo<To> (from/to: telethon, gramjs, pyrogram,
//                           mtkruto, mtcute; mtcute = read/writeStringSession)
//   tdata_read              {path, passcode?} -> @mtcute/convert Tdata.open (default
//                           node:fs, TDF version check on; crypto: tdataCrypto below,
//                           since mtcute's default provider needs @mtcute/node and
//                           its native better-sqlite3) then readMtpAuthorization
//                           for every index of keyData.order: {version, count, order,
//                           active, accounts: [{index, user_id (decimal string),
//                           main_dc, keys: [{dc, auth_key_hex}], to_destroy}]}

import nodeCrypto from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

import * as convert from '@mtcute/convert'
import { readStringSession, writeStringSession } from '@mtcute/core/utils.js'

const require = createRequire(import.meta.url)
// Load through the package indexes: requiring sessions/StringSession.js on its
// own hits a circular-import error in telegram 2.26.22.
const { StringSession } = require('telegram/sessions')
const { AuthKey } = require('telegram/crypto/AuthKey')

const hex = (b) => (b == null ? null : Buffer.from(b).toString('hex'))
const unhex = (s) => new Uint8Array(Buffer.from(s, 'hex'))

function version(name) {
  // Not require(`${name}/package.json`): @mtcute's "exports" do not list it.
  const url = new URL(`../node_modules/${name}/package.json`, import.meta.url)
  return JSON.parse(readFileSync(url, 'utf8')).version
}

function dcOut(dc) {
  return {
    id: dc.id,
    ip_address: dc.ipAddress,
    port: dc.port,
    ipv6: Boolean(dc.ipv6),
    media_only: Boolean(dc.mediaOnly),
    test_mode: Boolean(dc.testMode),
  }
}

function dcIn(dc) {
  return {
    id: dc.id,
    ipAddress: dc.ip_address,
    port: dc.port,
    ipv6: Boolean(dc.ipv6),
    mediaOnly: Boolean(dc.media_only),
    testMode: Boolean(dc.test_mode),
  }
}

function selfIn(self) {
  if (self == null) return null
  return { userId: self.user_id, isBot: Boolean(self.is_bot), isPremium: false, usernames: [] }
}

function telethonLikeOut(s) {
  return {
    dc_id: s.dcId,
    ip_address: s.ipAddress,
    ipv6: s.ipv6,
    port: s.port,
    auth_key_hex: hex(s.authKey),
  }
}

function telethonLikeIn(a) {
  return {
    dcId: a.dc_id,
    ipAddress: a.ip_address,
    ipv6: Boolean(a.ipv6),
    port: a.port,
    authKey: unhex(a.auth_key_hex),
  }
}

// tdataCrypto is the crypto provider @mtcute/convert's Tdata is given: node:crypto
// for the hashes, PBKDF2 and randomness, and AES-256-IGE built on node:crypto's
// AES-256-ECB (mtcute's own provider, @mtcute/node, pulls in native
// better-sqlite3). Everything tdata-specific (TDF$, MD5, QByteArray, the
// passcode and MTProto 1.0 key derivations) stays mtcute's code.
function ige(key, iv, data, encrypt) {
  if (data.length % 16 !== 0) throw new RangeError('IGE data is not a multiple of 16 bytes')
  const c = encrypt ? nodeCrypto.createCipheriv('aes-256-ecb', key, null) : nodeCrypto.createDecipheriv('aes-256-ecb', key, null)
  c.setAutoPadding(false)
  const out = new Uint8Array(data.length)
  let prevC = Buffer.from(iv.subarray(0, 16))
  let prevP = Buffer.from(iv.subarray(16, 32))
  for (let i = 0; i < data.length; i += 16) {
    const block = Buffer.from(data.subarray(i, i + 16))
    const x = Buffer.alloc(16)
    const pre = encrypt ? prevC : prevP
    const post = encrypt ? prevP : prevC
    for (let j = 0; j < 16; j++) x[j] = block[j] ^ pre[j]
    const y = c.update(x)
    for (let j = 0; j < 16; j++) y[j] ^= post[j]
    out.set(y, i)
    if (encrypt) { prevP = block; prevC = y } else { prevC = block; prevP = y }
  }
  return out
}

const tdataCrypto = {
  sha1: (d) => new Uint8Array(nodeCrypto.createHash('sha1').update(d).digest()),
  sha256: (d) => new Uint8Array(nodeCrypto.createHash('sha256').update(d).digest()),
  createHash: (algo) => {
    const h = nodeCrypto.createHash(algo)
    return { update: (d) => { h.update(d) }, digest: () => new Uint8Array(h.digest()) }
  },
  pbkdf2: (password, salt, iterations, keylen = 64, algo = 'sha512') =>
    new Uint8Array(nodeCrypto.pbkdf2Sync(password, salt, iterations, keylen, algo)),
  randomFill: (buf) => { nodeCrypto.randomFillSync(buf) },
  randomBytes: (n) => new Uint8Array(nodeCrypto.randomBytes(n)),
  createAesIge: (key, iv) => ({
    encrypt: (d) => ige(key, iv, d, true),
    decrypt: (d) => ige(key, iv, d, false),
  }),
}

const fromFns = {
  telethon: convert.convertFromTelethonSession,
  gramjs: convert.convertFromGramjsSession,
  pyrogram: convert.convertFromPyrogramSession,
  mtkruto: convert.convertFromMtkrutoSession,
  mtcute: readStringSession,
}

const toFns = {
  telethon: (d) => convert.convertToTelethonSession(d),
  gramjs: (d) => convert.convertToGramjsSession(d),
  pyrogram: (d, a) => convert.convertToPyrogramSession(d, a.api_id == null ? undefined : { apiId: a.api_id }),
  mtkruto: (d) => convert.convertToMtkrutoSession(d),
  mtcute: (d) => writeStringSession(d),
}

export const ops = {
  version: () => ({
    node: process.versions.node,
    telegram: version('telegram'),
    mtcute_core: version('@mtcute/core'),
    mtcute_convert: version('@mtcute/convert'),
  }),

  gramjs_decode: async (a) => {
    const s = new StringSession(a.text)
    await s.load()
    const k = s.authKey
    const key = k ? k.getKey() : undefined
    return {
      dc_id: s.dcId ?? null,
      server_address: s.serverAddress ?? null,
      port: s.port ?? null,
      auth_key_hex: key ? hex(key) : null,
      auth_key_id: key ? k.keyId.toString() : null,
    }
  },

  gramjs_encode: async (a) => {
    const s = new StringSession('')
    s.setDC(a.dc_id, a.server_address, a.port)
    if (a.auth_key_hex != null) {
      const k = new AuthKey()
      await k.setKey(Buffer.from(a.auth_key_hex, 'hex'))
      s.authKey = k
    }
    return { text: s.save() }
  },

  mtcute_read: (a) => {
    const d = readStringSession(a.text)
    return {
      version: d.version,
      main: dcOut(d.primaryDcs.main),
      media: dcOut(d.primaryDcs.media),
      media_is_main: d.primaryDcs.media === d.primaryDcs.main,
      self: d.self ? { user_id: d.self.userId, is_bot: d.self.isBot } : null,
      auth_key_hex: hex(d.authKey),
    }
  },

  mtcute_write: (a) => {
    const main = dcIn(a.main)
    const media = a.media == null ? main : dcIn(a.media)
    return {
      text: writeStringSession({
        version: 3,
        primaryDcs: { main, media },
        self: selfIn(a.self),
        authKey: unhex(a.auth_key_hex),
      }),
    }
  },

  convert_parse_telethon: (a) => telethonLikeOut(convert.parseTelethonSession(a.text)),
  convert_serialize_telethon: (a) => ({ text: convert.serializeTelethonSession(telethonLikeIn(a)) }),
  convert_parse_gramjs: (a) => telethonLikeOut(convert.parseGramjsSession(a.text)),
  convert_serialize_gramjs: (a) => ({ text: convert.serializeGramjsSession(telethonLikeIn(a)) }),

  convert_parse_pyrogram: (a) => {
    const s = convert.parsePyrogramSession(a.text)
    return {
      dc_id: s.dcId,
      api_id: s.apiId ?? null,
      is_test: s.isTest,
      user_id: s.userId,
      is_bot: s.isBot,
      auth_key_hex: hex(s.authKey),
    }
  },
  convert_serialize_pyrogram: (a) => ({
    text: convert.serializePyrogramSession({
      apiId: a.api_id == null ? undefined : a.api_id,
      dcId: a.dc_id,
      isTest: Boolean(a.is_test),
      userId: a.user_id,
      isBot: Boolean(a.is_bot),
      authKey: unhex(a.auth_key_hex),
    }),
  }),

  tdata_read: async (a) => {
    const td = await convert.Tdata.open({ path: a.path, passcode: a.passcode ?? '', crypto: tdataCrypto })
    const kd = td.keyData
    const accounts = []
    for (const index of kd.order) {
      const auth = await td.readMtpAuthorization(index)
      accounts.push({
        index,
        user_id: auth.userId.toString(),
        main_dc: auth.mainDcId,
        keys: auth.authKeys.map((k) => ({ dc: k.dcId, auth_key_hex: hex(k.key) })),
        to_destroy: auth.authKeysToDestroy.length,
      })
    }
    return { version: kd.version, count: kd.count, order: kd.order, active: kd.active, accounts }
  },

  convert: (a) => {
    const from = fromFns[a.from]
    const to = toFns[a.to]
    if (!from || !to) throw new TypeError(`unknown conversion ${a.from} -> ${a.to}`)
    return { text: to(from(a.text), a) }
  },
}

// The class name, not e.name: mtcute's MtArgumentError keeps name "Error".
export function errorText(e) {
  if (e instanceof Error) return `${e.constructor?.name || e.name}: ${e.message}`
  return `thrown: ${String(e)}`
}
