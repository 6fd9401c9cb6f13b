package appmodel

import (
	"strconv"

	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
)

// Load reads one log and builds its model. The error is non-nil only when
// nothing usable could be read; the Stats then still say why.
func Load(log *source.Log, opts eventlog.Options) (*Application, *eventlog.Stats, error) {
	b := NewBuilder()
	st, err := eventlog.Read(log, b, opts)
	app := b.Finish()
	// Logs without an application-start event (edited logs, rolled parts)
	// still carry the id and name in the Spark properties.
	if app.ID == "" {
		app.ID = app.SparkProps["spark.app.id"]
	}
	if app.Name == "" {
		app.Name = app.SparkProps["spark.app.name"]
	}
	if app.Start == 0 {
		if v, err := strconv.ParseInt(app.SparkProps["spark.app.startTime"], 10, 64); err == nil {
			app.Start = v
		}
	}
	if app.SparkVersion == "" {
		app.SparkVersion = log.SparkVersion
	}
	if app.ID == "" {
		app.ID = log.AppID
		if app.AttemptID == "" {
			app.AttemptID = log.Attempt
		}
	}
	if st != nil {
		for i := range app.Anomalies {
			st.Warnings = append(st.Warnings, app.Anomalies[i].Warning())
		}
	}
	if err != nil {
		return app, st, err
	}
	return app, st, nil
}
