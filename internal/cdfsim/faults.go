package cdfsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault makes matching requests misbehave. The fields combine: Latency and
// Hold are waited first, then Reset, or a response built from Status,
// Malformed and ContentType. A fault with only Latency or Hold (and
// RetryAfter) delays the request and then lets it through.
//
// Faults are tried in the order they were injected; the first one that
// matches and applies wins. Requests to /_sim/ are never faulted.
type Fault struct {
	// Match is a substring of the request path. "" matches every API request
	// (/api/...) but neither the token endpoint nor downloads: use
	// "/oauth2/token" or "/download/" for those.
	Match string
	// Status answers with this status and the error body of the route: CDF
	// JSON for the API, OAuth2 JSON for the token endpoint, XML for downloads.
	Status int
	// RetryAfter, if set, is sent as the Retry-After header.
	RetryAfter string
	// Latency delays the answer; the delay ends early if the client goes away.
	Latency time.Duration
	// Hold, when not nil, then keeps each matching request waiting until
	// Hold is closed or the client goes away: a Go test decides when the
	// slow answer comes, whatever the machine's speed. It has no wire form.
	Hold <-chan struct{}
	// Held, when not nil, is sent the path of each matching request as it
	// starts to wait on Hold, so a Go test knows the request is in flight.
	// The send waits for a receiver, Hold or the client, whichever is first.
	Held chan<- string
	// Malformed answers with truncated JSON (status 200 unless Status is set).
	Malformed bool
	// ContentType answers with this content type and a matching non-JSON body
	// (an HTML page for text/html), status 200 unless Status is set.
	ContentType string
	// Reset closes the connection without any response.
	Reset bool
	// Times applies the fault to the next Times matching requests only; 0
	// means until removed.
	Times int
	// Probability, if > 0, applies the fault to that random fraction of
	// matching requests (those count against Times only when applied).
	Probability float64
}

func (f Fault) validate() error {
	switch {
	case f.Status != 0 && (f.Status < 100 || f.Status > 599):
		return fmt.Errorf("status %d is not an HTTP status", f.Status)
	case f.Latency < 0 || f.Latency > 10*time.Minute:
		return fmt.Errorf("latency %v must be between 0 and 10m", f.Latency)
	case f.Times < 0:
		return fmt.Errorf("times %d must not be negative", f.Times)
	case f.Probability < 0 || f.Probability > 1:
		return fmt.Errorf("probability %v must be between 0 and 1", f.Probability)
	case f.Status == 0 && !f.Malformed && f.ContentType == "" && !f.Reset && f.Latency == 0 && f.Hold == nil && f.Held == nil:
		return errors.New("the fault does nothing: set status, latency, hold, malformed, contentType or reset")
	}
	return nil
}

type activeFault struct {
	id        int
	fault     Fault
	remaining int // meaningful when fault.Times > 0
}

// InjectFault adds f and returns a function that removes it (safe to call
// more than once). It panics if f is invalid (status outside 100–599,
// negative Times, Probability outside [0,1], or no effect at all): faults are
// written by tests, and a typo should fail loudly.
func (s *Server) InjectFault(f Fault) (remove func()) {
	id, err := s.addFault(f)
	if err != nil {
		panic("cdfsim: InjectFault: " + err.Error())
	}
	return func() { s.removeFault(id) }
}

func (s *Server) addFault(f Fault) (int, error) {
	if err := f.validate(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextFaultID++
	s.faults = append(s.faults, &activeFault{id: s.nextFaultID, fault: f, remaining: f.Times})
	return s.nextFaultID, nil
}

func (s *Server) removeFault(id int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, af := range s.faults {
		if af.id == id {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			return true
		}
	}
	return false
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault picks the fault to apply to a request, if any, and counts it.
func (s *Server) takeFault(path string, kind routeKind) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, af := range s.faults {
		f := af.fault
		if (f.Match == "" && kind != kindAPI) || !strings.Contains(path, f.Match) {
			continue
		}
		if f.Probability > 0 && rand.Float64() >= f.Probability {
			continue
		}
		if f.Times > 0 {
			af.remaining--
			if af.remaining <= 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return f, true
	}
	return Fault{}, false
}

// applyFault carries f out and reports whether it answered the request.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f Fault, kind routeKind) bool {
	s.log.Info("injecting fault", "path", r.URL.Path, "status", f.Status, "latency", f.Latency,
		"malformed", f.Malformed, "content_type", f.ContentType, "reset", f.Reset)
	if f.Latency > 0 || f.Hold != nil || f.Held != nil {
		// The server notices a client hanging up only once the request body
		// has been read, so read it now and replay it to the handler later.
		bufferBody(r)
		if !f.wait(r) {
			return true // nobody is listening any more
		}
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	if f.Reset {
		resetConnection(w)
		return true
	}
	if f.Status == 0 && !f.Malformed && f.ContentType == "" {
		return false
	}
	status := cmpOr(f.Status, http.StatusOK)
	var ctype, body string
	switch {
	case f.Malformed:
		ctype, body = "application/json", `{"items":[{"id":1,"name":"trunc`
	case status == http.StatusOK:
		ctype, body = "text/plain; charset=utf-8", "OK\n"
	case kind == kindToken:
		ctype, body = "application/json", mustJSON(wireOAuthError{Error: oauthErrorCode(status), Description: "injected fault"})
	case kind == kindDownload:
		ctype = "application/xml; charset=UTF-8"
		body = fmt.Sprintf("<?xml version='1.0' encoding='UTF-8'?><Error><Code>%s</Code><Message>injected fault</Message></Error>", strings.ReplaceAll(http.StatusText(status), " ", ""))
	default:
		ctype, body = "application/json", mustJSON(wireError{Error: wireErrorBody{Code: status, Message: faultMessage(status)}})
	}
	if f.ContentType != "" {
		ctype = f.ContentType
		if !f.Malformed {
			body = "not JSON: an intermediary answered instead of CDF\n"
			if strings.Contains(f.ContentType, "html") {
				body = fmt.Sprintf("<!DOCTYPE html>\n<html><head><title>%d %s</title></head><body><h1>%[1]d %[2]s</h1><p>The proxy could not reach the upstream server.</p></body></html>\n", status, http.StatusText(status))
			}
		}
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
	return true
}

// wait waits for f's Latency, then for its Hold, and reports whether the
// client is still there.
func (f Fault) wait(r *http.Request) bool {
	done := r.Context().Done()
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-done:
			return false
		}
	}
	if f.Held != nil {
		select {
		case f.Held <- r.URL.Path:
		case <-f.Hold: // a nil Hold never ends this wait
		case <-done:
			return false
		}
	}
	if f.Hold != nil {
		select {
		case <-f.Hold:
		case <-done:
			return false
		}
	}
	return true
}

// bufferBody reads r.Body into memory and replaces it with a reader that
// replays the bytes and then the read error, if any (e.g. body too large).
func bufferBody(r *http.Request) {
	if r.Body == nil || r.Body == http.NoBody {
		return
	}
	data, err := io.ReadAll(r.Body)
	if err == nil {
		err = io.EOF
	}
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(data), errorReader{err}))
}

type errorReader struct{ err error }

func (e errorReader) Read([]byte) (int, error) { return 0, e.err }

// resetConnection drops the connection without answering: hijacked and
// closed with SO_LINGER 0 (a TCP RST) where possible, otherwise aborted.
func resetConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // the server drops the connection
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

func faultMessage(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return "Project exceeded maximum number='50' of concurrent requests. Please try again later."
	case http.StatusUnauthorized:
		return "Could not authenticate."
	case http.StatusForbidden:
		return "Resource not found. This may also be due to insufficient access rights."
	default:
		if t := http.StatusText(status); t != "" {
			return t
		}
		return "Injected fault"
	}
}

func oauthErrorCode(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return "invalid_client"
	case status == http.StatusServiceUnavailable, status == http.StatusTooManyRequests:
		return "temporarily_unavailable"
	case status >= 500:
		return "server_error"
	default:
		return "invalid_request"
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// wireFault is the JSON form of Fault for /_sim/faults.
type wireFault struct {
	ID          int          `json:"id,omitempty"`
	Match       string       `json:"match"`
	Status      int          `json:"status,omitempty"`
	RetryAfter  string       `json:"retryAfter,omitempty"`
	Latency     wireDuration `json:"latency,omitempty"`
	Malformed   bool         `json:"malformed,omitempty"`
	ContentType string       `json:"contentType,omitempty"`
	Reset       bool         `json:"reset,omitempty"`
	Times       int          `json:"times,omitempty"`
	Probability float64      `json:"probability,omitempty"`
}

// wireDuration reads a Go duration string ("1.5s") or a number of
// milliseconds, and writes a duration string.
type wireDuration time.Duration

func (d wireDuration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

func (d *wireDuration) UnmarshalJSON(b []byte) error {
	var ms float64
	if err := json.Unmarshal(b, &ms); err == nil {
		*d = wireDuration(ms * float64(time.Millisecond))
		return nil
	}
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return errors.New("latency must be a duration string like \"250ms\" or a number of milliseconds")
	}
	v, err := time.ParseDuration(str)
	if err != nil {
		return fmt.Errorf("latency: %w", err)
	}
	*d = wireDuration(v)
	return nil
}

// serveAdmin serves the unauthenticated /_sim/ routes:
//
//	GET    /_sim/faults       list active faults
//	POST   /_sim/faults       add a fault (JSON wireFault) -> {"id":N}
//	DELETE /_sim/faults       remove every fault
//	DELETE /_sim/faults/{id}  remove one fault
//	GET|POST /_sim/capabilities[/revoke|/restore]  see serveCapabilities
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	err := func() error {
		p := strings.TrimSuffix(r.URL.Path, "/")
		switch {
		case p == "/_sim/capabilities" || strings.HasPrefix(p, "/_sim/capabilities/"):
			return s.serveCapabilities(w, r, p)
		case p == "/_sim/faults":
			switch r.Method {
			case http.MethodGet:
				writeJSON(w, http.StatusOK, wireItems[wireFault]{Items: s.listFaults()})
			case http.MethodPost:
				var wf wireFault
				if err := decodeJSON(r, &wf); err != nil {
					return err
				}
				id, err := s.addFault(Fault{
					Match: wf.Match, Status: wf.Status, RetryAfter: wf.RetryAfter,
					Latency: time.Duration(wf.Latency), Malformed: wf.Malformed,
					ContentType: wf.ContentType, Reset: wf.Reset, Times: wf.Times,
					Probability: wf.Probability,
				})
				if err != nil {
					return badRequest("Invalid fault: %v", err)
				}
				writeJSON(w, http.StatusCreated, map[string]int{"id": id})
			case http.MethodDelete:
				s.ClearFaults()
				w.WriteHeader(http.StatusNoContent)
			default:
				return &apiError{status: http.StatusMethodNotAllowed, message: "Method " + r.Method + " not allowed", allow: "GET, POST, DELETE"}
			}
			return nil
		case strings.HasPrefix(p, "/_sim/faults/"):
			if r.Method != http.MethodDelete {
				return &apiError{status: http.StatusMethodNotAllowed, message: "Method " + r.Method + " not allowed", allow: "DELETE"}
			}
			id, err := strconv.Atoi(strings.TrimPrefix(p, "/_sim/faults/"))
			if err != nil || !s.removeFault(id) {
				return &apiError{status: http.StatusNotFound, message: "No fault with id " + strings.TrimPrefix(p, "/_sim/faults/")}
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		default:
			return &apiError{status: http.StatusNotFound, message: "Not Found: " + r.URL.Path}
		}
	}()
	if err != nil {
		writeAPIError(w, err)
	}
}

func (s *Server) listFaults() []wireFault {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]wireFault, 0, len(s.faults))
	for _, af := range s.faults {
		f := af.fault
		times := f.Times
		if times > 0 {
			times = af.remaining
		}
		out = append(out, wireFault{
			ID: af.id, Match: f.Match, Status: f.Status, RetryAfter: f.RetryAfter,
			Latency: wireDuration(f.Latency), Malformed: f.Malformed, ContentType: f.ContentType,
			Reset: f.Reset, Times: times, Probability: f.Probability,
		})
	}
	return out
}
