package cdf

import (
	"context"
	"errors"

	"golang.org/x/oauth2"
)

// FlowUser is a Credentials.Flow with no identity of its own: every API
// call must carry the token source of the person it is made for in its
// context (WithTokenSource). A call without one fails with *AuthError.
const FlowUser = "user"

// errNoIdentity is the reason of the *AuthError of a FlowUser call made
// without a person's token source.
var errNoIdentity = errors.New("no signed-in person's token for this request, and no service principal configured")

type tokenSourceKey struct{}

// WithTokenSource returns a copy of ctx whose CDF API calls, through a
// client built on HTTPClient, authenticate with ts instead of the client's
// own credentials: CDF then applies the access rights of ts's owner. If ts
// also implements Refresher, a call that CDF answers with 401 is retried
// once with a refreshed token. Download URLs never receive the token.
func WithTokenSource(ctx context.Context, ts oauth2.TokenSource) context.Context {
	return context.WithValue(ctx, tokenSourceKey{}, ts)
}

// tokenSourceFrom returns the token source WithTokenSource put into ctx.
func tokenSourceFrom(ctx context.Context) (oauth2.TokenSource, bool) {
	ts, ok := ctx.Value(tokenSourceKey{}).(oauth2.TokenSource)
	return ts, ok && ts != nil
}

// Refresher is a token source that can replace a token CDF rejected.
type Refresher interface {
	oauth2.TokenSource
	// Refresh returns a token to use instead of rejected, which CDF
	// answered with 401: a newer one if the source already has it, or a
	// freshly refreshed one. It gives up when ctx ends.
	Refresh(ctx context.Context, rejected *oauth2.Token) (*oauth2.Token, error)
}
