package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/sync/singleflight"

	"github.com/segview/segview/internal/metrics"
)

// refreshTimeout bounds one refresh, which may outlive the request that
// started it (other requests may be waiting for it).
const refreshTimeout = 30 * time.Second

// reuseRefreshed is how long the result of a refresh is handed to other
// requests that present the same refresh token. A page and the images it
// loads arrive together with the same cookie; without this each would
// redeem the refresh token, and providers that rotate refresh tokens take
// a second use of one as theft and end the whole sign-in.
const reuseRefreshed = 30 * time.Second

// refresher redeems refresh tokens, once per token within this process.
type refresher struct {
	now     func() time.Time
	flights singleflight.Group
	metrics *metrics.Metrics // counts the refresh token grants

	mu     sync.Mutex
	recent map[[32]byte]refreshed
}

type refreshed struct {
	tok *oauth2.Token
	at  time.Time
}

// refresh returns a new token for old's refresh token. rejected, if not
// empty, is an access token CDF refused: a recent result carrying it is not
// reused. ctx bounds the wait; oauthCtx carries the HTTP client of the
// token request, which is bounded by refreshTimeout instead, since other
// requests may be waiting for it.
func (r *refresher) refresh(ctx context.Context, oc *oauth2.Config, oauthCtx context.Context, old *oauth2.Token, rejected string) (*oauth2.Token, error) {
	if old.RefreshToken == "" {
		return nil, errors.New("no refresh token")
	}
	key := sha256.Sum256([]byte(old.RefreshToken))
	now := r.now()
	r.mu.Lock()
	if rec, ok := r.recent[key]; ok && now.Sub(rec.at) < reuseRefreshed && rec.tok.AccessToken != rejected {
		r.mu.Unlock()
		return rec.tok, nil
	}
	r.mu.Unlock()
	ch := r.flights.DoChan(string(key[:]), func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(oauthCtx), refreshTimeout)
		defer cancel()
		tok, err := oc.TokenSource(fctx, &oauth2.Token{RefreshToken: old.RefreshToken}).Token()
		r.metrics.PersonTokenRefresh(err)
		if err != nil {
			return nil, sanitizeOAuthError(err)
		}
		if tok.AccessToken == "" {
			return nil, errors.New("token endpoint sent no access token")
		}
		r.remember(key, tok)
		return tok, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*oauth2.Token), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (r *refresher) remember(key [32]byte, tok *oauth2.Token) {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.recent == nil {
		r.recent = map[[32]byte]refreshed{}
	}
	for k, rec := range r.recent {
		if now.Sub(rec.at) >= reuseRefreshed {
			delete(r.recent, k)
		}
	}
	r.recent[key] = refreshed{tok: tok, at: now}
}

// personTokens is the token source of one request made for a signed-in
// person: it hands out the session's access token and, when CDF rejects
// it, refreshes it (cdf.Refresher). The middleware writes a refreshed token
// back into the session cookie.
type personTokens struct {
	a *Auth

	mu      sync.Mutex
	tok     *storedToken
	changed bool
}

// Token implements oauth2.TokenSource. It does not refresh: the
// middleware refreshed the token before the request if it was due.
func (p *personTokens) Token() (*oauth2.Token, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tok.oauth2(), nil
}

// Refresh implements cdf.Refresher.
func (p *personTokens) Refresh(ctx context.Context, rejected *oauth2.Token) (*oauth2.Token, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if rejected != nil && p.tok.Access != rejected.AccessToken {
		return p.tok.oauth2(), nil // another call of this request refreshed it
	}
	var rejectedAccess string
	if rejected != nil {
		rejectedAccess = rejected.AccessToken
	}
	st, err := p.a.refreshToken(ctx, p.tok, rejectedAccess)
	if err != nil {
		return nil, err
	}
	p.tok, p.changed = st, true
	return st.oauth2(), nil
}

// current returns the token to keep in the session and whether it changed.
func (p *personTokens) current() (*storedToken, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tok, p.changed
}

// refreshToken redeems st's refresh token at the provider.
func (a *Auth) refreshToken(ctx context.Context, st *storedToken, rejected string) (*storedToken, error) {
	pc, err := a.client(ctx)
	if err != nil {
		return nil, err
	}
	tok, err := a.refresher.refresh(ctx, pc.oauth, a.oauthContext(context.Background()), st.oauth2(), rejected)
	if err != nil {
		return nil, err
	}
	return newStoredToken(tok, a.now()), nil
}
