// A Node peer for storesession's interop test: real GramJS (npm telegram
// 2.26.22, resolved from the working directory, interop/, where
// interop/setup.sh installs it) loads and writes StoreSession folders.
// It speaks the JSON-lines protocol of interop/peer: one request
// {"id", "op", "args"} per line, one response {"id", "result"} or
// {"id", "error"} per line. Keys cross as hex (fake test keys).
//
// Ops:
//   version      {} -> {node, telegram}
//   store_load   {dir, entity_ids: [marked id strings]} -> new StoreSession(basename)
//                created in dir's parent, load(): {dc_id, server_address, port,
//                auth_key_hex, entities: [{id, row, input}]}, where row is
//                getEntityRowsById(id) and input getInputEntity(id) as
//                {class, access_hash} (null if GramJS cannot resolve it)
//   store_write  {dir, dc_id, server_address, port, auth_key_hex, users: [...],
//                chats: [...]} -> {}: new StoreSession(basename), setDC, authKey,
//                processEntities({users, chats}) with users {id, access_hash,
//                username?, phone?, first_name?, last_name?} (Api.User), chats
//                {type: "channel"|"chat", id, access_hash?, title} (Api.Channel, Api.Chat)
'use strict'
const path = require('node:path')
const readline = require('node:readline')
const { createRequire } = require('node:module')
const req = createRequire(path.join(process.cwd(), 'package.json'))
const { StoreSession } = req('telegram/sessions')
const { AuthKey } = req('telegram/crypto/AuthKey')
const { Api } = req('telegram')
const bigInt = req('big-integer')

function open(dir) {
  const abs = path.resolve(dir)
  const cwd = process.cwd()
  process.chdir(path.dirname(abs))
  try {
    return new StoreSession(path.basename(abs))
  } finally {
    process.chdir(cwd)
  }
}

const ops = {
  version: () => ({ node: process.versions.node, telegram: req('telegram/package.json').version }),
  store_load: async (a) => {
    const s = open(a.dir)
    await s.load()
    const key = s.authKey ? s.authKey.getKey() : null
    const entities = []
    for (const id of a.entity_ids || []) {
      const row = s.getEntityRowsById(id)
      let input = null
      try {
        const p = s.getInputEntity(bigInt(id))
        input = { class: p.className, access_hash: p.accessHash != null ? p.accessHash.toString() : null }
      } catch (e) {
        input = null
      }
      entities.push({ id, row: row === undefined ? null : row, input })
    }
    return {
      dc_id: s.dcId,
      server_address: s.serverAddress ?? null,
      port: s.port ?? null,
      auth_key_hex: key ? Buffer.from(key).toString('hex') : null,
      entities,
    }
  },
  store_write: async (a) => {
    const s = open(a.dir)
    await s.load()
    s.setDC(a.dc_id, a.server_address, a.port)
    const k = new AuthKey()
    await k.setKey(Buffer.from(a.auth_key_hex, 'hex'))
    s.authKey = k
    const users = (a.users || []).map((u) => new Api.User({
      id: bigInt(u.id), accessHash: bigInt(u.access_hash), username: u.username, phone: u.phone,
      firstName: u.first_name, lastName: u.last_name,
    }))
    const chats = (a.chats || []).map((c) => c.type === 'channel'
      ? new Api.Channel({ id: bigInt(c.id), accessHash: bigInt(c.access_hash), title: c.title, username: c.username, photo: new Api.ChatPhotoEmpty(), date: 0 })
      : new Api.Chat({ id: bigInt(c.id), title: c.title, photo: new Api.ChatPhotoEmpty(), participantsCount: 1, date: 0, version: 1 }))
    s.processEntities({ users, chats })
    return {}
  },
}

const rl = readline.createInterface({ input: process.stdin })
rl.on('line', async (line) => {
  let id = null
  try {
    const req = JSON.parse(line)
    id = req.id
    const result = await ops[req.op](req.args || {})
    process.stdout.write(JSON.stringify({ id, result }) + '\n')
  } catch (e) {
    process.stdout.write(JSON.stringify({ id, error: `${e && e.constructor ? e.constructor.name : 'Error'}: ${e && e.message}` }) + '\n')
  }
})
