// Package mongo reads and writes sessions kept in MongoDB by telemongo
// (Telethon, kind "telethon-mongo",
// https://github.com/watzon/telethon-session-mongo, telemongo/telemongo.py)
// and by pyrofork's MongoStorage (kind "pyrogram-mongo",
// https://github.com/Mayuri-Chan/pyrofork,
// pyrogram/storage/mongo_storage.py), which irenogram and Electrogram copy;
// pyromongo's layout (https://github.com/animeshxd/pyromongo) is read too.
//
// In both layouts one database holds one session, so the session name is
// the database name.
//
// # telemongo
//
// 0.2.2 (≤ 0.2.1 in parentheses), through mongoengine:
//
//	telethon_sessions (session)                  {_id: ObjectId, dc_id, server_address, port, auth_key: BinData(0), takeout_id?}
//	telethon_entities (entity)                   {_id: marked id, hash, username?, phone?, name?}
//	telethon_update_states (update_state)        {_id: 0 | channel id, pts, qts, date, seq}
//	version                                      {_id: ObjectId, version: 1}
//
// The layout is chosen by the collections present; a 0.2.1 database is
// written back in its own collections.
//
// # Pyrogram family
//
//	session       {_id: 0, dc_id, api_id, test_mode, auth_key: BinData(0), date, user_id, is_bot}
//	peers         {_id: marked id, access_hash, last_update_on, phone_number, type, username}
//	usernames     {_id: username, last_update_on, peer_id}
//	update_state  {_id: 0 | marked channel id, date, pts, qts, seq}
//
// Write produces the documents the libraries produce: the session
// document's seven fields in open()'s order, integers as int32 when they
// fit and int64 otherwise (as pymongo encodes Python ints), BSON booleans,
// binary subtype 0, None fields omitted by telemongo. pyrofork needs every
// field (a missing one raises KeyError) and discards a session without
// user_id or is_bot, so Write refuses a record without them.
//
// # Atomicity
//
// Outside replica sets MongoDB has no transaction across collections:
// Write replaces the entity cache and update state first and writes the
// session document last, in one operation (telemongo: insert, then remove
// the older documents), so a failure part-way leaves the old session
// readable.
package mongo
