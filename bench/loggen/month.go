package loggen

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"time"
)

// MonthOptions shape a month-long application written by Month.
type MonthOptions struct {
	// Batches is the number of streaming micro-batches (QueryProgressEvent)
	// over all queries; default 1,000,000.
	Batches int
	// Queries is the number of streaming queries that share them; default 2.
	Queries int
	// Executors is the number of executors added (and, all but the last
	// few, removed again: dynamic allocation); default 100,000.
	Executors int
	// Hosts is the number of cluster nodes the executors run on; default 400.
	Hosts int
	// Days is how long the application runs; default 30.
	Days int
	// Start is the application's start, epoch ms; default 2026-01-01.
	Start int64
}

func (o *MonthOptions) defaults() {
	if o.Batches <= 0 {
		o.Batches = 1_000_000
	}
	if o.Queries <= 0 {
		o.Queries = 2
	}
	if o.Executors <= 0 {
		o.Executors = 100_000
	}
	if o.Hosts <= 0 {
		o.Hosts = 400
	}
	if o.Days <= 0 {
		o.Days = 30
	}
	if o.Start <= 0 {
		o.Start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	}
}

// MonthStats says what Month wrote.
type MonthStats struct {
	Lines, Bytes          int64
	Batches, Executors    int64
	RemovedExecutors      int64
	FirstEvent, LastEvent int64
}

// Month writes the event log of a Structured Streaming application that
// ran for a month on YARN with dynamic allocation: Queries Kafka queries
// reporting Batches micro-batches between them, and Executors executors
// added and removed over the month (each lives for about twenty executor
// arrivals). The lines have the shape Spark 3.5 writes (YARN log links and
// attributes, block managers, state operators, Kafka offsets of eight
// partitions); the numbers vary from batch to batch deterministically.
// Memory use is constant: the log is written as it goes.
func Month(out io.Writer, o MonthOptions) (MonthStats, error) {
	o.defaults()
	w := bufio.NewWriterSize(out, 1<<20)
	var st MonthStats
	line := func(s []byte) {
		w.Write(s)
		w.WriteByte('\n')
		st.Lines++
		st.Bytes += int64(len(s)) + 1
	}
	span := int64(o.Days) * 24 * 3600 * 1000
	end := o.Start + span
	appID := fmt.Sprintf("application_%d_0042", o.Start/1000)
	line([]byte(`{"Event":"SparkListenerLogStart","Spark Version":"3.5.1"}`))
	line([]byte(`{"Event":"SparkListenerResourceProfileAdded","Resource Profile Id":0,"Executor Resource Requests":{"cores":{"Resource Name":"cores","Amount":4,"Discovery Script":"","Vendor":""},"memory":{"Resource Name":"memory","Amount":8192,"Discovery Script":"","Vendor":""}},"Task Resource Requests":{"cpus":{"Resource Name":"cpus","Amount":1.0}}}`))
	line([]byte(`{"Event":"SparkListenerBlockManagerAdded","Block Manager ID":{"Executor ID":"driver","Host":"gateway-01.example.com","Port":40211},"Maximum Memory":2101975449,"Timestamp":` +
		strconv.FormatInt(o.Start+900, 10) + `,"Maximum Onheap Memory":2101975449,"Maximum Offheap Memory":0}`))
	line([]byte(`{"Event":"SparkListenerEnvironmentUpdate","JVM Information":{"Java Home":"/usr/lib/jvm/java-17","Java Version":"17.0.9 (Eclipse Adoptium)","Scala Version":"version 2.12.18"},"Spark Properties":{"spark.app.name":"clickstream-sessions","spark.app.id":"` + appID +
		`","spark.master":"yarn","spark.submit.deployMode":"cluster","spark.dynamicAllocation.enabled":"true","spark.dynamicAllocation.maxExecutors":"60","spark.executor.cores":"4","spark.executor.memory":"8g","spark.sql.shuffle.partitions":"64"},"Hadoop Properties":{},"System Properties":{"user.name":"etl"},"Classpath Entries":{}}`))
	line([]byte(`{"Event":"SparkListenerApplicationStart","App Name":"clickstream-sessions","App ID":"` + appID + `","Timestamp":` +
		strconv.FormatInt(o.Start, 10) + `,"User":"etl","App Attempt ID":"1"}`))
	st.FirstEvent = o.Start

	type query struct{ id, run, name string }
	qs := make([]query, o.Queries)
	for i := range qs {
		qs[i] = query{id: fmt.Sprintf("5e1f%04x-8c2b-4b51-9d7e-%012x", i, 0xa11ce0+i), run: fmt.Sprintf("9b0c%04x-3f6d-4a2e-8e41-%012x", i, 0xb0b0+i), name: fmt.Sprintf("sessions_%d", i)}
		line([]byte(`{"Event":"org.apache.spark.sql.streaming.StreamingQueryListener$QueryStartedEvent","id":"` + qs[i].id + `","runId":"` + qs[i].run +
			`","name":"` + qs[i].name + `","timestamp":"` + isoTime(o.Start+1000) + `"}`))
	}

	// Batches at a fixed spacing, executors arriving at another; both
	// merged in time order. Executor i is removed when executor i+life
	// arrives.
	const life = 20
	batchStep := (span - 2000) / int64(o.Batches)
	execStep := (span - 2000) / int64(o.Executors+life)
	var offsets [8]int64
	var buf []byte
	nb, ne, nr := 0, 0, 0
	for nb < o.Batches || ne < o.Executors || nr < ne-life {
		tb := o.Start + 2000 + int64(nb)*batchStep
		te := o.Start + 2000 + int64(ne)*execStep + execStep/2
		tr := o.Start + 2000 + int64(nr+life)*execStep + execStep/3
		switch {
		case nr < ne-life && (nb >= o.Batches || tr <= tb) && tr <= te:
			buf = execRemoved(buf[:0], nr, tr)
			line(buf)
			nr++
		case ne < o.Executors && (nb >= o.Batches || te <= tb):
			buf = execAdded(buf[:0], ne, te, o.Hosts)
			line(buf)
			buf = blockManager(buf[:0], ne, te+150, o.Hosts)
			line(buf)
			ne++
		default:
			q := qs[nb%len(qs)]
			buf = progress(buf[:0], q.id, q.run, q.name, int64(nb/len(qs)), tb, nb, &offsets)
			line(buf)
			nb++
		}
	}
	st.Batches, st.Executors, st.RemovedExecutors = int64(nb), int64(ne), int64(nr)
	for i := range qs {
		line([]byte(`{"Event":"org.apache.spark.sql.streaming.StreamingQueryListener$QueryTerminatedEvent","id":"` + qs[i].id + `","runId":"` + qs[i].run + `","exception":null}`))
	}
	line([]byte(`{"Event":"SparkListenerApplicationEnd","Timestamp":` + strconv.FormatInt(end, 10) + `}`))
	st.LastEvent = end
	return st, w.Flush()
}

func host(i, hosts int) string { return fmt.Sprintf("worker-%03d.example.com", i%hosts) }

func execAdded(b []byte, i int, ts int64, hosts int) []byte {
	h := host(i*7, hosts)
	id := strconv.Itoa(i + 1)
	container := fmt.Sprintf("container_e17_1767225600000_0042_01_%06d", i+2)
	b = append(b, `{"Event":"SparkListenerExecutorAdded","Timestamp":`...)
	b = strconv.AppendInt(b, ts, 10)
	b = append(b, `,"Executor ID":"`...)
	b = append(b, id...)
	b = append(b, `","Executor Info":{"Host":"`...)
	b = append(b, h...)
	b = append(b, `","Total Cores":4,"Log Urls":{"stdout":"http://`...)
	b = append(b, h...)
	b = append(b, `:8042/node/containerlogs/`...)
	b = append(b, container...)
	b = append(b, `/etl/stdout?start=-4096","stderr":"http://`...)
	b = append(b, h...)
	b = append(b, `:8042/node/containerlogs/`...)
	b = append(b, container...)
	b = append(b, `/etl/stderr?start=-4096"},"Attributes":{"NM_HTTP_ADDRESS":"`...)
	b = append(b, h...)
	b = append(b, `:8042","USER":"etl","LOG_FILES":"stderr,stdout","NM_HTTP_PORT":"8042","CLUSTER_ID":"","NM_PORT":"8041","HTTP_SCHEME":"http://","NM_HOST":"`...)
	b = append(b, h...)
	b = append(b, `","CONTAINER_ID":"`...)
	b = append(b, container...)
	b = append(b, `"},"Resources":{},"Resource Profile Id":0,"Registration Time":`...)
	b = strconv.AppendInt(b, ts, 10)
	b = append(b, `,"Request Time":`...)
	b = strconv.AppendInt(b, ts-2300, 10)
	b = append(b, `}}`...)
	return b
}

func blockManager(b []byte, i int, ts int64, hosts int) []byte {
	b = append(b, `{"Event":"SparkListenerBlockManagerAdded","Block Manager ID":{"Executor ID":"`...)
	b = strconv.AppendInt(b, int64(i+1), 10)
	b = append(b, `","Host":"`...)
	b = append(b, host(i*7, hosts)...)
	b = append(b, `","Port":`...)
	b = strconv.AppendInt(b, int64(35000+i%20000), 10)
	b = append(b, `},"Maximum Memory":4341104640,"Timestamp":`...)
	b = strconv.AppendInt(b, ts, 10)
	b = append(b, `,"Maximum Onheap Memory":4341104640,"Maximum Offheap Memory":0}`...)
	return b
}

var removeReasons = [...]string{
	"Executor killed by driver.",
	"Container from a bad node: container_e17_1767225600000_0042_01_%06d on host: %s. Exit status: 143. Diagnostics: [2026-01-09 03:12:44.120]Container killed on request. Exit code is 143\n[2026-01-09 03:12:44.120]Container exited with a non-zero exit code 143. \n[2026-01-09 03:12:44.121]Killed by external signal\n.",
}

func execRemoved(b []byte, i int, ts int64) []byte {
	b = append(b, `{"Event":"SparkListenerExecutorRemoved","Timestamp":`...)
	b = strconv.AppendInt(b, ts, 10)
	b = append(b, `,"Executor ID":"`...)
	b = strconv.AppendInt(b, int64(i+1), 10)
	b = append(b, `","Removed Reason":`...)
	reason := removeReasons[0]
	if i%50 == 49 {
		reason = fmt.Sprintf(removeReasons[1], i+2, host(i*7, 400))
	}
	b = strconv.AppendQuote(b, reason)
	b = append(b, '}')
	return b
}

// progress writes the n-th progress report (batch id batch of its query):
// a Kafka source of eight partitions whose offsets advance, a stateful
// aggregation, durations that wander with the load.
func progress(b []byte, id, run, name string, batch, ts int64, n int, offsets *[8]int64) []byte {
	// Load follows the hour of the day; every 97th batch is slow.
	hour := (ts / 3_600_000) % 24
	rows := 2000 + 150*(12-abs(hour-12)) + int64(n%37)*11
	dur := 800 + rows/5 + int64(n%13)*17
	if n%97 == 0 {
		dur *= 4
	}
	per := rows / 8
	b = append(b, `{"Event":"org.apache.spark.sql.streaming.StreamingQueryListener$QueryProgressEvent","progress":{"id":"`...)
	b = append(b, id...)
	b = append(b, `","runId":"`...)
	b = append(b, run...)
	b = append(b, `","name":"`...)
	b = append(b, name...)
	b = append(b, `","timestamp":"`...)
	b = append(b, isoTime(ts)...)
	b = append(b, `","batchId":`...)
	b = strconv.AppendInt(b, batch, 10)
	b = append(b, `,"batchDuration":`...)
	b = strconv.AppendInt(b, dur, 10)
	b = append(b, `,"durationMs":{"addBatch":`...)
	b = strconv.AppendInt(b, dur*8/10, 10)
	b = append(b, `,"commitOffsets":`...)
	b = strconv.AppendInt(b, 20+int64(n%7), 10)
	b = append(b, `,"getBatch":0,"latestOffset":`...)
	b = strconv.AppendInt(b, 3+int64(n%5), 10)
	b = append(b, `,"queryPlanning":`...)
	b = strconv.AppendInt(b, 9+int64(n%11), 10)
	b = append(b, `,"triggerExecution":`...)
	b = strconv.AppendInt(b, dur, 10)
	b = append(b, `,"walCommit":`...)
	b = strconv.AppendInt(b, 25+int64(n%9), 10)
	b = append(b, `},"eventTime":{"avg":"`...)
	b = append(b, isoTime(ts-61_000)...)
	b = append(b, `","max":"`...)
	b = append(b, isoTime(ts-1_000)...)
	b = append(b, `","min":"`...)
	b = append(b, isoTime(ts-120_000)...)
	b = append(b, `","watermark":"`...)
	b = append(b, isoTime(ts-600_000)...)
	b = append(b, `"},"stateOperators":[{"operatorName":"stateStoreSave","numRowsTotal":`...)
	b = strconv.AppendInt(b, 40_000+int64(n%1000)*3, 10)
	b = append(b, `,"numRowsUpdated":`...)
	b = strconv.AppendInt(b, rows/3, 10)
	b = append(b, `,"allUpdatesTimeMs":41,"numRowsRemoved":`...)
	b = strconv.AppendInt(b, rows/3, 10)
	b = append(b, `,"allRemovalsTimeMs":12,"commitTimeMs":96,"memoryUsedBytes":`...)
	b = strconv.AppendInt(b, 21_000_000+int64(n%1000)*1500, 10)
	b = append(b, `,"numRowsDroppedByWatermark":`...)
	b = strconv.AppendInt(b, int64(n%200/199), 10)
	b = append(b, `,"numShufflePartitions":64,"numStateStoreInstances":64,"customMetrics":{"loadedMapCacheHitCount":128,"loadedMapCacheMissCount":0,"stateOnCurrentVersionSizeBytes":19800000}}],"sources":[{"description":"KafkaV2[Subscribe[clicks]]","startOffset":"{\"clicks\":{`...)
	b = kafkaOffsets(b, offsets)
	b = append(b, `}}","endOffset":"{\"clicks\":{`...)
	for i := range offsets {
		offsets[i] += per
	}
	b = kafkaOffsets(b, offsets)
	b = append(b, `}}","latestOffset":"{\"clicks\":{`...)
	lag := int64(n%17) * 3
	for i := range offsets {
		offsets[i] += lag
	}
	b = kafkaOffsets(b, offsets)
	for i := range offsets {
		offsets[i] -= lag
	}
	b = append(b, `}}","numInputRows":`...)
	b = strconv.AppendInt(b, per*8, 10)
	b = append(b, `,"inputRowsPerSecond":`...)
	b = strconv.AppendFloat(b, float64(per*8)/2.6, 'f', -1, 64)
	b = append(b, `,"processedRowsPerSecond":`...)
	b = strconv.AppendFloat(b, float64(per*8)*1000/float64(dur), 'f', -1, 64)
	b = append(b, `,"metrics":{"avgOffsetsBehindLatest":"`...)
	b = strconv.AppendFloat(b, float64(lag), 'f', 1, 64)
	b = append(b, `","maxOffsetsBehindLatest":"`...)
	b = strconv.AppendInt(b, lag, 10)
	b = append(b, `","minOffsetsBehindLatest":"`...)
	b = strconv.AppendInt(b, lag, 10)
	b = append(b, `"}}],"sink":{"description":"DeltaSink[s3://lake/sessions]","numOutputRows":`...)
	b = strconv.AppendInt(b, rows/3, 10)
	b = append(b, `,"metrics":{}},"observedMetrics":{}}}`...)
	return b
}

func kafkaOffsets(b []byte, offsets *[8]int64) []byte {
	for i, o := range offsets {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `\"`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `\":`...)
		b = strconv.AppendInt(b, o, 10)
	}
	return b
}

func isoTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
