package verdict_test

import (
	"context"
	"testing"

	"github.com/segview/segview/internal/buildversion"
	"github.com/segview/segview/internal/verdict"
)

// TestCreatingAppVersionIsSemVer: a Store without an AppVersion writes the
// version derived from the build, never a placeholder CDF would refuse.
func TestCreatingAppVersionIsSemVer(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, appVersion, want string }{
		{"set", "1.2.3", "1.2.3"},
		{"empty: derived from the build", "", buildversion.Derived()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			s := &verdict.Store{CDF: e.cdf, AppVersion: tt.appVersion}
			if _, err := s.Set(context.Background(), results(t, testJob(jobA), fileA), map[int]string{rankSmall: verdict.Approved}, ""); err != nil {
				t.Fatal(err)
			}
			anns := e.all(t, fileA)
			if len(anns) == 0 {
				t.Fatal("no annotation written")
			}
			for _, a := range anns {
				if a.CreatingAppVersion != tt.want || !buildversion.Valid(a.CreatingAppVersion) {
					t.Errorf("annotation %d: creatingAppVersion %q, want %q (valid SemVer)", a.ID, a.CreatingAppVersion, tt.want)
				}
			}
		})
	}
}
