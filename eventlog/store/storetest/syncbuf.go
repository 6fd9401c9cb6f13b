package storetest

import (
	"bytes"
	"sync"
)

var outMu sync.Mutex

type syncWriter struct{ b *bytes.Buffer }

func (w *syncWriter) Write(p []byte) (int, error) {
	outMu.Lock()
	defer outMu.Unlock()
	// Keep the last 64 KiB: enough to say why a server failed.
	if w.b.Len() > 64<<10 {
		tail := append([]byte(nil), w.b.Bytes()[w.b.Len()-32<<10:]...)
		w.b.Reset()
		w.b.Write(tail)
	}
	return w.b.Write(p)
}

func syncString(b *bytes.Buffer) string {
	outMu.Lock()
	defer outMu.Unlock()
	return b.String()
}
