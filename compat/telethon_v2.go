package compat

import (
	"database/sql/driver"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/model"
)

// Telethon v2 .session files, schema version 10
// (docs/formats.md#telethon-v2-sqlite): the reader (also of the first
// alphas' datacenter(id, addr, auth)), the CREATE statements and the writer
// (kind TelethonV2SQLite). What the kind holds is in
// internal/model/families.go.

func (r *reader) readTelethonV2() (*Stored, error) {
	f := &Stored{Library: model.LibTelethonV2}
	var err error
	if f.Schema, _, err = r.versionNumber("version"); err != nil {
		return nil, err
	}
	if f.Schema != 10 {
		f.Notes = append(f.Notes, fmt.Sprintf("version table says %d; read as Telethon v2's version 10", f.Schema))
	}
	t, err := r.loadAll("datacenter", "", maxKeyRows)
	if err != nil {
		return nil, err
	}

	// Telethon v2 connects to user.dc, or to DC 2 when there is no user
	// row (client/client/net.py connect: DEFAULT_DC = 2).
	var user []driver.Value
	var ut *table
	if r.has("user", "id", "dc") {
		if ut, err = r.loadAll("user", " LIMIT 1", 1); err != nil {
			return nil, err
		}
		if len(ut.rows) > 0 {
			user = ut.rows[0]
		}
	}
	opts := r.opts
	if opts.DC == 0 && user != nil {
		if dc, ok := asInt(ut.get(user, "dc")); ok {
			r.opts.DC = int(dc)
		}
	}
	pick, others, err := r.pickRow(t, "id", "auth")
	r.opts = opts
	if err != nil {
		return nil, err
	}
	if err := r.checkDC(pick.dc); err != nil {
		return nil, err
	}
	s := &codec.Session{Info: codec.Info{Source: codec.Telethon, Layout: "sqlite-v10", DC: pick.dc}}
	// ipv4_addr/ipv6_addr hold "ip:port" (the first v2 alphas had a single
	// addr column). Telethon v2 connects through the IPv4 one.
	for _, col := range []string{"ipv4_addr", "addr", "ipv6_addr"} {
		text, ok := asText(t.get(pick.row, col))
		if !ok || text == "" {
			continue
		}
		host, port, err := splitHostPort(text)
		if err != nil {
			return nil, r.errorf(ErrCorrupt, "datacenter.%s is not \"ip:port\"", col)
		}
		v6, err := r.checkAddress(host)
		if err != nil {
			return nil, err
		}
		s.ServerAddress, s.Port, s.IPv6 = host, port, codec.Some(v6)
		break
	}
	if s.Key, err = r.newKey(pick.key); err != nil {
		return nil, err
	}
	f.Session = s
	f.OtherDCs = others
	if len(others) > 0 {
		f.Notes = append(f.Notes, fmt.Sprintf("read the key for DC %d; Telethon v2 also holds keys for DCs %v, which are not read", pick.dc, others))
	}
	if user != nil {
		dc, _ := asInt(ut.get(user, "dc"))
		if int(dc) == pick.dc {
			if id, ok := asInt(ut.get(user, "id")); ok {
				s.UserID = codec.Some(id)
			}
			if bot, ok := asBool(ut.get(user, "bot")); ok {
				s.IsBot = codec.Some(bot)
			}
			name, _ := asText(ut.get(user, "username"))
			model.SetSelfUsername(f, name)
		} else {
			f.Notes = append(f.Notes, fmt.Sprintf("the user row names DC %d, not the chosen DC %d: its user id is not used", dc, pick.dc))
		}
	} else if pick.dc != 2 {
		f.Notes = append(f.Notes, fmt.Sprintf("no user row: Telethon v2 itself would start on DC 2, not on DC %d", pick.dc))
	}
	if r.has("state", "pts") {
		st, err := r.loadAll("state", " LIMIT 1", 1)
		if err != nil {
			return nil, err
		}
		if len(st.rows) > 0 {
			row := st.rows[0]
			u := &UpdateState{}
			u.PTS, _ = asInt(st.get(row, "pts"))
			u.QTS, _ = asInt(st.get(row, "qts"))
			u.Seq, _ = asInt(st.get(row, "seq"))
			u.Date, _ = asFloat(st.get(row, "date"))
			f.UpdateState = u
		}
	}
	if r.has("channelstate", "id", "pts") {
		err := r.scan("channelstate", r.tables["channelstate"], "", maxCacheRows, func(ct *table, row []driver.Value) error {
			if f.UpdateState == nil {
				f.UpdateState = &UpdateState{}
			}
			id, ok := asInt(ct.get(row, "id"))
			pts, ok2 := asInt(ct.get(row, "pts"))
			if ok && ok2 {
				f.UpdateState.Channels = append(f.UpdateState.Channels, ChannelState{ID: id, PTS: pts})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return f, nil
}

// splitHostPort splits Telethon v2's "ip:port", where an IPv6 address is
// not bracketed ("2001:b28:f23d:f001::a:443"): the port is after the last
// colon.
func splitHostPort(s string) (string, uint16, error) {
	if h, p, err := net.SplitHostPort(s); err == nil && strings.HasPrefix(s, "[") {
		s = h + ":" + p
	}
	i := strings.LastIndexByte(s, ':')
	if i <= 0 {
		return "", 0, fmt.Errorf("no port")
	}
	p, err := strconv.ParseUint(s[i+1:], 10, 16)
	if err != nil || p == 0 {
		return "", 0, fmt.Errorf("bad port")
	}
	return s[:i], uint16(p), nil
}

// Telethon v2 (branch v2, client/src/telethon/_impl/session/storage/
// sqlite.py, _create_tables), as docs/formats.md#telethon-sqlite records it.
const telethonV2Schema = `
            create table version (
                version integer primary key
            );
            create table datacenter(
                id integer primary key,
                ipv4_addr text,
                ipv6_addr text,
                auth blob
            );
            create table user(
                id integer primary key,
                dc integer not null,
                bot integer not null,
                username text
            );
            create table state(
                pts integer not null,
                qts integer not null,
                date integer not null,
                seq integer not null
            );
            create table channelstate(
                id integer primary key,
                pts integer not null
            );
            `

func (w *writer) telethonV2(key []byte) error {
	if err := w.db.exec(telethonV2Schema); err != nil {
		return err
	}
	if err := w.db.exec("insert into version values (?)", int64(10)); err != nil {
		return err
	}
	s := w.f.Session
	var v4, v6 any
	addr := model.JoinHostPort(s.ServerAddress, s.Port)
	if model.IsIPv6(s) {
		v6 = addr
		// Telethon v2 connects through ipv4_addr only (net.py
		// connect_sender), falling back to its own table.
		if a, p, ok := model.LookupDC(s.DC, s.TestMode.Or(false), false); ok {
			v4 = model.JoinHostPort(a, p)
		}
	} else {
		v4 = addr
	}
	if err := w.db.exec("insert into datacenter values (?, ?, ?, ?)", int64(s.DC), v4, v6, key); err != nil {
		return err
	}
	if id, ok := s.UserID.Get(); ok {
		if err := w.db.exec("insert into user values (?, ?, ?, ?)",
			id, int64(s.DC), boolInt(s.IsBot.Or(false)), nullIfEmpty(model.SelfUsername(w.f))); err != nil {
			return err
		}
	}
	if u := w.f.UpdateState; u != nil {
		if err := w.db.exec("insert into state values (?, ?, ?, ?)", u.PTS, u.QTS, dateValue(u.Date), u.Seq); err != nil {
			return err
		}
		for _, c := range u.Channels {
			if err := w.db.exec("insert into channelstate values (?, ?)", c.ID, c.PTS); err != nil {
				return err
			}
		}
	}
	return nil
}
