package diff

import (
	"regexp"
	"sort"
	"strings"

	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// ConfigChange is one Spark property that differs between the runs.
type ConfigChange struct {
	Key string `json:"key"`
	// Base and New are the values; a key missing on one side has an empty
	// value there.
	Base string `json:"base"`
	New  string `json:"new"`
	// Change is "changed", "added" (only in NEW) or "removed" (only in
	// BASE).
	Change string `json:"change"`
	// Performance is set for keys known to change how fast a job runs
	// (shuffle partitions, AQE, broadcast threshold, memory, cores,
	// executors, ...).
	Performance bool `json:"performance"`
	// InSQL is set when the value comes from a SQL execution's session
	// configuration (spark.conf.set at run time) rather than from the
	// application's properties.
	InSQL bool `json:"inSql,omitempty"`
}

// ConfigDiff lists the properties that differ, performance keys first.
type ConfigDiff struct {
	Changes []ConfigChange `json:"changes"`
	// Ignored counts the keys left out because they change on every run
	// (ids, ports, hosts, start times, temporary directories).
	Ignored int `json:"ignored"`
}

// Performance returns the changes to performance keys.
func (c *ConfigDiff) Performance() []ConfigChange {
	var out []ConfigChange
	for _, ch := range c.Changes {
		if ch.Performance {
			out = append(out, ch)
		}
	}
	return out
}

// volatileKeys change on every run, or describe where the driver ran
// rather than how the job runs.
var volatileKeys = map[string]bool{
	"spark.app.id":                            true,
	"spark.app.startTime":                     true,
	"spark.app.submitTime":                    true,
	"spark.app.attempt.id":                    true,
	"spark.driver.host":                       true,
	"spark.driver.bindAddress":                true,
	"spark.driver.appUIAddress":               true,
	"spark.ui.proxyBase":                      true,
	"spark.yarn.app.id":                       true,
	"spark.yarn.app.container.log.dir":        true,
	"spark.repl.class.uri":                    true,
	"spark.repl.class.outputDir":              true,
	"spark.kubernetes.driver.pod.name":        true,
	"spark.kubernetes.executor.podNamePrefix": true,
}

// volatilePrefixes start keys that are ephemeral by nature (proxy filters
// with the application's URL, cluster usage tags of a job run).
var volatilePrefixes = []string{
	"spark.org.apache.hadoop.yarn.server.webproxy.amfilter.",
	"spark.databricks.clusterUsageTags.",
	"spark.databricks.driverNfs.",
}

func volatileKey(k string) bool {
	if volatileKeys[k] {
		return true
	}
	if strings.HasSuffix(k, ".port") || strings.HasSuffix(k, "Port") {
		return true
	}
	for _, p := range volatilePrefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// performanceKeys are the properties that commonly decide a job's speed;
// a key counts when it equals one of these or starts with one ending in
// ".".
var performanceKeys = []string{
	"spark.sql.shuffle.partitions",
	"spark.default.parallelism",
	"spark.sql.adaptive.",
	"spark.sql.autoBroadcastJoinThreshold",
	"spark.sql.broadcastTimeout",
	"spark.sql.join.preferSortMergeJoin",
	"spark.sql.files.maxPartitionBytes",
	"spark.sql.files.openCostInBytes",
	"spark.sql.files.maxRecordsPerFile",
	"spark.sql.optimizer.",
	"spark.sql.cbo.",
	"spark.sql.inMemoryColumnarStorage.",
	"spark.executor.memory",
	"spark.executor.memoryOverhead",
	"spark.executor.memoryOverheadFactor",
	"spark.executor.cores",
	"spark.executor.instances",
	"spark.executor.pyspark.memory",
	"spark.driver.memory",
	"spark.driver.cores",
	"spark.driver.maxResultSize",
	"spark.cores.max",
	"spark.task.cpus",
	"spark.master",
	"spark.dynamicAllocation.",
	"spark.memory.",
	"spark.speculation",
	"spark.shuffle.",
	"spark.reducer.",
	"spark.serializer",
	"spark.kryoserializer.",
	"spark.locality.wait",
	"spark.task.maxFailures",
	"spark.network.timeout",
	"spark.storage.",
}

func performanceKey(k string) bool {
	for _, p := range performanceKeys {
		if k == p || (strings.HasSuffix(p, ".") && strings.HasPrefix(k, p)) ||
			(!strings.HasSuffix(p, ".") && strings.HasPrefix(k, p+".")) {
			return true
		}
	}
	return false
}

var (
	uuidRe   = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
	hexRe    = regexp.MustCompile(`\b[0-9a-f]*[0-9][0-9a-f]*[a-f][0-9a-f]*\b`)
	digitsRe = regexp.MustCompile(`[0-9]{10,}`)
	// mixedRe: a token of 8 or more letters and digits with both kinds,
	// as temporary directories and generated names end with.
	mixedRe = regexp.MustCompile(`[A-Za-z0-9]{8,}`)
)

// normalize replaces in a value what changes on every run: the
// application's id, UUIDs, long hexadecimal ids and long numbers
// (timestamps, YARN ids).
func normalize(v, appID string) string {
	if appID != "" {
		v = strings.ReplaceAll(v, appID, "<app>")
	}
	v = uuidRe.ReplaceAllString(v, "<uuid>")
	v = hexRe.ReplaceAllStringFunc(v, func(s string) string {
		if len(s) >= 8 {
			return "<hex>"
		}
		return s
	})
	v = digitsRe.ReplaceAllString(v, "<n>")
	return mixedRe.ReplaceAllStringFunc(v, func(s string) string {
		if strings.ContainsAny(s, "0123456789") && strings.IndexFunc(s, func(r rune) bool {
			return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		}) >= 0 {
			return "<id>"
		}
		return s
	})
}

// effectiveConfig is an application's Spark properties, overlaid with the
// session configuration its SQL executions ran with (the last value set
// wins). inSQL marks the keys whose value came from a SQL execution.
func effectiveConfig(app *appmodel.Application) (map[string]string, map[string]bool) {
	conf := make(map[string]string, len(app.SparkProps))
	for k, v := range app.SparkProps {
		conf[k] = v
	}
	inSQL := map[string]bool{}
	for _, x := range sqlInOrder(app) {
		keys := make([]string, 0, len(x.ModifiedConfigs))
		for k := range x.ModifiedConfigs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := x.ModifiedConfigs[k]
			if old, ok := conf[k]; !ok || old != v {
				inSQL[k] = true
			}
			conf[k] = v
		}
	}
	return conf, inSQL
}

// diffConfig compares the effective configuration of two runs.
func diffConfig(base, nw *appmodel.Application) ConfigDiff {
	bc, bSQL := effectiveConfig(base)
	nc, nSQL := effectiveConfig(nw)
	keys := map[string]bool{}
	for k := range bc {
		keys[k] = true
	}
	for k := range nc {
		keys[k] = true
	}
	d := ConfigDiff{Changes: []ConfigChange{}}
	for k := range keys {
		bv, bok := bc[k]
		nv, nok := nc[k]
		if bok && nok && bv == nv {
			continue
		}
		if volatileKey(k) || (bok && nok && normalize(bv, base.ID) == normalize(nv, nw.ID)) {
			d.Ignored++
			continue
		}
		ch := ConfigChange{Key: k, Base: bv, New: nv, Change: "changed", Performance: performanceKey(k), InSQL: bSQL[k] || nSQL[k]}
		switch {
		case !bok:
			ch.Change = "added"
		case !nok:
			ch.Change = "removed"
		}
		d.Changes = append(d.Changes, ch)
	}
	sort.Slice(d.Changes, func(i, j int) bool {
		a, b := d.Changes[i], d.Changes[j]
		if a.Performance != b.Performance {
			return a.Performance
		}
		return a.Key < b.Key
	})
	return d
}
