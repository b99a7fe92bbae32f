package cdfsim

import (
	"context"
	"net/http"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// The token endpoint must work with the client segview uses in production,
// whichever way it sends credentials.
func TestGolangOAuth2ClientCredentials(t *testing.T) {
	t.Parallel()
	for name, style := range map[string]oauth2.AuthStyle{
		"auto detect": oauth2.AuthStyleAutoDetect,
		"in header":   oauth2.AuthStyleInHeader,
		"in params":   oauth2.AuthStyleInParams,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.sim.AddFile(File{ID: 1, Name: "a.png", Data: pngBytes(t, 2, 2)})
			cfg := clientcredentials.Config{
				ClientID: testClientID, ClientSecret: testSecret, TokenURL: e.sim.TokenURL(e.ts.URL),
				Scopes: []string{"https://api.cognitedata.com/.default"}, AuthStyle: style,
			}
			ctx := context.WithValue(context.Background(), oauth2.HTTPClient, e.ts.Client())
			client := cfg.Client(ctx)
			for range 3 {
				res, err := client.Get(e.projectURL("/files/1"))
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					t.Fatalf("status %d", res.StatusCode)
				}
			}
			if got := e.sim.TokenRequests(); got != 1 {
				t.Errorf("TokenRequests = %d, want 1 (the token is reused)", got)
			}
			if got := e.sim.LastTokenParams().Get("scope"); got != "https://api.cognitedata.com/.default" {
				t.Errorf("scope = %q", got)
			}
		})
	}
}
