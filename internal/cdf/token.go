package cdf

import (
	"context"
	"net/http"
)

// TokenInspectPath is the endpoint of InspectToken, relative to /api/v1
// (not to a project).
const TokenInspectPath = "/token/inspect"

// TokenInspection is what CDF says of the token a call carries: whose
// it is and which projects it reaches.
type TokenInspection struct {
	Subject  string         `json:"subject"`
	Projects []TokenProject `json:"projects"`
}

// TokenProject is a project the token reaches, and the groups that give
// it access there.
type TokenProject struct {
	ProjectURLName string  `json:"projectUrlName"`
	Groups         []int64 `json:"groups"`
}

// InspectToken asks CDF which projects the call's token reaches (GET
// /api/v1/token/inspect, which needs the IDENTITY scope and the
// projectsAcl:LIST and groupsAcl:LIST capabilities). With per-person
// identity the token is the person's, from the context
// (WithTokenSource). It is the same call whatever the client's project.
func (c *Client) InspectToken(ctx context.Context) (*TokenInspection, error) {
	var t TokenInspection
	err := c.do(ctx, call{
		method: http.MethodGet,
		path:   TokenInspectPath,
		out:    &t,
		retry:  retryTransient,
		global: true,
	})
	if err != nil {
		return nil, err
	}
	return &t, nil
}
