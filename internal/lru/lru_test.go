package lru

import (
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// op is one step of a scenario: add key with size, or get key.
type op struct {
	add  bool
	key  string
	size int64
}

func add(key string, size int64) op { return op{add: true, key: key, size: size} }
func get(key string) op             { return op{key: key} }

func TestCache(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		capacity int64
		ops      []op
		want     []string // keys present at the end, in any order
		wantSize int64
		wantAdds []bool // result of each add, in order; nil skips the check
	}{
		{
			name:     "fits",
			capacity: 10,
			ops:      []op{add("a", 3), add("b", 3), add("c", 4)},
			want:     []string{"a", "b", "c"},
			wantSize: 10,
		},
		{
			name:     "evicts least recently added by bytes",
			capacity: 10,
			ops:      []op{add("a", 4), add("b", 4), add("c", 4)},
			want:     []string{"b", "c"},
			wantSize: 8,
		},
		{
			name:     "one large value evicts several small ones",
			capacity: 10,
			ops:      []op{add("a", 2), add("b", 2), add("c", 2), add("d", 2), add("big", 7)},
			want:     []string{"d", "big"},
			wantSize: 9,
		},
		{
			name:     "get makes a value recent",
			capacity: 10,
			ops:      []op{add("a", 4), add("b", 4), get("a"), add("c", 4)},
			want:     []string{"a", "c"},
			wantSize: 8,
		},
		{
			name:     "re-adding replaces and makes recent",
			capacity: 10,
			ops:      []op{add("a", 4), add("b", 4), add("a", 5), add("c", 2)},
			want:     []string{"a", "c"},
			wantSize: 7,
		},
		{
			name:     "oversize value is not cached and others stay",
			capacity: 10,
			ops:      []op{add("a", 4), add("huge", 11)},
			want:     []string{"a"},
			wantSize: 4,
			wantAdds: []bool{true, false},
		},
		{
			name:     "oversize value drops the old value under its key",
			capacity: 10,
			ops:      []op{add("a", 4), add("a", 11)},
			want:     []string{},
			wantSize: 0,
			wantAdds: []bool{true, false},
		},
		{
			name:     "value exactly the capacity",
			capacity: 10,
			ops:      []op{add("a", 4), add("all", 10)},
			want:     []string{"all"},
			wantSize: 10,
		},
		{
			name:     "zero sizes count as one",
			capacity: 2,
			ops:      []op{add("a", 0), add("b", -5), add("c", 0)},
			want:     []string{"b", "c"},
			wantSize: 2,
		},
		{
			name:     "zero capacity stores nothing",
			capacity: 0,
			ops:      []op{add("a", 1)},
			want:     []string{},
			wantAdds: []bool{false},
		},
		{
			name:     "get of a missing key changes nothing",
			capacity: 8,
			ops:      []op{add("a", 4), get("zz"), add("b", 4)},
			want:     []string{"a", "b"},
			wantSize: 8,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := New[string, string](tt.capacity)
			var adds []bool
			for _, o := range tt.ops {
				if o.add {
					adds = append(adds, c.Add(o.key, "v-"+o.key, o.size))
				} else {
					c.Get(o.key)
				}
			}
			got := []string{}
			for _, k := range allKeys(tt.ops) {
				v, ok := c.Get(k)
				if !ok {
					continue
				}
				if v != "v-"+k {
					t.Errorf("Get(%q) = %q", k, v)
				}
				got = append(got, k)
			}
			if diff := cmp.Diff(tt.want, got, sortStrings); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
			if c.Size() != tt.wantSize || c.Len() != len(tt.want) {
				t.Errorf("Size = %d, Len = %d; want %d, %d", c.Size(), c.Len(), tt.wantSize, len(tt.want))
			}
			if tt.wantAdds != nil {
				if diff := cmp.Diff(tt.wantAdds, adds); diff != "" {
					t.Errorf("Add results (-want +got):\n%s", diff)
				}
			}
		})
	}
}

var sortStrings = cmp.Transformer("sort", func(in []string) map[string]bool {
	m := map[string]bool{}
	for _, s := range in {
		m[s] = true
	}
	return m
})

func allKeys(ops []op) []string {
	seen := map[string]bool{}
	var keys []string
	for _, o := range ops {
		if !seen[o.key] {
			seen[o.key] = true
			keys = append(keys, o.key)
		}
	}
	return keys
}

func TestRemove(t *testing.T) {
	t.Parallel()
	c := New[int, int](10)
	c.Add(1, 1, 5)
	c.Add(2, 2, 5)
	c.Remove(1)
	c.Remove(3)
	if _, ok := c.Get(1); ok || c.Size() != 5 || c.Len() != 1 {
		t.Errorf("after Remove: Size %d Len %d", c.Size(), c.Len())
	}
	c.Add(3, 3, 5)
	if _, ok := c.Get(2); !ok {
		t.Errorf("a removed value's bytes were still counted: 2 was evicted")
	}
}

// TestConcurrent is for the race detector: the size bound holds under
// concurrent use.
func TestConcurrent(t *testing.T) {
	t.Parallel()
	c := New[string, int](100)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				k := fmt.Sprint((g*7 + i) % 40)
				if _, ok := c.Get(k); !ok {
					c.Add(k, i, int64(1+i%9))
				}
			}
		})
	}
	wg.Wait()
	if s := c.Size(); s > 100 {
		t.Errorf("Size = %d above capacity", s)
	}
}

// TestStats counts hits, misses and evictions (not replacements or
// removals) and reports what is held.
func TestStats(t *testing.T) {
	t.Parallel()
	c := New[string, int](10)
	c.Add("a", 1, 4)
	c.Add("b", 2, 4)
	c.Get("a")          // hit
	c.Get("z")          // miss
	c.Add("a", 3, 4)    // replaced, not evicted
	c.Add("c", 4, 4)    // evicts b, the least recently used
	c.Add("big", 5, 11) // too big: not stored, nothing evicted
	c.Remove("c")
	c.Get("b") // miss
	want := Stats{Hits: 1, Misses: 2, Evictions: 1, Bytes: 4, Entries: 1}
	if diff := cmp.Diff(want, c.Stats()); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
}
