package store

import (
	"os"
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog/store/storetest"
)

// TestMain stops the HDFS minicluster the tests share (storetest.StartHDFS
// starts it on first use).
func TestMain(m *testing.M) {
	code := m.Run()
	storetest.StopHDFS()
	os.Exit(code)
}
