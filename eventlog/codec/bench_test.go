package codec

import (
	"bytes"
	"io"
	"testing"
)

// BenchmarkDecode measures NewReader plus a full read of the Spark 4.3.0
// fixture of each codec (gzip: the plain fixture gzipped in 4 members).
// MB/s are of decoded output.
func BenchmarkDecode(b *testing.B) {
	inputs := []struct {
		codec Codec
		data  []byte
	}{
		{Plain, readFixture(b, "spark-4.3.0.plain")},
		{LZ4, readFixture(b, "spark-4.3.0.lz4")},
		{LZF, readFixture(b, "spark-4.3.0.lzf")},
		{Snappy, readFixture(b, "spark-4.3.0.snappy")},
		{Zstd, readFixture(b, "spark-4.3.0.zstd")},
	}
	gz, _ := gzipFixture(b, "spark-4.3.0.plain", 4)
	inputs = append(inputs, struct {
		codec Codec
		data  []byte
	}{Gzip, gz})

	buf := make([]byte, 32<<10)
	for _, in := range inputs {
		b.Run(string(in.codec), func(b *testing.B) {
			out, _, err := decodeBytes(in.data, in.codec, DefaultOptions())
			if err != io.EOF {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(out)))
			b.ReportAllocs()
			src := bytes.NewReader(in.data)
			for b.Loop() {
				src.Reset(in.data)
				r, _, err := NewReader(src, in.codec, DefaultOptions())
				if err != nil {
					b.Fatal(err)
				}
				for {
					_, err := r.Read(buf)
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				r.Close()
			}
		})
	}
}
