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
// on while a stalled one fails. Options.MaxTime (30 min by default) bounds
// each try as a whole, body included, so that a server that drips its
// answer a byte at a time, never idle, is still cut off; that is not
// retried. Cancelling the context stops everything at once, including
// waits between retries, and removes a partial download.
//
// # Limits
//
// The application list is decoded one entry at a time: at most
// Options.MaxApps entries (1,000,000 by default, ErrListTooLong beyond),
// each at most 1 MiB. An entry that cannot be read is left out and told to
// ListOptions.OnSkip; the others are kept. A log archive is at most
// Options.MaxDownload bytes (20 GiB by default, ErrTooLarge beyond),
// refused before reading when its Content-Length is larger.
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
