package jobkey

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		spec  string
		parts []string // kind:arg
		shell bool
		err   string
	}{
		{spec: "", parts: []string{"auto:", "user:"}},
		{spec: "default", parts: []string{"auto:", "user:"}},
		{spec: "name", parts: []string{"name:"}},
		{spec: "name, user ,queue", parts: []string{"name:", "user:", "queue:"}},
		{spec: "name,shell-names", parts: []string{"name:"}, shell: true},
		{spec: "conf:spark.databricks.job.id,user", parts: []string{"conf:spark.databricks.job.id", "user:"}},
		{spec: `regex:^(.*?)[-_]\d{8}$,user`, parts: []string{`regex:^(.*?)[-_]\d{8}$`, "user:"}},
		{spec: `regex:^(\w+)_\d{2,4}$`, parts: []string{`regex:^(\w+)_\d{2,4}$`}},
		{spec: "nmae", err: `unknown part "nmae"`},
		{spec: "conf:", err: "conf: needs a configuration key"},
		{spec: "regex:(", err: "regex"},
		{spec: "name,name", err: "given twice"},
		{spec: "shell-names", err: "no part makes a key"},
		{spec: "user:x", err: "takes no argument"},
		{spec: "name,,user", err: "an empty part"},
	} {
		s, err := Parse(tc.spec)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Parse(%q) error = %v; want one saying %q", tc.spec, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.spec, err)
			continue
		}
		var got []string
		for _, p := range s.Parts {
			got = append(got, p.Kind+":"+p.Arg)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.parts) || s.ShellNames != tc.shell {
			t.Errorf("Parse(%q) = %v shell-names %v; want %v %v", tc.spec, got, s.ShellNames, tc.parts, tc.shell)
		}
	}
}

func TestCompute(t *testing.T) {
	conf := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name, spec string
		in         Info
		key, by    string
		note       string // a part of the note when there is no key
	}{
		{name: "default: name and user", in: Info{Name: "daily_orders_etl", User: "etl"},
			key: "name=daily_orders_etl | user=etl", by: "name,user"},
		{name: "default: a shell has no identity", in: Info{Name: "Spark shell", User: "ann"},
			note: `default application name "Spark shell"`},
		{name: "default: pyspark-shell", in: Info{Name: "pyspark-shell", User: "ann"}, note: "default application name"},
		{name: "default: SparkSQL CLI", in: Info{Name: "SparkSQL::10.0.0.7", User: "ann"}, note: "default application name"},
		{name: "default: no name", in: Info{User: "ann"}, note: "has no name"},
		{name: "opt in to shell names", spec: "name,user,shell-names", in: Info{Name: "Spark shell", User: "ann"},
			key: "name=Spark shell | user=ann", by: "name,user"},
		{name: "default: Databricks job id instead of the shell name",
			in:  Info{Name: "Databricks Shell", User: "root", Conf: conf("spark.databricks.job.id", "42")},
			key: "databricks-job=42 | user=root", by: "databricks-job,user"},
		{name: "default: Databricks job cluster name (real: spark-rapids-tools test_id_0005_photon)",
			in: Info{Name: "Databricks Shell", User: "root", Conf: conf("spark.databricks.clusterUsageTags.clusterName",
				"job-37367558624103-run-45201782281081-DA12Prod_deDup_lte_cluster_v3")},
			key: "databricks-job=37367558624103 | user=root", by: "databricks-job,user"},
		{name: "default: interactive Databricks cluster stays a shell",
			in:   Info{Name: "Databricks Shell", User: "root", Conf: conf("spark.databricks.clusterUsageTags.clusterName", "113cpu")},
			note: "default application name"},
		{name: "default: spark.app.jobName", in: Info{Name: "pyspark-shell", User: "u", Conf: conf("spark.app.jobName", "orders")},
			key: "jobName=orders | user=u", by: "jobName,user"},
		{name: "default: Airflow dag and task", in: Info{Name: "x", User: "u", Conf: conf("spark.airflow.dag_id", "d", "spark.airflow.task_id", "t")},
			key: "airflow=d.t | user=u", by: "airflow,user"},
		{name: "default: OpenLineage parent job", in: Info{Name: "x", User: "u", Conf: conf("spark.openlineage.parentJobName", "d.t", "spark.openlineage.parentJobNamespace", "prod")},
			key: "openlineage=prod/d.t | user=u", by: "openlineage,user"},
		{name: "name only", spec: "name", in: Info{Name: "NDS - Power Run", User: "root"}, key: "name=NDS - Power Run", by: "name"},
		{name: "queue from YARN", spec: "name,queue", in: Info{Name: "a", Conf: conf("spark.yarn.queue", "etl")}, key: "name=a | queue=etl", by: "name,queue"},
		{name: "queue from Kubernetes", spec: "name,queue", in: Info{Name: "a", Conf: conf("spark.kubernetes.namespace", "ns")}, key: "name=a | queue=ns", by: "name,queue"},
		{name: "conf part", spec: "conf:spark.app.jobName", in: Info{Name: "Spark shell", Conf: conf("spark.app.jobName", "j")},
			key: "spark.app.jobName=j", by: "conf:spark.app.jobName"},
		{name: "conf part missing", spec: "conf:spark.app.jobName", in: Info{Name: "a"}, note: "spark.app.jobName is not set"},
		{name: "regex strips a date", spec: `regex:^(.*?)[-_]\d{8}$,user`, in: Info{Name: "orders_20240301", User: "u"},
			key: "name~orders | user=u", by: `regex:^(.*?)[-_]\d{8}$,user`},
		{name: "regex whole match", spec: `regex:^[A-Za-z]+`, in: Info{Name: "NewYorkTaxiData_2025_06_27_00_24_44"}, key: "name~NewYorkTaxiData", by: "regex:^[A-Za-z]+"},
		{name: "regex no match", spec: `regex:^x(\d+)$`, in: Info{Name: "orders"}, note: "does not match"},
		{name: "regex over a shell name", spec: `regex:^(.*)$`, in: Info{Name: "Spark shell"}, note: "default application name"},
	} {
		spec := Default()
		if tc.spec != "" {
			var err error
			if spec, err = Parse(tc.spec); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
		}
		k := Compute(spec, tc.in)
		if tc.note != "" {
			if k.Key != "" || !strings.Contains(k.Note, tc.note) || !strings.HasPrefix(k.Note, "no job identity: ") {
				t.Errorf("%s: Compute = %+v; want no key and a note saying %q", tc.name, k, tc.note)
			}
			continue
		}
		if k.Key != tc.key || k.By != tc.by || k.Note != "" {
			t.Errorf("%s: Compute = %+v; want key %q by %q", tc.name, k, tc.key, tc.by)
		}
	}
}

func TestDefaultName(t *testing.T) {
	for name, want := range map[string]bool{
		"Spark shell": true, "spark shell": true, "pyspark-shell": true, "PySparkShell": true, "PythonShell": true,
		"Databricks Shell": true, "SparkR": true, "sparklyr": true, "Zeppelin": true, "SparkSQL::ip-10-0-0-1": true,
		"livy-session-17": true, "Thrift JDBC/ODBC Server": true,
		// Names a program gives itself are a job, examples included.
		"Spark Pi": false, "PythonPi": false, "NDS - Power Run": false, "daily_orders_etl": false, "shell": false, "": false,
	} {
		if got := DefaultName(name); got != want {
			t.Errorf("DefaultName(%q) = %v; want %v", name, got, want)
		}
	}
}

func ids(prefix string, n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, fmt.Sprintf("stage:%s %d\x00Main.scala:%d", prefix, i, i))
	}
	return out
}

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		name   string
		a, b   []string
		sim    float64
		tol    float64
		shared int
		stol   int
	}{
		{name: "same", a: ids("x", 10), b: ids("x", 10), sim: 1, shared: 10},
		{name: "disjoint", a: ids("x", 10), b: ids("y", 14), sim: 0, shared: 0},
		{name: "half", a: ids("x", 10), b: append(ids("x", 5), ids("y", 5)...), sim: 5.0 / 15, tol: 1e-9, shared: 5},
		{name: "duplicates count once", a: append(ids("x", 3), ids("x", 3)...), b: ids("x", 3), sim: 1, shared: 3},
		{name: "both empty", a: nil, b: nil, sim: 1},
		{name: "one empty", a: nil, b: ids("x", 3), sim: 0},
		{name: "capped, same", a: ids("x", 1000), b: ids("x", 1000), sim: 1, shared: 1000},
		{name: "capped, disjoint", a: ids("x", 1000), b: ids("y", 600), sim: 0, shared: 0},
		// 500 shared of 1500: J = 1/3; the bottom-128 estimate is within
		// a few standard errors (sqrt(J(1-J)/128) = 0.04).
		{name: "capped, a third", a: ids("x", 1000), b: append(ids("x", 500), ids("y", 500)...), sim: 1.0 / 3, tol: 0.13, shared: 500, stol: 150},
	} {
		sa, sb := ShapeOf(tc.a), ShapeOf(tc.b)
		if len(sa.Hashes) > MaxHashes {
			t.Fatalf("%s: %d hashes kept, more than %d", tc.name, len(sa.Hashes), MaxHashes)
		}
		sim, shared, ok := Compare(sa, sb)
		if !ok || math.Abs(sim-tc.sim) > tc.tol || abs(shared-tc.shared) > tc.stol {
			t.Errorf("%s: Compare = %.3f, %d shared, %v; want %.3f ± %.2f, %d ± %d", tc.name, sim, shared, ok, tc.sim, tc.tol, tc.shared, tc.stol)
		}
		if s2, _, _ := Compare(sb, sa); s2 != sim {
			t.Errorf("%s: not symmetric: %v, %v", tc.name, sim, s2)
		}
	}
	if _, _, ok := Compare(nil, ShapeOf(ids("x", 1))); ok {
		t.Error("Compare(nil, shape) is ok; want unknown")
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ f, in, want string }{
		{"mask", "insert into t partition (dt='2024-03-01') batch 17", "insert into t partition (dt='#-#-#') batch #"},
		{"mask", "no digits", "no digits"},
		{"first", "  select 1\nfrom t  ", "select 1"},
		{"frame", "org.apache.spark.sql.Dataset.count(Dataset.scala:3615) \nmore", "org.apache.spark.sql.Dataset.count(Dataset.scala:3615)"},
		{"sql", "q86 run 12\nselect", "q86 run 12"},
		{"sql", "Benchmark Run: query=q9; iteration=1", "Benchmark Run: query=q9; iteration=1"},
		{"sql", "load dt=2024-03-01 at 02:15:59 batch 1795471491062", "load dt=# at # batch #"},
		{"sql", "orders_20240301 part-00017 day 7", "orders_# part-# day 7"},
		{"stage", " count at <console>:26 ", "count at <console>:26"},
		{"stage", "$anonfun$withThreadLocalCaptured$1 at FutureTask.java:264", "$anonfun$withThreadLocalCaptured$1 at <jdk>"},
		{"stage", "$anonfun$withThreadLocalCaptured$1 at CompletableFuture.java:1768", "$anonfun$withThreadLocalCaptured$1 at <jdk>"},
		{"stage", "parquet at NativeMethodAccessorImpl.java:0", "parquet at <jdk>"},
		{"stage", "collect at Main.java:12", "collect at Main.java:12"},
	} {
		var got string
		switch tc.f {
		case "mask":
			got = MaskDigits(tc.in)
		case "first":
			got = FirstLine(tc.in)
		case "frame":
			got = FirstFrame(tc.in)
		case "sql":
			got = SQLIdentity(tc.in)
		case "stage":
			got = StageIdentity(tc.in)
		}
		if got != tc.want {
			t.Errorf("%s(%q) = %q; want %q", tc.f, tc.in, got, tc.want)
		}
	}
}
