// Package lru is a least-recently-used cache bounded by the total size of
// its values rather than by their number, so that a cache of decoded images
// holds a known amount of memory whatever the images' sizes.
package lru

import "sync"

// Cache maps keys to values and evicts the least recently used values once
// the sum of their sizes would exceed its capacity. It is safe for
// concurrent use. Values are shared with callers, not copied: treat them as
// immutable.
type Cache[K comparable, V any] struct {
	mu       sync.Mutex
	capacity int64
	size     int64
	items    map[K]*entry[K, V]
	// root is the sentinel of a circular list: root.next is the most
	// recently used entry, root.prev the least.
	root entry[K, V]
	// hits, misses and evictions count Get's answers and the values
	// pushed out to make room, for Stats.
	hits, misses, evictions uint64
}

// Stats are a cache's counts since it was made, and what it holds now.
type Stats struct {
	Hits, Misses uint64 // Get calls that found a value, and that did not
	// Evictions counts the values dropped to make room for others (not
	// those replaced under their key or removed).
	Evictions uint64
	Bytes     int64 // the total size of the values stored
	Entries   int
}

type entry[K comparable, V any] struct {
	key        K
	value      V
	size       int64
	prev, next *entry[K, V]
}

// New returns an empty cache holding values of at most capacity in total.
// A capacity <= 0 makes a cache that stores nothing.
func New[K comparable, V any](capacity int64) *Cache[K, V] {
	c := &Cache[K, V]{capacity: capacity, items: map[K]*entry[K, V]{}}
	c.root.next, c.root.prev = &c.root, &c.root
	return c
}

// Get returns the value stored under key and marks it most recently used.
func (c *Cache[K, V]) Get(key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[key]
	if !ok {
		c.misses++
		var zero V
		return zero, false
	}
	c.hits++
	c.moveToFront(e)
	return e.value, true
}

// Add stores value under key with the given size, replacing any value
// already there, and evicts least recently used values until the total fits
// the capacity. Sizes below 1 count as 1, so the number of entries is
// bounded too. A value larger than the whole capacity is not stored (and
// any old value under key is dropped); Add then reports false.
func (c *Cache[K, V]) Add(key K, value V, size int64) bool {
	size = max(size, 1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.items[key]; ok {
		c.remove(old)
	}
	if size > c.capacity {
		return false
	}
	e := &entry[K, V]{key: key, value: value, size: size}
	c.items[key] = e
	c.size += size
	c.pushFront(e)
	for c.size > c.capacity {
		c.remove(c.root.prev)
		c.evictions++
	}
	return true
}

// Remove drops the value stored under key, if any.
func (c *Cache[K, V]) Remove(key K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		c.remove(e)
	}
}

// Len returns the number of values stored.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items)
}

// Size returns the total size of the values stored.
func (c *Cache[K, V]) Size() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size
}

// Stats returns the cache's counts and contents.
func (c *Cache[K, V]) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Hits: c.hits, Misses: c.misses, Evictions: c.evictions, Bytes: c.size, Entries: len(c.items)}
}

// Capacity returns the largest total size the cache holds.
func (c *Cache[K, V]) Capacity() int64 { return c.capacity }

func (c *Cache[K, V]) pushFront(e *entry[K, V]) {
	e.prev, e.next = &c.root, c.root.next
	c.root.next.prev = e
	c.root.next = e
}

func (c *Cache[K, V]) unlink(e *entry[K, V]) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

func (c *Cache[K, V]) moveToFront(e *entry[K, V]) {
	if c.root.next == e {
		return
	}
	c.unlink(e)
	c.pushFront(e)
}

func (c *Cache[K, V]) remove(e *entry[K, V]) {
	c.unlink(e)
	delete(c.items, e.key)
	c.size -= e.size
}
