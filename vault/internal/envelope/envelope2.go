package envelope

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"io"
	"net/netip"
	"sort"
	"time"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault/internal/verr"
)

// Envelope version 2, the one Seal writes: the same fields as version 1 in
// as few bytes as a canonical encoding allows (a Telethon session is 270
// bytes, 43 fewer than in version 1), plus an optional attachment. The
// layout is specified byte by byte in docs/envelope.md §3.
//
//	| off | size  | field                                                   |
//	|   0 |     4 | magic "TGSE"                                            |
//	|   4 |     1 | version, 2                                              |
//	|   5 |   256 | auth key                                                |
//	| 261 |     2 | flags, u16 BE: bits 0–2 source format code, 3–4 address |
//	|     |       | kind, 5 port, 6–7 ipv6 known/value, 8–9 test mode,      |
//	|     |       | 10–11 is_bot, 12 api_id, 13 user_id, 14 created at,     |
//	|     |       | 15 extensions                                           |
//	| 263 |   1–3 | DC id, uvarint                                          |
//	|     | 0–256 | server address: IPv4 (4), IPv6 (16) or text (u8 n, n)   |
//	|     |   0/2 | port, u16 BE                                            |
//	|     |  0–5  | api_id, uvarint                                         |
//	|     |  0–10 | user_id, zigzag varint                                  |
//	|     |  0–10 | created at, zigzag varint of Unix seconds               |
//	|     |   0/1 | extension bits: 0 layout, 1 media DC, 2 labels,        |
//	|     |       | 3 attachment; then each extension present, in order     |
const (
	// KeyOffsetV2 is the byte offset of the 256-byte auth key in a version
	// 2 envelope.
	KeyOffsetV2 = 5
	v2FlagsOff  = KeyOffsetV2 + codec.AuthKeySize
	v2Fixed     = v2FlagsOff + 2
	// MaxSize is the largest envelope (and the largest decrypted
	// payload) this package accepts, in bytes. Only an attachment makes an
	// envelope larger than a few hundred bytes.
	MaxSize = 1 << 20
	// MaxAttachmentSize is the largest attachment, in bytes once
	// decompressed. An attachment's declared size is checked against it
	// before anything is decompressed.
	MaxAttachmentSize = 4 << 20
)

// Flag bits of a version 2 envelope.
const (
	v2FormatMask = 0x0007
	v2AddrShift  = 3
	v2AddrMask   = 0x0018
	v2Port       = 1 << 5
	v2IPv6Known  = 1 << 6
	v2IPv6Value  = 1 << 7
	v2TestKnown  = 1 << 8
	v2TestValue  = 1 << 9
	v2BotKnown   = 1 << 10
	v2BotValue   = 1 << 11
	v2APIID      = 1 << 12
	v2UserID     = 1 << 13
	v2Created    = 1 << 14
	v2Ext        = 1 << 15
)

// Address kinds (flags bits 3–4; media flags bits 3–4).
const (
	addrNone = iota
	addrIPv4
	addrIPv6
	addrText
)

// Extension bits.
const (
	extLayout     = 1 << 0
	extMedia      = 1 << 1
	extLabels     = 1 << 2
	extAttachment = 1 << 3
	extKnown      = extLayout | extMedia | extLabels | extAttachment
)

// Media DC flag bits of a version 2 envelope (bits 3–4: address kind).
const (
	v2MediaIPv6  = 1 << 0
	v2MediaOnly  = 1 << 1
	v2MediaTest  = 1 << 2
	v2MediaAddr  = 0x18
	v2MediaPort  = 1 << 5
	v2MediaKnown = v2MediaIPv6 | v2MediaOnly | v2MediaTest | v2MediaAddr | v2MediaPort
)

// Attachment encodings.
const (
	encStored  = 0
	encDeflate = 1
)

// A Kind says what an attachment holds. This package stores and
// returns attachments without interpreting them; the kinds are registered
// here so that they never change meaning (docs/envelope.md).
type Kind uint8

// KindFile is the rest of a stored session: what the CLI's
// conversion side writes (library, schema, entity cache, update state, …),
// for restoring a .session file with everything it held. It is the only
// kind vault.Session.SetAttachment writes and Attachment returns;
// other kinds are kept byte for byte when an opened session is sealed again.
const KindFile Kind = 1

// Attachment is an envelope's attachment. raw is exactly as stored in the
// envelope (possibly compressed), so that sealing an opened session again
// writes the same bytes; data is the content. Both are behind pointers to
// a struct so that fmt never dumps them.
type Attachment struct {
	kind Kind
	enc  byte
	b    *attachmentBytes
}

type attachmentBytes struct {
	raw, data *[]byte
}

// Kind returns the attachment's kind.
func (a *Attachment) Kind() Kind { return a.kind }

// Raw returns the attachment as stored (possibly compressed).
func (a *Attachment) Raw() []byte { return *a.b.raw }

// Data returns the attachment's content.
func (a *Attachment) Data() []byte { return *a.b.data }

// NewAttachment makes an attachment of data (copied), compressed with
// DEFLATE when that makes it smaller.
func NewAttachment(kind Kind, data []byte) (*Attachment, error) {
	if kind == 0 {
		return nil, verr.Errorf(verr.ErrMalformed, "attachment kind 0")
	}
	if len(data) == 0 {
		return nil, nil
	}
	if len(data) > MaxAttachmentSize {
		return nil, verr.Errorf(codec.ErrTooLarge, "attachment of %d bytes, limit %d", len(data), MaxAttachmentSize)
	}
	content := bytes.Clone(data)
	raw, enc := content, byte(encStored)
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		panic("vault: internal error: flate: " + err.Error())
	}
	_, _ = w.Write(data) // writes to a bytes.Buffer cannot fail
	_ = w.Close()
	if buf.Len() < len(data) {
		raw, enc = buf.Bytes(), encDeflate
	}
	return &Attachment{kind: kind, enc: enc, b: &attachmentBytes{&raw, &content}}, nil
}

// decodeAttachment checks and decompresses a stored attachment (encStored
// or encDeflate), in memory bounded by its declared size, at most
// MaxAttachmentSize. On failure it returns the reason, which holds no
// attachment bytes.
func decodeAttachment(kind Kind, enc byte, raw []byte, size int) (*Attachment, string) {
	raw = bytes.Clone(raw)
	data := raw
	if enc == encDeflate {
		br := bytes.NewReader(raw)
		r := flate.NewReader(br)
		data = make([]byte, size)
		if _, err := io.ReadFull(r, data); err != nil {
			return nil, "attachment does not decompress to its declared size"
		}
		var one [1]byte
		if n, err := r.Read(one[:]); n != 0 || err != io.EOF {
			return nil, "attachment decompresses to more than its declared size"
		}
		if br.Len() != 0 {
			return nil, "bytes after the attachment's compressed stream"
		}
	}
	return &Attachment{kind: kind, enc: enc, b: &attachmentBytes{&raw, &data}}, ""
}

// impliedLayout is the layout a version 2 envelope leaves out: the layout
// codec's decoder gives a session of that format and address kind.
func impliedLayout(f codec.Format, kind int) string {
	switch f {
	case codec.Telethon:
		switch kind {
		case addrIPv4:
			return "ipv4"
		case addrIPv6:
			return "ipv6"
		}
	case codec.Pyrogram:
		return "v2"
	case codec.Mtcute:
		return "v3"
	}
	return ""
}

// addrForm returns how address s is stored: as 4 or 16 raw bytes if it is
// an IP address written exactly as net/netip writes it, else as text.
func addrForm(s string) (kind int, raw []byte) {
	if s == "" {
		return addrNone, nil
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" && a.String() == s {
		if a.Is4() {
			return addrIPv4, a.AsSlice()
		}
		return addrIPv6, a.AsSlice()
	}
	return addrText, []byte(s)
}

// appendAddr appends address s in the form addrForm chose.
func appendAddr(b []byte, kind int, raw []byte) []byte {
	if kind == addrText {
		b = append(b, byte(len(raw)))
	}
	return append(b, raw...)
}

// marshalEnvelopeV2 writes a version 2 envelope. The metadata is built
// first in its own buffer, so that the key is only ever written into the
// final, exactly sized buffer (never into one that append reallocates).
func marshalEnvelopeV2(m *Meta, att *Attachment, putKey func(dst []byte) error) ([]byte, error) {
	if err := checkMeta(m); err != nil {
		return nil, err
	}
	code, _ := formatCode(m.Source)
	flags := uint16(code)
	kind, raw := addrForm(m.ServerAddress)
	flags |= uint16(kind) << v2AddrShift
	if m.Port != 0 {
		flags |= v2Port
	}
	optBool := func(o codec.Optional[bool], known, value uint16) {
		if v, ok := o.Get(); ok {
			flags |= known
			if v {
				flags |= value
			}
		}
	}
	optBool(m.IPv6, v2IPv6Known, v2IPv6Value)
	optBool(m.TestMode, v2TestKnown, v2TestValue)
	optBool(m.IsBot, v2BotKnown, v2BotValue)
	apiID, hasAPIID := m.APIID.Get()
	userID, hasUserID := m.UserID.Get()
	var created int64
	if !m.CreatedAt.IsZero() {
		created = m.CreatedAt.Unix()
	}
	if hasAPIID {
		flags |= v2APIID
	}
	if hasUserID {
		flags |= v2UserID
	}
	if created != 0 {
		flags |= v2Created
	}

	meta := binary.AppendUvarint(nil, uint64(m.DC))
	meta = appendAddr(meta, kind, raw)
	if m.Port != 0 {
		meta = binary.BigEndian.AppendUint16(meta, m.Port)
	}
	if hasAPIID {
		meta = binary.AppendUvarint(meta, uint64(apiID))
	}
	if hasUserID {
		meta = binary.AppendVarint(meta, userID)
	}
	if created != 0 {
		meta = binary.AppendVarint(meta, created)
	}
	var exts byte
	var tail []byte
	if m.Layout != impliedLayout(m.Source, kind) {
		exts |= extLayout
		tail = append(tail, byte(len(m.Layout)))
		tail = append(tail, m.Layout...)
	}
	if md := m.Media; md != nil {
		mk, mraw := addrForm(md.ServerAddress)
		mf := byte(mk) << v2AddrShift
		if md.IPv6 {
			mf |= v2MediaIPv6
		}
		if md.MediaOnly {
			mf |= v2MediaOnly
		}
		if md.TestMode {
			mf |= v2MediaTest
		}
		if md.Port != 0 {
			mf |= v2MediaPort
		}
		exts |= extMedia
		tail = binary.AppendUvarint(tail, uint64(md.ID))
		tail = append(tail, mf)
		tail = appendAddr(tail, mk, mraw)
		if md.Port != 0 {
			tail = binary.BigEndian.AppendUint16(tail, md.Port)
		}
	}
	if len(m.Labels) > 0 {
		names := make([]string, 0, len(m.Labels))
		for k := range m.Labels {
			names = append(names, k)
		}
		sort.Strings(names)
		exts |= extLabels
		tail = append(tail, byte(len(names)))
		for _, k := range names {
			tail = append(tail, byte(len(k)))
			tail = append(tail, k...)
			tail = append(tail, byte(len(m.Labels[k])))
			tail = append(tail, m.Labels[k]...)
		}
	}
	if att != nil {
		exts |= extAttachment
		tail = append(tail, byte(att.kind), att.enc)
		tail = binary.AppendUvarint(tail, uint64(len(att.Raw())))
		if att.enc == encDeflate {
			tail = binary.AppendUvarint(tail, uint64(len(att.Data())))
		}
		tail = append(tail, att.Raw()...)
	}
	if exts != 0 {
		flags |= v2Ext
		meta = append(meta, exts)
		meta = append(meta, tail...)
	}

	size := v2Fixed + len(meta)
	if size > MaxSize {
		return nil, verr.Errorf(codec.ErrTooLarge, "envelope of %d bytes, limit %d", size, MaxSize)
	}
	b := make([]byte, size)
	copy(b, Magic)
	b[4] = 2
	if err := putKey(b[KeyOffsetV2 : KeyOffsetV2+codec.AuthKeySize]); err != nil {
		clear(b)
		return nil, err
	}
	if isZero(b[KeyOffsetV2 : KeyOffsetV2+codec.AuthKeySize]) {
		clear(b)
		return nil, verr.Errorf(verr.ErrMalformed, "auth key is all zeros")
	}
	binary.BigEndian.PutUint16(b[v2FlagsOff:], flags)
	copy(b[v2Fixed:], meta)
	return b, nil
}

// v2Reader reads the fields of a version 2 envelope, failing with an
// envelopeError at the offset of the first bad field. It never reads the
// key and never puts envelope bytes in an error.
type v2Reader struct {
	b   []byte
	off int
}

func (r *v2Reader) fail(sentinel error, format string, args ...any) error {
	return envelopeError(sentinel, r.off, format, args...)
}

func (r *v2Reader) need(n int, what string) error {
	if n > len(r.b)-r.off {
		return r.fail(verr.ErrMalformed, "truncated %s", what)
	}
	return nil
}

func (r *v2Reader) byte1(what string) (byte, error) {
	if err := r.need(1, what); err != nil {
		return 0, err
	}
	r.off++
	return r.b[r.off-1], nil
}

func (r *v2Reader) u16(what string) (uint16, error) {
	if err := r.need(2, what); err != nil {
		return 0, err
	}
	r.off += 2
	return binary.BigEndian.Uint16(r.b[r.off-2:]), nil
}

// uvarint reads a minimally encoded uvarint of at most max.
func (r *v2Reader) uvarint(what string, max uint64) (uint64, error) {
	v, n := binary.Uvarint(r.b[r.off:])
	switch {
	case n == 0:
		return 0, r.fail(verr.ErrMalformed, "truncated %s", what)
	case n < 0:
		return 0, r.fail(verr.ErrMalformed, "%s overflows 64 bits", what)
	case n > 1 && r.b[r.off+n-1] == 0:
		return 0, r.fail(verr.ErrMalformed, "%s is not minimally encoded", what)
	case v > max:
		return 0, r.fail(verr.ErrMalformed, "%s %d out of range", what, v)
	}
	r.off += n
	return v, nil
}

// varint reads a minimally encoded zigzag varint.
func (r *v2Reader) varint(what string) (int64, error) {
	u, err := r.uvarint(what, ^uint64(0))
	if err != nil {
		return 0, err
	}
	return int64(u>>1) ^ -int64(u&1), nil
}

// text reads a u8 length and that many bytes of envelope text; min is the
// shortest length allowed.
func (r *v2Reader) text(what string, min int) (string, error) {
	start := r.off
	n, err := r.byte1(what)
	if err != nil {
		return "", err
	}
	if int(n) < min {
		r.off = start
		return "", r.fail(verr.ErrMalformed, "empty %s", what)
	}
	if err := r.need(int(n), what); err != nil {
		return "", err
	}
	s := string(r.b[r.off : r.off+int(n)])
	if !validText(s) {
		return "", r.fail(verr.ErrMalformed, "%s is not UTF-8 text without control characters", what)
	}
	r.off += int(n)
	return s, nil
}

// addr reads an address of the given kind.
func (r *v2Reader) addr(kind int, what string) (string, error) {
	switch kind {
	case addrIPv4:
		if err := r.need(4, what); err != nil {
			return "", err
		}
		r.off += 4
		return netip.AddrFrom4([4]byte(r.b[r.off-4 : r.off])).String(), nil
	case addrIPv6:
		if err := r.need(16, what); err != nil {
			return "", err
		}
		r.off += 16
		return netip.AddrFrom16([16]byte(r.b[r.off-16 : r.off])).String(), nil
	case addrText:
		start := r.off
		s, err := r.text(what, 1)
		if err != nil {
			return "", err
		}
		if k, _ := addrForm(s); k != addrText {
			r.off = start
			return "", r.fail(verr.ErrMalformed, "%s is an IP address stored as text (must be stored as raw bytes)", what)
		}
		return s, nil
	}
	return "", nil
}

// unmarshalEnvelopeV2 parses the metadata of version 2 envelope b into a
// new Session (without a key, with its attachment) and checks that b is
// canonical: exactly what marshalEnvelopeV2 writes for that metadata. The
// key stays in b[KeyOffsetV2:KeyOffsetV2+256], checked to be non-zero.
func unmarshalEnvelopeV2(b []byte) (*Meta, error) {
	if len(b) > MaxSize {
		return nil, envelopeError(codec.ErrTooLarge, MaxSize, "envelope of %d bytes", len(b))
	}
	if len(b) < v2Fixed+1 {
		return nil, envelopeError(verr.ErrMalformed, len(b), "truncated: %d bytes", len(b))
	}
	if isZero(b[KeyOffsetV2 : KeyOffsetV2+codec.AuthKeySize]) {
		return nil, envelopeError(verr.ErrMalformed, KeyOffsetV2, "auth key is all zeros")
	}
	flags := binary.BigEndian.Uint16(b[v2FlagsOff:])
	m := &Meta{}
	f, ok := formatOfCode(byte(flags & v2FormatMask))
	if !ok {
		return nil, envelopeError(verr.ErrUnsupported, v2FlagsOff+1, "unknown source format code %d", flags&v2FormatMask)
	}
	m.Source = f
	optBool := func(known, value uint16) (codec.Optional[bool], error) {
		switch {
		case flags&known != 0:
			return codec.Some(flags&value != 0), nil
		case flags&value != 0:
			return codec.None[bool](), envelopeError(verr.ErrMalformed, v2FlagsOff, "value bit set without its known bit")
		}
		return codec.None[bool](), nil
	}
	var err error
	if m.IPv6, err = optBool(v2IPv6Known, v2IPv6Value); err != nil {
		return nil, err
	}
	if m.TestMode, err = optBool(v2TestKnown, v2TestValue); err != nil {
		return nil, err
	}
	if m.IsBot, err = optBool(v2BotKnown, v2BotValue); err != nil {
		return nil, err
	}

	r := &v2Reader{b: b, off: v2Fixed}
	dc, err := r.uvarint("DC id", 0xffff)
	if err != nil {
		return nil, err
	}
	if dc == 0 {
		r.off = v2Fixed
		return nil, r.fail(verr.ErrMalformed, "DC id 0")
	}
	m.DC = int(dc)
	kind := int(flags&v2AddrMask) >> v2AddrShift
	if m.ServerAddress, err = r.addr(kind, "server address"); err != nil {
		return nil, err
	}
	if flags&v2Port != 0 {
		start := r.off
		if m.Port, err = r.u16("port"); err != nil {
			return nil, err
		}
		if m.Port == 0 {
			r.off = start
			return nil, r.fail(verr.ErrMalformed, "port 0 marked present")
		}
	}
	if flags&v2APIID != 0 {
		v, err := r.uvarint("api_id", 0xffffffff)
		if err != nil {
			return nil, err
		}
		m.APIID = codec.Some(uint32(v))
	}
	if flags&v2UserID != 0 {
		v, err := r.varint("user_id")
		if err != nil {
			return nil, err
		}
		m.UserID = codec.Some(v)
	}
	if flags&v2Created != 0 {
		start := r.off
		v, err := r.varint("created at")
		if err != nil {
			return nil, err
		}
		if v == 0 {
			r.off = start
			return nil, r.fail(verr.ErrMalformed, "created at 0 marked present")
		}
		m.CreatedAt = time.Unix(v, 0).UTC()
	}
	m.Layout = impliedLayout(m.Source, kind)

	if flags&v2Ext != 0 {
		start := r.off
		exts, err := r.byte1("extension bits")
		if err != nil {
			return nil, err
		}
		switch {
		case exts == 0:
			r.off = start
			return nil, r.fail(verr.ErrMalformed, "extension bits marked present but zero")
		case exts&^extKnown != 0:
			r.off = start
			return nil, r.fail(verr.ErrUnsupported, "unknown extension bits %#02x (written by a newer version?)", exts&^extKnown)
		}
		if exts&extLayout != 0 {
			at := r.off
			l, err := r.text("layout", 0)
			if err != nil {
				return nil, err
			}
			if l == m.Layout {
				r.off = at
				return nil, r.fail(verr.ErrMalformed, "layout stored although it is the one implied")
			}
			m.Layout = l
		}
		if exts&extMedia != 0 {
			if m.Media, err = r.media(); err != nil {
				return nil, err
			}
		}
		if exts&extLabels != 0 {
			if m.Labels, err = r.labels(); err != nil {
				return nil, err
			}
		}
		if exts&extAttachment != 0 {
			if m.Att, err = r.attachment(); err != nil {
				return nil, err
			}
		}
	}
	if r.off != len(b) {
		return nil, r.fail(verr.ErrMalformed, "%d trailing bytes", len(b)-r.off)
	}
	return m, nil
}

func (r *v2Reader) media() (*codec.DCOption, error) {
	start := r.off
	id, err := r.uvarint("media DC id", 0xffff)
	if err != nil {
		return nil, err
	}
	if id == 0 {
		r.off = start
		return nil, r.fail(verr.ErrMalformed, "media DC id 0")
	}
	mf, err := r.byte1("media DC flags")
	if err != nil {
		return nil, err
	}
	if mf&^v2MediaKnown != 0 {
		r.off--
		return nil, r.fail(verr.ErrMalformed, "unknown media flag bits")
	}
	md := &codec.DCOption{ID: int(id), IPv6: mf&v2MediaIPv6 != 0, MediaOnly: mf&v2MediaOnly != 0, TestMode: mf&v2MediaTest != 0}
	if md.ServerAddress, err = r.addr(int(mf&v2MediaAddr)>>v2AddrShift, "media DC address"); err != nil {
		return nil, err
	}
	if mf&v2MediaPort != 0 {
		p := r.off
		if md.Port, err = r.u16("media DC port"); err != nil {
			return nil, err
		}
		if md.Port == 0 {
			r.off = p
			return nil, r.fail(verr.ErrMalformed, "media DC port 0 marked present")
		}
	}
	return md, nil
}

func (r *v2Reader) labels() (map[string]string, error) {
	start := r.off
	n, err := r.byte1("label count")
	if err != nil {
		return nil, err
	}
	if n == 0 || n > MaxLabels {
		r.off = start
		return nil, r.fail(verr.ErrMalformed, "%d labels, want 1–%d", n, MaxLabels)
	}
	labels := make(map[string]string, n)
	prev := ""
	for i := 0; i < int(n); i++ {
		at := r.off
		k, err := r.text("label name", 1)
		if err != nil {
			return nil, err
		}
		if !ValidLabelName(k) {
			r.off = at
			return nil, r.fail(verr.ErrMalformed, "label %d: invalid name", i)
		}
		if i > 0 && k <= prev {
			r.off = at
			return nil, r.fail(verr.ErrMalformed, "label %d: names not in strictly ascending order", i)
		}
		prev = k
		if labels[k], err = r.text("label value", 0); err != nil {
			return nil, err
		}
	}
	return labels, nil
}

func (r *v2Reader) attachment() (*Attachment, error) {
	start := r.off
	kind, err := r.byte1("attachment kind")
	if err != nil {
		return nil, err
	}
	if kind == 0 {
		r.off = start
		return nil, r.fail(verr.ErrMalformed, "attachment kind 0")
	}
	enc, err := r.byte1("attachment encoding")
	if err != nil {
		return nil, err
	}
	if enc != encStored && enc != encDeflate {
		r.off--
		return nil, r.fail(verr.ErrUnsupported, "attachment encoding %d", enc)
	}
	at := r.off
	n, err := r.uvarint("attachment length", MaxSize)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		r.off = at
		return nil, r.fail(verr.ErrMalformed, "empty attachment")
	}
	size := int(n) // at most MaxSize, below MaxAttachmentSize
	if enc == encDeflate {
		at = r.off
		l, err := r.uvarint("attachment size", 1<<63)
		if err != nil {
			return nil, err
		}
		if l == 0 || l > MaxAttachmentSize {
			r.off = at
			if l == 0 {
				return nil, r.fail(verr.ErrMalformed, "compressed attachment of size 0")
			}
			return nil, r.fail(codec.ErrTooLarge, "attachment of %d bytes once decompressed, limit %d", l, MaxAttachmentSize)
		}
		size = int(l)
	}
	if err := r.need(int(n), "attachment"); err != nil {
		return nil, err
	}
	a, why := decodeAttachment(Kind(kind), enc, r.b[r.off:r.off+int(n)], size)
	if a == nil {
		return nil, r.fail(verr.ErrMalformed, "%s", why)
	}
	r.off += int(n)
	return a, nil
}
