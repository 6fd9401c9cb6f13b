package codec

import "testing"

// sanityBuffer is the test input of the xxHash reference self-test: byte i
// is the top byte of a 64-bit generator multiplied by PRIME64_1 each step.
func sanityBuffer(n int) []byte {
	b := make([]byte, n)
	gen := uint64(2654435761)
	for i := range b {
		b[i] = byte(gen >> 56)
		gen *= 11400714785074694797
	}
	return b
}

// Expected values computed with the reference C library (libxxhash 0.8.1,
// XXH32) for every length class: empty, <4, <16, one stripe, several
// stripes with 4-byte and single-byte tails.
func TestXXH32(t *testing.T) {
	buf := sanityBuffer(256)
	const prime = 0x9E3779B1
	tests := []struct {
		n    int
		seed uint32
		want uint32
	}{
		{0, 0, 0x02cc5d05},
		{0, prime, 0x36b78ae7},
		{0, lz4ChecksumSeed, 0x8d3b42d8},
		{1, 0, 0xcf65b03e},
		{1, prime, 0xb4545aa4},
		{3, lz4ChecksumSeed, 0x43a305e6},
		{4, 0, 0xa9de7ce9},
		{14, 0, 0x1208e7e2},
		{14, prime, 0x6af1d1fe},
		{15, lz4ChecksumSeed, 0x43be03ab},
		{16, 0, 0x93ba3759},
		{17, lz4ChecksumSeed, 0x5df80cba},
		{31, 0, 0x5f40e562},
		{32, prime, 0xa5c44467},
		{33, lz4ChecksumSeed, 0x4b92afe2},
		{222, 0, 0x5bd11dbd},
		{222, prime, 0x58803c5f},
		{256, lz4ChecksumSeed, 0xdc92d1cf},
	}
	for _, tt := range tests {
		if got := xxh32(buf[:tt.n], tt.seed); got != tt.want {
			t.Errorf("xxh32(sanity[:%d], %#x) = %#08x, want %#08x", tt.n, tt.seed, got, tt.want)
		}
	}
	for _, tt := range []struct {
		s    string
		want uint32
	}{
		{"a", 0x550d7456},
		{"abc", 0x32d153ff},
		{"Nobody inspects the spammish repetition", 0xe2293b2f},
	} {
		if got := xxh32([]byte(tt.s), 0); got != tt.want {
			t.Errorf("xxh32(%q, 0) = %#08x, want %#08x", tt.s, got, tt.want)
		}
	}
}

func BenchmarkXXH32(b *testing.B) {
	buf := sanityBuffer(32 << 10)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		xxh32(buf, lz4ChecksumSeed)
	}
}
