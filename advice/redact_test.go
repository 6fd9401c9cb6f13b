package advice

import (
	"strings"
	"testing"
)

func TestRedactReplace(t *testing.T) {
	r := NewRedactor([]byte("k"))
	r.learn(kindApp, "nightly etl")
	r.learn(kindCol, "user_id")
	r.learn(kindCol, "user")    // generic: not redacted as a column
	r.learn(kindTable, "sales") // a word
	r.learn(kindHost, "10.0.0.7")
	r.text("read /data/warehouse/sales_2024/part-0.parquet and hdfs://nn:8020/a,b=c/orders at etl/job.py:42")

	tok := func(s string) string { return r.tokens[s] }
	in := "nightly etl joined sales on user_id (user_idx, salesman, sales.amount) at 10.0.0.7 and 10.0.0.70"
	got := r.replace(in)
	for _, gone := range []string{"nightly etl", " sales ", "user_id ", "10.0.0.7 "} {
		if strings.Contains(got, gone) {
			t.Errorf("%q survives in %q", gone, got)
		}
	}
	for _, kept := range []string{"user_idx", "salesman", ".amount", "10.0.0.70"} {
		if !strings.Contains(got, kept) {
			t.Errorf("%q (not a learned word) was changed: %q", kept, got)
		}
	}
	if !strings.Contains(got, tok("sales")+".amount") || !strings.HasPrefix(tok("sales"), "table-") {
		t.Errorf("dotted name not redacted part by part: %q", got)
	}
	if tok("user") != "" {
		t.Error("a generic word was learned as a column")
	}

	paths := r.replace("read /data/warehouse/sales_2024/part-0.parquet and hdfs://nn:8020/a,b=c/orders at etl/job.py:42")
	for _, gone := range []string{"warehouse", "nn:8020", "orders", "etl/job"} {
		if strings.Contains(paths, gone) {
			t.Errorf("%q survives in %q", gone, paths)
		}
	}
	if !strings.Contains(paths, ".py:42") || !strings.Contains(paths, "code-") {
		t.Errorf("call site should keep its extension and line: %q", paths)
	}
	// The same string gets the same token; another key gives another.
	if r.replace("nightly etl") != r.replace("nightly etl") {
		t.Error("tokens are not stable")
	}
	other := NewRedactor([]byte("other"))
	if other.hash(kindApp, "nightly etl") == r.hash(kindApp, "nightly etl") {
		t.Error("the key does not change the tokens")
	}
	if a, b := NewRedactor(nil), NewRedactor(nil); a.hash(kindApp, "x") == b.hash(kindApp, "x") {
		t.Error("the default key is not random")
	}
}

func TestRedactKeepsSparkText(t *testing.T) {
	r := NewRedactor([]byte("k"))
	r.text("org.apache.spark.sql.Dataset.collect(Dataset.scala:3000) at NativeMethodAccessorImpl.java:0")
	for _, s := range []string{"spark.sql.adaptive.enabled=true", "14.5x (≥ 5.0x)", "rows/s", "3.5.9", "SortMergeJoin",
		"at NativeMethodAccessorImpl.java:0", "org.apache.spark.sql.AnalysisException"} {
		if got := r.replace(s); got != s {
			t.Errorf("%q became %q", s, got)
		}
	}
}
