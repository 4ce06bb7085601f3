package sqlalchemy

import (
	"database/sql"
	"fmt"
	"slices"
	"strconv"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
	"github.com/tgsession/tgsession/internal/peerid"
	"github.com/tgsession/tgsession/stores"
	"github.com/tgsession/tgsession/stores/internal/check"
)

// This file is the one mapping between alchemysession's rows and the
// stored-session model, [compat.Stored].

// Target returns the layout as a conversion target for [compat.Shape]:
// it stores the session's DC, address, port and key; entities (id, hash,
// username, phone, name) by Telethon's rules; update state rows for the
// common state and each channel (pts, qts, date, seq, unread_count). No
// takeout id, api id, user id, bot flag or test mode; no entity date or
// type. A missing address is filled from the DC table.
func Target() compat.Target {
	return compat.Target{Store: &compat.StoreLayout{Name: Kind, Like: compat.TelethonSQLite,
		Holds: []string{"server_address", "port", "ipv6", "entities", "update_state"}}}
}

// sessionRow is one {prefix}sessions row (session_id selected by the query).
type sessionRow struct {
	dc      int64
	address sql.NullString
	port    sql.NullInt64
	key     []byte
}

// entityRow is one {prefix}entities row: id is the marked peer id, hash the
// access hash (0 for basic groups), phone as text (BIGINT in
// alchemysession, TEXT in mautrix-telegram).
type entityRow struct {
	id, hash              int64
	username, phone, name sql.NullString
}

// stateRow is one {prefix}update_state row: entity_id 0 is the common state,
// others the bare channel id (Telethon's set_update_state(channel_id, …)).
type stateRow struct {
	entity                         int64
	pts, qts, date, seq, unreadCnt sql.NullInt64
}

// pick chooses the sessions row to read among those with a non-empty key:
// the DC asked for, else the only one.
func pick(rows []sessionRow, dc int) (*sessionRow, []int, error) {
	var keyed []int
	var dcs []int
	for i, r := range rows {
		if len(r.key) > 0 {
			keyed = append(keyed, i)
			dcs = append(dcs, int(r.dc))
		}
	}
	slices.Sort(dcs)
	if len(keyed) == 0 {
		if len(rows) == 0 {
			return nil, nil, fmt.Errorf("no sessions row: %w", stores.ErrNotFound)
		}
		return nil, nil, fmt.Errorf("no sessions row holds an auth key (a fresh or logged-out session): %w", stores.ErrNotFound)
	}
	var chosen *sessionRow
	for _, i := range keyed {
		if dc != 0 && int(rows[i].dc) == dc {
			chosen = &rows[i]
		}
	}
	switch {
	case dc != 0 && chosen == nil:
		return nil, nil, fmt.Errorf("no auth key for DC %d: %w", dc, stores.ErrNotFound)
	case chosen == nil && len(keyed) > 1:
		return nil, nil, &stores.AmbiguousError{DCs: dcs}
	case chosen == nil:
		chosen = &rows[keyed[0]]
	}
	var others []int
	for _, d := range dcs {
		if d != int(chosen.dc) {
			others = append(others, d)
		}
	}
	return chosen, others, nil
}

// toStored builds the stored session from the rows read.
func toStored(row *sessionRow, others []int, ents []entityRow, states []stateRow, layout string) (*compat.Stored, error) {
	s := &codec.Session{Info: codec.Info{Source: codec.Telethon}}
	var err error
	if s.DC, err = check.DC("dc_id", row.dc); err != nil {
		return nil, err
	}
	s.ServerAddress = row.address.String
	if err := check.Address("server_address", s.ServerAddress); err != nil {
		return nil, err
	}
	if s.Port, err = check.Port("port", row.port.Int64); err != nil {
		return nil, err
	}
	if s.Key, err = check.Key("auth_key", row.key); err != nil {
		return nil, err
	}
	r := &compat.Stored{Library: Kind, Layout: layout, Session: s, OtherDCs: others}
	if len(others) > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("read the key for DC %d; keys for DCs %v are not read", s.DC, others))
	}
	skipped := 0
	for _, er := range ents {
		if er.id == 0 {
			skipped++
			continue
		}
		e := compat.Entity{ID: er.id, AccessHash: codec.Some(er.hash),
			Username: er.username.String, Name: er.name.String}
		if er.phone.Valid && er.phone.String != "" {
			if e.Phone, err = check.Phone("phone", er.phone.String); err != nil {
				skipped++
				continue
			}
		}
		if check.Text("username", e.Username, 256) != nil || check.Text("name", e.Name, 4096) != nil {
			skipped++
			continue
		}
		if peerid.Of(er.id) == peerid.Chat {
			e.Type = compat.PeerGroup
		}
		r.Entities = append(r.Entities, e)
	}
	if skipped > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("skipped %d entities rows with an invalid id, phone or text", skipped))
	}
	negative := 0
	for _, st := range states {
		if st.entity < 0 {
			negative++
			continue
		}
		if r.UpdateState == nil {
			r.UpdateState = &compat.UpdateState{}
		}
		u := r.UpdateState
		if st.entity == 0 {
			u.PTS, u.QTS, u.Seq, u.Date, u.UnreadCount = st.pts.Int64, st.qts.Int64, st.seq.Int64, float64(st.date.Int64), st.unreadCnt.Int64
			continue
		}
		c := compat.ChannelState{ID: st.entity, PTS: st.pts.Int64, QTS: st.qts.Int64, Seq: st.seq.Int64, UnreadCount: st.unreadCnt.Int64}
		if st.date.Valid {
			c.Date = codec.Some(float64(st.date.Int64))
		}
		u.Channels = append(u.Channels, c)
	}
	if negative > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("skipped %d update_state rows with a negative entity_id", negative))
	}
	return r, nil
}

// fromStored returns the rows to write for r. phoneNumeric says whether
// entities.phone is an integer column (alchemysession) rather than text
// (mautrix). Entities Telethon cannot store (a user or channel without an
// access hash) are left out. An update state's common row comes first.
func fromStored(r *compat.Stored, phoneNumeric bool) (sessionRow, []entityRow, []stateRow) {
	s := r.Session
	row := sessionRow{dc: int64(s.DC), key: s.Key.Reveal()}
	if s.ServerAddress != "" {
		row.address = sql.NullString{String: s.ServerAddress, Valid: true}
	}
	if s.Port != 0 {
		row.port = sql.NullInt64{Int64: int64(s.Port), Valid: true}
	}
	var ents []entityRow
	for _, e := range r.Entities {
		h, ok := e.AccessHash.Get()
		if !ok {
			if peerid.Of(e.ID) != peerid.Chat {
				continue
			}
			h = 0
		}
		er := entityRow{id: e.ID, hash: h, username: nullString(e.Username), name: nullString(e.Name)}
		if e.Phone != "" {
			if _, err := strconv.ParseInt(e.Phone, 10, 64); err == nil || !phoneNumeric {
				er.phone = nullString(e.Phone)
			}
		}
		ents = append(ents, er)
	}
	var states []stateRow
	if u := r.UpdateState; u != nil {
		states = append(states, stateRow{entity: 0, pts: nullInt(u.PTS), qts: nullInt(u.QTS),
			date: nullInt(int64(u.Date)), seq: nullInt(u.Seq), unreadCnt: nullInt(u.UnreadCount)})
		for _, c := range u.Channels {
			d, _ := c.Date.Get()
			states = append(states, stateRow{entity: c.ID, pts: nullInt(c.PTS), qts: nullInt(c.QTS),
				date: nullInt(int64(d)), seq: nullInt(c.Seq), unreadCnt: nullInt(c.UnreadCount)})
		}
	}
	return row, ents, states
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
func nullInt(n int64) sql.NullInt64      { return sql.NullInt64{Int64: n, Valid: true} }
