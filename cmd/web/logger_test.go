package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/segview/segview/internal/config"
)

// TestLogFormat: SEGVIEW_LOG_FORMAT chooses text or JSON, and auto
// chooses by whether standard error is a terminal; text shows durations
// as a person reads them, JSON keeps nanoseconds.
func TestLogFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		format   string
		terminal bool
		wantJSON bool
	}{
		{config.LogAuto, true, false},
		{config.LogAuto, false, true},
		{config.LogText, false, false},
		{config.LogText, true, false},
		{config.LogJSON, true, true},
		{config.LogJSON, false, true},
	}
	for _, tt := range tests {
		name := tt.format
		if tt.terminal {
			name += " on a terminal"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			newLogger(&buf, tt.format, tt.terminal).Info("request", "duration", 1234567891*time.Nanosecond, "latency", 12345678*time.Nanosecond)
			line := buf.String()
			var fields map[string]any
			isJSON := json.Unmarshal([]byte(line), &fields) == nil
			if isJSON != tt.wantJSON {
				t.Fatalf("line %q: JSON %t, want %t", line, isJSON, tt.wantJSON)
			}
			if isJSON {
				if fields["duration"] != float64(1234567891) {
					t.Errorf("JSON duration = %v, want nanoseconds", fields["duration"])
				}
				return
			}
			for _, want := range []string{"duration=1.235s", "latency=12.346ms"} {
				if !strings.Contains(line, want) {
					t.Errorf("text line %q lacks %q", line, want)
				}
			}
		})
	}
}

func TestRoundDuration(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want time.Duration }{
		{1234567891, 1235 * time.Millisecond},
		{90*time.Second + 123456789, 90*time.Second + 123*time.Millisecond},
		{12345678, 12346 * time.Microsecond},
		{999999, 999999},
		{-2345678901, -2346 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := roundDuration(tt.in); got != tt.want {
			t.Errorf("roundDuration(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
