// Generates testdata/vectors/gramjs.json or mtcute.json with the real npm
// libraries pinned in interop/package.json (GramJS `telegram`, @mtcute/core,
// @mtcute/convert), through the same ops the interop peer uses
// (../peers/node_ops.mjs).
//
// Usage: node node_vectors.mjs gramjs|mtcute [CROSS.json ...] > out.json
//
// CROSS files are other generators' outputs (telethon.json, pyrogram.json,
// gramjs.json, mtcute.json); their strings become decode probes and cross
// checks. Deterministic: fixed inputs, a fixed-seed PRNG, keys from the
// docs/formats.md#vectors make_key recipe.

import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'

import * as convert from '@mtcute/convert'

import { errorText, ops } from '../peers/node_ops.mjs'

const V = ops.version()
const GRAMJS = { library: 'GramJS (npm telegram)', library_version: V.telegram }
const CORE = { library: '@mtcute/core', library_version: V.mtcute_core }
const CONVERT = { library: '@mtcute/convert', library_version: V.mtcute_convert }

function makeKey(n) {
  const parts = []
  for (let i = 0; i < 8; i++) parts.push(createHash('sha256').update(`tg-session-vector:${n}:${i}`).digest())
  return Buffer.concat(parts)
}
const keyIdHex = (key) => createHash('sha1').update(key).digest().subarray(12, 20).toString('hex')

// mulberry32: a tiny seeded PRNG, so the "random" vectors never change.
function prng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const randInt = (r, lo, hi) => lo + Math.floor(r() * (hi - lo + 1))

async function call(op, args) {
  try {
    return ['ok', await ops[op](args)]
  } catch (e) {
    return ['error', errorText(e)]
  }
}

async function must(op, args, what) {
  const [res, out] = await call(op, args)
  if (res !== 'ok') throw new Error(`${what}: ${op} failed: ${out}`)
  return out
}

const nullExpect = {
  dc_id: null,
  server_address: null,
  port: null,
  ipv6: null,
  test_mode: null,
  api_id: null,
  user_id: null,
  is_bot: null,
  layout: null,
  media: null,
}

// ---------------------------------------------------------------- GramJS

async function gramjsVectors(cross) {
  const vectors = []
  const probes = []
  const add = async (name, dc, addr, port, keyN, note) => {
    const key = makeKey(keyN)
    const { text } = await must('gramjs_encode', { dc_id: dc, server_address: addr, port, auth_key_hex: key.toString('hex') }, name)
    if (!text) throw new Error(`${name}: GramJS save() returned ''`)
    const read = await must('gramjs_decode', { text }, name)
    if (read.auth_key_hex !== key.toString('hex') || read.dc_id !== dc || read.port !== port || read.server_address !== addr) {
      throw new Error(`${name}: GramJS does not read back its own string`)
    }
    const e = {
      name,
      format: 'gramjs',
      ...GRAMJS,
      api: 'new StringSession(""); setDC(dc_id, server_address, port); authKey = new AuthKey(); await authKey.setKey(key); save()',
      read_api: 'new StringSession(text); await load()',
      canonical: true,
      inputs: { dc_id: dc, server_address: addr, port, auth_key: `make_key(${keyN})` },
      text,
      expect: {
        ...nullExpect,
        dc_id: dc,
        server_address: addr,
        port,
        ipv6: addr.includes(':'),
        auth_key_hex: key.toString('hex'),
        auth_key_id: keyIdHex(key),
        library_key_id: read.auth_key_id,
      },
    }
    // Cross check: @mtcute/convert's serializer must produce the same text.
    const [res, out] = await call('convert_serialize_gramjs', {
      dc_id: dc,
      ip_address: addr,
      ipv6: addr.includes(':'),
      port,
      auth_key_hex: key.toString('hex'),
    })
    e.also_produced_by = res === 'ok' && out.text === text ? [`@mtcute/convert ${V.mtcute_convert} serializeGramjsSession`] : []
    if (note) e.note = note
    vectors.push(e)
  }

  await add('gramjs_v4_7_chars', 2, '1.2.3.4', 443, 300)
  await add('gramjs_v4_8_chars', 2, '10.2.3.4', 443, 301)
  await add('gramjs_v4_9_chars', 2, '10.20.3.4', 443, 302)
  await add('gramjs_v4_10_chars', 2, '10.20.30.4', 443, 303)
  await add('gramjs_v4_11_chars', 2, '10.20.30.40', 443, 304)
  await add('gramjs_v4_12_chars', 5, '91.108.4.200', 443, 305)
  await add('gramjs_v4_13_chars_dc5', 5, '91.108.56.130', 443, 306)
  const collide = 'address of 14 characters: 369-char string, the length of a Telethon IPv6 string'
  await add('gramjs_v4_14_chars_dc2', 2, '149.154.167.51', 443, 307, collide)
  await add('gramjs_v4_14_chars_dc4', 4, '149.154.167.91', 443, 308, collide)
  await add('gramjs_v4_14_chars_dc1', 1, '149.154.175.53', 443, 309, collide)
  await add('gramjs_v4_14_chars_test_dc2_port80', 2, '149.154.167.40', 80, 310, collide)
  await add('gramjs_v4_14_chars_dc4_port80', 4, '149.154.167.91', 80, 311, `fresh Node client default (DC4, TCP port 80); ${collide}`)
  await add('gramjs_v4_15_chars_dc3', 3, '149.154.175.100', 443, 312)
  await add('gramjs_v4_15_chars_test_dc3', 3, '149.154.175.117', 443, 313)
  await add('gramjs_v4_port32767', 2, '149.154.167.51', 32767, 314, 'largest port GramJS can save (i16)')
  await add('gramjs_v6_expanded_dc4', 4, '2001:067c:04e8:f004:0000:0000:0000:000a', 443, 315, 'GramJS default IPv6 text, fully expanded')
  await add('gramjs_v6_expanded_dc2_port80', 2, '2001:067c:04e8:f002:0000:0000:0000:000a', 80, 316)
  await add('gramjs_v6_compressed_dc2', 2, '2001:67c:4e8:f002::a', 443, 317)
  await add('gramjs_hostname_vesta', 4, 'vesta.web.telegram.org', 443, 318, 'browser session (WSS host name)')
  await add('gramjs_hostname_pluto', 1, 'pluto.web.telegram.org', 443, 319, 'browser session (WSS host name)')
  await add('gramjs_hostname_venus_port80', 2, 'venus.web.telegram.org', 80, 320, 'browser session (WSS host name)')
  await add('gramjs_hostname_flora', 5, 'flora.web.telegram.org', 443, 321, 'browser session (WSS host name)')
  const r = prng(20240601)
  for (let i = 0; i < 10; i++) {
    const addr = [0, 0, 0, 0].map(() => randInt(r, 1, 254)).join('.')
    const port = [80, 443, randInt(r, 1, 32767)][randInt(r, 0, 2)]
    await add(`gramjs_random_${String(i).padStart(2, '0')}`, randInt(r, 1, 5), addr, port, 330 + i, 'seeded random (seed 20240601)')
  }

  // Decode probes: what GramJS's StringSession does with other and damaged text.
  const probe = async (name, input, note, source) => {
    const [res, out] = await call('gramjs_decode', { text: input })
    const p = { name, ...GRAMJS, api: 'new StringSession(text); await load()', input, result: res }
    if (source) p.source = source
    if (res === 'ok') p.read = out
    else p.error = out
    if (note) p.note = note
    probes.push(p)
  }
  const byName = (n) => vectors.find((v) => v.name === n).text
  const g14 = byName('gramjs_v4_14_chars_dc2')
  const toUrl = (s) => s.replace(/\+/g, '-').replace(/\//g, '_')
  await probe('gramjs_valid', g14)
  await probe('gramjs_padding_stripped', g14.replace(/=+$/, ''))
  await probe('gramjs_extra_padding', `${g14}=`)
  await probe('gramjs_url_safe_alphabet', toUrl(g14))
  await probe('gramjs_trailing_newline', `${g14}\n`)
  await probe('gramjs_trailing_space', `${g14} `)
  await probe('gramjs_leading_space', ` ${g14}`)
  await probe('gramjs_newline_in_middle', `${g14.slice(0, 100)}\n${g14.slice(100)}`)
  await probe('gramjs_truncated_8_chars', g14.slice(0, -8), 'GramJS takes whatever bytes remain as the key: no length check')
  await probe('gramjs_version_2', `2${g14.slice(1)}`)
  await probe('empty', '')
  await probe('garbage_1_bangs', '1!!!!')
  {
    const { text } = await must('gramjs_encode', { dc_id: 2, server_address: '::', port: 443, auth_key_hex: makeKey(322).toString('hex') }, 'probe')
    await probe('gramjs_2_char_address', text, 'a 2-char address makes the text 352 chars after the prefix: GramJS reads its own string as a Telethon IPv4 session')
  }
  {
    const host = `${'a'.repeat(97)}.org`
    const { text } = await must('gramjs_encode', { dc_id: 2, server_address: host, port: 443, auth_key_hex: makeKey(323).toString('hex') }, 'probe')
    await probe('gramjs_101_char_hostname', text, 'address length > 100: GramJS reads its own string as a Telethon IPv6 session')
  }
  for (const doc of cross) {
    for (const v of doc.string_sessions ?? []) {
      if (!GRAMJS_CROSS[v.name]) continue
      await probe(`${v.name}_given_to_gramjs`, v.text, GRAMJS_CROSS[v.name], `${v.library} ${v.library_version}`)
    }
    const t = (doc.string_sessions ?? []).find((v) => v.name === 'telethon_v4_prod_dc2')
    if (t) {
      const src = `${t.library} ${t.library_version}`
      await probe('telethon_v4_padding_stripped_given_to_gramjs', t.text.replace(/=+$/, ''), null, src)
      await probe('telethon_v4_trailing_newline_given_to_gramjs', `${t.text}\n`, null, src)
    }
  }

  // Encode probes.
  const encProbe = async (name, args, note) => {
    const [res, out] = await call('gramjs_encode', { ...args, auth_key_hex: makeKey(324).toString('hex') })
    const p = { name, ...GRAMJS, api: 'setDC(dc_id, server_address, port); authKey.setKey(key); save()', encode_input: args, result: res }
    if (res === 'ok') p.output = out.text
    else p.error = out
    if (note) p.note = note
    probes.push(p)
  }
  await encProbe('encode_port_32768', { dc_id: 2, server_address: '149.154.167.51', port: 32768 }, 'port written with writeInt16BE')
  await encProbe('encode_port_40000', { dc_id: 2, server_address: '149.154.167.51', port: 40000 })
  await encProbe('encode_port_0', { dc_id: 2, server_address: '149.154.167.51', port: 0 }, "save() returns '' when port is falsy")
  await encProbe('encode_empty_address', { dc_id: 2, server_address: '', port: 443 }, "save() returns '' when the address is empty")
  await encProbe('encode_dc_256', { dc_id: 256, server_address: '149.154.167.51', port: 443 }, 'Buffer.from([256]) wraps to 0')

  return {
    library: GRAMJS.library,
    library_version: GRAMJS.library_version,
    generator: 'interop/gen/node_vectors.mjs gramjs (run by interop/gen/gen_vectors.sh)',
    auth_key_recipe: "make_key(n) = concat(sha256('tg-session-vector:<n>:<i>') for i in 0..7) (256 bytes)",
    string_sessions: vectors,
    decode_probes: probes,
  }
}

const GRAMJS_CROSS = {
  telethon_v4_prod_dc2: 'Telethon IPv4 string: GramJS recognises it by its length (352 chars after the prefix)',
  telethon_v6_prod_dc4: 'Telethon IPv6 string: GramJS recognises it by the i16 at [1:3] > 100',
  telethon_v4_port40000: 'GramJS reads the port as a signed i16',
  telethon_v6_loopback: 'Telethon IPv6 string whose i16 at [1:3] is 0: GramJS takes the GramJS branch',
  telethon_v6_ipv4_mapped: 'Telethon IPv6 string whose i16 at [1:3] is 0',
  mtcute_v3_dc2_no_media_no_self: 'mtcute v3 string',
  pyrogram_v2_dc2_user: 'Pyrogram v2 string',
}

// ---------------------------------------------------------------- mtcute

function dcExpect(dc) {
  return {
    dc_id: dc.id,
    server_address: dc.ip_address,
    port: dc.port,
    ipv6: dc.ipv6,
    media_only: dc.media_only,
    test_mode: dc.test_mode,
  }
}

const dcArg = (id, ip, port, f = {}) => ({
  id,
  ip_address: ip,
  port,
  ipv6: Boolean(f.ipv6),
  media_only: Boolean(f.media),
  test_mode: Boolean(f.test),
})

const fromMapping = (dc) => ({
  id: dc.id,
  ip_address: dc.ipAddress,
  port: dc.port,
  ipv6: Boolean(dc.ipv6),
  media_only: Boolean(dc.mediaOnly),
  test_mode: Boolean(dc.testMode),
})

async function mtcuteVectors(cross) {
  const vectors = []
  const probes = []
  const crossChecks = []

  const add = async (name, main, media, self, keyN, note) => {
    const key = makeKey(keyN)
    const args = { main, media, self, auth_key_hex: key.toString('hex') }
    const { text } = await must('mtcute_write', args, name)
    const read = await must('mtcute_read', { text }, name)
    if (read.auth_key_hex !== key.toString('hex') || read.main.id !== main.id || read.media_is_main !== (media == null)) {
      throw new Error(`${name}: mtcute does not read back its own string`)
    }
    const e = {
      name,
      format: 'mtcute',
      ...CORE,
      api: 'writeStringSession({version: 3, primaryDcs: {main, media}, self, authKey}) (media === main when no separate media DC)',
      read_api: 'readStringSession(text)',
      canonical: true,
      inputs: { main, media, self, auth_key: `make_key(${keyN})` },
      text,
      expect: {
        ...nullExpect,
        dc_id: read.main.id,
        server_address: read.main.ip_address,
        port: read.main.port,
        ipv6: read.main.ipv6,
        test_mode: read.main.test_mode,
        user_id: read.self ? read.self.user_id : null,
        is_bot: read.self ? read.self.is_bot : null,
        media: read.media_is_main ? null : dcExpect(read.media),
        auth_key_hex: key.toString('hex'),
        auth_key_id: keyIdHex(key),
      },
    }
    if (note) e.note = note
    vectors.push(e)
  }

  const P = convert.DC_MAPPING_PROD
  const T = convert.DC_MAPPING_TEST
  const main2 = dcArg(2, '149.154.167.50', 443)
  const media2 = dcArg(2, '149.154.167.222', 443, { media: true })
  await add('mtcute_v3_dc2_no_media_no_self', main2, null, null, 400)
  await add('mtcute_v3_dc2_media_self_user', main2, media2, { user_id: 5000000001, is_bot: false }, 401, 'mtcute core default DCs; user id > 2^32')
  await add('mtcute_v3_dc2_media_self_bot', main2, media2, { user_id: 7123456789, is_bot: true }, 402)
  await add('mtcute_v3_self_small_user', main2, null, { user_id: 123456789, is_bot: false }, 403)
  await add('mtcute_v3_self_user_2pow32_plus1', main2, null, { user_id: 4294967297, is_bot: false }, 404)
  await add('mtcute_v3_self_user_2pow53_minus1', main2, null, { user_id: 9007199254740991, is_bot: true }, 405, 'largest user id a JS number holds exactly')
  for (const dc of [1, 3, 4, 5]) {
    await add(`mtcute_v3_convert_table_dc${dc}`, fromMapping(P[dc].main), fromMapping(P[dc].media), { user_id: 1000 + dc, is_bot: false }, 410 + dc, '@mtcute/convert DC_MAPPING_PROD entry')
  }
  await add(
    'mtcute_v3_ipv6_expanded_media',
    dcArg(2, '2001:067c:04e8:f002:0000:0000:0000:000a', 443, { ipv6: true }),
    dcArg(2, '2001:067c:04e8:f002:0000:0000:0000:000b', 443, { ipv6: true, media: true }),
    { user_id: 5000000002, is_bot: false },
    420,
    'mtcute core defaultProductionIpv6Dc'
  )
  await add('mtcute_v3_ipv6_compressed_no_media', dcArg(4, '2001:67c:4e8:f004::a', 443, { ipv6: true }), null, null, 421)
  await add('mtcute_v3_test_dc2', dcArg(2, '149.154.167.40', 443, { test: true }), null, { user_id: 9996621234, is_bot: false }, 422)
  await add(
    'mtcute_v3_test_dc2_media',
    dcArg(2, '149.154.167.40', 443, { test: true }),
    dcArg(2, '149.154.167.40', 443, { test: true, media: true }),
    null,
    423,
    'mtcute core defaultTestDc'
  )
  await add('mtcute_v3_test_dc1_port80', fromMapping(T[1].main), fromMapping(T[1].media), null, 424, '@mtcute/convert DC_MAPPING_TEST[1]')
  await add('mtcute_v3_test_ipv6', dcArg(2, '2001:67c:4e8:f002::e', 443, { ipv6: true, test: true }), null, null, 425, 'mtcute core defaultTestIpv6Dc')
  await add('mtcute_v3_port_65535', dcArg(3, '149.154.175.100', 65535), null, null, 426)
  await add('mtcute_v3_media_other_dc', dcArg(2, '149.154.167.50', 443), dcArg(4, '149.154.167.91', 443, { media: true }), null, 427, 'media DC id differs from main')
  await add('mtcute_v3_hostname', dcArg(4, 'vesta.web.telegram.org', 443), null, null, 428, 'mtcute stores any string as the address')
  const r = prng(20240602)
  for (let i = 0; i < 10; i++) {
    const test = r() < 0.2
    const v6 = r() < 0.3
    const id = randInt(r, 1, 5)
    const ip = v6 ? `2001:${randInt(r, 0, 0xffff).toString(16)}::${randInt(r, 1, 0xffff).toString(16)}` : [0, 0, 0, 0].map(() => randInt(r, 1, 254)).join('.')
    const main = dcArg(id, ip, [80, 443, randInt(r, 1, 65535)][randInt(r, 0, 2)], { ipv6: v6, test })
    const media = r() < 0.5 ? null : dcArg(id, ip, 443, { ipv6: v6, test, media: true })
    const self = r() < 0.5 ? null : { user_id: randInt(r, 1, 2 ** 40), is_bot: r() < 0.3 }
    await add(`mtcute_random_${String(i).padStart(2, '0')}`, main, media, self, 440 + i, 'seeded random (seed 20240602)')
  }

  // Pyrogram strings, as @mtcute/convert's serializePyrogramSession writes them.
  const addPyro = async (name, dc, apiId, isTest, userId, isBot, keyN, canonical, note) => {
    const key = makeKey(keyN)
    const args = { dc_id: dc, api_id: apiId, is_test: isTest, user_id: userId, is_bot: isBot, auth_key_hex: key.toString('hex') }
    const { text } = await must('convert_serialize_pyrogram', args, name)
    const read = await must('convert_parse_pyrogram', { text }, name)
    if (read.auth_key_hex !== key.toString('hex') || read.user_id !== userId || read.dc_id !== dc) {
      throw new Error(`${name}: @mtcute/convert does not read back its own Pyrogram string`)
    }
    const legacy = apiId == null
    const e = {
      name,
      format: legacy ? 'pyrogram-legacy' : 'pyrogram',
      ...CONVERT,
      api: `serializePyrogramSession({${legacy ? '' : 'apiId, '}dcId, isTest, userId, isBot, authKey})`,
      read_api: 'parsePyrogramSession(text)',
      canonical,
      inputs: { dc_id: dc, api_id: apiId, is_test: isTest, user_id: userId, is_bot: isBot, auth_key: `make_key(${keyN})` },
      text,
      expect: {
        ...nullExpect,
        dc_id: dc,
        test_mode: isTest,
        api_id: legacy ? null : apiId,
        user_id: userId,
        is_bot: isBot,
        layout: legacy ? 'old-64' : 'v2',
        auth_key_hex: key.toString('hex'),
        auth_key_id: keyIdHex(key),
      },
    }
    if (note) e.note = note
    vectors.push(e)
  }
  await addPyro('pyrogram_v2_dc2_user', 2, 2040, false, 123456791, false, 450, true)
  await addPyro('pyrogram_v2_dc4_bot', 4, 2040, false, 7123456789, true, 451, true)
  await addPyro('pyrogram_v2_dc3_user', 3, 94575, false, 5000000001, false, 452, true, 'DC 3: the first byte is 3, like an mtcute v3 string')
  await addPyro('pyrogram_v2_test_dc1', 1, 12345, true, 9996621234, false, 453, true)
  await addPyro('pyrogram_v2_dc5_user_2pow53_minus1', 5, 4294967295, false, 9007199254740991, false, 454, true, 'api_id = 2^32-1')
  await addPyro('pyrogram_v2_user_0', 2, 2040, false, 0, false, 455, true, 'what @mtcute/convert writes for sessions without self (Telethon/GramJS sources)')
  await addPyro('pyrogram_old64_dc4_user', 4, null, false, 5000000001, false, 456, true, 'Pyrogram 1.3-1.4 writes old-64 for user_id >= 2147483647')
  await addPyro('pyrogram_old64_boundary_2147483647', 2, null, false, 2147483647, false, 457, true, 'Pyrogram 1.3: user_id < 2147483647 is strict, so 2147483647 gets old-64')
  await addPyro('pyrogram_old64_test_bot', 1, null, true, 6000000000, true, 458, true)
  await addPyro(
    'pyrogram_old64_small_user',
    2,
    null,
    false,
    123456789,
    false,
    459,
    false,
    'not canonical: @mtcute/convert writes old-64 whenever apiId is absent, Pyrogram 1.3 would write old-32 for this user id. @mtcute/convert cannot write old-32 at all.'
  )

  // Cross checks: @mtcute/convert against Telethon and GramJS outputs.
  for (const doc of cross) {
    for (const v of doc.string_sessions ?? []) {
      if (v.format === 'telethon') {
        const [res, parsed] = await call('convert_parse_telethon', { text: v.text })
        let ok = res === 'ok' && parsed.auth_key_hex === v.expect.auth_key_hex && parsed.dc_id === v.expect.dc_id && parsed.port === v.expect.port
        let back = null
        if (ok) {
          const [r2, out] = await call('convert_serialize_telethon', parsed)
          back = r2 === 'ok' && out.text === v.text
          ok = ok && back
        }
        crossChecks.push({
          name: v.name,
          check: 'parseTelethonSession then serializeTelethonSession reproduces the Telethon text',
          result: ok ? 'ok' : 'mismatch',
          parsed_address: res === 'ok' ? parsed.ip_address : null,
        })
      }
      if (v.format === 'gramjs') {
        const [res, parsed] = await call('convert_parse_gramjs', { text: v.text })
        const ok = res === 'ok' && parsed.auth_key_hex === v.expect.auth_key_hex && parsed.ip_address === v.expect.server_address && parsed.port === v.expect.port
        crossChecks.push({ name: v.name, check: 'parseGramjsSession reads the GramJS text', result: ok ? 'ok' : 'mismatch' })
      }
      if (v.format === 'pyrogram' || v.format === 'pyrogram-legacy') {
        if (v.library === CONVERT.library) continue
        if (!Number.isSafeInteger(v.expect.user_id)) {
          crossChecks.push({ name: v.name, check: 'parsePyrogramSession reads the Pyrogram text', result: 'skipped: user id beyond 2^53 (JS numbers)' })
          continue
        }
        const [res, parsed] = await call('convert_parse_pyrogram', { text: v.text })
        const ok = res === 'ok' && parsed.auth_key_hex === v.expect.auth_key_hex && parsed.user_id === v.expect.user_id
        crossChecks.push({
          name: v.name,
          check: 'parsePyrogramSession reads the Pyrogram text',
          result: ok ? 'ok' : res === 'ok' ? 'mismatch' : 'error',
          ...(res === 'error' ? { error: parsed } : {}),
        })
      }
    }
  }

  // Decode probes.
  const probe = async (lib, op, api, name, input, note, source) => {
    const [res, out] = await call(op, { text: input })
    const p = { name, ...lib, api, input, result: res }
    if (source) p.source = source
    if (res === 'ok') p.read = out
    else p.error = out
    if (note) p.note = note
    probes.push(p)
  }
  const mt = (name, input, note, source) => probe(CORE, 'mtcute_read', 'readStringSession(text)', name, input, note, source)
  const byName = (n) => vectors.find((v) => v.name === n).text
  const m = byName('mtcute_v3_dc2_media_self_user')
  const toStd = (s) => s.replace(/-/g, '+').replace(/_/g, '/')
  const pad = (s) => s + '='.repeat((4 - (s.length % 4)) % 4)
  await mt('mtcute_valid', m)
  await mt('mtcute_padding_added', pad(m))
  await mt('mtcute_standard_alphabet', toStd(m))
  await mt('mtcute_trailing_newline', `${m}\n`)
  await mt('mtcute_leading_space', ` ${m}`)
  await mt('mtcute_truncated_8_chars', m.slice(0, -8), 'the key is a TL bytes field: mtcute reads past the end or returns a short key')
  await mt('mtcute_version_2', `Ag${m.slice(2)}`)
  await mt('mtcute_version_1', `AQ${m.slice(2)}`)
  await mt('empty', '')
  await mt('pyrogram_v2_dc3_given_to_mtcute', byName('pyrogram_v2_dc3_user'), 'first byte 3, like mtcute v3')
  await mt('pyrogram_v2_dc2_given_to_mtcute', byName('pyrogram_v2_dc2_user'))
  for (const doc of cross) {
    for (const v of doc.string_sessions ?? []) {
      if (['telethon_v4_prod_dc2', 'gramjs_v4_14_chars_dc2'].includes(v.name)) {
        await mt(`${v.name}_given_to_mtcute`, v.text, null, `${v.library} ${v.library_version}`)
      }
    }
  }
  const pp = (name, input, note, source) => probe(CONVERT, 'convert_parse_pyrogram', 'parsePyrogramSession(text)', name, input, note, source)
  const p2 = byName('pyrogram_v2_dc2_user')
  await pp('pyrogram_v2_valid', p2)
  await pp('pyrogram_v2_padding_added', pad(p2))
  await pp('pyrogram_v2_standard_alphabet', toStd(p2))
  await pp('pyrogram_v2_trailing_newline', `${p2}\n`)
  await pp('pyrogram_old64_trailing_newline', `${byName('pyrogram_old64_dc4_user')}\n`, 'length test sees 357 chars: parsed as v2')
  for (const doc of cross) {
    for (const v of doc.string_sessions ?? []) {
      if (v.format === 'pyrogram-legacy' && v.expect.layout === 'old-32' && v.library !== CONVERT.library) {
        await pp(`${v.name}_given_to_convert`, v.text, 'docs/formats.md#mtcute-convert: old-32 strings hit a RangeError in @mtcute/convert', `${v.library} ${v.library_version}`)
        break
      }
    }
    for (const v of doc.string_sessions ?? []) {
      if (v.name === 'telethon_v4_prod_dc2') await pp('telethon_v4_given_to_parsePyrogramSession', v.text, null, `${v.library} ${v.library_version}`)
    }
  }
  const tp = (name, input, note, source) => probe(CONVERT, 'convert_parse_telethon', 'parseTelethonSession(text)', name, input, note, source)
  const gp = (name, input, note, source) => probe(CONVERT, 'convert_parse_gramjs', 'parseGramjsSession(text)', name, input, note, source)
  for (const doc of cross) {
    for (const v of doc.string_sessions ?? []) {
      const src = `${v.library} ${v.library_version}`
      if (v.name === 'telethon_v4_prod_dc2') {
        await tp('telethon_v4_valid', v.text, null, src)
        await tp('telethon_v4_padding_stripped', v.text.replace(/=+$/, ''), 'no length check: parsed silently as IPv6 garbage', src)
        await tp('telethon_v4_trailing_newline', `${v.text}\n`, null, src)
        await gp('telethon_v4_given_to_parseGramjsSession', v.text, null, src)
      }
      if (v.name === 'telethon_v6_prod_dc4') await tp('telethon_v6_valid', v.text, null, src)
      if (v.name === 'gramjs_v4_14_chars_dc2') {
        await tp('gramjs_v4_14_chars_given_to_parseTelethonSession', v.text, 'same length as Telethon IPv6: a garbled IPv6 address, right dc/port/key', src)
        await gp('gramjs_v4_14_chars_valid', v.text, null, src)
        await gp('gramjs_v4_14_chars_trailing_newline', `${v.text}\n`, null, src)
      }
      if (v.name === 'gramjs_v4_13_chars_dc5') await tp('gramjs_v4_13_chars_given_to_parseTelethonSession', v.text, null, src)
    }
  }

  return {
    library: '@mtcute/core + @mtcute/convert',
    library_version: `@mtcute/core ${V.mtcute_core}, @mtcute/convert ${V.mtcute_convert} (node ${V.node})`,
    generator: 'interop/gen/node_vectors.mjs mtcute (run by interop/gen/gen_vectors.sh)',
    auth_key_recipe: "make_key(n) = concat(sha256('tg-session-vector:<n>:<i>') for i in 0..7) (256 bytes)",
    note: 'Pyrogram old-32 strings cannot be produced by @mtcute/convert (it writes old-64 whenever apiId is absent, and cannot parse old-32: docs/formats.md#mtcute-convert); see pyrogram.json.',
    string_sessions: vectors,
    cross_checks: crossChecks,
    decode_probes: probes,
  }
}

const [which, ...crossPaths] = process.argv.slice(2)
const cross = crossPaths.map((p) => JSON.parse(readFileSync(p, 'utf8')))
let doc
if (which === 'gramjs') doc = await gramjsVectors(cross)
else if (which === 'mtcute') doc = await mtcuteVectors(cross)
else {
  process.stderr.write('usage: node node_vectors.mjs gramjs|mtcute [CROSS.json ...]\n')
  process.exit(2)
}
process.stdout.write(`${JSON.stringify(doc, null, 1)}\n`)
