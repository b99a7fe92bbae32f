package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/segview/segview/internal/auth"
	"github.com/segview/segview/internal/cdf"
	"github.com/segview/segview/internal/config"
	"github.com/segview/segview/internal/handlers"
	"github.com/segview/segview/internal/render"
)

// signIn builds the sign-in of cfg.Auth, nil with SEGVIEW_AUTH=none, and
// the renderer the overlay routes use. With SEGVIEW_CDF_IDENTITY=user that
// renderer lets CDF check the person's access on every request first
// (accessChecked). now is the sign-in's clock (nil: time.Now).
func signIn(cfg config.Config, logger *slog.Logger, client handlers.JobReader, renderer handlers.OverlayRenderer, now func() time.Time) (handlers.Authenticator, handlers.OverlayRenderer, error) {
	if cfg.Auth.Mode != config.AuthOIDC {
		return nil, renderer, nil
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
	})
	if err != nil {
		return nil, nil, fmt.Errorf("setting up sign-in: %w", err)
	}
	if a.Identity() == auth.IdentityUser {
		renderer = accessChecked{cdf: client, next: renderer}
	}
	return a, renderer, nil
}

// accessChecked serves an overlay only after the person's own token has
// read the job and the file from CDF. The renderer's caches and shared
// downloads serve everybody alike: without this check a person CDF refuses
// could get pixels, or a finished job, that were fetched for someone else.
// CDF's answer decides, per person and per request, before anything cached
// is used.
type accessChecked struct {
	cdf  handlers.JobReader
	next handlers.OverlayRenderer
}

// Render implements handlers.OverlayRenderer.
func (a accessChecked) Render(ctx context.Context, req render.Request) (render.Result, error) {
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		_, err := a.cdf.SegmentJob(gctx, req.JobID)
		return err
	})
	g.Go(func() error {
		files, err := a.cdf.FilesByIDs(gctx, []cdf.FileIdentifier{cdf.ByID(req.FileID)}, false)
		if err != nil {
			return err
		}
		for _, f := range files {
			if f.ID == req.FileID {
				// The renderer need not read the file's version again.
				req.FileUpdated = f.LastUpdatedTime
				return nil
			}
		}
		return &render.NotFoundError{What: fmt.Sprintf("file %d does not exist in CDF", req.FileID)}
	})
	if err := g.Wait(); err != nil {
		return render.Result{}, err
	}
	return a.next.Render(ctx, req)
}
