package app

import (
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/segview/segview/internal/cdfsim"
)

// TestOverlayOverlapsCDFReads: for a cold overlay, the download link is
// asked for while the file's version (files/byids) is still being read;
// both requests are held at the simulator at the same time, which cannot
// happen if they run one after the other. The overlay then answers 200
// with one link and one download.
func TestOverlayOverlapsCDFReads(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	addCacheFixtures(t, s)
	// Open the job first, so that its read is cached and not held.
	wantStatus(t, s.get(t, "/projects/"+testProject+"/jobs/"+strconv.FormatInt(completedJob, 10)), http.StatusOK)
	linksBefore := s.sim.APIRequests("/files/downloadlink")

	holdMeta, heldMeta := make(chan struct{}), make(chan string)
	holdLink, heldLink := make(chan struct{}), make(chan string)
	releaseMeta, releaseLink := sync.OnceFunc(func() { close(holdMeta) }), sync.OnceFunc(func() { close(holdLink) })
	defer releaseMeta()
	defer releaseLink()
	defer s.sim.InjectFault(cdfsim.Fault{Match: "/files/byids", Hold: holdMeta, Held: heldMeta, Times: 1})()
	defer s.sim.InjectFault(cdfsim.Fault{Match: "/files/downloadlink", Hold: holdLink, Held: heldLink, Times: 1})()

	var r response
	var wg sync.WaitGroup
	wg.Go(func() { r = s.get(t, imagePath(completedJob, cacheFileID, "overlay.jpg")) })
	<-heldMeta // the file's version is being read...
	<-heldLink // ...and the download link is asked for meanwhile
	releaseMeta()
	releaseLink()
	wg.Wait()
	wantStatus(t, r, http.StatusOK)
	if n := s.sim.APIRequests("/files/downloadlink") - linksBefore; n != 1 {
		t.Errorf("%d download-link requests, want 1 (the prefetched link used)", n)
	}
}
