package cli

// Exit codes. They are the same whatever the output format.
const (
	// ExitOK: the command ran and, with --fail-on, no finding reached the
	// threshold.
	ExitOK = 0
	// ExitFindings: a finding reached the --fail-on severity.
	ExitFindings = 1
	// ExitUsage: bad flags or arguments.
	ExitUsage = 2
	// ExitNoInput: an input could not be read (missing, not an event log,
	// no readable event), or nothing could; without --keep-going also when
	// the other inputs were read and reported. It outranks ExitFindings.
	ExitNoInput = 3
	// ExitInternal: an unexpected failure (a bug: please report it).
	ExitInternal = 4
)

// exitError carries an exit code through cobra's error return.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &exitError{code: ExitUsage, msg: sprintf(format, args...)}
}

func noInputErrorf(format string, args ...any) error {
	return &exitError{code: ExitNoInput, msg: sprintf(format, args...)}
}
