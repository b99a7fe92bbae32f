// Package peers lets segview replicas share their work through
// github.com/golang/groupcache: each key of a group has one owner among
// the replicas (consistent hashing), which computes the value once and
// serves it to the others; hot keys are copied.
//
// groupcache's own HTTPPool registers itself and its groups process-wide
// and serves any caller. A Pool instead keeps its groups and peers to
// itself, so that several replicas can run in one process (tests), and
// it answers only peers that sign their requests with the shared secret:
// an HMAC-SHA256 of the group and key, so the secret never travels. It is
// meant for a listener of its own (SEGVIEW_PEER_ADDR), never the public
// one.
package peers

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/golang/groupcache"
	"github.com/golang/groupcache/consistenthash"
	pb "github.com/golang/groupcache/groupcachepb"
)

// BasePath is where a Pool answers its peers.
const BasePath = "/_segview/peers/"

// signatureHeader carries the request's HMAC.
const signatureHeader = "X-Segview-Peer-Signature"

// ringReplicas is the number of points each peer has on the hash ring.
const ringReplicas = 64

// Options configure a Pool.
type Options struct {
	// Self is this replica's base URL as the other replicas reach it, for
	// example http://10.0.0.7:8081; it must be one of the peers.
	Self string
	// Secret signs the requests between peers; required.
	Secret []byte
	// Client makes the requests to peers; nil means a client of its own.
	Client *http.Client
	// MaxValueBytes bounds a value read from a peer; <= 0 means 1 GiB.
	MaxValueBytes int64
}

// Pool is this replica's view of the cluster: its peers, the hash ring
// that names each key's owner, and its groups. It is an http.Handler that
// serves the groups' values to the peers. Safe for concurrent use.
type Pool struct {
	self     string
	secret   []byte
	client   *http.Client
	maxValue int64

	mu     sync.RWMutex
	peers  []string
	ring   *consistenthash.Map
	groups map[string]*groupcache.Group // by the name peers use
}

// New returns a Pool whose only peer is itself until Set is called.
func New(o Options) (*Pool, error) {
	self, err := normalize(o.Self)
	if err != nil {
		return nil, fmt.Errorf("peers: self: %w", err)
	}
	if len(o.Secret) == 0 {
		return nil, errors.New("peers: a shared secret is required")
	}
	p := &Pool{self: self, secret: o.Secret, client: o.Client, maxValue: o.MaxValueBytes, groups: map[string]*groupcache.Group{}}
	if p.client == nil {
		p.client = &http.Client{}
	}
	if p.maxValue <= 0 {
		p.maxValue = 1 << 30
	}
	p.Set(nil)
	return p, nil
}

// normalize checks a peer's base URL and drops a trailing slash.
func normalize(raw string) (string, error) {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("%q is not a peer's base URL (http://host:port)", raw)
	}
	return u.String(), nil
}

// Self is this replica's base URL.
func (p *Pool) Self() string { return p.self }

// Set replaces the peers with urls; this replica is always one of them.
// Invalid URLs are left out, and reported.
func (p *Pool) Set(urls []string) error {
	var errs []error
	peers := []string{p.self}
	for _, raw := range urls {
		u, err := normalize(raw)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		peers = append(peers, u)
	}
	slices.Sort(peers)
	peers = slices.Compact(peers)
	ring := consistenthash.New(ringReplicas, nil)
	ring.Add(peers...)
	p.mu.Lock()
	p.peers, p.ring = peers, ring
	p.mu.Unlock()
	return errors.Join(errs...)
}

// Peers returns the peers' base URLs, sorted, this replica's included.
func (p *Pool) Peers() []string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return slices.Clone(p.peers)
}

// Owner returns the base URL of the peer that owns key in group.
func (p *Pool) Owner(key string) string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.ring.Get(key)
}

// groupSeq makes each Pool's groups' names unique in the process:
// groupcache keeps every group in a process-wide registry.
var groupSeq atomic.Uint64

// pickers maps the process-wide name of each group to its Pool's picker;
// groupcache asks it once per group, at the group's first Get.
var (
	pickers      sync.Map // string → *picker
	registerOnce sync.Once
)

// NewGroup makes a groupcache group named name among the peers (every
// replica must make the same groups), keeping up to cacheBytes of the
// values it owns and of hot values it copied. getter computes a value on
// its owner, or here when the owner cannot be reached.
func (p *Pool) NewGroup(name string, cacheBytes int64, getter groupcache.Getter) *groupcache.Group {
	registerOnce.Do(func() {
		groupcache.RegisterPerGroupPeerPicker(func(global string) groupcache.PeerPicker {
			if pk, ok := pickers.Load(global); ok {
				return pk.(*picker)
			}
			return nil
		})
	})
	global := fmt.Sprintf("segview-%s-%d", name, groupSeq.Add(1))
	pickers.Store(global, &picker{pool: p, name: name})
	g := groupcache.NewGroup(global, cacheBytes, getter)
	p.mu.Lock()
	p.groups[name] = g
	p.mu.Unlock()
	return g
}

// picker names a key's owner for one group of a Pool.
type picker struct {
	pool *Pool
	name string
}

// PickPeer implements groupcache.PeerPicker: the owner of key, unless it
// is this replica.
func (pk *picker) PickPeer(key string) (groupcache.ProtoGetter, bool) {
	owner := pk.pool.Owner(key)
	if owner == "" || owner == pk.pool.self {
		return nil, false
	}
	return &getter{pool: pk.pool, base: owner, group: pk.name}, true
}

// servingPeer marks the context of a request from a peer with its group.
type servingPeer struct{}

// ErrLoop is the error of a request to a peer for a group made while
// serving another peer's request for the same group: during a change of
// the peer list two replicas may each name the other as a key's owner;
// the value is then computed here instead. A getter of one group may ask
// peers for another's values (an output's owner asks for its source).
var ErrLoop = errors.New("peers: not asking a peer on behalf of a peer")

// getter asks one peer for the values of one group.
type getter struct {
	pool  *Pool
	base  string
	group string
}

// Get implements groupcache.ProtoGetter.
func (g *getter) Get(ctx context.Context, in *pb.GetRequest, out *pb.GetResponse) error {
	if ctx.Value(servingPeer{}) == g.group {
		return ErrLoop
	}
	key := in.GetKey()
	u := g.base + BasePath + url.PathEscape(g.group) + "/" + url.PathEscape(key)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set(signatureHeader, g.pool.sign(g.group, key))
	resp, err := g.pool.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("peers: %s answered %d: %s", g.base, resp.StatusCode, strings.TrimSpace(string(msg)))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, g.pool.maxValue+1))
	if err != nil {
		return err
	}
	if int64(len(body)) > g.pool.maxValue {
		return fmt.Errorf("peers: %s answered more than %d bytes", g.base, g.pool.maxValue)
	}
	out.Value = body
	return nil
}

// sign is the request's signature: an HMAC of the group and key.
func (p *Pool) sign(group, key string) string {
	m := hmac.New(sha256.New, p.secret)
	m.Write([]byte("segview peers v1\x00"))
	m.Write([]byte(group))
	m.Write([]byte{0})
	m.Write([]byte(key))
	return hex.EncodeToString(m.Sum(nil))
}

// ServeHTTP answers a peer's GET BasePath{group}/{key} with the value,
// computed here if this replica owns the key, after checking the
// request's signature (403 without a valid one).
func (p *Pool) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), BasePath)
	if !ok || r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	escGroup, escKey, ok := strings.Cut(rest, "/")
	group, err1 := url.PathUnescape(escGroup)
	key, err2 := url.PathUnescape(escKey)
	if !ok || err1 != nil || err2 != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	got, err := hex.DecodeString(r.Header.Get(signatureHeader))
	want, _ := hex.DecodeString(p.sign(group, key))
	if err != nil || !hmac.Equal(got, want) {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	p.mu.RLock()
	g := p.groups[group]
	p.mu.RUnlock()
	if g == nil {
		http.Error(w, "no such group", http.StatusNotFound)
		return
	}
	ctx := context.WithValue(r.Context(), servingPeer{}, group)
	var v groupcache.ByteView
	if err := g.Get(ctx, key, groupcache.ByteViewSink(&v)); err != nil {
		// The error stays between the peers; the asking replica then
		// computes the value itself.
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	v.WriteTo(w)
}

// Stats are a group's counts for /metrics.
type Stats struct {
	Gets, CacheHits, PeerLoads, PeerErrors, LocalLoads, LocalLoadErrs int64
	Bytes, Items, Evictions                                           int64
}

// GroupStats returns the counts of the group named name, and false when
// the Pool has none.
func (p *Pool) GroupStats(name string) (Stats, bool) {
	p.mu.RLock()
	g := p.groups[name]
	p.mu.RUnlock()
	if g == nil {
		return Stats{}, false
	}
	main, hot := g.CacheStats(groupcache.MainCache), g.CacheStats(groupcache.HotCache)
	return Stats{
		Gets: g.Stats.Gets.Get(), CacheHits: g.Stats.CacheHits.Get(),
		PeerLoads: g.Stats.PeerLoads.Get(), PeerErrors: g.Stats.PeerErrors.Get(),
		LocalLoads: g.Stats.LocalLoads.Get(), LocalLoadErrs: g.Stats.LocalLoadErrs.Get(),
		Bytes: main.Bytes + hot.Bytes, Items: main.Items + hot.Items,
		Evictions: main.Evictions + hot.Evictions,
	}, true
}
