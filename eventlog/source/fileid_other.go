//go:build !unix

package source

import "io/fs"

// idOf cannot tell files apart here: every file counts as new, and the
// depth limit is what stops a walk through a cycle of links.
func idOf(fs.FileInfo) (fileID, bool) { return fileID{}, false }
