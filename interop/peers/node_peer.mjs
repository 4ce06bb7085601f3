// Node peer for tgsession's interop tests: GramJS (npm `telegram`), mtcute
// (@mtcute/core) and @mtcute/convert; the operations are in node_ops.mjs.
//
// Speaks JSON lines on stdin/stdout: one request per line,
//     {"id": <any>, "op": "<name>", "args": {...}}
// and one response per line, in request order,
//     {"id": <same>, "result": {...}}  or  {"id": <same>, "error": "<Class>: <message>"}.

import { createInterface } from 'node:readline'

import { errorText, ops } from './node_ops.mjs'

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity })
for await (const line of rl) {
  if (line.trim() === '') continue
  let id = null
  let resp
  try {
    const req = JSON.parse(line)
    id = req.id ?? null
    const fn = Object.hasOwn(ops, req.op) ? ops[req.op] : undefined
    if (!fn) throw new TypeError(`unknown op ${JSON.stringify(req.op)}`)
    resp = { id, result: await fn(req.args ?? {}) }
  } catch (e) {
    resp = { id, error: errorText(e) }
  }
  process.stdout.write(`${JSON.stringify(resp)}\n`)
}
