package render

import "testing"

func TestMemoryLimit(t *testing.T) {
	t.Parallel()
	const mib = 1 << 20
	tests := []struct {
		name string
		opts Options
		want int64
	}{
		{"two CPUs, default caches", Options{Concurrency: 2}, (256 + 32 + 2*64 + 2*2*16 + 48) * mib},
		{"one decode, small caches", Options{Concurrency: 1, ImageCacheBytes: 64 * mib, OutputCacheBytes: 8 * mib}, (64 + 8 + 64 + 32 + 48) * mib},
		{"caches off", Options{Concurrency: 4, ImageCacheBytes: -1, OutputCacheBytes: -1}, (4*64 + 4*32 + 48) * mib},
		{"eight decodes", Options{Concurrency: 8}, (256 + 32 + 8*64 + 8*32 + 48) * mib},
		{"peers", Options{Concurrency: 2, Peers: &Peers{SourceBytes: 128 * mib}}, (256 + 32 + 128 + 32 + 2*64 + 2*2*16 + 48) * mib},
		{"peers, output cache off", Options{Concurrency: 2, OutputCacheBytes: -1, Peers: &Peers{SourceBytes: 64 * mib}}, (256 + 64 + 2*64 + 2*2*16 + 48) * mib},
	}
	for _, tt := range tests {
		if got := MemoryLimit(tt.opts); got != tt.want {
			t.Errorf("%s: MemoryLimit = %d MiB, want %d MiB", tt.name, got/mib, tt.want/mib)
		}
	}
}
