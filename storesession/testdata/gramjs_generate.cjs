// Writes StoreSession folders with real GramJS (npm telegram 2.26.22, from
// interop/node_modules) into the directory given as argv[2]:
//
//   cd interop && node ../storesession/testdata/gramjs_generate.cjs ../storesession/testdata
//
// "ent_store": setDC(2, '149.154.167.51', 443), authKey = make_key(76),
// then processEntities() of a user, a channel and a basic group. Keys are
// fake: make_key(n) from docs/formats.md#vectors. Date.now() is whatever it was.
const path = require('node:path')
const { createHash } = require('node:crypto')
const { createRequire } = require('node:module')
const req = createRequire(path.join(process.cwd(), 'package.json'))
const { StoreSession } = req('telegram/sessions')
const { AuthKey } = req('telegram/crypto/AuthKey')
const { Api } = req('telegram')
const bigInt = req('big-integer')

const makeKey = (n) => Buffer.concat([...Array(8).keys()].map((i) => createHash('sha256').update(`tg-session-vector:${n}:${i}`).digest()))

async function main() {
  process.chdir(path.resolve(process.argv[2]))
  const s = new StoreSession('ent_store')
  await s.load()
  s.setDC(2, '149.154.167.51', 443)
  const k = new AuthKey()
  await k.setKey(makeKey(76))
  s.authKey = k
  s.processEntities({
    users: [new Api.User({ id: bigInt(777000), accessHash: bigInt('-1234567890123456789'), username: 'TeleGram', phone: '42777', firstName: 'Tele', lastName: 'gram "q"\n\u0001 ✓' })],
    chats: [
      new Api.Channel({ id: bigInt(1234567890), accessHash: bigInt('987654321'), title: 'Chan', photo: new Api.ChatPhotoEmpty(), date: 0 }),
      new Api.Chat({ id: bigInt(4242), title: 'Group', photo: new Api.ChatPhotoEmpty(), participantsCount: 1, date: 0, version: 1 }),
    ],
  })
}
main().catch((e) => { console.error(e); process.exit(1) })
