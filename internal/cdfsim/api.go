package cdfsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// apiError is an error answered with a CDF error body (§4.1).
type apiError struct {
	status     int
	message    string
	missing    []any
	duplicated []any
	allow      string // Allow header for 405
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s", e.status, e.message) }

func badRequest(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, message: fmt.Sprintf(format, args...)}
}

// apiHandler is one API route. It writes a success response itself and
// returns an error for everything else; serveAPIRoute answers errors.
type apiHandler func(w http.ResponseWriter, r *http.Request) error

const projectsPrefix = "/api/v1/projects/"

func (s *Server) apiRoutes() *http.ServeMux {
	mux := http.NewServeMux()
	routes := []struct {
		pattern, method string
		need            string // capability needed besides filesAcl:READ
		h               apiHandler
	}{
		{"context/vision/segment", http.MethodPost, "", s.postSegmentJob},
		{"context/vision/segment/{jobId}", http.MethodGet, "", s.getSegmentJob},
		{"files/byids", http.MethodPost, "", s.filesByIDs},
		{"files/downloadlink", http.MethodPost, "", s.downloadLinks},
		{"files/{id}", http.MethodGet, "", s.fileByID},
		{"annotations", http.MethodPost, CapAnnotationsWrite, s.createAnnotations},
		{"annotations/suggest", http.MethodPost, CapAnnotationsSuggest, s.suggestAnnotations},
		{"annotations/list", http.MethodPost, CapAnnotationsRead, s.listAnnotations},
		{"annotations/byids", http.MethodPost, CapAnnotationsRead, s.annotationsByIDs},
		{"annotations/{annotationId}", http.MethodGet, CapAnnotationsRead, s.annotationByID},
		{"annotations/update", http.MethodPost, CapAnnotationsWrite, s.updateAnnotations},
		{"annotations/delete", http.MethodPost, CapAnnotationsWrite, s.deleteAnnotations},
	}
	for _, rt := range routes {
		mux.Handle(projectsPrefix+"{project}/"+rt.pattern, s.route(rt.method, rt.need, rt.h))
	}
	mux.Handle(tokenInspectPath, apiHandlerFunc(s.tokenInspect))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeAPIError(w, &apiError{status: http.StatusNotFound, message: "Not Found: " + r.URL.Path})
	})
	return mux
}

// errNoProjectAccess answers a request for a project that is not served,
// or that the caller cannot reach. Both get the same 403: the caller
// authenticated (so not 401, cdf-api.md §5.4), and the message, CDF's own
// (§5.4, from a Python SDK test of a 403), does not tell a project that
// does not exist from one the caller may not see.
var errNoProjectAccess = &apiError{status: http.StatusForbidden, message: "Resource not found. This may also be due to insufficient access rights."}

// apiHandlerFunc answers the error h returns, if any.
func apiHandlerFunc(h apiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			writeAPIError(w, err)
		}
	})
}

// route wraps h with the checks every project route shares, in the order
// CDF applies them: project access (served, and reachable by the caller),
// method, then the capabilities: filesAcl:READ and need, if not empty.
func (s *Server) route(method, need string, h apiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := func() error {
			project := r.PathValue("project")
			if s.projects[project] == nil || !principalFrom(r.Context()).reaches(project) {
				return errNoProjectAccess
			}
			if r.Method != method {
				return &apiError{status: http.StatusMethodNotAllowed, message: "Method " + r.Method + " not allowed", allow: method}
			}
			for _, c := range []string{CapFilesRead, need} {
				if c != "" && !s.allowed(principalFrom(r.Context()), c) {
					return &apiError{status: http.StatusForbidden, message: "Insufficient access rights: this route needs " + c + " in project " + project + "."}
				}
			}
			return h(w, r)
		}()
		if err != nil {
			writeAPIError(w, err)
		}
	})
}

// serveAPI authenticates every request under /api/v1/projects/, and
// /api/v1/token/inspect, and routes it.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, projectsPrefix) || r.URL.Path == tokenInspectPath {
		p, ok := s.authenticate(r)
		if !ok {
			writeAPIError(w, &apiError{status: http.StatusUnauthorized, message: "Could not authenticate."})
			return
		}
		if !p.service {
			s.recordPerson(p.subject, r.URL.Path)
		}
		r = r.WithContext(withPrincipal(r.Context(), p))
	}
	s.api.ServeHTTP(w, r)
}

// writeAPIError answers err as a CDF error body. Errors that are not
// *apiError are internal bugs and become 500.
func writeAPIError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{status: http.StatusInternalServerError, message: "Internal server error"}
	}
	if ae.allow != "" {
		w.Header().Set("Allow", ae.allow)
	}
	writeJSON(w, ae.status, wireError{Error: wireErrorBody{
		Code: ae.status, Message: ae.message, Missing: ae.missing, Duplicated: ae.duplicated,
	}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only our own wire structs get here; failing to marshal is a bug.
		http.Error(w, "cdfsim: marshal: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// decodeJSON strictly decodes a request body into v: unknown fields, trailing
// data and oversized bodies are errors, as they are for CDF.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return jsonError(err)
		}
		return badRequest("Unexpected data after the JSON body")
	}
	return nil
}

func jsonError(err error) *apiError {
	var (
		maxErr    *http.MaxBytesError
		typeErr   *json.UnmarshalTypeError
		syntaxErr *json.SyntaxError
	)
	switch {
	case errors.As(err, &maxErr):
		return &apiError{status: http.StatusRequestEntityTooLarge, message: fmt.Sprintf("Request body exceeds %d bytes", maxErr.Limit)}
	case errors.Is(err, io.EOF):
		return badRequest("Request body is missing")
	case errors.As(err, &typeErr):
		return badRequest("Invalid value for %q: expected %s, got %s", typeErr.Field, typeErr.Type, typeErr.Value)
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("Unable to parse the request body as JSON: %v", err)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return badRequest("Unrecognized field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	default:
		return badRequest("Invalid request body: %v", err)
	}
}
