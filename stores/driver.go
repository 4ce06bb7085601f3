package stores

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
)

// DriverError turns an error from a database driver into an [*Error] for
// kind, op and name. sentinel is the store package's own reading of err
// (such as [ErrAuth] for a server's "wrong password" code), or nil to
// classify err as a connection, TLS or timeout failure, else [ErrServer].
//
// The driver's message is kept, with every secret of u (its password and
// secret query values) removed, control characters escaped and the length
// capped; the driver's error itself is not in the chain, so nothing a
// caller unwraps can reach a secret the driver put there. The chain holds
// [context.Canceled] or [context.DeadlineExceeded] when ctx ended (or err
// says the context ended) the call; the failure is then [ErrUnreachable]
// unless sentinel says otherwise.
func DriverError(ctx context.Context, kind, op, name string, u URL, sentinel, err error) *Error {
	d := &driverError{msg: u.scrub(err.Error())}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		d.ctx = context.DeadlineExceeded
	case errors.Is(err, context.Canceled):
		d.ctx = context.Canceled
	case ctx != nil && ctx.Err() != nil:
		d.ctx = ctx.Err()
	}
	switch {
	case sentinel != nil:
	case d.ctx != nil:
		sentinel = ErrUnreachable
	default:
		sentinel = classify(err)
	}
	d.sentinel = sentinel
	return &Error{Kind: kind, Op: op, Name: name, Err: d}
}

type driverError struct {
	msg      string
	sentinel error
	ctx      error
}

func (e *driverError) Error() string {
	if e.msg == "" {
		return e.sentinel.Error()
	}
	return e.sentinel.Error() + ": " + e.msg
}

func (e *driverError) Unwrap() []error {
	if e.ctx != nil {
		return []error{e.sentinel, e.ctx}
	}
	return []error{e.sentinel}
}

// classify maps transport-level failures to sentinels.
func classify(err error) error {
	var (
		recErr  tls.RecordHeaderError
		alert   tls.AlertError
		verify  *tls.CertificateVerificationError
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		invalid x509.CertificateInvalidError
		netErr  net.Error
		opErr   *net.OpError
		dnsErr  *net.DNSError
	)
	// A server's own report that the connection is going away: SQLSTATE
	// class 08 (connection exception) and 57P01..57P03 (the server is
	// shutting down, crashed or not yet accepting connections). PostgreSQL
	// sends them on a restart; the next connection may well succeed.
	if st, ok := errors.AsType[interface {
		error
		SQLState() string
	}](err); ok {
		switch code := st.SQLState(); {
		case strings.HasPrefix(code, "08"), code == "57P01", code == "57P02", code == "57P03":
			return ErrUnreachable
		}
	}
	switch {
	case errors.As(err, &recErr), errors.As(err, &alert), errors.As(err, &verify),
		errors.As(err, &unknown), errors.As(err, &host), errors.As(err, &invalid):
		return ErrTLS
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed),
		errors.As(err, &opErr), errors.As(err, &dnsErr), errors.As(err, &netErr):
		return ErrUnreachable
	}
	// Some drivers flatten the transport error into text.
	msg := err.Error()
	switch {
	case strings.Contains(msg, "x509: "), strings.Contains(msg, "tls: "):
		return ErrTLS
	case strings.Contains(msg, "connection refused"), strings.Contains(msg, "i/o timeout"),
		strings.Contains(msg, "no such host"), strings.Contains(msg, "connection reset"):
		return ErrUnreachable
	}
	return ErrServer
}
