package store

import (
	"errors"
	"io/fs"
	"net/http"
)

// storeError is an error of a store request in plain words: its message
// names the URL and what went wrong, errors.Is matches its kind
// (fs.ErrNotExist, fs.ErrPermission) and Unwrap gives the store's own
// error.
type storeError struct {
	msg   string
	kind  error
	cause error
}

func (e *storeError) Error() string        { return e.msg }
func (e *storeError) Unwrap() error        { return e.cause }
func (e *storeError) Is(target error) bool { return e.kind != nil && target == e.kind }

// notFound says that label does not exist; errors.Is(err, fs.ErrNotExist).
func notFound(label string, cause error) error {
	return &storeError{msg: label + ": no such file or directory", kind: fs.ErrNotExist, cause: cause}
}

// accessDenied says that the store refused the request for label, with a
// hint of the credentials that were used; errors.Is(err, fs.ErrPermission).
func accessDenied(label, hint string, cause error) error {
	msg := label + ": access denied (check credentials: " + hint + ")"
	if cause != nil {
		msg += ": " + cause.Error()
	}
	return &storeError{msg: msg, kind: fs.ErrPermission, cause: cause}
}

// noCredentials says that no credentials were found to sign a request
// for label; errors.Is(err, fs.ErrPermission).
func noCredentials(label, hint string, cause error) error {
	return &storeError{msg: label + ": no credentials found (set " + hint + "): " + cause.Error(), kind: fs.ErrPermission, cause: cause}
}

// httpStatus is the HTTP status code an SDK error carries, 0 when none.
func httpStatus(err error) int {
	var se interface{ HTTPStatusCode() int }
	if errors.As(err, &se) {
		return se.HTTPStatusCode()
	}
	return 0
}

// statusError maps an HTTP status to a not-found or access-denied error
// for label, or returns nil for any other status.
func statusError(label, hint string, status int, cause error) error {
	switch status {
	case http.StatusNotFound:
		return notFound(label, cause)
	case http.StatusUnauthorized, http.StatusForbidden:
		return accessDenied(label, hint, cause)
	}
	return nil
}

// isNotExist reports whether err says that a file does not exist.
func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
