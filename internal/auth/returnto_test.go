package auth

import "testing"

func TestSafeReturnTo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		safe bool
	}{
		{"/", true},
		{"/projects/acme/jobs/42", true},
		{"/projects/acme/jobs/42?width=800&x=%2F", true},
		{"/projects/acme/jobs/42#files", true},
		{"/open?job=42", true},
		{"/a%20b", true},
		{"/x?next=//evil.example", true}, // a query value, not an authority

		{"", false},
		{"projects/acme", false},
		{"https://evil.example/", false},
		{"http:/evil.example", false},
		{"javascript:alert(1)", false},
		{"//evil.example", false},
		{"//evil.example/path", false},
		{"///evil.example", false},
		{"/\\evil.example", false},
		{"\\\\evil.example", false},
		{"/\\/evil.example", false},
		{"/path\\..\\x", false},
		{"/%2Fevil.example", false},
		{"/%2fevil.example", false},
		{"/%5Cevil.example", false},
		{"/%5cevil.example", false},
		{"/%252F%252Fevil.example", false},
		{"/%25252F/evil.example", false},
		{"/%2F%2Fevil.example", false},
		{"/\t/evil.example", false},
		{"/%09/evil.example", false},
		{"/\n/evil.example", false},
		{"/%0d%0aSet-Cookie:x=y", false},
		{"/ evil", false},
		{"/%zz", false},
		{"/caf\u00e9", false},
		{"/auth/login?return_to=/", false},
		{"/auth/logout", false},
		{"/AUTH/callback", false},
		{"/auth", false},
		{"/../auth/login", false},
		{"/x/../auth/login", false},
		{"/x/y/../../auth/callback?code=1", false},
		{"/./auth", false},
		{"/./auth/logout", false},
		{"/.//auth", false},
		{"/x/..", true}, // resolves to /
		{"/auth/..", true},
		{"/auth/../projects/acme/jobs/1", true},
		{"/%2e%2e/auth/login", false},
		{"/%2E%2E/auth/login", false},
		{"/x/%2e%2e/auth/login", false},
		{"/.%2e/auth/login", false},
		{"/%2e/auth", false},
		{"/x/%252e%252e/auth/login", false},
		{"/x/..%2fauth/login", false},
		{"/x/%2e%2e/AUTH/login", false},
		{"/projects/../auth", false},
		{"/x?y=/../auth/login", true}, // a query value, not the path
		{"/authors", true},
		{"/x/auth/login", true},
		{"/" + string(make([]byte, maxReturnTo)), false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, ok := SafeReturnTo(tt.in)
			if ok != tt.safe {
				t.Fatalf("SafeReturnTo(%q) ok = %t, want %t", tt.in, ok, tt.safe)
			}
			want := "/"
			if tt.safe {
				want = tt.in
			}
			if got != want {
				t.Errorf("SafeReturnTo(%q) = %q, want %q", tt.in, got, want)
			}
		})
	}
}

func FuzzSafeReturnTo(f *testing.F) {
	for _, s := range []string{"/", "//x", "/%2F%2Fx", "/\\x", "/a?b=c", "https://x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, ok := SafeReturnTo(in)
		if !ok {
			if got != "/" {
				t.Fatalf("unsafe %q gave %q, want /", in, got)
			}
			return
		}
		if got != in || len(got) == 0 || got[0] != '/' || len(got) > 1 && (got[1] == '/' || got[1] == '\\') {
			t.Fatalf("SafeReturnTo(%q) = %q accepted", in, got)
		}
	})
}
