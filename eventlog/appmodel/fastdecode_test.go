package appmodel

import (
	"bytes"

	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/codec"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// taskLines returns every task start and end line of the logs at hand: the
// bundled ones, the Spark corpus and the shared corpus (when present).
func taskLines(t testing.TB) [][]byte {
	var paths []string
	paths = append(paths, testlogs.Testdata("public", "nds_q86_test.zstd"), testlogs.Testdata("public", "rp_sql_eventlog.zstd"))
	if ms, _ := filepath.Glob(testlogs.Testdata("spark", "logs", "*", "*")); len(ms) > 0 {
		paths = append(paths, ms...)
	}
	if shared := testlogs.SharedDir(); shared != "" {
		filepath.Walk(shared, func(p string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() && !strings.HasSuffix(p, ".json") && !strings.HasSuffix(p, ".md") {
				paths = append(paths, p)
			}
			return nil
		})
	}
	var lines [][]byte
	for _, p := range paths {
		logs, _ := source.Open(p)
		for _, lg := range logs {
			for _, part := range lg.Parts {
				raw, err := part.Open()
				if err != nil {
					continue
				}
				dec, _, err := codec.NewReader(raw, part.CodecHint, codec.DefaultOptions())
				if err != nil {
					raw.Close()
					continue
				}
				data, _ := io.ReadAll(dec)
				dec.Close()
				raw.Close()
				for _, l := range bytes.Split(data, []byte("\n")) {
					if bytes.Contains(l[:min(len(l), 40)], []byte("SparkListenerTask")) {
						lines = append(lines, l)
					}
				}
			}
		}
	}
	return lines
}

func kindOfLine(l []byte) eventlog.Kind {
	if bytes.Contains(l[:min(len(l), 40)], []byte("TaskStart")) {
		return eventlog.KindTaskStart
	}
	return eventlog.KindTaskEnd
}

// compareDecoders decodes a line with the fast scanner and the reference
// decoder. When the fast scanner takes the line, the reference decoder
// must take it too and both records must be equal.
func compareDecoders(t testing.TB, k eventlog.Kind, line []byte) (fast bool) {
	t.Helper()
	var f, r taskRec
	f.reset(k)
	s := scanner{b: line}
	var ok bool
	if k == eventlog.KindTaskEnd {
		ok = fastTaskEnd(&s, &f)
	} else {
		ok = fastTaskStart(&s, &f)
	}
	ok = ok && s.end()
	if ok && f.hasShuffleRead {
		readPushMetrics(line, f.srPos, &f.m)
	}
	r.reset(k)
	err := slowTask(k, line, &r)
	if !ok {
		return false
	}
	if err != nil {
		t.Fatalf("fast decoder took a line the reference decoder rejects (%v):\n%s", err, line)
	}
	if !equalRecs(&f, &r) {
		t.Fatalf("decoders differ on\n%s\nfast: %+v\nref:  %+v", line, summarizeRec(&f), summarizeRec(&r))
	}
	return true
}

// compareTemplate matches a line against the templates of d. When one
// matches, the reference decoder must take the line and agree.
func compareTemplate(t testing.TB, d *decodeScratch, k eventlog.Kind, line []byte) bool {
	t.Helper()
	var f, r taskRec
	f.reset(k)
	if !d.matchTemplates(k, line, &f) {
		return false
	}
	if f.hasShuffleRead {
		readPushMetrics(line, f.srPos, &f.m)
	}
	r.reset(k)
	if err := slowTask(k, line, &r); err != nil {
		t.Fatalf("a template took a line the reference decoder rejects (%v):\n%s", err, line)
	}
	if !equalRecs(&f, &r) {
		t.Fatalf("template and reference differ on\n%s\ntemplate: %+v\nref:      %+v", line, summarizeRec(&f), summarizeRec(&r))
	}
	return true
}

// learn decodes a line with d, adding its template.
func learn(d *decodeScratch, k eventlog.Kind, line []byte) {
	var r taskRec
	decodeTask(k, line, &r, d)
}

type recView struct {
	Stage, Attempt int
	Info           recInfo
	Reason         eventlog.TaskEndReason
	HasMetrics     bool
	HasShuffleRead bool
	M              Metrics
	Peaks          [numPeakMetrics]int64
	Extra          map[string]int64
	Accs           []accUpdate
}

func summarizeRec(r *taskRec) recView {
	v := recView{Stage: r.stageID, Attempt: r.attemptID, Info: r.info, Reason: *r.reason, HasMetrics: r.hasMetrics,
		HasShuffleRead: r.hasShuffleRead, M: r.m, Peaks: r.peaks, Accs: append([]accUpdate{}, r.accs...)}
	if len(v.Info.exec) == 0 {
		v.Info.exec = nil
	}
	if len(v.Info.host) == 0 {
		v.Info.host = nil
	}
	if len(v.Info.locality) == 0 {
		v.Info.locality = nil
	}
	v.Extra = map[string]int64{}
	for _, e := range r.extra {
		v.Extra[string(e.name)] = e.v
	}
	return v
}

func equalRecs(a, b *taskRec) bool {
	return reflect.DeepEqual(summarizeRec(a), summarizeRec(b))
}

// TestFastDecoderMatchesReference decodes every task line of the corpus
// both ways.
func TestFastDecoderMatchesReference(t *testing.T) {
	lines := taskLines(t)
	if len(lines) < 1000 {
		t.Fatalf("only %d task lines found", len(lines))
	}
	fast, tmpl := 0, 0
	d := &decodeScratch{}
	for _, l := range lines {
		k := kindOfLine(l)
		if compareDecoders(t, k, l) {
			fast++
		}
		if compareTemplate(t, d, k, l) {
			tmpl++
		}
		learn(d, k, l)
	}
	t.Logf("%d task lines, %d (%.1f%%) decoded by the fast path, %d (%.1f%%) by a template", len(lines), fast,
		100*float64(fast)/float64(len(lines)), tmpl, 100*float64(tmpl)/float64(len(lines)))
	if fast < len(lines)*9/10 || tmpl < len(lines)/2 {
		t.Errorf("fast path took only %d, templates %d of %d lines", fast, tmpl, len(lines))
	}
}

// TestFastDecoderEdgeCases checks shapes the fast path must either decode
// like the reference decoder or leave to it.
func TestFastDecoderEdgeCases(t *testing.T) {
	base := `{"Event":"SparkListenerTaskEnd","Stage ID":1,"Stage Attempt ID":0,"Task Type":"ResultTask","Task End Reason":{"Reason":"Success"},` +
		`"Task Info":{"Task ID":7,"Index":3,"Attempt":0,"Partition ID":3,"Launch Time":1000,"Executor ID":"1","Host":"h","Locality":"NODE_LOCAL","Speculative":false,"Getting Result Time":0,"Finish Time":2000,"Failed":false,"Killed":false,` +
		`"Accumulables":[{"ID":5,"Name":"number of output rows","Update":"10","Value":"10","Internal":true,"Count Failed Values":true,"Metadata":"sql"},{"ID":6,"Name":"internal.metrics.executorRunTime","Update":900,"Value":900,"Internal":true,"Count Failed Values":true}]},` +
		`"Task Executor Metrics":{"JVMHeapMemory":5,"Custom":9},` +
		`"Task Metrics":{"Executor Deserialize Time":1,"Executor Deserialize CPU Time":2,"Executor Run Time":900,"Executor CPU Time":4,"Peak Execution Memory":5,"Result Size":6,"JVM GC Time":7,"Result Serialization Time":8,"Memory Bytes Spilled":9,"Disk Bytes Spilled":10,` +
		`"Shuffle Read Metrics":{"Remote Blocks Fetched":1,"Local Blocks Fetched":2,"Fetch Wait Time":3,"Remote Bytes Read":4,"Remote Bytes Read To Disk":5,"Local Bytes Read":6,"Total Records Read":7,"Remote Requests Duration":8,"Push Based Shuffle":{"Corrupt Merged Block Chunks":1,"Merged Fetch Fallback Count":2,"Merged Remote Blocks Fetched":3,"Merged Local Blocks Fetched":4,"Merged Remote Chunks Fetched":5,"Merged Local Chunks Fetched":6,"Merged Remote Bytes Read":7,"Merged Local Bytes Read":8,"Merged Remote Requests Duration":9}},` +
		`"Shuffle Write Metrics":{"Shuffle Bytes Written":1,"Shuffle Write Time":2,"Shuffle Records Written":3},"Input Metrics":{"Bytes Read":1,"Records Read":2},"Output Metrics":{"Bytes Written":3,"Records Written":4},"Updated Blocks":[]}}`
	if !compareDecoders(t, eventlog.KindTaskEnd, []byte(base)) {
		t.Fatal("the fast path must take the base line")
	}
	// Templates: a line with no executor metric outside the standard ones.
	plain := strings.Replace(base, `,"Custom":9`, ``, 1)
	d := &decodeScratch{}
	learn(d, eventlog.KindTaskEnd, []byte(plain))
	if !compareTemplate(t, d, eventlog.KindTaskEnd, []byte(strings.Replace(plain, `"Task ID":7`, `"Task ID":8`, 1))) {
		t.Fatal("the base line's template must take a line that differs in a value")
	}
	matched := 0
	edits := [][2]string{
		{`"Stage ID":1`, `"stage id":1`},
		{`"Stage ID":1`, `"Stage ID":1.0`},
		{`"Stage ID":1`, `"Stage ID":null`},
		{`"Stage ID":1`, `"Stage ID":"1"`},
		{`"Stage ID":1`, `"Stage ID":1,"Stage ID":2`},
		{`"Stage ID":1`, `"Stage ID" : 1 `},
		{`"Stage ID":1`, `"Stage ID":99999999999999999999`},
		{`"Stage ID":1`, `"Stage ID":-0`},
		{`"Stage ID":1`, `"Stage ID":01`},
		{`"Task Type":"ResultTask"`, `"Task Type":5`},
		{`"Task Type":"ResultTask"`, `"Task Type":null`},
		{`{"Reason":"Success"}`, `{"Reason":"TaskKilled","Kill Reason":"x"}`},
		{`{"Reason":"Success"}`, `{"Reason":"Success","Shuffle ID":"x"}`},
		{`{"Reason":"Success"}`, `{"Reason":"Success","Other":"x"}`},
		{`"Executor ID":"1"`, `"Executor ID":"\u0031"`},
		{`"Executor ID":"1"`, `"Executor ID":1`},
		{`"Host":"h"`, `"Host":"h\u00e9"`},
		{`"Host":"h"`, `"Host":"h` + "\xff" + `"`},
		{`"Partition ID":3`, `"Partition ID":null`},
		{`"Partition ID":3,`, ``},
		{`"Speculative":false`, `"Speculative":"false"`},
		{`"Speculative":false`, `"Speculative":null`},
		{`"Update":"10"`, `"Update":null`},
		{`"Update":"10"`, `"Update":[1,2]`},
		{`"Update":"10"`, `"Update":{"a":"b"}`},
		{`"Update":"10"`, `"Update":"1.5E3"`},
		{`"Update":"10"`, `"Update":tru`},
		{`"Update":"10"`, `"update":"10"`},
		{`"ID":5`, `"ID":"5"`},
		{`"Name":"number of output rows"`, `"Name":7`},
		{`"Name":"number of output rows"`, `"Name":"a\"b"`},
		{`"Internal":true,"Count`, `"Internal":null,"Count`},
		{`"Count Failed Values":true,"Metadata"`, `"Count Failed Values":"x` + "\x01" + `","Metadata"`},
		{`"JVMHeapMemory":5`, `"JVMHeapMemory":5,"JVMHeapMemory":6`},
		{`"JVMHeapMemory":5`, `"JVMHeapMemory":5.5`},
		{`"JVMHeapMemory":5`, `"JVM\u0048eapMemory":5`},
		{`"Task Executor Metrics":{"JVMHeapMemory":5,"Custom":9}`, `"Task Executor Metrics":null`},
		{`"Peak Execution Memory":5`, `"Peak Execution Memory":null`},
		{`"Shuffle Write Metrics":{"Shuffle Bytes Written":1,"Shuffle Write Time":2,"Shuffle Records Written":3}`, `"Shuffle Write Metrics":null`},
		{`"Merged Fetch Fallback Count":2`, `"Merged Fetch Fallback Count":null`},
		{`"Merged Fetch Fallback Count":2`, `"Merged Fallback Count":2`},
		{`"Merged Fetch Fallback Count":2`, `"Merged Fetch Fallback Count":2.5`},
		{`"Push Based Shuffle"`, `"Shuffle Push Read Metrics"`},
		{`"Updated Blocks":[]`, `"Updated Blocks":[1,]`},
		{`"Updated Blocks":[]`, `"Updated Blocks":[{"Block ID":"rdd_1_2","Status":{"Storage Level":{"Use Disk":false},"Memory Size":10}}]`},
		{`"Task Metrics":{`, `"Task Metrics":null,"X":{`},
		{`"Task Info":{`, `"Task Info":null,"X":{`},
	}
	for _, e := range edits {
		if !strings.Contains(base, e[0]) {
			t.Fatalf("edit %q does not apply", e[0])
		}
		line := strings.Replace(base, e[0], e[1], 1)
		compareDecoders(t, eventlog.KindTaskEnd, []byte(line))
		if compareTemplate(t, d, eventlog.KindTaskEnd, []byte(strings.Replace(plain, e[0], e[1], 1))) {
			matched++
		}
	}
	t.Logf("%d of %d edited lines matched the template", matched, len(edits))
	for _, tail := range []string{" ", "}", " x", "\t"} {
		compareDecoders(t, eventlog.KindTaskEnd, []byte(base+tail))
	}
	for cut := 1; cut < len(base); cut += 7 {
		compareDecoders(t, eventlog.KindTaskEnd, []byte(base[:cut]))
		compareTemplate(t, d, eventlog.KindTaskEnd, []byte(plain[:min(cut, len(plain))]))
	}
	// A record decoded by decodeTask carries the reference decoder's error.
	var r taskRec
	decodeTask(eventlog.KindTaskEnd, []byte(base[:100]), &r, nil)
	if r.err == nil {
		t.Fatal("a cut line must not decode")
	}
	start := `{"Event":"SparkListenerTaskStart","Stage ID":0,"Stage Attempt ID":0,"Task Info":{"Task ID":0,"Index":0,"Attempt":0,"Partition ID":0,"Launch Time":1,"Executor ID":"driver","Host":"localhost","Locality":"PROCESS_LOCAL","Speculative":false,"Getting Result Time":0,"Finish Time":0,"Failed":false,"Killed":false,"Accumulables":[]}}`
	if !compareDecoders(t, eventlog.KindTaskStart, []byte(start)) {
		t.Fatal("the fast path must take the task start")
	}
	compareDecoders(t, eventlog.KindTaskStart, []byte(strings.Replace(start, `"Accumulables":[]`, `"Accumulables":[{"ID":"x"}]`, 1)))
}

// FuzzFastDecoder: whatever the line, the fast path agrees with the
// reference decoder when it takes it.
func FuzzFastDecoder(f *testing.F) {
	f.Add([]byte(`{"Event":"SparkListenerTaskEnd","Stage ID":1,"Task Info":{"Task ID":7,"Accumulables":[{"ID":5,"Update":"10"}]},"Task Metrics":{"Executor Run Time":3}}`))
	f.Add([]byte(`{"Event":"SparkListenerTaskStart","Stage ID":0,"Task Info":{"Task ID":0,"Host":"h"}}`))
	f.Add([]byte(`{"Event":"SparkListenerTaskEnd","Stage ID":1,"Task End Reason":{"Reason":"Success"},"Task Info":{"Task ID":8,"Host":"h","Speculative":true,"Accumulables":[{"ID":5,"Update":[1],"Value":3}]},"Task Executor Metrics":{"JVMHeapMemory":5},"Task Metrics":{"Executor Run Time":3,"Shuffle Read Metrics":{"Local Bytes Read":1,"Push Based Shuffle":{"Merged Fetch Fallback Count":2}},"Updated Blocks":[]}}`))
	d := &decodeScratch{}
	learn(d, eventlog.KindTaskEnd, []byte(`{"Event":"SparkListenerTaskEnd","Stage ID":1,"Task End Reason":{"Reason":"Success"},"Task Info":{"Task ID":7,"Host":"h","Speculative":false,"Accumulables":[{"ID":5,"Update":"10","Value":3}]},"Task Executor Metrics":{"JVMHeapMemory":5},"Task Metrics":{"Executor Run Time":3,"Shuffle Read Metrics":{"Local Bytes Read":1,"Push Based Shuffle":{"Merged Fetch Fallback Count":2}},"Updated Blocks":[]}}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		compareDecoders(t, eventlog.KindTaskEnd, line)
		compareDecoders(t, eventlog.KindTaskStart, line)
		compareTemplate(t, d, eventlog.KindTaskEnd, line)
	})
}
