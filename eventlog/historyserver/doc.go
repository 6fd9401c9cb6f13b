// Package historyserver reads applications from a Spark History Server
// through its REST API (/api/v1): it lists the applications the server
// knows and downloads their event logs, so that they can be analyzed like
// logs on disk.
//
// # API
//
// New takes the server's address: "http://host:18080", with or without a
// trailing slash or "/api/v1", https, a path prefix when the server sits
// behind a proxy ("https://gateway/sparkhistory"), and no scheme at all
// ("host:18080" means http). User information in the address
// ("https://user:pass@host") is sent as HTTP basic authentication and is
// never shown in errors; Options.Headers adds other headers, such as a
// bearer token, and wins over the basic authentication when it sets
// Authorization itself.
//
// Client.List asks GET /api/v1/applications, optionally filtered by status
// (completed or running), by the start time of an attempt (MinDate,
// MaxDate) or its end time (MinEndDate, MaxEndDate), and limited in number.
// The server compares times in milliseconds, bounds included; an
// application is returned when any of its attempts matches. Each App has
// its attempts, newest first as the server sends them.
//
// Client.Download asks GET /api/v1/applications/<id>[/<attempt>]/logs and
// streams the zip archive the server builds into <dir>/<id>[_<attempt>].zip:
// the body is written to a temporary file in dir as it arrives (an event
// log can be gigabytes, and is never held in memory) and renamed once it is
// complete and its zip directory reads back. The path it returns opens with
// source.Open like any other History Server download.
//
// # Timeouts
//
// Options.Timeout bounds each request until the server's response headers
// arrive (connecting, TLS, sending, waiting). It does not bound reading the
// body: Options.IdleTimeout instead aborts a body read that makes no
// progress for that long, so a slow but live download of a large log goes
// on as long as it takes while a stalled one fails. Cancelling the context
// stops everything at once, including waits between retries.
//
// # Retries
//
// Network errors, timeouts, a body cut off before its end, and the answers
// 429, 500, 502, 503 and 504 are retried, up to Options.Retries times (3 by
// default). The wait before retry n (from 0) is Options.Backoff (500 ms by
// default) times 2^n, capped at 30 s, with jitter: between half of that and
// all of it. An answer with a Retry-After header (seconds or an HTTP date)
// waits that long instead, capped at 60 s. A download is retried from the
// beginning, into a new temporary file. Other 4xx answers are not retried:
// 404 is "application X not found on the History Server (404)" (errors.Is
// ErrNotFound), 401 and 403 say that access was refused. A body that is
// not what was asked for (HTML from a login page or a proxy instead of JSON
// or a zip archive) is an error at once, naming the content type and
// quoting the start of the body.
//
// Errors name the request's URL, without the user information.
package historyserver
