package store

import "strings"

// Helpers shared by the object-store backends (S3, GCS, Azure).

// dirPrefix is the key prefix of the objects under dir: "dir/", or "" at
// the top.
func dirPrefix(dir string) string {
	if dir = strings.Trim(dir, "/"); dir == "" {
		return ""
	}
	return dir + "/"
}

// isFolderMarker reports whether an object name (relative to the listed
// prefix) is a marker that tools leave for a "folder" rather than a file:
// Hadoop's S3N/EMRFS "name_$folder$" objects. (The "dir/" markers of
// consoles and S3A list as common prefixes and need nothing.)
func isFolderMarker(name string) bool { return strings.HasSuffix(name, "_$folder$") }

// baseName is the last element of a slash-separated name.
func baseName(name string) string { return name[strings.LastIndex(name, "/")+1:] }

// deref is *p, or the zero value for nil.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// hdiFolder reports whether blob metadata marks an ADLS Gen2 directory
// (hdi_isfolder=true; the SDK may capitalise the key).
func hdiFolder(md map[string]*string) bool {
	for k, v := range md {
		if strings.EqualFold(k, "hdi_isfolder") && v != nil && strings.EqualFold(*v, "true") {
			return true
		}
	}
	return false
}

// statObject describes name in an object store, where a "directory" is only
// a prefix of other objects: what head finds, else (when head says there
// is no such object) a directory when anyUnder finds an object under
// name/, else head's not-found error. head and anyUnder return errors
// already in the store's words (naming the URL).
func statObject(name string, head func() (Entry, error), anyUnder func() (bool, error)) (Entry, error) {
	e, err := head()
	if err == nil {
		return e, nil
	}
	if !isNotExist(err) {
		return Entry{}, err
	}
	found, lerr := anyUnder()
	if lerr != nil {
		return Entry{}, lerr
	}
	if !found {
		return Entry{}, err
	}
	return Entry{Name: baseName(name), Dir: true}, nil
}
