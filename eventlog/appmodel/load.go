package appmodel

import (
	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
)

// Load reads one log and builds its model. The error is non-nil only when
// nothing usable could be read; the Stats then still say why.
func Load(log *source.Log, opts eventlog.Options) (*Application, *eventlog.Stats, error) {
	b := NewBuilder()
	st, err := eventlog.Read(log, b, opts)
	app := b.Finish()
	if app.ID == "" {
		app.ID = log.AppID
		if app.AttemptID == "" {
			app.AttemptID = log.Attempt
		}
	}
	if err != nil {
		return app, st, err
	}
	return app, st, nil
}
