package config

import "log/slog"

// Secret holds a credential. Every way of printing it (fmt verbs, slog, JSON)
// shows a placeholder; only Reveal returns the value.
type Secret string

const redacted = "[redacted]"

// Reveal returns the secret value. Call it only where the value is sent to
// the party it belongs to.
func (s Secret) Reveal() string { return string(s) }

// IsSet reports whether the secret has a value.
func (s Secret) IsSet() bool { return s != "" }

// String implements fmt.Stringer without revealing the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString keeps %#v from revealing the value.
func (s Secret) GoString() string { return `config.Secret("` + s.String() + `")` }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value {
	if s == "" {
		return slog.StringValue("unset")
	}
	return slog.StringValue(redacted)
}

// MarshalText keeps encoders from revealing the value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
