package wire

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

func special8Slow(x uint64) bool {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], x)
	for _, c := range b {
		if c == '"' || c == '\\' || c < 0x20 {
			return true
		}
	}
	return false
}

// TestSpecial8 checks the eight-bytes-at-a-time string scan against the
// byte loop: every byte value at every position of otherwise plain words,
// pairs of bytes, and random words.
func TestSpecial8(t *testing.T) {
	plain := uint64(0x6161616161616161) // "aaaaaaaa"
	for pos := range 8 {
		for c := range 256 {
			x := plain&^(0xff<<(8*pos)) | uint64(c)<<(8*pos)
			if got, want := special8(x), special8Slow(x); got != want {
				t.Fatalf("byte %#x at %d: special8 %v, want %v", c, pos, got, want)
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200_000 {
		x := rng.Uint64()
		if got, want := special8(x), special8Slow(x); got != want {
			t.Fatalf("%#016x: special8 %v, want %v", x, got, want)
		}
		// Bytes near the boundaries, where borrows could mislead.
		var b [8]byte
		for i := range b {
			b[i] = []byte{0x00, 0x1f, 0x20, 0x21, '"', '"' + 1, '\\', '\\' + 1, 0x7f, 0x80, 0xff}[rng.IntN(11)]
		}
		x = binary.LittleEndian.Uint64(b[:])
		if got, want := special8(x), special8Slow(x); got != want {
			t.Fatalf("%q: special8 %v, want %v", b, got, want)
		}
	}
}
