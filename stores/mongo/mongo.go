package mongo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tgsession/tgsession/compat"
	"github.com/tgsession/tgsession/stores"
	"github.com/tgsession/tgsession/stores/internal/check"
)

// Layout is one of the MongoDB layouts this package reads and writes.
type Layout int

// Layouts.
const (
	// Telemongo is telemongo's (Telethon): one session per database, in
	// 0.2.2's collections (telethon_sessions, …) or ≤ 0.2.1's (session,
	// entity, update_state). Kind "telethon-mongo".
	Telemongo Layout = iota + 1
	// Pyrogram is pyrofork's MongoStorage (also irenogram's and
	// Electrogram's; pyromongo's is read): database = session name,
	// collections session, peers, usernames, update_state. Kind
	// "pyrogram-mongo".
	Pyrogram
)

// Kind returns the kind name: "telethon-mongo" or "pyrogram-mongo".
func (l Layout) Kind() string {
	switch l {
	case Telemongo:
		return "telethon-mongo"
	case Pyrogram:
		return "pyrogram-mongo"
	}
	return "mongo-layout-" + strconv.Itoa(int(l))
}

func (l Layout) String() string { return l.Kind() }

// Options configure [Open].
type Options struct {
	// Layout is the layout to read and write (required).
	Layout Layout
	// Timeout bounds server selection, connecting and each operation when
	// the context has no earlier deadline; 0 means 10 seconds.
	Timeout time.Duration
}

// Store reads and writes one MongoDB layout. The session name is the
// database name in both layouts. It implements [stores.Store].
type Store struct {
	c      *mongo.Client
	u      stores.URL
	layout Layout
	kind   string
	now    func() time.Time
}

var _ stores.Store = (*Store)(nil)

// Open connects to the server at u (mongodb:// or mongodb+srv://) and
// checks that it answers (ping, with the URL's credentials).
func Open(ctx context.Context, u stores.URL, opts Options) (*Store, error) {
	kind := opts.Layout.Kind()
	if opts.Layout != Telemongo && opts.Layout != Pyrogram {
		return nil, stores.Errorf(kind, "open", "", stores.ErrLayout, "unknown layout %d", int(opts.Layout))
	}
	if sc := u.Scheme(); sc != stores.SchemeMongo && sc != stores.SchemeMongoSRV {
		return nil, stores.Errorf(kind, "open", "", stores.ErrBadURL, "scheme %q is not mongodb or mongodb+srv", sc)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	co := options.Client().ApplyURI(u.Reveal().String()).
		SetServerSelectionTimeout(timeout).SetConnectTimeout(timeout).SetTimeout(timeout).SetMaxPoolSize(4)
	c, err := mongo.Connect(co)
	if err != nil {
		return nil, stores.DriverError(ctx, kind, "open", "", u, stores.ErrBadURL, err)
	}
	s := &Store{c: c, u: u, layout: opts.Layout, kind: kind, now: time.Now}
	if err := c.Ping(ctx, nil); err != nil {
		_ = c.Disconnect(context.Background())
		return nil, s.err(ctx, "open", "", err)
	}
	return s, nil
}

// Close disconnects.
func (s *Store) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.c.Disconnect(ctx)
}

// err classifies a driver error.
func (s *Store) err(ctx context.Context, op, name string, err error) error {
	if e, ok := errors.AsType[*stores.Error](err); ok {
		return e
	}
	for _, t := range []error{stores.ErrNotFound, stores.ErrExists, stores.ErrBadValue, stores.ErrTooLarge,
		stores.ErrAmbiguous, stores.ErrLayout, stores.ErrBadName} {
		if errors.Is(err, t) {
			return &stores.Error{Kind: s.kind, Op: op, Name: name, Err: err}
		}
	}
	var sentinel error
	msg := err.Error()
	var se mongo.ServerError
	switch {
	case strings.Contains(msg, "x509:"), strings.Contains(msg, "tls:"):
		sentinel = stores.ErrTLS
	case strings.Contains(msg, "auth error"), strings.Contains(msg, "AuthenticationFailed"),
		strings.Contains(msg, "Authentication failed"):
		sentinel = stores.ErrAuth
	case errors.As(err, &se) && (se.HasErrorCode(18) || se.HasErrorCode(13)):
		sentinel = stores.ErrAuth
	case mongo.IsDuplicateKeyError(err):
		sentinel = stores.ErrExists
	case mongo.IsTimeout(err), mongo.IsNetworkError(err), strings.Contains(msg, "server selection"):
		sentinel = stores.ErrUnreachable
	case errors.As(err, &se):
		sentinel = stores.ErrServer
	}
	return stores.DriverError(ctx, s.kind, op, name, s.u, sentinel, err)
}

// checkDBName checks a session name as a MongoDB database name: no
// /\. "$*<>:|? or NUL, under 64 bytes.
func checkDBName(name string) error {
	if err := check.Name(name); err != nil {
		return err
	}
	if len(name) >= 64 {
		return fmt.Errorf("session name is %d bytes; a MongoDB database name is under 64: %w", len(name), stores.ErrBadName)
	}
	if strings.ContainsAny(name, "/\\. \"$*<>:|?") || !utf8.ValidString(name) {
		return fmt.Errorf("session name holds a character MongoDB refuses in a database name (/\\. \"$*<>:|?): %w", stores.ErrBadName)
	}
	return nil
}

// Read returns the session in the database named name. It runs finds only.
func (s *Store) Read(ctx context.Context, name string) (*compat.Stored, error) {
	if err := checkDBName(name); err != nil {
		return nil, &stores.Error{Kind: s.kind, Op: "read", Name: name, Err: err}
	}
	d, err := s.fetch(ctx, name)
	if err == nil {
		var r *compat.Stored
		r, err = Decode(s.layout, d.Documents)
		clear(d.Session)
		if err == nil {
			if d.extraSessions > 0 {
				r.Notes = append(r.Notes, fmt.Sprintf("%d more session documents; the first was read, as telemongo does", d.extraSessions))
			}
			return r, nil
		}
	}
	return nil, s.err(ctx, "read", name, err)
}

type fetched struct {
	Documents
	extraSessions int
}

func (s *Store) collections(ctx context.Context, db *mongo.Database) ([]string, error) {
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return nil, err
	}
	if len(names) > 10000 {
		return nil, fmt.Errorf("more than 10000 collections: %w", stores.ErrTooLarge)
	}
	return names, nil
}

func (s *Store) fetch(ctx context.Context, name string) (*fetched, error) {
	db := s.c.Database(name)
	cols, err := s.collections(ctx, db)
	if err != nil {
		return nil, err
	}
	d := &fetched{Documents: Documents{Collections: cols}}
	var sessColl, entColl, stateColl, userColl string
	var filter any = bson.D{}
	if s.layout == Telemongo {
		sessColl, entColl, stateColl, _ = telemongoNames(cols)
	} else {
		sessColl, entColl, stateColl, userColl = "session", "peers", "update_state", "usernames"
		filter = bson.D{{Key: "_id", Value: 0}}
	}
	if !slices.Contains(cols, sessColl) {
		return nil, fmt.Errorf("database %q has no %s collection: %w", name, sessColl, stores.ErrNotFound)
	}
	var budget check.Budget
	docs, err := s.find(ctx, db.Collection(sessColl), filter, 100, &budget, "session documents")
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		if s.layout == Pyrogram {
			any1, err := s.find(ctx, db.Collection(sessColl), bson.D{}, 1, &budget, "session documents")
			if err == nil && len(any1) > 0 {
				return nil, fmt.Errorf("the session collection has no {_id: 0} document (a telemongo ≤ 0.2.1 database?): %w", stores.ErrLayout)
			}
		}
		return nil, fmt.Errorf("the %s collection is empty: %w", sessColl, stores.ErrNotFound)
	}
	d.Session, d.extraSessions = docs[0], len(docs)-1
	if slices.Contains(cols, entColl) {
		if d.Entities, err = s.find(ctx, db.Collection(entColl), bson.D{}, stores.MaxEntities, &budget, "entities"); err != nil {
			return nil, err
		}
	}
	if userColl != "" && slices.Contains(cols, userColl) {
		if d.Usernames, err = s.find(ctx, db.Collection(userColl), bson.D{}, stores.MaxEntities, &budget, "usernames"); err != nil {
			return nil, err
		}
	}
	if slices.Contains(cols, stateColl) {
		if d.States, err = s.find(ctx, db.Collection(stateColl), bson.D{}, stores.MaxStates, &budget, "update states"); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// find returns up to limit raw documents (more is ErrTooLarge), in natural
// order.
func (s *Store) find(ctx context.Context, c *mongo.Collection, filter any, limit int, budget *check.Budget, what string) ([][]byte, error) {
	cur, err := c.Find(ctx, filter, options.Find().SetLimit(int64(limit)+1).SetBatchSize(1000))
	if err != nil {
		return nil, err
	}
	defer cur.Close(ctx)
	var out [][]byte
	for cur.Next(ctx) {
		if len(out) >= limit {
			return nil, fmt.Errorf("more than %d %s: %w", limit, what, stores.ErrTooLarge)
		}
		if err := budget.Take(len(cur.Current)); err != nil {
			return nil, err
		}
		out = append(out, slices.Clone([]byte(cur.Current)))
	}
	return out, cur.Err()
}

// Write stores r in the database named name: first the entities (peers,
// usernames) and update state, replacing what the database held, then —
// last — the session document, so that a failure part-way leaves the old
// session readable. Without replace, a database whose session document
// holds a key is refused with [stores.ErrExists] and nothing changes.
// MongoDB has no multi-collection transaction outside replica sets: a
// reader during the write may see the new cache with the old session.
func (s *Store) Write(ctx context.Context, name string, r *compat.Stored, replace bool) error {
	if err := checkDBName(name); err != nil {
		return &stores.Error{Kind: s.kind, Op: "write", Name: name, Err: err}
	}
	if r == nil || r.Session == nil || !r.Session.Key.IsSet() {
		return stores.Errorf(s.kind, "write", name, stores.ErrBadValue, "the session holds no auth key")
	}
	if _, err := check.DC("dc", int64(r.Session.DC)); err != nil {
		return &stores.Error{Kind: s.kind, Op: "write", Name: name, Err: err}
	}
	var err error
	if s.layout == Telemongo {
		err = s.writeTelemongo(ctx, name, r, replace)
	} else {
		err = s.writePyrogram(ctx, name, r, replace)
	}
	if err != nil {
		return s.err(ctx, "write", name, err)
	}
	return nil
}

// exists reports whether the session collection holds a document with a
// non-empty key.
func (s *Store) exists(ctx context.Context, c *mongo.Collection, filter bson.D) (bool, error) {
	f := append(bson.D{{Key: "auth_key", Value: bson.D{{Key: "$exists", Value: true}, {Key: "$ne", Value: bson.Binary{Data: []byte{}}}}}}, filter...)
	n, err := c.CountDocuments(ctx, f)
	return n > 0, err
}

func (s *Store) replaceAll(ctx context.Context, c *mongo.Collection, docs []any) error {
	if _, err := c.DeleteMany(ctx, bson.D{}); err != nil {
		return err
	}
	for i := 0; i < len(docs); i += 1000 {
		if _, err := c.InsertMany(ctx, docs[i:min(i+1000, len(docs))]); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) writeTelemongo(ctx context.Context, name string, r *compat.Stored, replace bool) error {
	db := s.c.Database(name)
	cols, err := s.collections(ctx, db)
	if err != nil {
		return err
	}
	sessColl, entColl, stateColl, _ := telemongoNames(cols)
	if slices.Contains(cols, "session") && !slices.Contains(cols, "telethon_sessions") {
		// A Pyrogram database also has a session collection.
		var doc bson.Raw
		if err := db.Collection("session").FindOne(ctx, bson.D{}).Decode(&doc); err == nil && looksPyrogram(doc) {
			return fmt.Errorf("the database holds a Pyrogram MongoStorage session (pyrogram-mongo): %w", stores.ErrLayout)
		}
	}
	if !replace {
		found, err := s.exists(ctx, db.Collection(sessColl), nil)
		if err != nil {
			return err
		}
		if found {
			return fmt.Errorf("the database holds a session: %w", stores.ErrExists)
		}
	}
	ents := db.Collection(entColl)
	if err := s.replaceAll(ctx, ents, telemongoEntities(r.Entities)); err != nil {
		return err
	}
	// mongoengine's indexes on Entity (meta 'indexes'), those missing.
	specs, err := ents.Indexes().ListSpecifications(ctx)
	if err != nil {
		return err
	}
	var models []mongo.IndexModel
	for _, f := range []string{"username", "phone", "name"} {
		if !slices.ContainsFunc(specs, func(s mongo.IndexSpecification) bool { return s.Name == f+"_1" }) {
			models = append(models, mongo.IndexModel{Keys: bson.D{{Key: f, Value: 1}}})
		}
	}
	if len(models) > 0 {
		// (FerretDB 1.24 panics on createIndexes of existing indexes.)
		if _, err := ents.Indexes().CreateMany(ctx, models); err != nil {
			return err
		}
	}
	if err := s.replaceAll(ctx, db.Collection(stateColl), telemongoStates(r.UpdateState)); err != nil {
		return err
	}
	ver := db.Collection("version")
	if n, err := ver.CountDocuments(ctx, bson.D{}); err != nil {
		return err
	} else if n == 0 {
		if _, err := ver.InsertOne(ctx, bson.D{{Key: "_id", Value: bson.NewObjectID()}, {Key: "version", Value: int32(1)}}); err != nil {
			return err
		}
	}
	// The session last: insert the new document, then remove the others
	// (telemongo reads the first document; there is never none).
	sess := db.Collection(sessColl)
	id := bson.NewObjectID()
	doc := telemongoSession(r, id)
	defer wipeKey(doc)
	if _, err := sess.InsertOne(ctx, doc); err != nil {
		return err
	}
	_, err = sess.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$ne", Value: id}}}})
	return err
}

func (s *Store) writePyrogram(ctx context.Context, name string, r *compat.Stored, replace bool) error {
	doc, err := pyrogramSession(r)
	if err != nil {
		return err
	}
	defer wipeKey(doc)
	db := s.c.Database(name)
	sess := db.Collection("session")
	var old bson.Raw
	switch err := sess.FindOne(ctx, bson.D{}).Decode(&old); {
	case errors.Is(err, mongo.ErrNoDocuments):
	case err != nil:
		return err
	case !looksPyrogram(old):
		return fmt.Errorf("the database holds a telemongo session (telethon-mongo): %w", stores.ErrLayout)
	}
	if !replace {
		found, err := s.exists(ctx, sess, bson.D{{Key: "_id", Value: 0}})
		if err != nil {
			return err
		}
		if found {
			return fmt.Errorf("the database holds a session: %w", stores.ErrExists)
		}
	}
	peers, names := pyrogramPeers(r.Entities, s.now().Unix())
	if err := s.replaceAll(ctx, db.Collection("peers"), peers); err != nil {
		return err
	}
	if err := s.replaceAll(ctx, db.Collection("usernames"), names); err != nil {
		return err
	}
	if err := s.replaceAll(ctx, db.Collection("update_state"), pyrogramStates(r.UpdateState)); err != nil {
		return err
	}
	// The session last, in one replace.
	_, err = sess.ReplaceOne(ctx, bson.D{{Key: "_id", Value: 0}}, doc, options.Replace().SetUpsert(true))
	return err
}

// List returns the names of the databases holding a session of the
// layout, sorted. It needs the listDatabases privilege.
func (s *Store) List(ctx context.Context) ([]string, error) {
	names, err := s.list(ctx)
	if err != nil {
		return nil, s.err(ctx, "list", "", err)
	}
	return names, nil
}

func (s *Store) list(ctx context.Context) ([]string, error) {
	dbs, err := s.c.ListDatabaseNames(ctx, bson.D{})
	if err != nil {
		return nil, err
	}
	if len(dbs) > stores.MaxNames {
		return nil, fmt.Errorf("more than %d databases: %w", stores.MaxNames, stores.ErrTooLarge)
	}
	var out []string
	for _, name := range dbs {
		if name == "admin" || name == "local" || name == "config" || checkDBName(name) != nil {
			continue
		}
		db := s.c.Database(name)
		cols, err := s.collections(ctx, db)
		if err != nil {
			return nil, err
		}
		var doc bson.Raw
		switch {
		case s.layout == Telemongo && slices.Contains(cols, "telethon_sessions"):
			out = append(out, name)
		case slices.Contains(cols, "session"):
			err := db.Collection("session").FindOne(ctx, bson.D{}).Decode(&doc)
			if err == nil && looksPyrogram(doc) == (s.layout == Pyrogram) {
				out = append(out, name)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// wipeKey clears the key copy in a session document.
func wipeKey(d bson.D) {
	for _, e := range d {
		if b, ok := e.Value.(bson.Binary); ok && e.Key == "auth_key" {
			clear(b.Data)
		}
	}
}
