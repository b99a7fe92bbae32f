package cdf

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestReadLimited(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("x", 100_000)
	tests := []struct {
		name     string
		declared int64
		limit    int64
		wantErr  bool
		// maxCap bounds the buffer's capacity: a body of declared length
		// is read into one buffer, not grown by doubling.
		maxCap int
	}{
		{"declared exactly", 100_000, 1 << 20, false, 100_000 + bytes.MinRead},
		{"not declared", -1, 1 << 20, false, 1 << 20},
		{"declared short", 10, 1 << 20, false, 1 << 20},
		{"declared over the limit", 100_000, 1000, true, 0},
		{"over the limit, not declared", -1, 1000, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := readLimited(strings.NewReader(body), tt.declared, tt.limit, "the test body")
			if tt.wantErr {
				var le *LimitError
				if !errors.As(err, &le) {
					t.Fatalf("error %v, want a *LimitError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != body {
				t.Fatalf("read %d bytes, want the %d of the body", len(b), len(body))
			}
			if cap(b) > tt.maxCap {
				t.Errorf("capacity %d, want at most %d", cap(b), tt.maxCap)
			}
		})
	}
}
