package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// spool is the writer of Create for stores that take an object whole: it
// writes to a temporary file, and on Close rewinds it and hands it to the
// upload function with its size, so memory stays bounded and the object
// appears only once it is complete. The temporary file is always removed.
type spool struct {
	f      *os.File
	size   int64
	upload func(ctx context.Context, f *os.File, size int64) error
	once   sync.Once
	err    error
}

// newSpool returns a writer that spools to a temporary file and calls
// upload with it (rewound) and its size on Close. upload gets a context
// without deadline: Close has none to give.
func newSpool(upload func(ctx context.Context, f *os.File, size int64) error) (io.WriteCloser, error) {
	f, err := os.CreateTemp("", "sparkdiag-upload-*")
	if err != nil {
		return nil, fmt.Errorf("temporary file for an upload: %w", err)
	}
	return &spool{f: f, upload: upload}, nil
}

// Write appends to the temporary file.
func (s *spool) Write(p []byte) (int, error) {
	n, err := s.f.Write(p)
	s.size += int64(n)
	return n, err
}

// Close uploads what was written and removes the temporary file. Only the
// first call uploads; later ones return its result.
func (s *spool) Close() error {
	s.once.Do(func() {
		defer os.Remove(s.f.Name())
		if _, err := s.f.Seek(0, io.SeekStart); err != nil {
			s.err = errors.Join(err, s.f.Close())
			return
		}
		s.err = s.upload(context.Background(), s.f, s.size)
		if err := s.f.Close(); s.err == nil && err != nil {
			s.err = err
		}
	})
	return s.err
}
