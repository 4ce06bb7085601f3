#!/usr/bin/python3
"""Python peer for tgsession's store interop tests and benchmarks.

It reads and writes the store layouts the way the Python libraries do,
re-derived from their sources as docs/stores.md describes them (the
libraries themselves are not packaged by Debian): teleredis and TG-UserBot
through redis-py, alchemysession's tables through SQLAlchemy 1.4 core,
telemongo's and pyrofork's documents through pymongo. Debian packages:
python3-redis python3-sqlalchemy python3-psycopg2 python3-pymysql
python3-pymongo.

  peer.py read  KIND URL NAME [PREFIX]         -> one JSON line: dc, address, port, key_id, ...
  peer.py write KIND URL NAME KEYHEX [PREFIX]  (DC 2, 149.154.167.51:443, api 2040, user 5000000001)
  peer.py bench KIND URL N [PREFIX]            -> JSON: read/write ms per op, list-10k ms, bytes allocated per op

KIND is telethon-redis, telethon-redis-hash, telethon-sqlalchemy,
telethon-mongo or pyrogram-mongo. The key never leaves this process except
as its auth_key_id.
"""
import os
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
import base64
import hashlib
import json
import struct
import sys
import time
import tracemalloc


def key_id(key):
    return struct.unpack('<Q', hashlib.sha1(key).digest()[12:20])[0] if key else 0


ENTITIES = [  # (id, hash, username, phone, name) as Telethon's _entities_to_rows gives them
    (-1001234567890, 987654321, 'testchannel', None, 'Test Channel'),
    (-4242, 0, None, None, 'Basic Group'),
    (123456789, -1234567890123456789, 'alice_example', '15551234567', 'Alice Example'),
]


# ------------------------------------------------------------------ redis
def redis_conn(url):
    import redis
    return redis.StrictRedis.from_url(url)


def teleredis_read(r, name, prefix):
    pattern = '%s:%s:sessions:' % (prefix or 'telethon:client', name)
    keys = [k.decode() for k in r.keys(pattern + '*')]
    if not keys:
        return None
    s = json.loads(r.get(keys[-1]).decode())  # teleredis feed_session: the last key
    key = base64.standard_b64decode(s['auth_key'])
    ents = []
    for k in r.keys('%s:%s:entities:*' % (prefix or 'telethon:client', name)):
        e = json.loads(r.get(k).decode())
        ents.append(e['id'])
    return dict(dc=s['dc_id'], address=s['server_address'], port=s['port'], key_id=key_id(key), entities=sorted(ents))


def teleredis_write(r, name, key, prefix):
    base = '%s:%s' % (prefix or 'telethon:client', name)
    s = {'dc_id': 2, 'server_address': '149.154.167.51', 'port': 443,
         'auth_key': base64.standard_b64encode(key).decode()}
    r.set(base + ':sessions:2', json.dumps(s))
    for row in ENTITIES:
        r.set('%s:entities:%d' % (base, row[0]), json.dumps(
            {'id': row[0], 'hash': row[1], 'username': row[2], 'phone': row[3], 'name': row[4]}))


def hash_read(r, name, prefix):
    s = r.hgetall('%s:%s:auth' % (prefix or 'telethon:session', name))
    if not s:
        return None
    key = s.get(b'auth_key') or b''
    return dict(dc=int(s[b'dc_id']), address=s[b'server_address'].decode(), port=int(s[b'port']),
                key_id=key_id(key), takeout=(s.get(b'takeout_id') or b'').decode())


def hash_write(r, name, key, prefix):
    r.hset('%s:%s:auth' % (prefix or 'telethon:session', name), mapping={
        'dc_id': 2, 'server_address': '149.154.167.51', 'port': 443, 'auth_key': key, 'takeout_id': b''})


# -------------------------------------------------------------------- sql
def sql_tables(prefix):
    import sqlalchemy as sa
    md = sa.MetaData()
    t = {}
    t['sessions'] = sa.Table(prefix + 'sessions', md, sa.Column('session_id', sa.String(255), primary_key=True),
                             sa.Column('dc_id', sa.Integer, primary_key=True), sa.Column('server_address', sa.String(255)),
                             sa.Column('port', sa.Integer), sa.Column('auth_key', sa.LargeBinary))
    t['entities'] = sa.Table(prefix + 'entities', md, sa.Column('session_id', sa.String(255), primary_key=True),
                             sa.Column('id', sa.BigInteger, primary_key=True), sa.Column('hash', sa.BigInteger, nullable=False),
                             sa.Column('username', sa.String(32)), sa.Column('phone', sa.BigInteger), sa.Column('name', sa.String(255)))
    t['update_state'] = sa.Table(prefix + 'update_state', md, sa.Column('session_id', sa.String(255), primary_key=True),
                                 sa.Column('entity_id', sa.BigInteger, primary_key=True), sa.Column('pts', sa.BigInteger),
                                 sa.Column('qts', sa.BigInteger), sa.Column('date', sa.BigInteger), sa.Column('seq', sa.BigInteger),
                                 sa.Column('unread_count', sa.Integer))
    return md, t


def sql_engine(url):
    import sqlalchemy as sa
    url = url.replace('postgres://', 'postgresql+psycopg2://', 1).replace('mysql://', 'mysql+pymysql://', 1)
    return sa.create_engine(url)


def alchemy_read(eng, name, prefix):
    import sqlalchemy as sa
    _, t = sql_tables(prefix or '')
    with eng.connect() as c:
        s = t['sessions']
        rows = list(c.execute(sa.select([s.c.dc_id, s.c.server_address, s.c.port, s.c.auth_key]).where(s.c.session_id == name)))
        if not rows:
            return None
        dc, addr, port, key = rows[0]  # alchemysession _load_session: rows[0]
        e = t['entities']
        ents = sorted(r[0] for r in c.execute(sa.select([e.c.id]).where(e.c.session_id == name)))
        u = t['update_state']
        st = [tuple(r) for r in c.execute(sa.select([u.c.entity_id, u.c.pts, u.c.qts, u.c.date, u.c.seq]).where(u.c.session_id == name))]
    return dict(dc=dc, address=addr, port=port, key_id=key_id(bytes(key)), entities=ents, states=st)


def alchemy_write(eng, name, key, prefix):
    md, t = sql_tables(prefix or '')
    md.create_all(eng, checkfirst=True)
    with eng.begin() as c:  # core mode: delete + insert
        for tab in t.values():
            c.execute(tab.delete().where(tab.c.session_id == name))
        c.execute(t['sessions'].insert().values(session_id=name, dc_id=2, server_address='149.154.167.51', port=443, auth_key=key))
        for row in ENTITIES:
            c.execute(t['entities'].insert().values(session_id=name, id=row[0], hash=row[1], username=row[2],
                                                    phone=int(row[3]) if row[3] else None, name=row[4]))
        c.execute(t['update_state'].insert().values(session_id=name, entity_id=0, pts=100, qts=5, date=1767323045, seq=7, unread_count=0))


def alchemy_list(eng, prefix):
    import sqlalchemy as sa
    _, t = sql_tables(prefix or '')
    s = t['sessions']
    with eng.connect() as c:
        return [r[0] for r in c.execute(sa.select([s.c.session_id]).distinct())]


# ------------------------------------------------------------------ mongo
def mongo_db(url, name):
    import pymongo
    return pymongo.MongoClient(url)[name]


def telemongo_read(db):
    doc = db['telethon_sessions'].find_one() or db['session'].find_one()
    if not doc:
        return None
    ents = sorted(e['_id'] for e in (db['telethon_entities'].find() if 'telethon_entities' in db.list_collection_names() else db['entity'].find()))
    return dict(dc=doc['dc_id'], address=doc.get('server_address'), port=doc.get('port'), key_id=key_id(bytes(doc['auth_key'])),
                entities=ents, takeout=doc.get('takeout_id'))


def telemongo_write(db, key):
    import bson
    db['telethon_sessions'].delete_many({})
    db['telethon_sessions'].insert_one(bson.SON([('dc_id', 2), ('server_address', '149.154.167.51'), ('port', 443),
                                                 ('auth_key', bson.Binary(key, 0))]))
    db['telethon_entities'].delete_many({})
    for row in ENTITIES:
        d = bson.SON([('_id', row[0]), ('hash', row[1])])
        for k, v in (('username', row[2]), ('phone', row[3]), ('name', row[4])):
            if v is not None:
                d[k] = v
        db['telethon_entities'].insert_one(d)
    db['telethon_update_states'].replace_one({'_id': 0}, bson.SON([('_id', 0), ('pts', 100), ('qts', 5), ('date', 1767323045), ('seq', 7)]), upsert=True)
    if db['version'].count_documents({}) == 0:
        db['version'].insert_one({'version': 1})


PYRO_FIELDS = ('dc_id', 'api_id', 'test_mode', 'auth_key', 'date', 'user_id', 'is_bot')


def pyrofork_read(db):
    doc = db['session'].find_one({'_id': 0})
    if not doc:
        return None
    vals = {f: doc[f] for f in PYRO_FIELDS}  # pyrofork _get: d[attr], KeyError if missing
    for f in ('test_mode', 'auth_key', 'user_id', 'is_bot'):
        if vals[f] is None:
            return dict(empty=True)  # pyrofork treats the session as empty
    peers = sorted(p['_id'] for p in db['peers'].find())
    return dict(dc=vals['dc_id'], api_id=vals['api_id'], test_mode=vals['test_mode'], user_id=vals['user_id'],
                is_bot=vals['is_bot'], key_id=key_id(bytes(vals['auth_key'])), entities=peers,
                types={f: type(doc[f]).__name__ for f in PYRO_FIELDS})


def pyrofork_write(db, key):
    import bson
    s = db['session']
    if not s.find_one({'_id': 0}, {}):  # open()
        s.insert_one(bson.SON([('_id', 0), ('dc_id', 2), ('api_id', None), ('test_mode', None), ('auth_key', b''),
                               ('date', 0), ('user_id', 0), ('is_bot', 0)]))
    for f, v in (('api_id', 2040), ('dc_id', 2), ('test_mode', False), ('auth_key', bson.Binary(key, 0)),
                 ('user_id', 5000000001), ('is_bot', False)):
        s.update_one({'_id': 0}, {'$set': {f: v}}, upsert=True)
    now = int(time.time())
    for row, typ in zip(ENTITIES, ('channel', 'group', 'user')):
        db['peers'].update_one({'_id': row[0]}, {'$set': {'access_hash': row[1] if typ != 'group' else None, 'type': typ,
                                                          'username': row[2], 'phone_number': row[3], 'last_update_on': now}}, upsert=True)


# ------------------------------------------------------------------ driver
def read(kind, url, name, prefix=None):
    if kind == 'telethon-redis':
        return teleredis_read(redis_conn(url), name, prefix)
    if kind == 'telethon-redis-hash':
        return hash_read(redis_conn(url), name, prefix)
    if kind == 'telethon-sqlalchemy':
        return alchemy_read(sql_engine(url), name, prefix)
    if kind == 'telethon-mongo':
        return telemongo_read(mongo_db(url, name))
    if kind == 'pyrogram-mongo':
        return pyrofork_read(mongo_db(url, name))
    raise SystemExit('unknown kind ' + kind)


def write(kind, url, name, key, prefix=None):
    if kind == 'telethon-redis':
        return teleredis_write(redis_conn(url), name, key, prefix)
    if kind == 'telethon-redis-hash':
        return hash_write(redis_conn(url), name, key, prefix)
    if kind == 'telethon-sqlalchemy':
        return alchemy_write(sql_engine(url), name, key, prefix)
    if kind == 'telethon-mongo':
        return telemongo_write(mongo_db(url, name), key)
    if kind == 'pyrogram-mongo':
        return pyrofork_write(mongo_db(url, name), key)
    raise SystemExit('unknown kind ' + kind)


def bench(kind, url, n, prefix):
    """Per-op cost of reading and writing one session with connections
    kept open (as a running bot has them), and of listing 10,000 names."""
    key = bytes(range(256))
    res = {}
    if kind.startswith('telethon-redis'):
        r = redis_conn(url)
        rd, wr = (teleredis_read, teleredis_write) if kind == 'telethon-redis' else (hash_read, hash_write)
        do_read = lambda: rd(r, 'bench', prefix)
        do_write = lambda: wr(r, 'bench', key, prefix)
    elif kind == 'telethon-sqlalchemy':
        eng = sql_engine(url)
        do_read = lambda: alchemy_read(eng, 'bench', prefix)
        do_write = lambda: alchemy_write(eng, 'bench', key, prefix)
    else:
        db = mongo_db(url, 'pybench_' + str(int(time.time() * 1000)))
        rd, wr = (telemongo_read, telemongo_write) if kind == 'telethon-mongo' else (pyrofork_read, pyrofork_write)
        do_read = lambda: rd(db)
        do_write = lambda: wr(db, key)
    do_write()
    for name, fn in (('write', do_write), ('read', do_read)):
        fn()
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        res[name + '_ms'] = (time.perf_counter() - t0) * 1000 / n
        tracemalloc.start()
        fn()
        _, peak = tracemalloc.get_traced_memory()
        snap = tracemalloc.take_snapshot()
        tracemalloc.stop()
        res[name + '_bytes'] = sum(s.size for s in snap.statistics('filename'))
        res[name + '_peak_bytes'] = peak
    if kind == 'telethon-sqlalchemy':
        eng = sql_engine(url)
        with eng.begin() as c:
            import sqlalchemy as sa
            _, t = sql_tables(prefix or '')
            c.execute(t['sessions'].insert(), [dict(session_id='l%05d' % i, dc_id=2, server_address='1.2.3.4', port=443, auth_key=key) for i in range(10000)])
        alchemy_list(eng, prefix or '')
        t0 = time.perf_counter()
        for _ in range(5):
            names = alchemy_list(eng, prefix or '')
        res['list10k_ms'] = (time.perf_counter() - t0) * 1000 / 5
        res['listed'] = len(names)
    if kind == 'telethon-redis':
        r = redis_conn(url)
        p = r.pipeline()
        for i in range(10000):
            p.set('%s:l%05d:sessions:2' % (prefix, i), '{}')
        p.execute()
        t0 = time.perf_counter()
        for _ in range(5):
            names = set(k.decode()[len(prefix) + 1:].rsplit(':sessions:', 1)[0] for k in r.scan_iter(prefix + ':*:sessions:*', count=1000))
        res['list10k_ms'] = (time.perf_counter() - t0) * 1000 / 5
        res['listed'] = len(names) - 1  # the bench session
    return res


def main():
    cmd = sys.argv[1]
    if cmd == 'read':
        print(json.dumps(read(*sys.argv[2:5], *(sys.argv[5:6]))))
    elif cmd == 'write':
        kind, url, name, keyhex = sys.argv[2:6]
        write(kind, url, name, bytes.fromhex(keyhex), *(sys.argv[6:7]))
    elif cmd == 'bench':
        print(json.dumps(bench(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5] if len(sys.argv) > 5 else None)))
    else:
        raise SystemExit(__doc__)


if __name__ == '__main__':
    main()
