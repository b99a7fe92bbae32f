package app

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/segview/segview/internal/auth"
	"github.com/segview/segview/internal/config"
	"github.com/segview/segview/internal/handlers"
	"github.com/segview/segview/internal/metrics"
)

// signIn builds the sign-in of cfg.Auth, nil with SEGVIEW_AUTH=none. With
// SEGVIEW_CDF_IDENTITY=user the jobs.Reader lets CDF check the person's
// access on every request. now is the sign-in's clock (nil: time.Now).
func signIn(cfg config.Config, logger *slog.Logger, now func() time.Time, m *metrics.Metrics) (handlers.Authenticator, error) {
	if cfg.Auth.Mode != config.AuthOIDC {
		return nil, nil
	}
	keys := make([][]byte, len(cfg.Auth.SessionKeys))
	for i, k := range cfg.Auth.SessionKeys {
		keys[i] = []byte(k.Reveal())
	}
	a, err := auth.New(auth.Options{
		Issuer:       cfg.Auth.Issuer,
		ClientID:     cfg.Auth.ClientID,
		ClientSecret: cfg.Auth.ClientSecret.Reveal(),
		PublicURL:    cfg.Auth.PublicURL,
		Scopes:       cfg.Auth.Scopes,
		Audience:     cfg.Auth.Audience,
		Identity:     auth.Identity(cfg.Auth.Identity),
		Keys:         keys,
		HTTPClient:   &http.Client{Transport: newTransport(), Timeout: 30 * time.Second},
		Logger:       logger.With("component", "auth"),
		Now:          now,
		Metrics:      m,
	})
	if err != nil {
		return nil, fmt.Errorf("setting up sign-in: %w", err)
	}
	return a, nil
}
